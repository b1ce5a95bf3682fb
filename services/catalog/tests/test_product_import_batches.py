"""A product import batch inserts its new products together (product_imports) and reports the
identical ones unchanged without writing; whatever could clash goes one by one, with the
results, refusals and events the one-by-one path gives in the batch's order."""

import asyncio
import uuid

from sqlalchemy import text

from suite_shared.testing.assertions import outbox_events, statements_sent
from suite_shared.testing.infra import eventually

MANAGER = ["catalog.manage"]


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


async def send(client, token: str, items: list[dict]) -> dict:
    response = await client.post(
        "/imports/products", headers=auth(token), json={"system": "kiotviet", "items": items}
    )
    assert response.status_code == 200, response.text
    return response.json()


def item(n: int, **changes) -> dict:
    return {
        "external_id": f"kv-{n}",
        "code": f"NUOC-{n}",
        "name": f"Nước suối {n}",
        "base_unit": "chai",
        "base_price": 5_000,
        "barcode": f"893000000{n:04d}",
        "units": [
            {"unit": "thùng", "factor": 24, "price": 110_000, "barcode": f"894000000{n:04d}"}
        ],
        **changes,
    }


def results(batch: dict) -> list[str]:
    return [i["result"] for i in batch["items"]]


async def test_new_products_are_inserted_in_a_few_statements_with_their_events(
    app, client, make_token
):
    token = make_token(uuid.uuid4(), MANAGER)
    items = [item(n) for n in range(100)]
    with statements_sent(app, "INSERT INTO products") as inserts:
        created = await send(client, token, items)
    assert results(created) == ["created"] * 100
    assert len(inserts) <= 2  # one multi-row statement (two if the driver splits it), not 100

    events = await outbox_events(app, "catalog.product.created")
    assert len(events) == 100
    first = next(e for e in events if e["data"]["code"] == "NUOC-0")
    assert first["subject"] == created["items"][0]["id"]
    assert first["data"]["external_refs"] == {"kiotviet": "kv-0"}
    assert [(u["unit"], u["factor"], u["price"]) for u in first["data"]["units"]] == [
        ("chai", 1, 5_000),
        ("thùng", 24, 110_000),
    ]
    card = await client.get(f"/products/{created['items'][0]['id']}", headers=auth(token))
    assert card.json()["units"][0]["barcode"] == "8940000000000"
    found = await client.get("/products", headers=auth(token), params={"q": "nuoc suoi 7"})
    assert "NUOC-7" in [p["code"] for p in found.json()["items"]]  # searchable without accents
    scanned = await client.get("/products", headers=auth(token), params={"q": "8940000000007"})
    assert [p["code"] for p in scanned.json()["items"]] == ["NUOC-7"]

    with statements_sent(app, "UPDATE products") as updates:
        again = await send(client, token, items)
    assert results(again) == ["unchanged"] * 100 and not updates
    assert [i["id"] for i in again["items"]] == [i["id"] for i in created["items"]]
    assert len(await outbox_events(app, "catalog.product")) == 100  # nothing published again

    renamed = await send(client, token, [item(1, name="Nước suối 1 lít"), item(2), item(100)])
    assert results(renamed) == ["updated", "unchanged", "created"]


async def test_clashes_inside_the_batch_keep_the_batch_order(client, make_token):
    token = make_token(uuid.uuid4(), MANAGER)
    batch = [
        item(1),
        item(2, code="NUOC-1"),  # item 1's code, another KiotViet product: refused
        item(3, barcode="8940000000001"),  # item 1's unit barcode: refused
        item(4, external_id="kv-1", name="Nước suối 1 đổi tên"),  # item 1 again, renamed
        item(5, category_external_id="no-such"),  # unknown category: refused
        item(6, units=[{"unit": "chai", "factor": 6}]),  # its base unit again: refused
        item(7),
    ]
    loaded = await send(client, token, batch)
    assert results(loaded) == ["created", "invalid", "invalid", "updated", "invalid", "invalid"] + [
        "created"
    ]
    fields = [i["field"] for i in loaded["items"] if i["result"] == "invalid"]
    assert fields == [
        "items.1.code",
        "items.2.barcode",
        "items.4.category_external_id",
        "items.5.units.0.unit",
    ]
    assert "kv-1" in loaded["items"][1]["detail"]
    first = loaded["items"][0]["id"]
    assert loaded["items"][3]["id"] == first
    card = (await client.get(f"/products/{first}", headers=auth(token))).json()
    assert card["name"] == "Nước suối 1 đổi tên" and card["barcode"] == "8930000000004"
    listed = await client.get("/products", headers=auth(token), params={"q": "nuoc-3"})
    assert listed.json()["total"] == 0  # a refused item left nothing behind


async def test_a_barcode_already_saved_is_refused_and_the_rest_inserted(client, make_token):
    token = make_token(uuid.uuid4(), MANAGER)
    typed = await client.post(
        "/products",
        headers=auth(token),
        json={"code": "TAY-1", "name": "Gõ tay", "base_unit": "chai", "barcode": "8940000000002"},
    )
    assert typed.status_code == 201, typed.text
    loaded = await send(client, token, [item(1), item(2), item(3)])
    assert results(loaded) == ["created", "invalid", "created"]
    assert loaded["items"][1]["field"] == "items.1.units.0.barcode"


async def test_a_barcode_a_concurrent_save_commits_first_sends_the_batch_one_by_one(
    app, client, make_token
):
    """The barcode query cannot see a product still being saved elsewhere: the insert waits
    for that save, fails on the unique index, and the batch is redone one item at a time."""
    token = make_token(uuid.uuid4(), MANAGER)
    async with app.state.runtime.engine.connect() as rival:
        await rival.execute(
            text(
                "INSERT INTO products (id, code, name, base_unit, base_price, barcode,"
                " description, status, is_combo, search_text, version)"
                " VALUES (:id, 'RIVAL', 'Đối thủ', 'chai', 0, '8930000000002', '', 'active',"
                " false, 'doi thu', 1)"
            ),
            {"id": uuid.uuid4()},
        )
        batch = asyncio.create_task(send(client, token, [item(1), item(2), item(3)]))

        async def waiting():  # asked on another connection: a transaction's view of
            # pg_stat_activity is taken once and kept
            async with app.state.runtime.engine.connect() as watcher:
                rows = await watcher.execute(
                    text(
                        "SELECT count(*) FROM pg_stat_activity"
                        " WHERE wait_event_type = 'Lock' AND query LIKE 'INSERT INTO products%'"
                    )
                )
                return rows.scalar() > 0

        await eventually(waiting, timeout=10)
        await rival.commit()
        loaded = await batch
    assert results(loaded) == ["created", "invalid", "created"]
    assert loaded["items"][1]["field"] == "items.1.barcode"
    assert len(await outbox_events(app, "catalog.product.created")) == 2
