"""A steady, retrying load through the gateway for gates that break things under it (chaos):
customers and an order for each, every write with an Idempotency-Key, retried on 502/503/504,
429 and cut-off connections, and a ledger of what was acknowledged to reconcile against."""

from __future__ import annotations

import asyncio
import itertools
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field

import httpx

from suite_shared.devrun import LocalSuite
from suite_shared.testing.e2e import ADMIN_EMAIL, ADMIN_PASSWORD
from suite_shared.testing.infra import eventually

TRANSIENT = frozenset({502, 503, 504})
OK = frozenset({200})


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


@dataclass
class Ledger:
    """What the clients were told: the reconciliation checks the databases against it."""

    customers: dict[str, str | None] = field(default_factory=dict)  # key → id once acknowledged
    orders: dict[str, tuple[str, int, str | None]] = field(default_factory=dict)  # key → ...
    statuses: Counter = field(default_factory=Counter)  # (phase, operation, status)
    phases: dict[str, str] = field(default_factory=dict)  # key → the phase it was first sent in
    unexpected: list[str] = field(default_factory=list)


class Load:
    """Clients that create customers and an order for each through every gateway of a suite,
    as careful clients do (retrying with the same Idempotency-Key), and write down in a
    :class:`Ledger` what they were told."""

    def __init__(
        self,
        suite: LocalSuite,
        product_id: str,
        *,
        workers: int = 3,
        pace_s: float = 0.05,
        recovery_limit_s: float = 120,
    ):
        self.suite = suite
        self.product_id = product_id
        self.workers = workers
        self.pace_s = pace_s
        self.recovery_limit_s = recovery_limit_s
        self.clients = [
            httpx.AsyncClient(base_url=url + "/api/v1", timeout=40) for url in suite.gateway_urls
        ]
        self._turn = itertools.cycle(self.clients)
        self.ledger = Ledger()
        self.phase = "start"
        self.token = ""
        self.stopping = asyncio.Event()
        self.tasks: list[asyncio.Task] = []

    async def close(self) -> None:
        for client in self.clients:
            await client.aclose()

    async def login(self) -> None:
        body = {"login": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
        answer = await self.call("POST", "/identity/auth/login", "login", body, accept=OK)
        assert answer is not None, "the admin could not log in"
        self.token = answer["access_token"]

    async def call(
        self,
        method: str,
        path: str,
        operation: str,
        body: dict | None = None,
        *,
        key: str | None = None,
        accept: frozenset[int] = frozenset({201}),
        not_yet=lambda response: False,
        deadline_s: float = 300,
    ) -> dict | None:
        """Send until acknowledged (``accept``; a keyed create also takes the 200 of a replay),
        as a careful client does: the same Idempotency-Key on every try; 502/503/504, 429 and
        connection errors are retried (after Retry-After, bounded), as is an answer ``not_yet``
        recognises (another service has not heard of something yet). Anything else unexpected
        is written down and given up on."""
        if key:
            accept = accept | {200}  # the key was seen: the record it created
        deadline = time.monotonic() + deadline_s
        while time.monotonic() < deadline:
            headers = auth(self.token) if self.token and operation != "login" else {}
            if key:
                headers["Idempotency-Key"] = key
            try:
                response = await next(self._turn).request(method, path, headers=headers, json=body)
            except httpx.TransportError as error:
                self.ledger.statuses[(self.phase, operation, type(error).__name__)] += 1
                await asyncio.sleep(0.2)
                continue
            status = response.status_code
            self.ledger.statuses[(self.phase, operation, status)] += 1
            if status in accept:
                return response.json()
            if status in TRANSIENT or status == 429:
                await asyncio.sleep(_retry_after(response))
                continue
            if status == 401 and operation != "login":
                await self.login()
                continue
            if not_yet(response):
                await asyncio.sleep(0.2)
                continue
            self.ledger.unexpected.append(
                f"{self.phase}: {method} {path} → {status} {response.text[:300]}"
            )
            return None
        self.ledger.unexpected.append(f"{self.phase}: {method} {path} never acknowledged")
        return None

    async def customer_and_order(self, key: str, quantity: int) -> tuple[str, str] | None:
        ledger = self.ledger
        ledger.customers[key] = None
        ledger.phases[key] = self.phase
        created = await self.call(
            "POST", "/customers/customers", "customer", {"name": key, "source": "website"}, key=key
        )
        if created is None:
            return None
        ledger.customers[key] = created["id"]
        order_key = "order-" + key
        ledger.orders[order_key] = (created["id"], quantity, None)
        line = {"product_id": self.product_id, "unit": "chai", "quantity": quantity}
        order = await self.call(
            "POST",
            "/orders/orders",
            "order",
            {"customer_id": created["id"], "lines": [line]},
            key=order_key,
            not_yet=_customer_not_known_yet,
        )
        if order is None:
            return None
        ledger.orders[order_key] = (created["id"], quantity, order["id"])
        return created["id"], order["id"]

    async def worker(self, number: int) -> None:
        for i in itertools.count():
            if self.stopping.is_set():
                return
            await self.customer_and_order(f"chaos-{number}-{i}-{uuid.uuid4().hex[:6]}", 1 + i % 3)
            await asyncio.sleep(self.pace_s)

    def start(self) -> None:
        self.tasks = [asyncio.create_task(self.worker(n)) for n in range(self.workers)]

    async def stop(self) -> None:
        self.stopping.set()
        await asyncio.gather(*self.tasks)

    async def probe(self, name: str) -> None:
        """A customer and its order all the way through: owner decided, stock reserved."""
        placed = await self.customer_and_order(f"probe-{name}-{uuid.uuid4().hex[:6]}", 1)
        assert placed is not None, f"the probe after {name} was not acknowledged"
        customer_id, order_id = placed

        async def owned():
            found = await self.call("GET", f"/customers/customers/{customer_id}", "read", accept=OK)
            return found is not None and found["owner_id"] is not None

        async def reserved():
            found = await self.call("GET", f"/orders/orders/{order_id}", "read", accept=OK)
            return found is not None and found["stock_state"] == "reserved"

        await eventually(owned, timeout=self.recovery_limit_s, interval=0.2)
        await eventually(reserved, timeout=self.recovery_limit_s, interval=0.2)


def _retry_after(response: httpx.Response) -> float:
    try:
        return min(2.0, max(0.1, float(response.headers.get("retry-after", "0.2"))))
    except ValueError:
        return 0.2


def _customer_not_known_yet(response: httpx.Response) -> bool:
    """Orders learns a customer from customers' event: until then the placement is refused."""
    return response.status_code == 422 and response.json().get("field") == "customer_id"
