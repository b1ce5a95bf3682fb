"""Taking a voucher's use at placement (hold_voucher, directly with a session: the holds route
is the holds work's), the race for the last use, and the uses on the order's life through the
real broker (completed → used, cancelled → released, redeliveries change nothing)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from loyalty_service import voucher_holds
from loyalty_service.models import CUSTOMERS
from loyalty_service.models.vouchers import VoucherCode, VoucherUse
from suite_shared.errors import Problem
from suite_shared.events.orders import OrderCancelled, OrderCompleted, OrderLine
from suite_shared.testing.assertions import outbox_events
from suite_shared.testing.customers import announce_customer
from suite_shared.testing.events import handled, publish, redeliver
from suite_shared.testing.infra import eventually

NOW = datetime.now(UTC)


def auth(make_token, *perms, user_id=None, kind="staff") -> dict:
    return {"Authorization": f"Bearer {make_token(user_id, perms, kind=kind)}"}


@pytest.fixture
async def admin(make_token):
    return auth(make_token, "loyalty.configure")


async def hold(app, customer_id, code="V-1", order_id=None, goods=200_000, now=None):
    async with app.state.runtime.session_factory() as session, session.begin():
        customer = await CUSTOMERS.get(session, customer_id)
        return await voucher_holds.hold_voucher(
            session,
            customer=customer,
            code=code,
            order_id=order_id or uuid.uuid4(),
            goods_total=goods,
            now=now or datetime.now(UTC),
        )


async def refusal_of(app, customer_id, **kw) -> str:
    with pytest.raises(Problem) as raised:
        await hold(app, customer_id, **kw)
    assert raised.value.status == 422 and raised.value.field == "voucher_code"
    return raised.value.slug


async def counters(app, code="V-1") -> tuple[int, int]:
    async with app.state.runtime.session_factory() as session:
        row = (
            await session.execute(
                select(VoucherCode.held, VoucherCode.used).where(VoucherCode.code == code)
            )
        ).one()
        return tuple(row)


async def use_status(app, order_id) -> str | None:
    async with app.state.runtime.session_factory() as session:
        return await session.scalar(
            select(VoucherUse.status).where(VoucherUse.order_id == order_id)
        )


async def test_a_hold_takes_one_use_once_per_order(client, app, admin, campaigns):
    await campaigns.create(codes=("V-1",), total_uses=5)
    customer = await announce_customer(app, CUSTOMERS)
    order = uuid.uuid4()
    first = await hold(app, customer, code=" v-1", order_id=order, goods=300_000)
    assert (first.code, first.discount) == ("V-1", 30_000)
    again = await hold(app, customer, code="V-1", order_id=order, goods=300_000)
    assert again == first
    assert await counters(app) == (1, 0)
    held = [
        e
        for e in await outbox_events(app, "loyalty.voucher.changed")
        if e["data"]["action"] == "held"
    ]
    assert len(held) == 1 and held[0]["data"]["order_id"] == str(order)
    assert (held[0]["data"]["uses"], held[0]["data"]["max_uses"]) == (1, 5)

    await campaigns.create(codes=("OTHER-1",))
    assert (
        await refusal_of(app, customer, code="OTHER-1", order_id=order) == "voucher-order-has-other"
    )


async def test_every_refusal_of_a_hold(client, app, admin, campaigns):
    customer = await announce_customer(app, CUSTOMERS, groups=["le"])
    await campaigns.create(codes=("ON-1",), total_uses=1, per_customer_uses=1)
    await campaigns.create(codes=("OFF-1",), active=False)
    await campaigns.create(codes=("SI-1",), customer_groups=["khach-si"])
    later = {
        "valid_from": (NOW + timedelta(days=1)).isoformat(),
        "valid_to": (NOW + timedelta(days=2)).isoformat(),
    }
    await campaigns.create(codes=("SOON-1",), **later)
    await campaigns.create(codes=("MANY-1", "MANY-2"), per_customer_uses=1)

    assert await refusal_of(app, customer, code="NOPE-1") == "voucher-unknown"
    assert await refusal_of(app, customer, code="OFF-1") == "voucher-inactive"
    assert await refusal_of(app, customer, code="SOON-1") == "voucher-not-started"
    expired = datetime.now(UTC) + timedelta(days=31)
    assert await refusal_of(app, customer, code="ON-1", now=expired) == "voucher-expired"
    assert await refusal_of(app, customer, code="ON-1", goods=99_999) == "voucher-min-order"
    assert await refusal_of(app, customer, code="SI-1") == "voucher-group"
    await hold(app, customer, code="ON-1")
    other = await announce_customer(app, CUSTOMERS)
    assert await refusal_of(app, other, code="ON-1") == "voucher-used-up"
    await hold(app, customer, code="MANY-1")
    assert await refusal_of(app, customer, code="MANY-2") == "voucher-customer-limit"
    # A refusal leaves nothing behind: no use row, counters unchanged.
    assert await counters(app, "MANY-2") == (0, 0)
    async with app.state.runtime.session_factory() as session:
        assert await session.scalar(select(func.count()).select_from(VoucherUse)) == 2


async def test_a_refusal_keeps_the_callers_transaction_usable(client, app, admin, campaigns):
    await campaigns.create(codes=("V-1",), total_uses=1)
    customer_id = await announce_customer(app, CUSTOMERS)
    async with app.state.runtime.session_factory() as session, session.begin():
        customer = await CUSTOMERS.get(session, customer_id)
        args = {"customer": customer, "goods_total": 200_000, "now": datetime.now(UTC)}
        await voucher_holds.hold_voucher(session, code="V-1", order_id=uuid.uuid4(), **args)
        with pytest.raises(Problem):
            await voucher_holds.hold_voucher(session, code="V-1", order_id=uuid.uuid4(), **args)
        assert await session.scalar(select(func.count()).select_from(VoucherUse)) == 1
    assert await counters(app) == (1, 0)


async def test_release_gives_the_use_back(client, app, admin, campaigns):
    await campaigns.create(codes=("V-1",), total_uses=1)
    customer = await announce_customer(app, CUSTOMERS)
    order = uuid.uuid4()
    await hold(app, customer, order_id=order)
    async with app.state.runtime.session_factory() as session, session.begin():
        await voucher_holds.release_order(session, order)
        await voucher_holds.release_order(session, order)  # twice: nothing more
        await voucher_holds.release_order(session, uuid.uuid4())  # no use: nothing
    assert await counters(app) == (0, 0)
    assert await use_status(app, order) == "released"
    await hold(app, customer)  # another order takes it
    assert await counters(app) == (1, 0)


async def _race(app, settings, customers, code, tasks=50):
    """``tasks`` holds at once, each in its own transaction on its own connection."""
    engine = create_async_engine(settings.database_url, pool_size=20, max_overflow=0)
    factory = async_sessionmaker(engine, expire_on_commit=False)
    start = asyncio.Event()

    async def one(i):
        await start.wait()
        async with factory() as session, session.begin():
            customer = await CUSTOMERS.get(session, customers[i % len(customers)])
            try:
                await voucher_holds.hold_voucher(
                    session,
                    customer=customer,
                    code=code,
                    order_id=uuid.uuid4(),
                    goods_total=200_000,
                    now=datetime.now(UTC),
                )
            except Problem as problem:
                return problem.slug
            await asyncio.sleep(0.02)  # keep the lock a moment: the others queue behind it
            return "won"

    try:
        runs = [asyncio.create_task(one(i)) for i in range(tasks)]
        start.set()
        return await asyncio.gather(*runs)
    finally:
        await engine.dispose()


async def test_fifty_holds_for_the_last_use_one_wins(client, app, admin, settings, campaigns):
    await campaigns.create(codes=("V-1",), total_uses=3)
    customers = [await announce_customer(app, CUSTOMERS) for _ in range(5)]
    await hold(app, customers[0])
    await hold(app, customers[1])  # one use left
    results = await _race(app, settings, customers, "V-1")
    assert results.count("won") == 1
    assert set(results) == {"won", "voucher-used-up"}
    assert await counters(app) == (3, 0)


async def test_one_customers_concurrent_holds_respect_the_per_customer_limit(
    client, app, admin, settings, campaigns
):
    await campaigns.create(codes=("P-1", "P-2"), per_customer_uses=2)
    customer = await announce_customer(app, CUSTOMERS)
    first = await _race(app, settings, [customer], "P-1", tasks=20)
    second = await _race(app, settings, [customer], "P-2", tasks=20)
    assert (first + second).count("won") == 2
    assert set(first + second) == {"won", "voucher-customer-limit"}


def order_payload(model, order_id, customer_id, code="V-1", **extra):
    line = OrderLine(
        line_id=uuid.uuid4(),
        product_id=uuid.uuid4(),
        product_code="SP1",
        product_name="Sữa",
        unit="hộp",
        quantity=1,
        unit_price=200_000,
        line_total=200_000,
    )
    return model(
        order_id=order_id,
        number="DH0001",
        status="completed" if model is OrderCompleted else "cancelled",
        customer_id=customer_id,
        customer_name="Nguyễn Văn A",
        customer_phone=None,
        owner_id=None,
        created_by=None,
        channel="sales",
        lines=[line],
        subtotal=200_000,
        total=180_000,
        placed_at=NOW,
        voucher_code=code,
        voucher_discount=20_000,
        **extra,
    )


async def actions(app, order_id) -> list[str]:
    return [
        e["data"]["action"]
        for e in await outbox_events(app, "loyalty.voucher.changed")
        if e["data"]["order_id"] == str(order_id)
    ]


async def test_completion_uses_and_redelivery_changes_nothing(client, app, admin, campaigns):
    await campaigns.create(codes=("V-1",), total_uses=2)
    customer = await announce_customer(app, CUSTOMERS)
    order = uuid.uuid4()
    await hold(app, customer, order_id=order)
    payload = order_payload(OrderCompleted, order, customer, completed_at=NOW)
    envelope = await publish(app, "orders", "orders.order.completed", payload, subject=order)
    await eventually(lambda: handled(app, envelope))
    assert await counters(app) == (0, 1)
    assert await use_status(app, order) == "used"

    await redeliver(app, envelope)  # the same event again
    again = await publish(app, "orders", "orders.order.completed", payload, subject=order)
    await eventually(lambda: handled(app, again))  # the same fact as another event
    assert await counters(app) == (0, 1)
    assert await actions(app, order) == ["held", "used"]


async def test_cancellation_releases_and_redelivery_changes_nothing(client, app, admin, campaigns):
    await campaigns.create(codes=("V-1",), total_uses=1)
    customer = await announce_customer(app, CUSTOMERS)
    order = uuid.uuid4()
    await hold(app, customer, order_id=order)
    payload = order_payload(OrderCancelled, order, customer, reason="Khách huỷ")
    envelope = await publish(app, "orders", "orders.order.cancelled", payload, subject=order)
    await eventually(lambda: handled(app, envelope))
    assert await counters(app) == (0, 0)
    again = await publish(app, "orders", "orders.order.cancelled", payload, subject=order)
    await eventually(lambda: handled(app, again))
    assert await counters(app) == (0, 0)
    assert await actions(app, order) == ["held", "released"]
    await hold(app, customer)  # the use is free again
    assert await counters(app) == (1, 0)


async def test_an_order_without_a_voucher_use_is_left_alone(client, app, admin, campaigns):
    await campaigns.create(codes=("V-1",))
    customer = await announce_customer(app, CUSTOMERS)
    order = uuid.uuid4()
    payload = order_payload(OrderCompleted, order, customer, code=None)
    envelope = await publish(app, "orders", "orders.order.completed", payload, subject=order)
    await eventually(lambda: handled(app, envelope))
    assert await use_status(app, order) is None
    assert await counters(app) == (0, 0)
