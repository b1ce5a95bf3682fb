"""Tiers (LOY-6) through HTTP and the real database: the CRUD's validation, permissions and
versions; recomputation up and down (with a rolling window) from ledger rows written as the
ledger writes them; the event once per change; the customer's tier and what the next needs."""

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert

from loyalty_service import jobs, tiering
from loyalty_service.models import CUSTOMERS, Account, LedgerEntry
from loyalty_service.models.tiers import CustomerTier
from suite_shared.testing.assertions import assert_problem, outbox_events
from suite_shared.testing.customers import announce_customer

CONFIGURE = ["loyalty.configure"]
TIER_CHANGED = "loyalty.tier.changed"


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def tier_body(name: str, threshold: int, **extra) -> dict:
    return {"name": name, "measure": "spend", "threshold": threshold, **extra}


async def create(client, token, body) -> dict:
    response = await client.post("/tiers", headers=auth(token), json=body)
    assert response.status_code == 201, response.text
    return response.json()


async def ledger_row(
    app, customer_id, kind="earn", *, spend=0, points=0, at: datetime | None = None
) -> int:
    """A ledger row and the customer's account, as the ledger writes them (the table
    contract); ``at`` back-dates the row (time passing for a rolling window)."""
    async with app.state.runtime.session_factory() as session:
        await session.execute(
            insert(Account).values(customer_id=customer_id).on_conflict_do_nothing()
        )
        entry = LedgerEntry(
            customer_id=customer_id,
            kind=kind,
            points=points,
            spend=spend,
            effect_key=f"test:{uuid.uuid4()}",
            **({"created_at": at} if at else {}),
        )
        session.add(entry)
        await session.commit()
        return entry.id


async def recompute(app, customer_id) -> None:
    async with app.state.runtime.uow() as uow:
        await tiering.recompute(uow, customer_id)
        await uow.commit()


async def changes(app, customer_id=None) -> list[dict]:
    events = await outbox_events(app, TIER_CHANGED)
    return [
        e["data"] | {"version": e["version"]}
        for e in events
        if customer_id is None or e["subject"] == str(customer_id)
    ]


async def placed(app, customer_id) -> str | None:
    async with app.state.runtime.session_factory() as session:
        applied = await tiering.tier_for(session, customer_id)
        return applied.name if applied else None


# ---- CRUD -------------------------------------------------------------------------------


async def test_only_loyalty_configure_edits_tiers_any_staff_reads_them(client, make_token):
    staff, admin = make_token(uuid.uuid4()), make_token(uuid.uuid4(), CONFIGURE)
    assert_problem(await client.post("/tiers", headers=auth(staff), json=tier_body("A", 0)), 403)
    made = await create(client, admin, tier_body("Đồng", 0))
    put = {**tier_body("Đồng", 10), "version": made["version"]}
    url = f"/tiers/{made['id']}"
    assert_problem(await client.put(url, headers=auth(staff), json=put), 403)
    assert_problem(await client.delete(url, headers=auth(staff)), 403)
    customer = make_token(uuid.uuid4(), CONFIGURE, kind="customer")
    assert_problem(await client.post("/tiers", headers=auth(customer), json=tier_body("B", 1)), 403)
    assert_problem(await client.get("/tiers", headers=auth(customer)), 403)
    listed = await client.get("/tiers", headers=auth(staff))
    assert listed.status_code == 200 and [t["name"] for t in listed.json()["items"]] == ["Đồng"]
    assert (await client.get(url, headers=auth(staff))).json()["threshold"] == 0
    assert_problem(await client.get("/tiers"), 401)


async def test_bad_tiers_are_refused_naming_the_field(client, make_token):
    admin = make_token(uuid.uuid4(), CONFIGURE)
    cases = [
        ({"name": "   "}, "name"),
        ({"threshold": -1}, "threshold"),
        ({"threshold": "5"}, "threshold"),
        ({"threshold": 5.0}, "threshold"),
        ({"multiplier_pct": 0}, "multiplier_pct"),
        ({"multiplier_pct": 1001}, "multiplier_pct"),
        ({"window_months": 0}, "window_months"),
        ({"measure": "visits"}, "measure"),
        ({"colour": "gold"}, "colour"),
    ]
    for change, field in cases:
        response = await client.post("/tiers", headers=auth(admin), json=tier_body("A", 0) | change)
        body = assert_problem(response, 422)
        assert field in response.text, (change, body)
    await create(client, admin, tier_body("Đồng", 0))
    for body, field in [
        (tier_body("Bạc", 10, measure="points"), "measure"),
        (tier_body("Bạc", 0), "threshold"),
        (tier_body(" đồng ", 10), "name"),
    ]:
        assert_problem(
            await client.post("/tiers", headers=auth(admin), json=body), 422, field=field
        )
    listed = (await client.get("/tiers", headers=auth(admin))).json()
    assert listed["total"] == 1


