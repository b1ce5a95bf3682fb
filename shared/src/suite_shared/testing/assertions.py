"""Assertions and probes every service's tests use: problem+json answers, outbox contents."""

from __future__ import annotations

from sqlalchemy import select

from suite_shared.messaging.tables import outbox

# The slug each status has unless a route says otherwise (409s always name their own).
DEFAULT_SLUGS = {401: "unauthorized", 403: "forbidden", 404: "not-found", 422: "validation-error"}


def assert_problem(
    response, status: int, slug: str | None = None, field: str | None = None
) -> dict:
    slug = slug or DEFAULT_SLUGS[status]
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
