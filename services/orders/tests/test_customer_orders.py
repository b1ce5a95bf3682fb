"""A customer of the portal places and cancels their own orders with the portal's token
(POR-4, POR-5): the rules (domain.customer_orders) and the routes, against the real catalog."""

import uuid
from types import SimpleNamespace

import pytest

from orders_service.domain import customer_orders
from orders_service.schemas.orders import OrderCreate

ME = uuid.uuid4()


def order(**fields) -> OrderCreate:
    body = {
        "customer_id": str(ME),
        "channel": "portal",
        "lines": [{"product_id": str(uuid.uuid4()), "quantity": 1}],
        **fields,
    }
    return OrderCreate.model_validate(body)


# ---- the rules -----------------------------------------------------------------------------
def test_a_plain_portal_order_of_ones_own_is_allowed():
    assert customer_orders.placement_refusal(ME, order()) is None
    assert customer_orders.placement_refusal(ME, order(payment={"terms": "once"})) is None


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"customer_id": str(uuid.uuid4())}, "customer_id"),
        ({"channel": "staff"}, "channel"),
        ({"owner_id": str(uuid.uuid4())}, "owner_id"),
        ({"order_type": "upsell"}, "order_type"),
        ({"discount": {"kind": "percent", "value": 1000}}, "discount"),
        (
            {
                "lines": [
                    {"product_id": str(uuid.uuid4()), "quantity": 1},
                    {
                        "product_id": str(uuid.uuid4()),
                        "quantity": 1,
                        "discount": {"kind": "amount", "value": 1},
                    },
                ]
            },
            "lines[1].discount",
        ),
        (
            {"shipping": {"method": "carrier", "carrier": "GHN", "address": "HN", "fee": 30_000}},
            "shipping.fee",
        ),
        (
            {"shipping": {"method": "warehouse_pickup", "pickup_location_id": str(uuid.uuid4())}},
            "shipping.pickup_location_id",
        ),
        (
            {"payment": {"terms": "instalments", "instalments": []}},
            "payment.terms",
        ),
    ],
)
def test_what_only_staff_may_set_is_refused_by_field(fields, field):
    refusal = customer_orders.placement_refusal(ME, order(**fields))
    assert refusal is not None and (refusal.field, refusal.status) == (field, 422)


def test_a_customer_may_only_cancel_and_only_while_pending():
    assert customer_orders.status_refusal("cancelled", "pending") is None
    assert customer_orders.status_refusal("confirmed", "pending").status == 403
    assert customer_orders.status_refusal("completed", "delivering").status == 403
    late = customer_orders.status_refusal("cancelled", "confirmed")
    assert (late.field, late.status) == ("status", 409)


# ---- through the routes --------------------------------------------------------------------
@pytest.fixture
async def portal(shop, make_token):
    """A customer of salesperson ``shop.seller`` in group dai-ly, with their portal token, and a
    product priced for the group."""
    customer_id = await shop.customer(name="Tạp hoá Bình An", groups=("dai-ly",))
    product = await shop.product("Nước mắm Nam Ngư", 45_000)
    await shop.price_list("dai-ly", {product["id"]: 40_000})
    token = make_token(customer_id, kind="customer", groups=["dai-ly"])
    lines = [{"product_id": product["id"], "quantity": 2}]
    return SimpleNamespace(customer_id=customer_id, token=token, lines=lines, product=product)


async def place_own(shop, portal, **body) -> dict:
    return await shop.place(
        portal.customer_id, portal.lines, token=portal.token, channel="portal", **body
    )


async def test_a_customer_places_their_own_order_for_their_salesperson(shop, portal):
    placed = await place_own(shop, portal)
    assert placed["channel"] == "portal" and placed["status"] == "pending"
    assert placed["owner_id"] == str(shop.seller)  # counts for the customer's salesperson
    assert placed["created_by"] is None  # placed by nobody on the staff
    assert [h["actor"] for h in placed["history"]] == [None]
    assert placed["lines"][0]["unit_price"] == 40_000  # the group's price
    assert placed["total"] == 80_000
    # The salesperson sees it as their order; the card read back says the same.
    card = await shop.client.get(f"/orders/{placed['id']}", headers=shop.auth())
    assert card.status_code == 200 and card.json()["created_by"] is None
    assert card.json()["history"][0]["actor"] is None


