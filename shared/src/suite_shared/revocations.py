"""Revoked access tokens: user id → the lowest token version (claim ``tv``) still valid.

Two issuers revoke: identity for staff (below) and the portal for customers, whose accounts
staff revoke, lock or reset (``portal.account.tokens_revoked``, its list at the same path on
the portal). Both travel the same way into the same list, keyed by the token's subject.

identity bumps a user's token version when the user is deactivated, gets another role (or the
role's permissions change), or has the password reset or changed, and publishes
``identity.user.tokens_revoked`` through its outbox. Every process that verifies tokens (each
service's TokenVerifier, the gateway's edge check) keeps the list in memory and refuses a token
of that user whose ``tv`` is lower (a token without ``tv`` counts as version 0). It learns
entries two ways:

- a broadcast: the process's own exclusive, auto-delete queue bound to that routing key on the
  events exchange. It is not a work queue: every replica must see every revocation, so it is
  not in SUBSCRIPTIONS, whose queues are shared by a service's replicas;
- identity's list, ``GET /.well-known/revocations`` (every entry whose tokens may not have
  expired yet), at start, every minute and whenever the broker connection comes back: it covers
  what was published while the queue was away (broker restart, process not yet started).

An entry matters until every token it refuses has expired (``until``: the revocation plus the
access-token lifetime, on identity's clock), and is then forgotten.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime
from typing import Any

import httpx
import structlog
from aio_pika.abc import AbstractIncomingMessage, AbstractQueue, AbstractRobustChannel

from suite_shared.events.envelope import Envelope
from suite_shared.events.identity import TokensRevoked
from suite_shared.events.portal import CustomerTokensRevoked
from suite_shared.messaging.broker import Broker
from suite_shared.messaging.topology import declare_exchanges

log = structlog.get_logger(__name__)

TOKENS_REVOKED = TokensRevoked.event_type  # type: ignore[attr-defined]
CUSTOMER_TOKENS_REVOKED = CustomerTokensRevoked.event_type  # type: ignore[attr-defined]
# The revocation events, by type: each issuer's, the same fields.
REVOCATION_EVENTS = {TOKENS_REVOKED: TokensRevoked, CUSTOMER_TOKENS_REVOKED: CustomerTokensRevoked}
REVOCATIONS_PATH = "/.well-known/revocations"
POLL_INTERVAL_S = 60.0
RETRY_INTERVAL_S = 2.0  # first retry after a failed fetch; doubles up to POLL_INTERVAL_S
FETCH_TIMEOUT_S = 5.0
# Clocks of identity and of the verifier differ a little: keep an entry this much longer.
CLOCK_LEEWAY_S = 60.0

Fetch = Callable[[], Awaitable[Iterable[dict[str, Any]]]]


def _timestamp(value: datetime | str | float) -> float:
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.timestamp()


class Revocations:
    """The in-memory list; one per process, shared by its verifiers."""

    def __init__(self) -> None:
        self._entries: dict[str, tuple[int, float]] = {}

    def add(self, user_id: str | uuid.UUID, min_version: int, until: datetime | str | float):
        """Tokens of ``user_id`` below ``min_version`` are refused until ``until``. Entries
        only ever tighten: an older, lower revocation arriving late changes nothing."""
        key = str(user_id)
        until_ts = _timestamp(until)
        current = self._entries.get(key)
        if current is not None:
            min_version, until_ts = max(min_version, current[0]), max(until_ts, current[1])
        self._entries[key] = (int(min_version), until_ts)

    def add_all(self, entries: Iterable[dict[str, Any]]) -> int:
        count = 0
        for entry in entries:
            self.add(entry["user_id"], int(entry["min_token_version"]), entry["until"])
            count += 1
        self.prune()
        return count

    def minimum(self, user_id: str) -> int | None:
        """The lowest valid token version of ``user_id``, or None when any version is."""
        entry = self._entries.get(user_id)
        if entry is None:
            return None
        if entry[1] + CLOCK_LEEWAY_S < time.time():
            self._entries.pop(user_id, None)
            return None
        return entry[0]

    def prune(self) -> None:
        now = time.time() - CLOCK_LEEWAY_S
        self._entries = {k: v for k, v in self._entries.items() if v[1] >= now}

    def __len__(self) -> int:
        return len(self._entries)


def http_fetch(identity_url: str, timeout_s: float = FETCH_TIMEOUT_S) -> Fetch:
    """Read identity's list over HTTP (what every process but identity itself does).
    ``identity_url`` may list replicas separated by commas (the gateway's setting under
    devrun): they are asked in turn until one answers."""
    urls = [u.strip().rstrip("/") + REVOCATIONS_PATH for u in identity_url.split(",") if u.strip()]

    async def fetch() -> list[dict[str, Any]]:
        error: Exception = ValueError(f"no identity URL in {identity_url!r}")
        async with httpx.AsyncClient(timeout=timeout_s) as client:
            for url in urls:
                try:
                    response = await client.get(url)
                    response.raise_for_status()
                    return response.json()["items"]
                except (httpx.HTTPError, ValueError, KeyError) as failed:
                    error = failed
        raise error

    return fetch


class PartialFetch(Exception):
    """Some issuers' lists were read (``entries``) and some were not (``errors``)."""

    def __init__(self, entries: list[dict[str, Any]], errors: list[BaseException]):
        super().__init__("; ".join(repr(e) for e in errors))
        self.entries = entries