async def test_sorted_by_threshold_and_versions_guard_edits(client, make_token):
    admin = make_token(uuid.uuid4(), CONFIGURE)
    gold = await create(client, admin, tier_body("Vàng", 20_000_000, multiplier_pct=150))
    await create(client, admin, tier_body("Đồng", 0))
    silver = await create(client, admin, tier_body("Bạc", 5_000_000, window_months=12))
    listed = (await client.get("/tiers", headers=auth(admin))).json()["items"]
    assert [t["name"] for t in listed] == ["Đồng", "Bạc", "Vàng"]
    assert silver["window_months"] == 12 and gold["multiplier_pct"] == 150

    url = f"/tiers/{gold['id']}"
    edit = tier_body("Kim cương", 30_000_000, multiplier_pct=200)
    edited = await client.put(url, headers=auth(admin), json=edit | {"version": 1})
    assert edited.status_code == 200, edited.text
    assert edited.json()["version"] == 2 and edited.json()["name"] == "Kim cương"
    stale = await client.put(url, headers=auth(admin), json=edit | {"version": 1})
    assert_problem(stale, 409, "version-conflict")
    missing = await client.put(url, headers=auth(admin), json=edit)
    assert_problem(missing, 422, field="version")
    same = await client.put(url, headers=auth(admin), json=edit | {"version": 2})
    assert same.json()["version"] == 2  # nothing changed: the version stays
    clash = await client.put(url, headers=auth(admin), json=tier_body("Vàng", 0) | {"version": 2})
    assert_problem(clash, 422, field="threshold")

    assert_problem(
        await client.delete(url, headers=auth(admin), params={"version": 1}),
        409,
        "version-conflict",
    )
    gone = await client.delete(url, headers=auth(admin), params={"version": 2})
    assert gone.status_code == 204
    assert_problem(await client.delete(url, headers=auth(admin)), 404)
    assert_problem(await client.put(url, headers=auth(admin), json=edit | {"version": 2}), 404)
    assert (await client.get("/tiers", headers=auth(admin))).json()["total"] == 2


async def test_the_only_tier_may_change_its_measure(client, make_token):
    admin = make_token(uuid.uuid4(), CONFIGURE)
    made = await create(client, admin, tier_body("Đồng", 0))
    body = tier_body("Đồng", 0, measure="points") | {"version": 1}
    changed = await client.put(f"/tiers/{made['id']}", headers=auth(admin), json=body)
    assert changed.status_code == 200 and changed.json()["measure"] == "points"


# ---- recomputation ----------------------------------------------------------------------


async def test_recompute_moves_up_and_down_with_a_rolling_window_one_event_per_change(
    app, client, make_token
):
    admin = make_token(uuid.uuid4(), CONFIGURE)
    bronze = await create(client, admin, tier_body("Đồng", 0))
    gold = await create(client, admin, tier_body("Vàng", 10_000_000, window_months=12))
    customer = await announce_customer(app, CUSTOMERS)
    long_ago = datetime.now(UTC) - timedelta(days=400)
    await ledger_row(app, customer, spend=12_000_000, at=long_ago)  # outside the window
    await recompute(app, customer)
    assert await placed(app, customer) == "Đồng"
    (joined,) = await changes(app, customer)
    assert joined["to_tier_id"] == bronze["id"] and joined["from_tier_id"] is None
    assert joined["direction"] == "up" and joined["value"] == 12_000_000
    assert joined["version"] == 1

    await recompute(app, customer)  # nothing changed: no event
    assert len(await changes(app, customer)) == 1

    recent = await ledger_row(app, customer, spend=10_000_000)  # exactly the threshold
    await recompute(app, customer)
    assert await placed(app, customer) == "Vàng"
    up = (await changes(app, customer))[-1]
    assert (up["from_tier"], up["to_tier"], up["direction"]) == ("Đồng", "Vàng", "up")
    assert up["to_tier_id"] == gold["id"] and up["value"] == 10_000_000
    assert up["measure"] == "spend" and up["version"] == 2
    await recompute(app, customer)
    assert len(await changes(app, customer)) == 2

    # A year on, the recent spend leaves the window; nothing else happens to the customer:
    # the daily recomputation takes the tier back.
    async with app.state.runtime.session_factory() as session:
        await session.execute(
            update(LedgerEntry).where(LedgerEntry.id == recent).values(created_at=long_ago)
        )
        await session.commit()
    # The jobs' first round of a day recomputes every tier (that day's later rounds do not).
    runtime = app.state.runtime
    runtime.extras.pop(jobs.TIERS_DAY, None)
    assert (await jobs.run_once(runtime))["tiers_changed"] == 1
    assert (await jobs.run_once(runtime))["tiers_changed"] == 0
    assert await placed(app, customer) == "Đồng"
    down = (await changes(app, customer))[-1]
    assert (down["from_tier"], down["to_tier"], down["direction"]) == ("Vàng", "Đồng", "down")
    assert down["version"] == 3
    async with app.state.runtime.uow() as uow:
        assert await tiering.recompute_all(uow) == 0
        await uow.commit()
    assert len(await changes(app, customer)) == 3


