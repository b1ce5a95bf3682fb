"""The outbox relay: publishes committed outbox rows and marks them sent.

One pass claims a batch with ``FOR UPDATE SKIP LOCKED`` (replicas share the work and never
publish the same row at once), publishes every row of the batch concurrently with publisher
confirms (awaiting confirms one by one caps a publisher at a few hundred per second), and marks
the confirmed rows sent in the same transaction. A relay that dies after publishing and before
committing leaves the rows unsent: they are published again, and the consumers' inbox makes the
duplicate harmless. Between passes the relay sleeps until a NOTIFY from the outbox trigger or
the polling interval, whichever comes first.

While the broker is away the relay does not touch the database, and after a failed pass it
waits (growing from 0.5 s to 5 s) instead of starting another at the next NOTIFY: an outage
once had 121 rows tried 7,157 times in 10 s.

A pass runs on the relay's own asyncpg connection, the one that LISTENs (so the connection
budget is what it was), with three prepared statements and the envelope read as text and
published as it is stored: through SQLAlchemy a one-row pass cost ~1.7 ms of CPU, on the
connection ~0.3 ms (docs/performance.md). A pass that fails closes that connection; the next
one opens a new one.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from datetime import timedelta

import asyncpg
import structlog
from sqlalchemy import delete, func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from suite_shared import idempotency
from suite_shared.messaging.backoff import Backoff
from suite_shared.messaging.broker import Broker
from suite_shared.messaging.tables import OUTBOX_CHANNEL, outbox
from suite_shared.observability import metrics
from suite_shared.settings import to_plain_postgres_url

log = structlog.get_logger(__name__)

RETENTION = timedelta(days=7)
BROKER_CHECK_INTERVAL_S = 0.25

CLAIM_SQL = """
SELECT seq, id, routing_key, envelope::text AS body FROM outbox
WHERE published_at IS NULL ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED
"""
MARK_SENT_SQL = "UPDATE outbox SET published_at = now() WHERE seq = ANY($1::bigint[])"
MARK_FAILED_SQL = """
UPDATE outbox SET attempts = attempts + 1, last_error = failed.error
FROM unnest($1::bigint[], $2::text[]) AS failed(seq, error) WHERE outbox.seq = failed.seq
"""


@dataclass(frozen=True, slots=True)
class OutboxRow:
    seq: int
    id: str
    routing_key: str
    body: str  # the envelope's JSON, as PostgreSQL renders the jsonb


class OutboxRelay:
    def __init__(
        self,
        engine: AsyncEngine,
        broker: Broker,
        *,
        batch_size: int = 200,
        poll_interval_s: float = 1.0,
        publish_timeout_s: float = 30.0,
    ):
        self.engine = engine
        # RabbitMQ blocks publishers under a memory or disk alarm; without a limit the batch's
        # transaction (row locks, a connection) would stay open for as long as the alarm lasts.
        self.publish_timeout_s = publish_timeout_s
        self.broker = broker
        self.batch_size = batch_size
        self.poll_interval_s = poll_interval_s
        self._wake = asyncio.Event()
        self.last_pass_failed = False
        self.last_claimed = 0
        self._conn: asyncpg.Connection | None = None
        self._task: asyncio.Task | None = None

    # ---- lifecycle -------------------------------------------------------------------------
    async def start(self) -> None:
        with contextlib.suppress(OSError, asyncpg.PostgresError):
            await self._connection()  # else the first pass opens it
        self._task = asyncio.create_task(self._run(), name="outbox-relay")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._conn is not None:
            with contextlib.suppress(Exception):
                await self._conn.close()

    def wake(self) -> None:
        self._wake.set()

    async def _connection(self) -> asyncpg.Connection:
        """The relay's connection, LISTENing for outbox inserts (opened again when lost)."""
        if self._conn is None or self._conn.is_closed():
            self._conn = None
            connection = await asyncpg.connect(
                to_plain_postgres_url(str(self.engine.url.render_as_string(hide_password=False)))
            )
            await connection.add_listener(OUTBOX_CHANNEL, lambda *_: self._wake.set())
            self._conn = connection
        return self._conn

    async def _drop_connection(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):
                self._conn.terminate()
            self._conn = None

    async def _run(self) -> None:
        last_cleanup = 0.0
        loop = asyncio.get_running_loop()
        backoff = Backoff(initial=0.5, maximum=5.0)
        while True:
            self._wake.clear()
            if not self.broker.is_connected:
                # Nothing can be published: leave the database alone until the broker is back
                # (robust reconnects take seconds), whatever the inserts' NOTIFYs say. Looking
                # costs nothing, so look often: the backlog goes out as soon as it is back.
                await asyncio.sleep(BROKER_CHECK_INTERVAL_S)
                continue
            try:
                published = await self.publish_batch()
                if loop.time() - last_cleanup > 3600:
                    await self.delete_old_rows()
                    last_cleanup = loop.time()
            except asyncio.CancelledError:
                raise
            except Exception as error:  # keep relaying whatever went wrong with one pass
                await self._drop_connection()
                delay = backoff.next_delay()
                log.error("outbox relay pass failed", error=repr(error), retry_in_s=delay)
                await asyncio.sleep(delay)
                continue
            if self.last_pass_failed and published == 0:
                # The broker refuses everything: don't hammer it. (A pass where some rows went
                # out goes on at once: one row that cannot be published must not slow the rest.)
                await asyncio.sleep(backoff.next_delay())
                continue
            backoff.reset()
            if self.last_claimed >= self.batch_size:
                continue  # a full batch: more may be waiting, no sleep
            # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancellation that
            # arrives as the event is set, and stop() then waits for ever.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.poll_interval_s):
                    await self._wake.wait()

    # ---- one pass --------------------------------------------------------------------------
    async def publish_batch(self) -> int:
        """Publish one batch; returns how many rows were published."""
        conn = await self._connection()
        async with conn.transaction():
            rows = await self._claim(conn)
            self.last_pass_failed = False
            self.last_claimed = len(rows)
            if not rows:
                return 0
            sent, failed = await self._publish(rows)
            await self._mark(conn, sent, failed)
            self.last_pass_failed = bool(failed)
        metrics.outbox_published.inc(len(sent))
        return len(sent)

    async def _claim(self, conn: asyncpg.Connection) -> list[OutboxRow]:
        records = await conn.fetch(CLAIM_SQL, self.batch_size)
        return [OutboxRow(r["seq"], str(r["id"]), r["routing_key"], r["body"]) for r in records]

    async def _publish(self, rows: list[OutboxRow]) -> tuple[list[int], dict[int, str]]:
        async def one(row: OutboxRow) -> None:
            async with asyncio.timeout(self.publish_timeout_s):
                await self.broker.publish(row.routing_key, row.body.encode(), message_id=row.id)

        results = await asyncio.gather(*(one(r) for r in rows), return_exceptions=True)
        sent = [r.seq for r, res in zip(rows, results, strict=True) if res is None]
        failed = {r.seq: repr(res) for r, res in zip(rows, results, strict=True) if res is not None}
        return sent, failed

    async def _mark(
        self, conn: asyncpg.Connection, sent: list[int], failed: dict[int, str]
    ) -> None:
        if sent:
            await conn.execute(MARK_SENT_SQL, sent)
        if not failed:
            return
        # One line per pass, not per row: a broker outage would otherwise flood the log.
        first_seq, first_error = next(iter(failed.items()))
        log.warning("outbox publish failed", rows=len(failed), seq=first_seq, error=first_error)
        await conn.execute(
            MARK_FAILED_SQL, list(failed), [error[:2000] for error in failed.values()]
        )

    async def delete_old_rows(self) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(
                delete(outbox).where(
                    outbox.c.published_at.is_not(None),
                    outbox.c.published_at < func.now() - RETENTION,
                )
            )
            # Idempotency keys (suite_shared.idempotency) of services that take them.
            if await conn.scalar(text("SELECT to_regclass('idempotent_requests') IS NOT NULL")):
                await idempotency.delete_expired(conn)

    async def backlog(self) -> int:
        async with self.engine.connect() as conn:
            query = select(func.count()).select_from(outbox).where(outbox.c.published_at.is_(None))
            return (await conn.execute(query)).scalar_one()
