"""The smallest useful FastAPI endpoint: what the gateway-ratio benchmark proxies to."""

from fastapi import FastAPI

app = FastAPI()


@app.get("/ping")
async def ping() -> dict:
    return {"ok": True}


@app.get("/ready")
async def ready() -> dict:
    return {"status": "ready"}