async def test_a_reversal_takes_the_tier_back(app, client, make_token):
    admin = make_token(uuid.uuid4(), CONFIGURE)
    await create(client, admin, tier_body("Đồng", 0))
    await create(client, admin, tier_body("Bạc", 5_000_000))
    customer = await announce_customer(app, CUSTOMERS)
    await ledger_row(app, customer, spend=6_000_000, points=60)
    await recompute(app, customer)
    assert await placed(app, customer) == "Bạc"
    await ledger_row(app, customer, "reverse", spend=-2_000_000, points=-20)
    await recompute(app, customer)
    assert await placed(app, customer) == "Đồng"
    joined, down = await changes(app, customer)  # straight into Bạc, then back
    assert (joined["to_tier"], joined["direction"]) == ("Bạc", "up")
    assert (down["to_tier"], down["direction"], down["value"]) == ("Đồng", "down", 4_000_000)


async def test_points_count_what_was_earned_never_what_was_redeemed(app, client, make_token):
    admin = make_token(uuid.uuid4(), CONFIGURE)
    await create(client, admin, tier_body("Đồng", 0, measure="points"))
    await create(client, admin, tier_body("Bạc", 100, measure="points"))
    customer = await announce_customer(app, CUSTOMERS)
    await ledger_row(app, customer, "earn", points=60)
    await ledger_row(app, customer, "pending", points=0)  # not matured: not yet counted
    await ledger_row(app, customer, "mature", points=40)
    await ledger_row(app, customer, "give", points=500)  # a gift from staff is not earned
    await ledger_row(app, customer, "redeem", points=-90)  # spending never lowers the tier
    await ledger_row(app, customer, "expire", points=-10)
    await recompute(app, customer)
    assert await placed(app, customer) == "Bạc"
    assert (await changes(app, customer))[-1]["value"] == 100
    await ledger_row(app, customer, "reverse", points=-1)
    await recompute(app, customer)
    assert await placed(app, customer) == "Đồng"


async def test_editing_the_tiers_recomputes_every_customer_with_an_account(app, client, make_token):
    admin = make_token(uuid.uuid4(), CONFIGURE)
    rich, poor = await announce_customer(app, CUSTOMERS), await announce_customer(app, CUSTOMERS)
    await ledger_row(app, rich, spend=8_000_000)
    await ledger_row(app, poor, spend=1_000_000)
    bronze = await create(client, admin, tier_body("Đồng", 0))  # everyone joins
    assert {c["to_tier"] for c in await changes(app)} == {"Đồng"}
    silver = await create(client, admin, tier_body("Bạc", 5_000_000))
    assert await placed(app, rich) == "Bạc" and await placed(app, poor) == "Đồng"
    assert len(await changes(app)) == 3

    # Raising the threshold past the rich customer's spend moves them down.
    body = tier_body("Bạc", 9_000_000) | {"version": silver["version"]}
    assert (await client.put(f"/tiers/{silver['id']}", headers=auth(admin), json=body)).is_success
    assert await placed(app, rich) == "Đồng"
    assert (await changes(app, rich))[-1]["direction"] == "down"
    # Deleting the last tier leaves everyone without one, announced as a move down.
    for tier in (silver, bronze):
        assert (await client.delete(f"/tiers/{tier['id']}", headers=auth(admin))).status_code == 204
    assert await placed(app, rich) is None and await placed(app, poor) is None
    last = (await changes(app, poor))[-1]
    assert (last["from_tier"], last["to_tier"], last["direction"]) == ("Đồng", None, "down")
    async with app.state.runtime.session_factory() as session:
        assert (
            await session.scalar(
                select(func.count())
                .select_from(CustomerTier)
                .where(CustomerTier.tier_id.is_not(None))
            )
            == 0
        )


async def test_no_program_no_rows(app, client):
    customer = await announce_customer(app, CUSTOMERS)
    await ledger_row(app, customer, spend=1_000)
    await recompute(app, customer)
    assert await placed(app, customer) is None
    async with app.state.runtime.session_factory() as session:
        assert await session.scalar(select(func.count()).select_from(CustomerTier)) == 0


