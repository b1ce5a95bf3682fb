"""Prices are bounded so that every quoted amount fits a bigint (issue 12; domain.pricing):
10^12 đồng per base unit for base, unit and list prices (422 naming the field), and a quote
refuses a line or a running total past 10^18 naming the line instead of answering a number
the orders service cannot store."""

import uuid

from catalog_service.domain import pricing
from suite_shared.testing.assertions import assert_problem

MANAGER = ["catalog.manage"]
MAX = 10**12


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_a_price_is_at_most_the_bound_per_base_unit():
    assert pricing.price_in_bounds(MAX, 1) and not pricing.price_in_bounds(MAX + 1, 1)
    assert pricing.price_in_bounds(24 * MAX, 24) and not pricing.price_in_bounds(24 * MAX + 1, 24)
    assert pricing.MAX_UNIT_PRICE * 10**6 > 2**63 > pricing.MAX_QUOTE_TOTAL >= MAX * 10**6


async def test_prices_past_the_bound_are_refused_naming_the_field(client, make_token):
    token = make_token(uuid.uuid4(), MANAGER)

    async def product(status=201, **body):
        body = {"name": "Máy", "base_unit": "cái", **body}
        response = await client.post("/products", headers=auth(token), json=body)
        assert response.status_code == status, response.text
        return response.json()

    assert_problem(
        await client.post(
            "/products",
            headers=auth(token),
            json={"name": "X", "base_unit": "c", "base_price": MAX + 1},
        ),
        422,
        field="base_price",
    )
    units = [{"unit": "thùng", "factor": 24, "price": 24 * MAX + 1}]
    assert_problem(
        await client.post(
            "/products", headers=auth(token), json={"name": "X", "base_unit": "c", "units": units}
        ),
        422,
        field="units.0.price",
    )
    top = await product(base_price=MAX, units=[{"unit": "thùng", "factor": 24, "price": 24 * MAX}])
    assert top["units"][0]["price"] == 24 * MAX
    assert_problem(
        await client.patch(
            f"/products/{top['id']}", headers=auth(token), json={"base_price": MAX + 1}
        ),
        422,
        field="base_price",
    )
    price_list = (
        await client.post("/price-lists", headers=auth(token), json={"name": "Cao"})
    ).json()
    path = f"/price-lists/{price_list['id']}/items"
    too_high = {
        "items": [
            {"product_id": top["id"], "price": 24 * MAX},
            {"product_id": top["id"], "unit": "thùng", "price": 24 * MAX},
        ]
    }
    body = assert_problem(
        await client.put(path, headers=auth(token), json=too_high), 422, field="items.0.price"
    )
    assert [e["field"] for e in body["errors"]] == ["items.0.price"]
    assert_problem(
        await client.put(
            path, headers=auth(token), json={"items": [{"product_id": top["id"], "price": 10**19}]}
        ),
        422,
        field="items.0.price",
    )
    fine = await client.put(path, headers=auth(token), json={"items": too_high["items"][1:]})
    assert fine.status_code == 200, fine.text

    sent = {"external_id": "tau", "code": "MAX-T", "name": "T", "base_unit": "c", "base_price": 1}
    await client.post("/imports/products", headers=auth(token), json={"items": [sent]})
    lists = [
        {
            "external_id": "cao",
            "name": "Cao nhập",
            "prices": [{"product_external_id": "tau", "price": MAX + 1}],
        }
    ]
    imported = await client.post("/imports/price-lists", headers=auth(token), json={"items": lists})
    (result,) = imported.json()["items"]
    assert (result["result"], result["field"]) == ("invalid", "items.0.prices.0.price")
    bad_import = await client.post(
        "/imports/products",
        headers=auth(token),
        json={
            "items": [
                {
                    "external_id": "1",
                    "code": "MAX-1",
                    "name": "X",
                    "base_unit": "c",
                    "base_price": MAX + 1,
                }
            ]
        },
    )
    assert_problem(bad_import, 422, field="items.0.base_price")


async def test_a_quote_past_the_bound_names_the_line(client, make_token):
    token = make_token(uuid.uuid4(), MANAGER)
    created = await client.post(
        "/products",
        headers=auth(token),
        json={
            "name": "Tàu",
            "base_unit": "cái",
            "base_price": MAX,
            "units": [{"unit": "đội", "factor": 10**6}],
        },
    )
    assert created.status_code == 201, created.text
    pid = created.json()["id"]

    async def quote(*lines):
        return await client.post("/quotes", headers=auth(token), json={"lines": list(lines)})

    most = await quote({"product_id": pid, "quantity": 10**6})  # 10^6 × 10^12 = 10^18
    assert most.status_code == 200 and most.json()["total"] == 10**18
    one = await quote({"product_id": pid, "unit": "đội", "quantity": 1})
    assert one.status_code == 200 and one.json()["lines"][0]["unit_price"] == 10**18
    assert_problem(
        await quote({"product_id": pid, "unit": "đội", "quantity": 2}),
        422,
        field="lines.0.quantity",
    )
    body = assert_problem(
        await quote(*[{"product_id": pid, "unit": "đội", "quantity": 1}] * 3), 422, field="lines.1"
    )
    assert [e["field"] for e in body["errors"]] == ["lines.1"]
