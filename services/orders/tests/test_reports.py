"""ORD-10 sales reports: the date rules as plain functions, then every report over real orders
placed through the API (against the real catalog), completed through the status machine and
dated in the database: Vietnamese calendar days, zeros filled, cancelled orders excluded,
each salesperson seeing only their own figures, and bad ranges refused."""

import uuid
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import update

from orders_service.domain import reports
from orders_service.domain.reports import DateRange, RangeError, Totals
from orders_service.models import Order
from suite_shared.testing.assertions import assert_plans_use, assert_problem, statements_sent


# ---- plain rules ------------------------------------------------------------------------------
def test_a_day_is_a_vietnamese_calendar_day():
    assert reports.business_day(datetime(2026, 11, 30, 18, 0, tzinfo=UTC)) == date(2026, 12, 1)
    assert reports.business_day(datetime(2026, 11, 30, 16, 59, tzinfo=UTC)) == date(2026, 11, 30)
    begin, after = DateRange.of(date(2026, 12, 1), date(2026, 12, 31)).instants()
    assert begin == datetime(2026, 11, 30, 17, 0, tzinfo=UTC)
    assert after == datetime(2026, 12, 31, 17, 0, tzinfo=UTC)


def test_ranges_are_checked():
    assert DateRange.of(date(2026, 1, 1), date(2026, 1, 1)).days() == [date(2026, 1, 1)]
    assert len(DateRange.of(date(2028, 1, 1), date(2028, 12, 31)).days()) == 366
    with pytest.raises(RangeError) as error:
        DateRange.of(date(2026, 1, 1), date(2027, 1, 2))  # 367 days
    assert error.value.field == "date_to"
    with pytest.raises(RangeError) as error:
        DateRange.of(date(2026, 1, 2), date(2026, 1, 1))
    assert error.value.field == "date_to"


def test_missing_days_and_months_are_zeros():
    span = DateRange.of(date(2026, 11, 29), date(2026, 12, 2))
    filled = reports.fill_days({date(2026, 11, 30): Totals(2, 500)}, span)
    assert filled == [
        (date(2026, 11, 29), Totals()),
        (date(2026, 11, 30), Totals(2, 500)),
        (date(2026, 12, 1), Totals()),
        (date(2026, 12, 2), Totals()),
    ]
    assert reports.sum_totals(t for _, t in filled) == Totals(2, 500)
    year_end = DateRange.of(date(2026, 10, 31), date(2027, 2, 1))
    assert reports.fill_months({date(2026, 12, 1): Totals(1, 9)}, year_end) == [
        ("2026-10", Totals()),
        ("2026-11", Totals()),
        ("2026-12", Totals(1, 9)),
        ("2027-01", Totals()),
        ("2027-02", Totals()),
    ]
    series = reports.daily_series(
        [("a", date(2026, 11, 30), 3), ("b", date(2026, 12, 2), 1), ("z", date(2026, 12, 1), 7)],
        ["a", "b", "c"],
        span,
    )
    assert series == {"a": [0, 3, 0, 0], "b": [0, 0, 0, 1], "c": [0, 0, 0, 0]}


# ---- over real orders -------------------------------------------------------------------------
SETTINGS = ["orders.settings"]


