"""The chaos gate (issue 12, gate 3): faults under steady load, then a reconciliation from the
databases.

A suite of its own (default settings: duplicate checks off, default pools) takes a steady load
through the gateway: customers created from the website source (a rule gives them to a
department's two members in turn) and an order for each, every write with an Idempotency-Key,
by clients that retry on 502/503/504 and connection errors with the same key, as a real client
would. Meanwhile, one at a time: kill -9 of each service and of the gateway (restarted by the
test), a RabbitMQ restart (stop_app/start_app) and a PostgreSQL restart (stop, start). Right
after each fault, while the process or server comes back, a probe customer and order must go
all the way through (owner decided, stock reserved): the time from the fault to that is the
fault's recovery (with two replicas the survivors serve at once), printed at the end of the run
with the time the process or server took to be back; a second probe follows.

Then, from the databases and the broker: every acknowledged write exists exactly once, every
event effect is applied once (one decision and one ownership change per customer, the owners
split exactly, one order per customer, one reservation, reserve movement and timeline entry per
order, the stock's reserved total equal to the ordered quantities), outboxes are drained, the
queues are empty with their consumers attached, the relay did not hammer, no answer was a 5xx
other than 502/503/504 (nor another unexpected status), and /ready was not 200 while the broker
was down.

CHAOS_PROFILE=ci (the default, part of `make test`: one replica, each fault once, ~3 minutes) or
long (`make chaos`: two replicas of everything, every fault three times, longer load). While
developing, CHAOS_FAULTS=customers,gateway picks faults (the default is all of them).
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
import uuid
from collections import Counter
from dataclasses import dataclass

import httpx
import pytest

from suite_shared.devrun import GATEWAY, SERVICES, LocalSuite
from suite_shared.testing.e2e import (
    outbox_backlog,
    query,
    queue_problems,
    rabbitmqctl,
    running_suite,
    website_department,
    website_rule,
)
from suite_shared.testing.infra import eventually
from suite_shared.testing.load import OK, TRANSIENT, Ledger, Load
from suite_shared.testing.restarts import (
    ensure_broker_running,
    ensure_postgres_running,
    pg_ctlcluster,
)

pytestmark = [pytest.mark.e2e, pytest.mark.chaos]


@dataclass(frozen=True)
class Profile:
    replicas: int
    workers: int  # concurrent clients, each creating a customer and then its order
    pace_s: float  # pause between one client's customers
    steady_s: float  # load between one fault's recovery and the next fault
    down_s: float  # how long a killed process stays dead before it is started again
    broker_down_s: float
    rounds: int  # how many times the whole list of faults is run
    timeout_s: int


PROFILES = {
    "ci": Profile(1, 3, 0.05, 2, 1, 4, 1, 600),
    "long": Profile(2, 4, 0.02, 15, 3, 10, 3, 3600),
}
PROFILE = PROFILES[os.environ.get("CHAOS_PROFILE", "ci")]
ALL_FAULTS = [*(s.name for s in SERVICES), GATEWAY.name, "rabbitmq", "postgres"]
FAULTS = [f for f in os.environ.get("CHAOS_FAULTS", ",".join(ALL_FAULTS)).split(",") if f]
PORT_OFFSET = int(os.environ.get("CHAOS_PORT_OFFSET", 1400))  # 9400-9499
RECOVERY_LIMIT_S = 120  # a fault the suite has not recovered from by then fails the gate
STOCK = 10_000_000
LOAD = dict(workers=PROFILE.workers, pace_s=PROFILE.pace_s, recovery_limit_s=RECOVERY_LIMIT_S)


# ---- the faults -----------------------------------------------------------------------------


# A fault strikes (the process is dead, the server stopped) and returns how to heal it (start it
# again after a while), which runs while the probe tries to get through.


async def kill(suite: LocalSuite, name: str):
    spec = next(s for s in [*SERVICES, GATEWAY] if s.name == name)
    process = suite.processes[suite.process_name(spec)]
    process.send_signal(signal.SIGKILL)
    await asyncio.to_thread(process.wait)

    async def restart() -> None:
        await asyncio.sleep(PROFILE.down_s)
        suite.start_one(spec)
        await suite.wait_ready(spec)

    return restart


async def stop_broker(suite: LocalSuite, readiness: dict[str, bool]):
    try:
        await asyncio.to_thread(rabbitmqctl, "stop_app")
    except BaseException:
        await asyncio.to_thread(ensure_broker_running)
        raise

    async def start() -> None:
        try:
            # While it is away, every service must say it is not ready.
            deadline = time.monotonic() + PROFILE.broker_down_s
            async with httpx.AsyncClient(timeout=1) as client:
                while time.monotonic() < deadline:
                    for spec in SERVICES:
                        for replica in range(suite.replicas):
                            url = suite.url(spec, replica) + "/ready"
                            try:
                                ready = (await client.get(url)).status_code == 200
                            except httpx.HTTPError:
                                ready = False
                            if not ready:
                                readiness[f"{spec.name}#{replica}"] = False
                    await asyncio.sleep(0.2)
        finally:
            await asyncio.to_thread(ensure_broker_running)

    return start


async def stop_postgres():
    try:
        await asyncio.to_thread(pg_ctlcluster, "stop", "-m", "fast")  # sessions cut off
    except BaseException:
        await asyncio.to_thread(ensure_postgres_running)
        raise

    async def start() -> None:
        await asyncio.to_thread(ensure_postgres_running)

    return start


# ---- the gate -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
async def chaos_suite(postgres_url, amqp_url, tmp_path_factory):
    log_dir = str(tmp_path_factory.mktemp("chaos-logs"))
    try:
        async with running_suite(
            postgres_url,
            amqp_url,
            port_offset=PORT_OFFSET,
            log_dir=log_dir,
            replicas=PROFILE.replicas,
            prefix="chaos",
        ) as suite:
            yield suite
    finally:
        await asyncio.to_thread(ensure_postgres_running)
        await asyncio.to_thread(ensure_broker_running)


@pytest.mark.timeout(PROFILE.timeout_s)
async def test_nothing_is_lost_or_doubled_through_kills_and_restarts(chaos_suite, chaos_report):
    suite = chaos_suite
    for fault in FAULTS:
        assert fault in ALL_FAULTS, f"unknown fault {fault!r}: one of {ALL_FAULTS}"
    setup = Load(suite, product_id="", **LOAD)
    try:
        members, rule_id, product_id = await _set_up(setup)
    finally:
        await setup.close()

    load = Load(suite, product_id, **LOAD)
    recoveries: list[tuple[str, float, float]] = []
    readiness: dict[str, bool] = {}
    try:
        await load.login()
        load.phase = "steady"
        load.start()
        await asyncio.sleep(PROFILE.steady_s)
        for round_ in range(PROFILE.rounds):
            for fault in FAULTS:
                load.phase = fault
                started = time.monotonic()
                if fault == "rabbitmq":
                    heal = await stop_broker(suite, readiness)
                elif fault == "postgres":
                    heal = await stop_postgres()
                else:
                    heal = await kill(suite, fault)
                healing = asyncio.create_task(heal())
                try:
                    await load.probe(f"{fault}{round_}")
                    served = time.monotonic() - started
                finally:
                    await healing  # whatever happened, the process or server is back
                back = time.monotonic() - started
                await load.probe(f"{fault}{round_}-back")
                recoveries.append((fault, served, back))
                load.phase = "steady"
                await asyncio.sleep(PROFILE.steady_s)
        load.phase = "drain"
        await load.stop()
    finally:
        load.stopping.set()
        await asyncio.gather(*load.tasks, return_exceptions=True)
        await load.close()
        chaos_report.append(
            f"profile {os.environ.get('CHAOS_PROFILE', 'ci')}: {PROFILE.replicas} replica(s), "
            f"{PROFILE.workers} clients. Recovery per fault: seconds until a new customer is "
            "owned and its order reserved; seconds until the process or server is back"
        )
        chaos_report.extend(
            f"  {fault:<13} served again after {served:5.1f} s, back after {back:5.1f} s"
            for fault, served, back in recoveries
        )

    ledger = load.ledger
    acknowledged = sum(1 for v in ledger.customers.values() if v)
    orders = sum(1 for v in ledger.orders.values() if v[2])
    retried = sum(
        n for (_, _, status), n in ledger.statuses.items() if not isinstance(status, int)
        or status in TRANSIENT
    )  # fmt: skip
    chaos_report.append(
        f"  {acknowledged} customers and {orders} orders acknowledged; {retried} tries answered "
        "502/503/504 or cut off (retried)"
    )

    problems = await _reconcile(suite, ledger, members, rule_id)
    problems += [f"unexpected answer: {line}" for line in ledger.unexpected]
    if "rabbitmq" in FAULTS:
        everyone = {f"{s.name}#{r}" for s in SERVICES for r in range(suite.replicas)}
        still_ready = sorted(everyone - set(readiness))
        if still_ready:
            problems.append(f"/ready stayed 200 while RabbitMQ was down: {still_ready}")
    chaos_report.extend(f"  PROBLEM {p}" for p in problems)
    assert not problems, "\n".join(problems)
    assert len(recoveries) == PROFILE.rounds * len(FAULTS)


async def _set_up(load: Load) -> tuple[list[str], str, str]:
    """Two salespeople in a department, the website rule to it, a product with stock."""
    await load.login()

    async def created(path: str, body: dict) -> dict:
        answer = await load.call(
            "POST", path, "setup", body, not_yet=lambda r: r.status_code == 422
        )  # the rules engine and catalog learn new items by event, a moment later
        assert answer is not None, f"setup: {path} {load.ledger.unexpected}"
        return answer

    members, department_id = await website_department(created, "chaos.test")

    async def department_known():
        view = await load.call(
            "GET",
            f"/rules-engine/departments/{department_id}",
            "setup",
            accept=OK,
            not_yet=lambda r: r.status_code == 404,
            deadline_s=1,
        )
        return view is not None and view["members"] == members

    await eventually(department_known, timeout=30, interval=0.2)
    rule = await created("/rules-engine/rules", website_rule(department_id))
    product = await created(
        "/catalog/products", {"name": "Nước mắm 500ml", "base_unit": "chai", "base_price": 45_000}
    )
    warehouses = await load.call("GET", "/catalog/warehouses", "setup", accept=OK)
    (warehouse,) = warehouses["items"]
    stocked = await load.call(
        "POST",
        "/catalog/stock/adjustments",
        "setup",
        {
            "warehouse_id": warehouse["id"],
            "reason": "Nhập kho",
            "lines": [{"product_id": product["id"], "counted": STOCK}],
        },
        accept=OK,
    )
    assert stocked is not None, load.ledger.unexpected
    load.ledger.unexpected.clear()  # a 404 or 422 while the department travelled is expected
    return members, rule["id"], product["id"]


async def _reconcile(suite: LocalSuite, ledger: Ledger, members: list[str], rule_id: str):
    """Every problem found in the databases and the broker, as lines ([] when all is well)."""
    problems: list[str] = []

    async def settled():
        backlog = {name: n for name, n in (await outbox_backlog(suite)).items() if n}
        queues = await queue_problems(suite.namespace, consumers_per_queue=suite.replicas)
        return (backlog, queues) if not backlog and not queues else None

    try:
        await eventually(settled, timeout=180, interval=1)
    except TimeoutError:
        backlog = {name: n for name, n in (await outbox_backlog(suite)).items() if n}
        queues = await queue_problems(suite.namespace, consumers_per_queue=suite.replicas)
        problems.append(f"not settled after 180 s: outbox backlog {backlog}, queues {queues}")

    # Customers: every acknowledged one exists exactly once (a double is a retried create
    # that was carried out twice), and no unacknowledged one more than once.
    rows = await query(
        suite,
        "customers",
        "SELECT name, array_agg(id::text) FROM customers WHERE source = 'website' GROUP BY name",
    )
    stored = {name: ids for name, ids in rows}
    doubles = {
        f"{name} (sent during {ledger.phases.get(name)})": len(ids)
        for name, ids in stored.items()
        if len(ids) > 1
    }
    if doubles:
        problems.append(f"{len(doubles)} customers created more than once: {_few(doubles)}")
    for key, customer_id in ledger.customers.items():
        if customer_id and customer_id not in stored.get(key, []):
            problems.append(f"acknowledged customer {key} ({customer_id}) is not stored")
    unknown = set(stored) - set(ledger.customers)
    if unknown:
        problems.append(f"customers nobody asked for: {_few(unknown)}")
    customer_ids = {uuid.UUID(i) for ids in stored.values() for i in ids}

    # The owner decision: exactly one per customer, exactly one ownership change, an owner.
    decisions = await query(
        suite,
        "rules-engine",
        "SELECT customer_id, count(*), min(owner_id::text) FROM decisions"
        " WHERE rule_id = $1 GROUP BY customer_id",
        uuid.UUID(rule_id),
    )
    _exactly_once(problems, "owner decision", customer_ids, {r[0]: r[1] for r in decisions})
    changes = await query(
        suite, "customers", "SELECT customer_id, count(*) FROM ownership_history GROUP BY 1"
    )
    _exactly_once(problems, "ownership change", customer_ids, {r[0]: r[1] for r in changes})
    unowned = await query(
        suite, "customers", "SELECT count(*) FROM customers WHERE owner_id IS NULL"
    )
    if unowned[0][0]:
        problems.append(f"{unowned[0][0]} customers without an owner")
    split = Counter(r[2] for r in decisions)
    if set(split) - set(members) or abs(split[members[0]] - split[members[1]]) > 1:
        problems.append(f"the round-robin split is not exact: {dict(split)}")

    # Orders: one per customer that was given one, the acknowledged ones under their key.
    placed = await query(
        suite,
        "orders",
        "SELECT o.id, o.customer_id, k.key, (SELECT sum(quantity * unit_factor) FROM order_lines l"
        " WHERE l.order_id = o.id) FROM orders o LEFT JOIN idempotency_keys k ON k.order_id = o.id",
    )
    per_customer = Counter(r[1] for r in placed)
    twice = {str(c): n for c, n in per_customer.items() if n > 1}
    if twice:
        problems.append(f"{len(twice)} customers got more than one order: {_few(twice)}")
    by_key = {r[2]: str(r[0]) for r in placed if r[2]}
    for key, (_, _, order_id) in ledger.orders.items():
        if order_id and by_key.get(key) != order_id:
            problems.append(f"acknowledged order {key} ({order_id}) is not stored under its key")
    order_ids = {r[0] for r in placed}
    ordered = sum(r[3] or 0 for r in placed)

    # Catalog: one reservation and one reserve movement per order; the stock adds up.
    reservations = await query(suite, "catalog", "SELECT order_id, status FROM order_reservations")
    states = Counter(status for _, status in reservations)
    if {r[0] for r in reservations} != order_ids or set(states) != {"reserved"}:
        problems.append(
            f"reservations do not match the orders: {len(reservations)} for {len(order_ids)}"
            f" orders, states {dict(states)}"
        )
    movements = await query(
        suite,
        "catalog",
        "SELECT order_id, count(*) FROM stock_movements WHERE kind = 'reserve' GROUP BY 1",
    )
    _exactly_once(problems, "reserve movement", order_ids, {r[0]: r[1] for r in movements})
    stock = await query(suite, "catalog", "SELECT on_hand, reserved FROM stock_levels")
    if [tuple(r) for r in stock] != [(STOCK, ordered)]:
        problems.append(f"stock {[tuple(r) for r in stock]}, expected [({STOCK}, {ordered})]")

    # Customers' timeline: one entry per order.
    entries = await query(
        suite,
        "customers",
        "SELECT source_ref, count(*) FROM activities WHERE kind = 'order' GROUP BY 1",
    )
    _exactly_once(
        problems, "timeline entry", {str(i) for i in order_ids}, {r[0]: r[1] for r in entries}
    )

    # The relays published every row without hammering while the broker was away.
    for spec in SERVICES:
        (row,) = await query(
            suite, spec.name, "SELECT count(*), coalesce(max(attempts), 0) FROM outbox"
        )
        if row[1] > 10:
            problems.append(f"{spec.name}'s relay tried one row {row[1]} times")
    return problems


def _exactly_once(problems: list[str], what: str, expected: set, counts: dict) -> None:
    missing = expected - set(counts)
    extra = set(counts) - expected
    doubled = {str(k): n for k, n in counts.items() if n != 1}
    if missing:
        problems.append(f"{len(missing)} without their {what}: {_few(missing)}")
    if extra:
        problems.append(f"{len(extra)} {what}s for unknown records: {_few(extra)}")
    if doubled:
        problems.append(f"{len(doubled)} with their {what} more than once: {_few(doubled)}")


def _few(items) -> str:
    items = list(items.items()) if isinstance(items, dict) else list(items)
    shown = ", ".join(str(i) for i in items[:5])
    return shown + (f" … ({len(items)} in all)" if len(items) > 5 else "")
