"""Idempotency-Key on every create a client may retry (issue 12): a retry after the first
commit gets 200 with the first body and changes nothing; another body with the key is a 422;
racing retries of a stock adjustment apply it once."""

import asyncio
import io
import uuid

from PIL import Image

from suite_shared.testing.assertions import assert_problem

MANAGER = ["catalog.manage"]


def auth(token: str, key: str | None = None) -> dict:
    headers = {"Authorization": f"Bearer {token}"}
    if key:
        headers["Idempotency-Key"] = key
    return headers


async def total(client, token, path) -> int:
    body = (await client.get(path, headers=auth(token), params={"limit": 200})).json()
    return body["total"] if isinstance(body, dict) else len(body)


async def test_every_create_answers_a_retry_with_the_first_answer(client, make_token):
    token = make_token(uuid.uuid4(), MANAGER)
    cases = [
        ("/products", "/products", {"name": "Bia", "base_unit": "lon"}, {"name": "Rượu"}),
        ("/categories", "/categories", {"code": "IDEM-C", "name": "Bia"}, {"code": "IDEM-C2"}),
        ("/warehouses", "/warehouses", {"code": "IDEM-W", "name": "Kho"}, {"code": "IDEM-W2"}),
        ("/price-lists", "/price-lists", {"name": "Giá sỉ idem"}, {"name": "Giá lẻ idem"}),
        ("/suppliers", "/suppliers", {"name": "NCC idem"}, {"name": "NCC khác"}),
        (
            "/supplier-types",
            "/supplier-types",
            {"code": "IDEM-T", "name": "Loại idem"},
            {"code": "IDEM-T2", "name": "Loại khác"},
        ),
    ]
    for path, listing, body, other in cases:
        key = f"create-{path}"
        first = await client.post(path, headers=auth(token, key), json=body)
        assert first.status_code == 201, first.text
        count = await total(client, token, listing)
        retry = await client.post(path, headers=auth(token, key), json=body)
        assert retry.status_code == 200, (path, retry.text)
        assert retry.json() == first.json(), path
        assert await total(client, token, listing) == count, path
        assert_problem(
            await client.post(path, headers=auth(token, key), json={**body, **other}),
            422,
            "idempotency-key-reused",
            field="Idempotency-Key",
        )
        # Another caller's key is its own.
        someone = make_token(uuid.uuid4(), MANAGER)
        again = await client.post(path, headers=auth(someone, key), json={**body, **other})
        assert again.status_code == 201, (path, again.text)


async def test_price_updates_imports_and_images_are_answered_once(client, make_token):
    token = make_token(uuid.uuid4(), MANAGER)
    product = (
        await client.post("/products", headers=auth(token), json={"name": "A", "base_unit": "lon"})
    ).json()
    price_list = (
        await client.post("/price-lists", headers=auth(token), json={"name": "Giá idem 2"})
    ).json()
    body = {"items": [{"product_id": product["id"], "price": 9000}], "version": 1}
    path = f"/price-lists/{price_list['id']}/items"
    first = await client.put(path, headers=auth(token, "prices"), json=body)
    assert first.status_code == 200 and first.json()["version"] == 2
    retry = await client.put(path, headers=auth(token, "prices"), json=body)
    assert retry.status_code == 200 and retry.json() == first.json()  # not a version conflict
    current = await client.get(f"/price-lists/{price_list['id']}", headers=auth(token))
    assert current.json()["version"] == 2

    items = [{"external_id": "idem-1", "code": "IDEM-IMP", "name": "B", "base_unit": "lon"}]
    batch = {"system": "kiotviet", "items": items}
    first = await client.post("/imports/products", headers=auth(token, "batch"), json=batch)
    assert first.json()["counts"]["created"] == 1
    retry = await client.post("/imports/products", headers=auth(token, "batch"), json=batch)
    assert retry.status_code == 200 and retry.json() == first.json()

    buffer = io.BytesIO()
    Image.new("RGB", (100, 80), (200, 30, 30)).save(buffer, "PNG")
    upload = {**auth(token, "image"), "Content-Type": "image/png"}
    images = f"/products/{product['id']}/images"
    first = await client.post(images, headers=upload, content=buffer.getvalue())
    assert first.status_code == 201, first.text
    retry = await client.post(images, headers=upload, content=buffer.getvalue())
    assert retry.status_code == 200 and retry.json() == first.json()
    card = await client.get(f"/products/{product['id']}", headers=auth(token))
    assert len(card.json()["images"]) == 1


async def test_racing_retries_of_a_stock_adjustment_apply_it_once(client, make_token):
    token = make_token(uuid.uuid4(), MANAGER)
    product = (
        await client.post("/products", headers=auth(token), json={"name": "C", "base_unit": "lon"})
    ).json()
    (warehouse,) = [
        w
        for w in (await client.get("/warehouses", headers=auth(token))).json()["items"]
        if w["is_default"]
    ]
    body = {
        "warehouse_id": warehouse["id"],
        "reason": "Nhập hàng",
        "lines": [{"product_id": product["id"], "change": 10}],
    }
    answers = await asyncio.gather(
        *(
            client.post("/stock/adjustments", headers=auth(token, "receive-10"), json=body)
            for _ in range(8)
        )
    )
    assert [a.status_code for a in answers] == [200] * 8
    assert {a.json()[0]["on_hand"] for a in answers} == {10}
    stock = await client.get("/stock", headers=auth(token), params={"product_id": product["id"]})
    assert stock.json()["items"][0]["on_hand"] == 10
    moves = await client.get(
        "/stock/movements", headers=auth(token), params={"product_id": product["id"]}
    )
    assert moves.json()["total"] == 1
    # Without a key each request is its own adjustment.
    for _ in range(2):
        assert (
            await client.post("/stock/adjustments", headers=auth(token), json=body)
        ).status_code == 200
    stock = await client.get("/stock", headers=auth(token), params={"product_id": product["id"]})
    assert stock.json()["items"][0]["on_hand"] == 30
