"""CUS-1/CUS-3/CUS-12: a customer's source, groups and social page, a contact's position and an
opportunity's lost reason name existing settings-list items (like a many2one), on every write
— create, update, import, merge — and a delete of an item racing a write naming it has one
winner."""

import asyncio
import uuid

from sqlalchemy import select, text, update

from customers_service.domain.list_refs import (
    CUSTOMER_REFS,
    Ref,
    import_candidates,
    match_item,
    new_refs,
    unknown,
)
from customers_service.models import Customer
from suite_shared.testing.assertions import assert_problem, outbox_events
from suite_shared.testing.infra import eventually

ADMIN = ["customers.view_all", "customers.handover", "customers.settings"]


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_only_the_keys_a_write_adds_are_checked():
    fields = {"source": "web", "groups": ["si", "vip"], "social_page": None, "name": "An"}
    assert new_refs(fields, CUSTOMER_REFS) == [
        Ref("source", "sources", "web"),
        Ref("groups", "groups", "si"),
        Ref("groups", "groups", "vip"),
    ]
    held = {"source": "web", "groups": ["vip"]}
    assert new_refs(fields, CUSTOMER_REFS, held) == [Ref("groups", "groups", "si")]
    assert new_refs({"source": None, "groups": []}, CUSTOMER_REFS, held) == []
    refs = new_refs(fields, CUSTOMER_REFS)
    assert unknown(refs, {("sources", "web"), ("groups", "vip")}) == [refs[1]]


def test_an_import_cell_names_an_item_by_key_or_by_name():
    items = [("khach-si", "khach si"), ("vip", "khach vip"), ("web", "website")]
    assert match_item("khach-si", items) == "khach-si"
    assert match_item("  Khách   SỈ ", items) == "khach-si"
    assert match_item("VIP", items) == "vip"
    assert match_item("Website", items) == "web"
    assert match_item("webiste", items) is None
    # One item's name is another's key: the exact key wins, then the name.
    clash = [("vip", "khach vip"), ("nhom-2", "vip")]
    assert match_item("vip", clash) == "vip" and match_item("VIP", clash) == "nhom-2"
    assert import_candidates("a\x00b") is None and import_candidates("  ") is None


async def import_csv(client, token, content: str) -> tuple[dict, dict[int, dict]]:
    """Upload a CSV, wait for its import to finish: the job and its report by row number."""
    started = await client.post(
        "/imports/customers",
        params={"filename": "khach.csv"},
        content=content.encode(),
        headers={**auth(token), "content-type": "text/csv"},
    )
    assert started.status_code == 202, started.text

    async def done():
        job = (await client.get(f"/imports/{started.json()['id']}", headers=auth(token))).json()
        return job if job["status"] in ("done", "failed") else None

    job = await eventually(done, timeout=60)
    rows = await client.get(f"/imports/{job['id']}/rows", headers=auth(token))
    return job, {r["row_number"]: r for r in rows.json()["items"]}


async def customer_rows(app) -> list[Customer]:
    async with app.state.runtime.session_factory() as session:
        return list((await session.scalars(select(Customer).order_by(Customer.code))).all())


async def test_create_and_update_refuse_keys_not_in_the_lists(app, client, make_token, list_items):
    token = make_token(uuid.uuid4(), ADMIN)
    await list_items("sources", "website")
    await list_items("groups", "vip", "si")
    await list_items("social_pages", "fb-an")
    for fields, field, key in [
        ({"source": "webiste"}, "source", "webiste"),
        ({"source": "Website"}, "source", "Website"),  # the API takes keys, not names
        ({"groups": ["vip", "vipp"]}, "groups", "vipp"),
        ({"social_page": "fb/an"}, "social_page", "fb/an"),
    ]:
        response = await client.post(
            "/customers", headers=auth(token), json={"name": "A", **fields}
        )
        body = assert_problem(response, 422, "validation-error", field)
        assert body["key"] == key and key in body["detail"], body
    both = await client.post(
        "/customers",
        headers=auth(token),
        json={"name": "A", "source": "zalo", "groups": ["x", "vip"]},
    )
    assert [(e["field"], e["message"].split()[0]) for e in assert_problem(both, 422)["errors"]] == [
        ("source", "'zalo'"),
        ("groups", "'x'"),
    ]
    assert await customer_rows(app) == []
    assert await outbox_events(app, "customers.customer.") == []

    created = await client.post(
        "/customers",
        headers=auth(token),
        json={"name": "A", "source": "website", "groups": ["vip"], "social_page": "fb-an"},
    )
    assert created.status_code == 201, created.text
    url = f"/customers/{created.json()['id']}"
    for fields, field in [({"source": "zalo"}, "source"), ({"groups": ["vip", "x"]}, "groups")]:
        refused = await client.patch(url, headers=auth(token), json={**fields, "version": 1})
        assert_problem(refused, 422, "validation-error", field)
    unchanged = (await client.get(url, headers=auth(token))).json()
    assert (unchanged["version"], unchanged["source"], unchanged["groups"]) == (
        1,
        "website",
        ["vip"],
    )
    assert await outbox_events(app, "customers.customer.updated") == []
    fine = await client.patch(
        url, headers=auth(token), json={"groups": ["si", "vip"], "source": "", "version": 1}
    )
    assert fine.status_code == 200, fine.text
    assert (fine.json()["groups"], fine.json()["source"]) == (["si", "vip"], None)