# ---- the customer's tier ----------------------------------------------------------------


async def test_the_customers_tier_and_what_the_next_needs(app, client, make_token):
    admin = make_token(uuid.uuid4(), CONFIGURE)
    await create(client, admin, tier_body("Đồng", 0))
    silver = await create(client, admin, tier_body("Bạc", 5_000_000, multiplier_pct=120))
    gold = await create(client, admin, tier_body("Vàng", 20_000_000))
    owner = uuid.uuid4()
    customer = await announce_customer(app, CUSTOMERS, owner=owner)
    await ledger_row(app, customer, spend=7_000_000)
    await recompute(app, customer)

    url = f"/accounts/{customer}/tier"
    for token in (
        make_token(owner),
        make_token(uuid.uuid4(), ["customers.view_all"]),
        admin,
        make_token(customer, kind="customer"),
    ):
        response = await client.get(url, headers=auth(token))
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["tier"]["id"] == silver["id"] and body["value"] == 7_000_000
        assert body["next_tier"]["id"] == gold["id"] and body["needed"] == 13_000_000
        assert body["measure"] == "spend" and body["since"] is not None
    async with app.state.runtime.session_factory() as session:
        applied = await tiering.tier_for(session, customer)
    assert (applied.name, applied.multiplier_pct) == ("Bạc", 120)

    for stranger in (make_token(uuid.uuid4()), make_token(uuid.uuid4(), kind="customer")):
        assert_problem(await client.get(url, headers=auth(stranger)), 404)
    assert_problem(await client.get(f"/accounts/{uuid.uuid4()}/tier", headers=auth(admin)), 404)


async def test_a_newcomer_is_shown_the_lowest_tier_before_any_recomputation(
    app, client, make_token
):
    admin = make_token(uuid.uuid4(), CONFIGURE)
    bronze = await create(client, admin, tier_body("Đồng", 1_000))
    customer = await announce_customer(app, CUSTOMERS)  # no account, never placed
    body = (await client.get(f"/accounts/{customer}/tier", headers=auth(admin))).json()
    assert body["tier"]["id"] == bronze["id"] and body["since"] is None
    assert body["value"] == 0 and body["next_tier"] is None and body["needed"] is None
    async with app.state.runtime.session_factory() as session:
        assert (await tiering.tier_for(session, customer)).id == uuid.UUID(bronze["id"])


async def test_a_completed_order_from_the_broker_moves_the_customer_up(app, client, make_token):
    """The chain as it runs: orders' event → the points handler writes the earning row → the
    customer's tier is recomputed in the same transaction."""
    from suite_shared.testing.events import handled, publish
    from suite_shared.testing.infra import eventually

    admin = make_token(uuid.uuid4(), CONFIGURE)
    await create(client, admin, tier_body("Đồng", 0))
    await create(client, admin, tier_body("Bạc", 500_000))
    customer = await announce_customer(app, CUSTOMERS)
    order_id = uuid.uuid4()
    completed = {
        "order_id": str(order_id),
        "number": "DH000777",
        "status": "completed",
        "customer_id": str(customer),
        "customer_name": "An",
        "customer_phone": None,
        "owner_id": None,
        "created_by": None,
        "channel": "sales",
        "lines": [],
        "subtotal": 700_000,
        "total": 700_000,
        "placed_at": "2026-12-01T08:00:00Z",
        "completed_at": "2026-12-02T08:00:00Z",
    }
    envelope = await publish(app, "orders", "orders.order.completed", completed, subject=order_id)
    await eventually(lambda: handled(app, envelope))
    async with app.state.runtime.session_factory() as session:
        spend = await session.scalar(
            select(func.sum(LedgerEntry.spend)).where(LedgerEntry.customer_id == customer)
        )
    assert spend == 700_000
    assert await placed(app, customer) == "Bạc"
    (joined,) = await changes(app, customer)
    assert (joined["to_tier"], joined["value"]) == ("Bạc", 700_000)


async def test_concurrent_edits_cannot_break_the_one_measure_rule(client, make_token):
    import asyncio

    admin = make_token(uuid.uuid4(), CONFIGURE)
    bodies = [tier_body(f"T{i}", i * 1_000, measure=("spend", "points")[i % 2]) for i in range(8)]
    answers = await asyncio.gather(
        *(client.post("/tiers", headers=auth(admin), json=b) for b in bodies)
    )
    assert {r.status_code for r in answers} <= {201, 422}
    listed = (await client.get("/tiers", headers=auth(admin))).json()["items"]
    assert len({t["measure"] for t in listed}) == 1
    assert len(listed) == sum(r.status_code == 201 for r in answers) == 4
