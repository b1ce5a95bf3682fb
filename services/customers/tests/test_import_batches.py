"""CUS-12 imports save a batch's new rows together (import_creates): the refusals stay the single
save's, in the file's order, across batches, and when a concurrent save wins a value."""

import asyncio
import uuid

from sqlalchemy import func, select, text

from customers_service import importing
from customers_service.models import Customer
from suite_shared.testing.assertions import outbox_events
from suite_shared.testing.infra import eventually

ADMIN = ["customers.view_all", "customers.handover", "customers.settings"]


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


async def check_duplicates(client, token: str, *fields: str) -> None:
    response = await client.put(
        "/settings/field-rules",
        headers=auth(token),
        json={"rules": [{"field": f, "check_duplicates": True} for f in fields]},
    )
    assert response.status_code == 200, response.text


async def start_import(client, token: str, content: str) -> str:
    response = await client.post(
        "/imports/customers",
        params={"filename": "khach.csv"},
        content=content.encode(),
        headers={**auth(token), "content-type": "text/csv"},
    )
    assert response.status_code == 202, response.text
    return response.json()["id"]


async def finished(client, token: str, job_id: str) -> tuple[dict, dict[int, dict]]:
    async def done():
        job = (await client.get(f"/imports/{job_id}", headers=auth(token))).json()
        return job if job["status"] in ("done", "failed") else None

    job = await eventually(done, timeout=60)
    rows = await client.get(f"/imports/{job_id}/rows", headers=auth(token), params={"limit": 200})
    return job, {r["row_number"]: r for r in rows.json()["items"]}


async def customers_named(app, prefix: str) -> dict[str, Customer]:
    async with app.state.runtime.session_factory() as session:
        found = await session.scalars(select(Customer).where(Customer.name.startswith(prefix)))
        return {c.name: c for c in found}


async def test_duplicates_inside_the_file_and_across_batches(app, client, make_token, monkeypatch):
    monkeypatch.setattr(importing, "BATCH", 3)  # rows 2-4, 5-7, 8-9 are three batches
    admin = make_token(uuid.uuid4(), ADMIN)
    await check_duplicates(client, admin, "phone", "email")
    csv_text = (
        "Tên khách hàng,Số điện thoại,Email\n"
        "Lô A,0912000001,a@lo.vn\n"  # 2
        "Lô B,+84 912 000 001,\n"  # 3: A's phone in the same batch
        "Lô C,0912000003,A@LO.VN\n"  # 4: A's e-mail, another case
        "Lô D,0912000004,\n"  # 5
        "Lô E,0912000001,\n"  # 6: A's phone, a batch later
        "Lô F,12,\n"  # 7: invalid
        "Lô G,0912000007,g@lo.vn\n"  # 8
        "Lô H,0912000004,\n"  # 9: D's phone, two batches later
    )
    job, rows = await finished(client, admin, await start_import(client, admin, csv_text))
    assert (job["status"], job["total"], job["created"], job["duplicate"], job["invalid"]) == (
        "done",
        8,
        3,
        4,
        1,
    ), job
    made = await customers_named(app, "Lô ")
    assert sorted(made) == ["Lô A", "Lô D", "Lô G"]
    a, d = str(made["Lô A"].id), str(made["Lô D"].id)
    assert [
        (rows[n]["status"], rows[n]["field"], rows[n]["customer_id"]) for n in range(2, 10)
    ] == [
        ("created", None, a),
        ("duplicate", "phone", a),
        ("duplicate", "email", a),
        ("created", None, d),
        ("duplicate", "phone", a),
        ("invalid", "phone", None),
        ("created", None, str(made["Lô G"].id)),
        ("duplicate", "phone", d),
    ]
    assert "Lô A" in rows[3]["message"]
    # One event per customer created, in the file's order, each with its own code.
    created = await outbox_events(app, "customers.customer.created")
    names = [e["data"]["customer"]["name"] for e in created]
    assert names == ["Lô A", "Lô D", "Lô G"]
    codes = [e["data"]["customer"]["code"] for e in created]
    assert codes == sorted(codes) and codes == [made[n].code for n in names]
    assert made["Lô A"].imported_at is not None and made["Lô A"].search_text.startswith("lo a")


