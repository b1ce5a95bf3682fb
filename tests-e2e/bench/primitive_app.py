"""The primitive every figure of `make bench` is divided by: one FastAPI request that makes one
asyncpg INSERT, served as the services are (uvicorn, uvloop, httptools)."""

from __future__ import annotations

import contextlib
import os

import asyncpg
from fastapi import FastAPI
from pydantic import BaseModel


class Row(BaseModel):
    name: str


@contextlib.asynccontextmanager
async def lifespan(app: FastAPI):
    app.state.pool = await asyncpg.create_pool(
        os.environ["PRIMITIVE_DATABASE"], min_size=1, max_size=3
    )
    await app.state.pool.execute(
        "CREATE TABLE IF NOT EXISTS primitive_rows (id bigserial PRIMARY KEY, name text NOT NULL)"
    )
    yield
    await app.state.pool.close()


app = FastAPI(lifespan=lifespan)


@app.post("/rows", status_code=201)
async def create(row: Row) -> dict:
    new_id = await app.state.pool.fetchval(
        "INSERT INTO primitive_rows (name) VALUES ($1) RETURNING id", row.name
    )
    return {"id": new_id}
