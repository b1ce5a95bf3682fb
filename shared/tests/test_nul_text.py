"""U+0000 in a request is bad input (422 naming the body), not a 500, whether it lands in a
text column or in a jsonb one (found by the fuzz gate: a meeting's attendees, kept in jsonb)."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from sqlalchemy import text

from suite_shared.errors import install_error_handlers


async def test_nul_in_text_and_in_jsonb_is_a_422(engine):
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE IF NOT EXISTS notes (body text, details jsonb)"))
    app = FastAPI()
    install_error_handlers(app)

    @app.post("/notes")
    async def add(body: dict) -> dict:
        async with engine.begin() as conn:
            await conn.execute(
                text("INSERT INTO notes VALUES (:body, CAST(:details AS jsonb))"),
                {"body": body.get("body", ""), "details": body.get("details", "{}")},
            )
        return {}

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        assert (await client.post("/notes", json={"body": "ok"})).status_code == 200
        for sent in ({"body": "a\u0000b"}, {"details": '{"attendees": ["a\\u0000b"]}'}):
            response = await client.post("/notes", json=sent)
            assert response.status_code == 422, (sent, response.text)
            assert response.json()["field"] == "body"
