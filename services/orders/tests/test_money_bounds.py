"""Every amount an order stores fits PostgreSQL's bigint: the inputs are bounded
(orders_service.domain.totals documents the budget) and an order whose lines would add up past
it is refused with 422 naming the line, never a 500 from the database."""

import pytest

from orders_service.domain import totals
from suite_shared.testing.assertions import assert_problem, outbox_events

BIGINT = 2**63 - 1


def test_the_documented_bounds_fit_a_bigint():
    assert totals.MAX_TOTAL + totals.MAX_AMOUNT < BIGINT
    assert totals.MAX_UNIT_PRICE * totals.MAX_QUANTITY <= totals.MAX_TOTAL


async def test_lines_adding_up_past_the_bound_are_refused_naming_the_line(app, shop):
    customer = await shop.customer()
    gold = await shop.product("Vàng miếng", 10**12)
    line = {"product_id": gold["id"], "quantity": 10**6}  # 10^18 đồng: the most one line holds
    refused = await shop.client.post(
        "/orders",
        headers=shop.auth(),
        json={"customer_id": str(customer), "lines": [line] * 10},  # 10^19 > 2^63 today
    )
    assert_problem(refused, 422, field="lines.1")
    assert await outbox_events(app, "orders.order") == []
    order = await shop.place(customer, [line])
    assert order["total"] == totals.MAX_TOTAL


async def test_a_unit_price_times_quantity_past_the_bound_is_refused(shop):
    customer = await shop.customer()
    crate = await shop.product(
        "Thùng vàng", 10**12, units=[{"unit": "kho", "factor": 1_000_000}]
    )  # 10^18 đồng a unit
    refused = await shop.client.post(
        "/orders",
        headers=shop.auth(),
        json={
            "customer_id": str(customer),
            "lines": [{"product_id": crate["id"], "unit": "kho", "quantity": 10}],
        },
    )
    assert_problem(refused, 422, field="lines.0.quantity")


@pytest.mark.parametrize(
    ("lines", "field"),
    [
        ([totals.LineIn(10**18, 2)], "lines.0.quantity"),
        ([totals.LineIn(10**12, 10**6), totals.LineIn(1, 1)], "lines.1"),
        ([totals.LineIn(10**12, 10**6 // 2)] * 3, "lines.2"),
    ],
)
def test_orders_checks_the_bound_itself_whatever_the_quote_says(lines, field):
    with pytest.raises(totals.TotalsError) as error:
        totals.compute(lines, totals.Discount(), shipping_fee=0)
    assert error.value.field == field


def test_the_most_an_order_holds_fits_a_bigint():
    money = totals.compute(
        [totals.LineIn(10**12, 10**6)], totals.Discount(), shipping_fee=totals.MAX_AMOUNT
    )
    assert money.total == totals.MAX_TOTAL + totals.MAX_AMOUNT < BIGINT


async def test_the_shipping_fee_and_amount_discounts_are_bounded(shop):
    customer = await shop.customer()
    beer = await shop.product("Bia", 12_000)
    line = {"product_id": beer["id"], "quantity": 1}
    for body, field in (
        (
            {"shipping": {"method": "carrier", "carrier": "GHN", "address": "x", "fee": 10**14}},
            "shipping.fee",
        ),
        ({"discount": {"kind": "amount", "value": 10**19}}, "discount.value"),
        ({"lines": [{**line, "quantity": 10**6 + 1}]}, "lines.0.quantity"),
    ):
        answer = await shop.client.post(
            "/orders",
            headers=shop.auth(),
            json={"customer_id": str(customer), "lines": [line], **body},
        )
        assert_problem(answer, 422, field=field)