def combined_fetch(*fetches: Fetch) -> Fetch:
    """Read several issuers' lists at once. One that does not answer (the portal not deployed
    yet, or restarting) does not keep the others' entries out: they come with the failure."""

    async def fetch() -> list[dict[str, Any]]:
        results = await asyncio.gather(*(f() for f in fetches), return_exceptions=True)
        entries = [e for r in results if not isinstance(r, BaseException) for e in r]
        errors = [r for r in results if isinstance(r, BaseException)]
        for error in errors:
            if isinstance(error, asyncio.CancelledError):
                raise error
        if errors:
            raise PartialFetch(entries, errors)
        return entries

    return fetch


def issuers_fetch(identity_url: str, portal_url: str) -> Fetch:
    """Every issuer's list over HTTP: identity's (staff) and the portal's (customers)."""
    return combined_fetch(http_fetch(identity_url), http_fetch(portal_url))


class RevocationListener:
    """Keeps a :class:`Revocations` list current from the broadcast and identity's list.

    ``broker`` is the process's broker; when it is not connected yet (the gateway, which has no
    other use for the broker), the listener connects it in the background and keeps trying, so
    a process never fails to start for want of the broker: identity's list covers the gap.
    """

    def __init__(
        self,
        revocations: Revocations,
        broker: Broker,
        fetch: Fetch,
        *,
        poll_interval_s: float = POLL_INTERVAL_S,
    ):
        self.revocations = revocations
        self.broker = broker
        self.fetch = fetch
        self.poll_interval_s = poll_interval_s
        self.channel: AbstractRobustChannel | None = None
        self.queue: AbstractQueue | None = None  # kept referenced: restored on reconnect
        self.fetched_at: float | None = None
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task] = []

    # ---- lifecycle -----------------------------------------------------------------------
    async def start(self) -> None:
        if self.broker.connection is not None:
            await self._subscribe()
        else:
            self._tasks.append(asyncio.create_task(self._connect(), name="revocations-connect"))
        # Once before serving, so a process starting after a revocation refuses at once;
        # when identity does not answer yet, the poll loop retries within seconds.
        await self.refresh()
        self._tasks.append(asyncio.create_task(self._poll(), name="revocations-poll"))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        if self.channel is not None:
            with contextlib.suppress(Exception):
                await self.channel.close()  # the exclusive queue goes with it
            self.channel = None

    async def _connect(self) -> None:
        delay = 1.0
        while True:
            try:
                if self.broker.connection is None:  # a failed subscribe keeps its connection
                    await self.broker.connect()
                await self._subscribe()
                # Revocations published before the subscription were missed: read the list.
                self._wake.set()
                return
            except asyncio.CancelledError:
                raise
            except Exception as error:
                log.warning("revocations: broker not reachable", error=repr(error))
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30.0)

    async def _subscribe(self) -> None:
        connection = self.broker.connection
        assert connection is not None
        self.channel = await connection.channel()
        await declare_exchanges(self.channel, self.broker.names)
        # A unique name of our own (aio-pika re-declares a robust queue under the same name
        # after a reconnect, which a server-generated amq.gen-* name does not allow).
        name = f"{self.broker.names.namespace}.revocations.{self.broker.names.service}."
        self.queue = await self.channel.declare_queue(
            name + uuid.uuid4().hex[:12], exclusive=True, auto_delete=True
        )
        for routing_key in REVOCATION_EVENTS:
            await self.queue.bind(self.broker.names.events_exchange, routing_key=routing_key)
        await self.queue.consume(self.on_message, no_ack=True)
        # Whatever was published while the connection was down is in identity's list.
        connection.reconnect_callbacks.add(lambda *_: self._wake.set())

    # ---- the two sources -----------------------------------------------------------------
    async def on_message(self, message: AbstractIncomingMessage) -> None:
        try:
            envelope = Envelope.from_json_bytes(message.body)
            model = REVOCATION_EVENTS.get(envelope.type, TokensRevoked)
            payload = model.model_validate(envelope.data)
        except ValueError as error:
            log.warning("revocations: malformed event ignored", error=str(error))
            return
        self.revocations.add(payload.user_id, payload.min_token_version, payload.until)

    async def refresh(self) -> bool:
        """Read identity's list once; False when it could not be read."""
        try:
            async with asyncio.timeout(FETCH_TIMEOUT_S + 1):
                entries = await self.fetch()
            self.revocations.add_all(entries)
        except asyncio.CancelledError:
            raise
        except PartialFetch as partial:
            self.revocations.add_all(partial.entries)
            log.warning("revocations: an issuer's list not read", error=str(partial))
            return False
        except Exception as error:
            log.warning("revocations: identity's list not read", error=repr(error))
            return False
        self.fetched_at = time.time()
        return True

    async def _poll(self) -> None:
        failures = 0 if self.fetched_at is not None else 1
        while True:
            delay = (
                min(RETRY_INTERVAL_S * 2 ** (failures - 1), self.poll_interval_s)
                if failures
                else self.poll_interval_s
            )
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(delay):
                    await self._wake.wait()
            self._wake.clear()
            failures = 0 if await self.refresh() else failures + 1