class Sales:
    """Orders placed through the API, moved through the status machine, then dated."""

    def __init__(self, app, shop):
        self.app, self.shop = app, shop
        self.contract_type_id = None

    async def contract_type(self) -> str:
        if self.contract_type_id is None:
            admin = self.shop.make_token(uuid.uuid4(), SETTINGS)
            created = await self.shop.client.post(
                "/contract-types",
                headers=self.shop.auth(admin),
                json={"code": "HDMB", "name": "Hợp đồng mua bán"},
            )
            assert created.status_code == 201, created.text
            self.contract_type_id = created.json()["id"]
        return self.contract_type_id

    async def move(self, order_id: str, target: str, token=None, **body) -> dict:
        moved = await self.shop.client.post(
            f"/orders/{order_id}/status",
            headers=self.shop.auth(token),
            json={"status": target, **body},
        )
        assert moved.status_code == 200, moved.text
        return moved.json()

    async def completed(self, customer, lines, at: datetime, token=None, **body) -> dict:
        order = await self.shop.place(customer, lines, token=token, **body)
        await self.move(order["id"], "confirmed", token)
        contract_type_id = await self.contract_type()
        await self.move(order["id"], "contracted", token, contract_type_id=contract_type_id)
        await self.move(order["id"], "delivering", token)
        done = await self.move(order["id"], "completed", token)
        await self.date(order["id"], placed_at=at, completed_at=at)
        return done

    async def cancelled(self, customer, lines, at: datetime, token=None) -> dict:
        order = await self.shop.place(customer, lines, token=token)
        done = await self.move(order["id"], "cancelled", token, reason="Khách đổi ý")
        await self.date(order["id"], placed_at=at, cancelled_at=at)
        return done

    async def date(self, order_id: str, **stamps) -> None:
        async with self.app.state.runtime.session_factory() as session:
            await session.execute(
                update(Order).where(Order.id == uuid.UUID(order_id)).values(**stamps)
            )
            await session.commit()

    async def report(self, path: str, token=None, status=200, **params) -> dict:
        response = await self.shop.client.get(
            f"/reports/{path}", headers=self.shop.auth(token), params=params
        )
        assert response.status_code == status, response.text
        return response.json()


@pytest.fixture
async def sales(app, shop):
    return Sales(app, shop)


REPORTS = [
    "sales/daily",
    "sales/monthly",
    "products/revenue",
    "products/top",
    "products/quantity-daily",
]


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


async def test_daily_and_monthly_totals_by_vietnamese_day(sales, shop):
    customer = await shop.customer()
    beer = await shop.product("Bia Hà Nội", 12_000)

    def line(quantity):
        return [{"product_id": beer["id"], "quantity": quantity}]

    # 2026-11-30T16:59Z is 23:59 on 30 Nov in Vietnam; 18:00Z is already 1 Dec there.
    late_nov = await sales.completed(customer, line(1), utc(2026, 11, 30, 16, 59))
    first_dec = await sales.completed(customer, line(2), utc(2026, 11, 30, 18, 0))
    third_dec = await sales.completed(
        customer,
        line(3),
        utc(2026, 12, 3, 2, 0),
        shipping={"method": "carrier", "carrier": "GHN", "address": "Hà Nội", "fee": 30_000},
    )
    assert third_dec["total"] == 36_000 + 30_000
    # Cancelled and open orders never count, whatever their dates.
    await sales.cancelled(customer, line(10), utc(2026, 12, 1, 3, 0))
    still_open = await shop.place(customer, line(20))
    await sales.date(still_open["id"], placed_at=utc(2026, 12, 1, 3, 0))

    daily = await sales.report("sales/daily", date_from="2026-11-29", date_to="2026-12-03")
    assert (daily["date_from"], daily["date_to"], daily["timezone"]) == (
        "2026-11-29",
        "2026-12-03",
        "Asia/Ho_Chi_Minh",
    )
    assert [(d["date"], d["orders"], d["revenue"]) for d in daily["items"]] == [
        ("2026-11-29", 0, 0),
        ("2026-11-30", 1, 12_000),
        ("2026-12-01", 1, 24_000),
        ("2026-12-02", 0, 0),
        ("2026-12-03", 1, 36_000),  # the shipping fee is not revenue
    ]
    assert (daily["total_orders"], daily["total_revenue"]) == (3, 72_000)
    assert late_nov["total"] == 12_000 and first_dec["total"] == 24_000

    one_day = await sales.report("sales/daily", date_from="2026-11-30", date_to="2026-11-30")
    assert [(d["date"], d["orders"]) for d in one_day["items"]] == [("2026-11-30", 1)]

    monthly = await sales.report("sales/monthly", date_from="2026-10-15", date_to="2027-01-31")
    assert [(m["month"], m["orders"], m["revenue"]) for m in monthly["items"]] == [
        ("2026-10", 0, 0),
        ("2026-11", 1, 12_000),
        ("2026-12", 2, 60_000),
        ("2027-01", 0, 0),
    ]
    # The first and last months count only the days inside the range.
    clipped = await sales.report("sales/monthly", date_from="2026-11-01", date_to="2026-12-02")
    assert [(m["month"], m["orders"]) for m in clipped["items"]] == [
        ("2026-11", 1),
        ("2026-12", 1),
    ]
    assert clipped["total_revenue"] == 36_000


