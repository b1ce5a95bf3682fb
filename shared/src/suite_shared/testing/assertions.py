"""Assertions and probes every service's tests use: problem+json answers, outbox contents,
the indexes a query plan uses."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from sqlalchemy import event, select

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


@contextlib.contextmanager
def statements_sent(app, marker: str) -> Iterator[list[tuple[str, Any]]]:
    """The SQL statements containing ``marker`` that the app sends while the block runs, with
    their parameters (to EXPLAIN them afterwards as the routes really sent them)."""
    sent: list[tuple[str, Any]] = []
    engine = app.state.runtime.engine.sync_engine

    def keep(conn, cursor, statement, parameters, *args):
        if marker in statement and "outbox" not in statement:
            sent.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", keep)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", keep)


async def assert_plans_use(app, statements: list[tuple[str, Any]], index: str) -> None:
    """Each statement's plan can be answered through ``index``. Seq scans are off, so the
    planner shows what it could use on a test table too small to bother with indexes."""
    assert statements, "no statement was captured"
    async with app.state.runtime.session_factory() as session:
        connection = await session.connection()
        await connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
        for statement, parameters in statements:
            rows = await connection.exec_driver_sql("EXPLAIN " + statement, parameters)
            plan = "\n".join(row[0] for row in rows)
            assert index in plan, f"{statement}\n{plan}"
