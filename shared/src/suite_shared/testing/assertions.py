"""Assertions and probes every service's tests use: problem+json answers, outbox contents."""

from __future__ import annotations

from sqlalchemy import select

from suite_shared.messaging.tables import outbox


def assert_problem(response, status: int, slug: str, field: str | None = None) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == f"/problems/{slug}", body
    if field is not None:
        assert body["field"] == field, body
    return body


async def outbox_events(app, type_prefix: str) -> list[dict]:
    """Envelopes in the app's outbox whose type starts with ``type_prefix``, oldest first."""
    async with app.state.runtime.session_factory() as session:
        rows = await session.execute(
            select(outbox.c.envelope)
            .where(outbox.c.routing_key.startswith(type_prefix))
            .order_by(outbox.c.seq)
        )
        return [r.envelope for r in rows]