async def test_product_reports_in_base_units(sales, shop):
    customer = await shop.customer()
    beer = await shop.product(
        "Bia Hà Nội", 12_000, stock=500, code="BIA", units=[{"unit": "thùng", "factor": 24}]
    )
    water = await shop.product("Nước suối", 5_000, stock=500, code="NUOC")
    tea = await shop.product("Trà xanh", 8_000, stock=500, code="TRA")
    # 1 thùng of beer is 24 chai (288,000); 10 water (50,000).
    await sales.completed(
        customer,
        [
            {"product_id": beer["id"], "unit": "thùng", "quantity": 1},
            {"product_id": water["id"], "quantity": 10},
        ],
        utc(2026, 12, 1, 3, 0),
    )
    # 5 chai of beer at 10% off (54,000); 20 water (100,000); 1 tea (8,000).
    await sales.completed(
        customer,
        [
            {
                "product_id": beer["id"],
                "quantity": 5,
                "discount": {"kind": "percent", "value": 1000},
            },
            {"product_id": water["id"], "quantity": 20},
            {"product_id": tea["id"], "quantity": 1},
        ],
        utc(2026, 12, 3, 3, 0),
    )
    # Cancelled: 100 tea would top every list.
    await sales.cancelled(customer, [{"product_id": tea["id"], "quantity": 100}], utc(2026, 12, 2))
    span = {"date_from": "2026-12-01", "date_to": "2026-12-03"}

    revenue = await sales.report("products/revenue", **span)
    assert [
        (p["product_code"], p["product_name"], p["quantity"], p["revenue"], p["orders"])
        for p in revenue["items"]
    ] == [
        ("BIA", "Bia Hà Nội", 29, 342_000, 2),
        ("NUOC", "Nước suối", 30, 150_000, 2),
        ("TRA", "Trà xanh", 1, 8_000, 1),
    ]
    assert revenue["total"] == 3
    first = await sales.report("products/revenue", limit=1, offset=1, **span)
    assert ([p["product_code"] for p in first["items"]], first["total"]) == (["NUOC"], 3)

    by_quantity = await sales.report("products/top", limit=2, **span)
    assert by_quantity["by"] == "quantity"
    assert [(p["product_code"], p["quantity"]) for p in by_quantity["items"]] == [
        ("NUOC", 30),
        ("BIA", 29),
    ]
    by_revenue = await sales.report("products/top", by="revenue", **span)
    assert [p["product_code"] for p in by_revenue["items"]] == ["BIA", "NUOC", "TRA"]

    daily = await sales.report("products/quantity-daily", limit=2, **span)
    assert daily["dates"] == ["2026-12-01", "2026-12-02", "2026-12-03"]
    assert [(s["product_code"], s["product_name"], s["values"]) for s in daily["series"]] == [
        ("NUOC", "Nước suối", [10, 0, 20]),
        ("BIA", "Bia Hà Nội", [24, 0, 5]),
    ]
    assert (await sales.report("products/quantity-daily", **span))["series"][2]["values"] == [
        0,
        0,
        1,
    ]
    nothing = await sales.report(
        "products/quantity-daily", date_from="2026-11-01", date_to="2026-11-02"
    )
    assert (nothing["dates"], nothing["series"]) == (["2026-11-01", "2026-11-02"], [])
    assert_problem(
        await shop.client.get(
            "/reports/products/top", headers=shop.auth(), params={**span, "by": "price"}
        ),
        422,
        field="query.by",
    )