async def test_a_retry_with_the_same_key_returns_the_customers_first_order(shop, portal):
    key = {"Idempotency-Key": "cart-1"}
    first = await shop.place(
        portal.customer_id, portal.lines, token=portal.token, headers=key, channel="portal"
    )
    again = await shop.place(
        portal.customer_id,
        portal.lines,
        token=portal.token,
        headers=key,
        status=200,
        channel="portal",
    )
    assert again["id"] == first["id"] and again["number"] == first["number"]


async def count_orders(shop, make_token) -> int:
    listed = await shop.client.get(
        "/orders", headers=shop.auth(make_token(uuid.uuid4(), ["orders.view_all"]))
    )
    assert listed.status_code == 200, listed.text
    return listed.json()["total"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"channel": "staff"}, "channel"),
        ({"channel": "portal", "discount": {"kind": "percent", "value": 5000}}, "discount"),
        ({"channel": "portal", "owner_id": str(uuid.uuid4())}, "owner_id"),
        (
            {"channel": "portal", "payment": {"terms": "instalments", "instalments": []}},
            "payment.terms",
        ),
    ],
)
async def test_a_customer_asking_what_staff_set_is_refused_and_nothing_is_placed(
    shop, portal, make_token, body, field
):
    refused = await shop.place(
        portal.customer_id, portal.lines, token=portal.token, status=422, **body
    )
    assert refused["field"] == field
    assert await count_orders(shop, make_token) == 0


async def test_a_customer_cannot_order_for_another_customer(shop, portal, make_token):
    other = await shop.customer(name="Cửa hàng khác")
    refused = await shop.place(
        other, portal.lines, token=portal.token, status=422, channel="portal"
    )
    assert refused["field"] == "customer_id"
    assert await count_orders(shop, make_token) == 0


async def status(shop, order_id, token, target, status_code, **body):
    response = await shop.client.post(
        f"/orders/{order_id}/status",
        headers=shop.auth(token),
        json={"status": target, **body},
    )
    assert response.status_code == status_code, response.text
    return response.json()


async def test_a_customer_cancels_their_pending_order(shop, portal):
    placed = await place_own(shop, portal)
    cancelled = await status(shop, placed["id"], portal.token, "cancelled", 200)
    assert cancelled["status"] == "cancelled"
    change = cancelled["history"][-1]
    assert change["actor"] is None and change["reason"] == customer_orders.CANCELLED_BY_CUSTOMER
    again = await status(shop, placed["id"], portal.token, "cancelled", 409)
    assert again["current_status"] == "cancelled"


async def test_a_customer_may_not_move_an_order_on_nor_cancel_it_once_confirmed(shop, portal):
    placed = await place_own(shop, portal)
    await status(shop, placed["id"], portal.token, "confirmed", 403)
    await status(shop, placed["id"], shop.token, "confirmed", 200)
    late = await status(shop, placed["id"], portal.token, "cancelled", 409, reason="Đổi ý")
    assert late["field"] == "status"
    card = await shop.client.get(f"/orders/{placed['id']}", headers=shop.auth())
    assert card.json()["status"] == "confirmed"


async def test_another_customers_order_is_not_found_for_a_customer(shop, portal, make_token):
    placed = await place_own(shop, portal)
    stranger = make_token(await shop.customer(name="Người lạ"), kind="customer")
    await status(shop, placed["id"], stranger, "cancelled", 404)
    card = await shop.client.get(f"/orders/{placed['id']}", headers=shop.auth())
    assert card.json()["status"] == "pending"


async def test_the_staff_routes_refuse_a_customer(shop, portal):
    placed = await place_own(shop, portal)
    for path in ("/orders", f"/orders/{placed['id']}", f"/customers/{portal.customer_id}/orders"):
        response = await shop.client.get(path, headers=shop.auth(portal.token))
        assert response.status_code == 403, (path, response.text)