async def test_new_rows_and_updates_meet_in_the_file_order(app, client, make_token):
    admin = make_token(uuid.uuid4(), ADMIN)
    await check_duplicates(client, admin, "phone")
    existing = (
        await client.post(
            "/customers", headers=auth(admin), json={"name": "Cũ", "phone": "0913000000"}
        )
    ).json()
    csv_text = (
        "Tên khách hàng,Số điện thoại,Mã khách hàng\n"
        "Mới 1,0913000001,\n"  # 2
        f"Cũ lấy số của Mới 1,0913000001,{existing['code']}\n"  # 3: row 2 is saved already
        f"Cũ đổi số,0913000009,{existing['code']}\n"  # 4
        "Mới 2,0913000009,\n"  # 5: the number row 4 just gave the old customer
        "Mới 3,0913000000,\n"  # 6: the number row 4 freed
    )
    job, rows = await finished(client, admin, await start_import(client, admin, csv_text))
    assert (job["created"], job["updated"], job["duplicate"]) == (2, 1, 2), job
    made = await customers_named(app, "Mới")
    assert sorted(made) == ["Mới 1", "Mới 3"]
    assert [rows[n]["status"] for n in range(2, 7)] == [
        "created",
        "duplicate",
        "updated",
        "duplicate",
        "created",
    ]
    assert rows[3]["customer_id"] == str(made["Mới 1"].id)
    assert rows[5]["customer_id"] == existing["id"]


async def test_a_value_a_concurrent_save_commits_first_is_a_duplicate(app, client, make_token):
    """The holders' query cannot see a customer still being saved elsewhere: the insert of its
    unique value waits for that save, then does nothing, and the row is taken back."""
    admin = make_token(uuid.uuid4(), ADMIN)
    await check_duplicates(client, admin, "phone")
    engine = app.state.runtime.engine
    rival = uuid.uuid4()
    async with engine.connect() as other:
        await other.execute(
            text(
                "INSERT INTO customers (id, code, name, kind, other_phones, external_refs,"
                " groups, lifecycle_stage, search_text, version, owner_version, phone)"
                " VALUES (:id, 'KH900001', 'Đối thủ', 'person', '{}', '{}', '{}', 'lead',"
                " 'doi thu', 1, 0, '+84914000002')"
            ),
            {"id": rival},
        )
        await other.execute(
            text("INSERT INTO customer_unique_keys VALUES ('phone', '+84914000002', :id)"),
            {"id": rival},
        )
        job_id = await start_import(
            client,
            admin,
            "Tên khách hàng,Số điện thoại\nThắng,0914000001\nThua,0914000002\nSau,0914000003\n",
        )

        async def import_waits():
            async with engine.connect() as watcher:
                waiting = await watcher.scalar(
                    text(
                        "SELECT count(*) FROM pg_stat_activity"
                        " WHERE wait_event_type = 'Lock' AND query LIKE '%customer_unique_keys%'"
                    )
                )
            return waiting > 0

        await eventually(import_waits, timeout=30)
        await other.commit()
    job, rows = await finished(client, admin, job_id)
    assert (job["created"], job["duplicate"]) == (2, 1), job
    assert rows[3]["status"] == "duplicate" and rows[3]["customer_id"] == str(rival)
    assert rows[3]["field"] == "phone" and "Đối thủ" in rows[3]["message"]
    async with app.state.runtime.session_factory() as session:
        phones = await session.scalar(select(func.count()).where(Customer.phone == "+84914000002"))
    assert phones == 1  # the row that lost is gone again
    names = [
        e["data"]["customer"]["name"]
        for e in await outbox_events(app, "customers.customer.created")
    ]
    assert "Thua" not in names and {"Thắng", "Sau"} <= set(names)


async def test_two_imports_of_one_file_at_once_create_each_customer_once(app, client, make_token):
    admin = make_token(uuid.uuid4(), ADMIN)
    await check_duplicates(client, admin, "phone")
    csv_text = "Tên khách hàng,Số điện thoại\n" + "".join(
        f"Song song {i},09150{i:05d}\n" for i in range(300)
    )
    first, second = await asyncio.gather(
        start_import(client, admin, csv_text), start_import(client, admin, csv_text)
    )
    (one, _), (two, _) = await asyncio.gather(
        finished(client, admin, first), finished(client, admin, second)
    )
    assert one["created"] + two["created"] == 300
    assert one["duplicate"] + two["duplicate"] == 300
    assert len(await customers_named(app, "Song song")) == 300
    created = await outbox_events(app, "customers.customer.created")
    assert len(created) == 300