async def test_keys_a_record_already_holds_are_not_checked_again(app, client, make_token):
    """A record holding a key from before lists were checked stays editable; only what a write
    adds must be in the lists."""
    token = make_token(uuid.uuid4(), ADMIN)
    customer = (await client.post("/customers", headers=auth(token), json={"name": "Cũ"})).json()
    async with app.state.runtime.session_factory() as session:
        await session.execute(
            update(Customer)
            .where(Customer.id == customer["id"])
            .values(source="cu", groups=["nhom-cu"])
        )
        await session.commit()
    url = f"/customers/{customer['id']}"
    same = await client.patch(
        url, headers=auth(token), json={"name": "Cũ 2", "source": "cu", "groups": ["nhom-cu"]}
    )
    assert same.status_code == 200, same.text
    added = await client.patch(url, headers=auth(token), json={"groups": ["nhom-cu", "moi"]})
    assert assert_problem(added, 422, "validation-error", "groups")["key"] == "moi"


async def test_contact_position_and_lost_reason_name_items(client, make_token, list_items):
    token = make_token(uuid.uuid4(), ADMIN)
    await list_items("positions", "ke-toan")
    await list_items("lost_reasons", "gia-cao")
    company = (
        await client.post(
            "/customers", headers=auth(token), json={"name": "Cty", "kind": "company"}
        )
    ).json()
    contacts = f"/customers/{company['id']}/contacts"
    refused = await client.post(
        contacts, headers=auth(token), json={"name": "Bình", "position": "ke toan"}
    )
    assert assert_problem(refused, 422, "validation-error", "position")["key"] == "ke toan"
    assert (await client.get(contacts, headers=auth(token))).json() == []
    contact = await client.post(
        contacts, headers=auth(token), json={"name": "Bình", "position": "ke-toan"}
    )
    assert contact.status_code == 201, contact.text
    edit = await client.patch(
        f"{contacts}/{contact.json()['id']}", headers=auth(token), json={"position": "giam-doc"}
    )
    assert_problem(edit, 422, "validation-error", "position")
    (kept,) = (await client.get(contacts, headers=auth(token))).json()
    assert kept["position"] == "ke-toan"

    opportunity = (
        await client.post(
            f"/customers/{company['id']}/opportunities", headers=auth(token), json={"title": "x"}
        )
    ).json()
    outcome = f"/opportunities/{opportunity['id']}/outcome"
    lost = await client.post(
        outcome, headers=auth(token), json={"status": "lost", "lost_reason": "gia cao qua"}
    )
    assert_problem(lost, 422, "validation-error", "lost_reason")
    listed = await client.get(f"/customers/{company['id']}/opportunities", headers=auth(token))
    assert [o["status"] for o in listed.json()] == ["open"]
    lost = await client.post(
        outcome, headers=auth(token), json={"status": "lost", "lost_reason": "gia-cao"}
    )
    assert lost.json()["lost_reason"] == "gia-cao"


async def test_a_merge_brings_only_values_in_the_lists(app, client, make_token, list_items):
    token = make_token(uuid.uuid4(), ADMIN)
    await list_items("sources", "zalo")
    await list_items("groups", "vip")

    async def create(**fields):
        response = await client.post("/customers", headers=auth(token), json=fields)
        assert response.status_code == 201, response.text
        return response.json()

    survivor = await create(name="Minh Phát")
    duplicate = await create(name="Minh Phat cũ", source="zalo", groups=["vip"])
    merged = await client.post(
        f"/customers/{survivor['id']}/merge",
        headers=auth(token),
        json={"duplicate_id": duplicate["id"]},
    )
    assert merged.status_code == 200, merged.text
    assert (merged.json()["source"], merged.json()["groups"]) == ("zalo", ["vip"])

    # A duplicate holding a key from before lists were checked cannot pass it on.
    survivor = await create(name="Hoà Bình")
    duplicate = await create(name="Hoa Binh cũ")
    async with app.state.runtime.session_factory() as session:
        await session.execute(
            update(Customer).where(Customer.id == duplicate["id"]).values(social_page="cu")
        )
        await session.commit()
    refused = await client.post(
        f"/customers/{survivor['id']}/merge",
        headers=auth(token),
        json={"duplicate_id": duplicate["id"]},
    )
    assert assert_problem(refused, 422, "validation-error", "social_page")["key"] == "cu"
    still = await client.get(f"/customers/{duplicate['id']}", headers=auth(token))
    assert still.status_code == 200  # nothing happened
    assert len(await outbox_events(app, "customers.customer.merged")) == 1