async def test_a_salesperson_sees_only_their_own_figures(sales, shop):
    beer = await shop.product("Bia", 10_000, stock=500)
    mine = await shop.customer(name="Khách của tôi")
    colleague = uuid.uuid4()
    colleague_token = shop.make_token(colleague)
    theirs = await shop.customer(name="Khách đồng nghiệp", owner=colleague)
    manager = shop.make_token(uuid.uuid4(), ["orders.view_all", "customers.view_all"])
    at = utc(2026, 12, 1, 3, 0)
    await sales.completed(mine, [{"product_id": beer["id"], "quantity": 1}], at)
    await sales.completed(
        theirs, [{"product_id": beer["id"], "quantity": 2}], at, token=colleague_token
    )
    await sales.completed(
        theirs,
        [{"product_id": beer["id"], "quantity": 4}],
        at,
        token=colleague_token,
        channel="chat",
    )
    span = {"date_from": "2026-12-01", "date_to": "2026-12-01"}

    async def totals(token=None, **params):
        daily = await sales.report("sales/daily", token, **span, **params)
        return daily["total_orders"], daily["total_revenue"]

    assert await totals() == (1, 10_000)
    assert await totals(colleague_token) == (2, 60_000)
    assert await totals(manager) == (3, 70_000)
    assert await totals(manager, owner_id=str(colleague)) == (2, 60_000)
    assert await totals(manager, channel="chat") == (1, 40_000)
    assert await totals(manager, channel=["chat", "staff"]) == (3, 70_000)
    assert await totals(owner_id=str(colleague)) == (0, 0)  # a filter never widens what one sees
    top = await sales.report("products/top", **span)
    assert [p["quantity"] for p in top["items"]] == [1]
    top = await sales.report("products/top", manager, **span)
    assert [p["quantity"] for p in top["items"]] == [7]
    series = await sales.report("products/quantity-daily", colleague_token, **span)
    assert [s["values"] for s in series["series"]] == [[6]]
    monthly = await sales.report("sales/monthly", colleague_token, **span)
    assert [(m["month"], m["orders"]) for m in monthly["items"]] == [("2026-12", 2)]


async def test_every_report_reads_orders_through_the_status_and_completed_at_index(
    app, sales, shop
):
    """ORD-10's index matches what the reports filter on: each report's queries, as the routes
    send them, can be answered through ix_orders_status_completed_at."""
    customer = await shop.customer()
    beer = await shop.product("Bia", 12_000)
    lines = [{"product_id": beer["id"], "quantity": 1}]
    await sales.completed(customer, lines, utc(2026, 12, 5, 3, 0))  # so quantity-daily asks too
    with statements_sent(app, "orders.completed_at") as sent:
        for path in REPORTS:
            await sales.report(path, date_from="2026-12-01", date_to="2026-12-31")
    assert len(sent) > len(REPORTS), sent
    await assert_plans_use(app, sent, "ix_orders_status_completed_at")


@pytest.mark.parametrize("path", REPORTS)
async def test_bad_ranges_are_refused(shop, make_token, path):
    url = f"/reports/{path}"

    async def get(params, token=None):
        return await shop.client.get(url, headers=shop.auth(token), params=params)

    backwards = await get({"date_from": "2026-12-02", "date_to": "2026-12-01"})
    assert_problem(backwards, 422, field="query.date_to")
    too_long = await get({"date_from": "2026-01-01", "date_to": "2027-01-02"})
    assert_problem(too_long, 422, field="query.date_to")
    assert "366" in too_long.json()["detail"]
    assert (await get({"date_from": "2028-01-01", "date_to": "2028-12-31"})).status_code == 200
    assert_problem(await get({"date_to": "2026-12-01"}), 422, field="query.date_from")
    assert_problem(
        await get({"date_from": "2026-12-01", "date_to": "1 Dec"}), 422, field="query.date_to"
    )
    assert_problem(
        await get({"date_from": "2026-12-01", "date_to": "2026-12-01", "channel": "fax"}),
        422,
        field="query.channel.0",
    )
    customer = make_token(uuid.uuid4(), kind="customer")
    assert_problem(await get({"date_from": "2026-12-01", "date_to": "2026-12-01"}, customer), 403)
    anonymous = await shop.client.get(url, params={"date_from": "2026-12-01"})
    assert_problem(anonymous, 401)


async def test_figures_past_a_bigint_are_reported_not_a_500(sales, shop):
    """Each order fits a bigint (domain.totals bounds it), but ten of them do not: the sums are
    PostgreSQL numerics, not cast back to bigint."""
    customer = await shop.customer()
    gold = await shop.product("Vàng miếng", 10**12, stock=10**7)
    at = utc(2026, 12, 5, 3, 0)
    for _ in range(10):
        await sales.completed(customer, [{"product_id": gold["id"], "quantity": 10**6}], at)
    span = {"date_from": "2026-12-01", "date_to": "2026-12-31"}
    for path in REPORTS:
        await sales.report(path, **span)
    (row,) = (await sales.report("products/revenue", **span))["items"]
    assert row["revenue"] == 10 * 10**18
    monthly = await sales.report("sales/monthly", **span)
    assert monthly["total_revenue"] == 10 * 10**18