async def test_import_rows_name_items_by_key_or_name(client, make_token, list_items):
    token = make_token(uuid.uuid4(), ADMIN)
    await list_items("sources", ("website", "Website"))
    await list_items("groups", ("khach-si", "Khách sỉ"), ("vip", "Khách VIP"))
    await list_items("social_pages", ("fb-minh-phat", "Fanpage Minh Phát"))
    csv_text = (
        "Tên khách hàng,Nguồn,Nhóm,Trang mạng xã hội\n"
        "Theo khoá,website,khach-si|vip,fb-minh-phat\n"
        "Theo tên,WEBSITE,khach si; Khách VIP,fanpage minh phat\n"
        "Sai nguồn,webiste,vip,\n"
        "Sai nhóm,website,vip;khách lẻ,\n"
        "Sai trang,,,fb/minhphat\n"
        "Không nhóm,,,\n"
    )
    job, rows = await import_csv(client, token, csv_text)
    assert (job["status"], job["created"], job["invalid"]) == ("done", 3, 3), job
    assert [(n, rows[n]["field"]) for n in (4, 5, 6)] == [
        (4, "source"),
        (5, "groups"),
        (6, "social_page"),
    ]
    assert "webiste" in rows[4]["message"] and "khách lẻ" in rows[5]["message"]
    for number in (2, 3):
        customer = await client.get(
            f"/customers/{rows[number]['customer_id']}", headers=auth(token)
        )
        got = customer.json()
        assert (got["source"], got["groups"], got["social_page"]) == (
            "website",
            ["khach-si", "vip"],
            "fb-minh-phat",
        )


async def test_create_waits_for_a_delete_in_progress_then_finds_the_item_gone(
    app, client, make_token, list_items
):
    """Checking a key takes a row lock that conflicts with the delete's: a create does not
    read the item as still there while a delete of it is about to commit."""
    token = make_token(uuid.uuid4(), ADMIN)
    await list_items("sources", "hotline")
    async with app.state.runtime.session_factory() as session:
        await session.execute(
            text("SELECT 1 FROM list_items WHERE kind = 'sources' AND key = 'hotline' FOR UPDATE")
        )
        await session.execute(
            text("DELETE FROM list_items WHERE kind = 'sources' AND key = 'hotline'")
        )
        creating = asyncio.create_task(
            client.post("/customers", headers=auth(token), json={"name": "A", "source": "hotline"})
        )
        await asyncio.sleep(0.5)
        assert not creating.done()
        await session.commit()
    refused = await asyncio.wait_for(creating, 10)
    assert assert_problem(refused, 422, "validation-error", "source")["key"] == "hotline"
    assert await customer_rows(app) == []


async def test_a_delete_waits_for_a_write_in_progress_then_counts_it(
    app, client, make_token, list_items
):
    token = make_token(uuid.uuid4(), ADMIN)
    await list_items("sources", "hotline")
    async with app.state.runtime.session_factory() as session:
        # What a create naming the item holds from its check until it commits.
        await session.execute(
            text(
                "SELECT 1 FROM list_items WHERE kind = 'sources' AND key = 'hotline' FOR KEY SHARE"
            )
        )
        await session.execute(
            text(
                "INSERT INTO customers (id, code, name, kind, source, lifecycle_stage, search_text,"
                " version, owner_version) VALUES (gen_random_uuid(), 'KH900001', 'A', 'person',"
                " 'hotline', 'lead', 'a', 1, 0)"
            )
        )
        deleting = asyncio.create_task(
            client.delete("/settings/lists/sources/hotline", headers=auth(token))
        )
        await asyncio.sleep(0.5)
        assert not deleting.done()
        await session.commit()
    refused = await asyncio.wait_for(deleting, 10)
    assert assert_problem(refused, 409, "in-use")["in_use"] == 1


async def test_creating_and_deleting_at_once_have_one_winner(app, client, make_token, list_items):
    """Raced over and over: either the customer is created and the delete refused (409 in-use),
    or the item is deleted and the create refused (422 on source) — never both succeed, never a
    500."""
    token = make_token(uuid.uuid4(), ADMIN)
    outcomes = []
    for index in range(40):
        key = f"nguon-{index}"
        await list_items("sources", key)

        async def later(delay: float, request):
            await asyncio.sleep(delay)
            return await request

        # Each side sets off a little after the other in turn, so they meet at every point.
        delay = (index % 10) * 0.0005
        create_delay, delete_delay = (delay, 0.0) if index % 2 else (0.0, delay)
        created, deleted = await asyncio.gather(
            later(
                create_delay,
                client.post(
                    "/customers", headers=auth(token), json={"name": f"Đua {index}", "source": key}
                ),
            ),
            later(
                delete_delay, client.delete(f"/settings/lists/sources/{key}", headers=auth(token))
            ),
        )
        item = await client.get(f"/settings/lists/sources/{key}", headers=auth(token))
        holders = await client.get("/customers", headers=auth(token), params={"source": key})
        if deleted.status_code == 204:
            assert_problem(created, 422, "validation-error", "source")
            assert item.status_code == 404 and holders.json()["total"] == 0
        else:
            assert created.status_code == 201, created.text
            assert assert_problem(deleted, 409, "in-use")["in_use"] == 1
            assert item.status_code == 200 and holders.json()["total"] == 1
        outcomes.append(deleted.status_code)
    print("delete won", outcomes.count(204), "create won", outcomes.count(409))
