"""Idempotency-Key on every create a client may retry (suite_shared.idempotency): a retry after
the first commit gets 200 and the first body and creates nothing; racing retries create once;
the same key with another body is a 422 naming the header."""

import asyncio
import uuid

from sqlalchemy import func, select

from customers_service.models import (
    Activity,
    Campaign,
    Contact,
    Customer,
    ImportJob,
    ListItem,
    Opportunity,
)
from suite_shared.messaging.tables import outbox
from suite_shared.testing.assertions import assert_problem

MANAGER = ["customers.view_all", "customers.handover", "customers.settings"]


def headers(token: str, key: str | None = None) -> dict:
    out = {"Authorization": f"Bearer {token}"}
    if key:
        out["Idempotency-Key"] = key
    return out


async def count(app, model) -> int:
    async with app.state.runtime.session_factory() as session:
        return await session.scalar(select(func.count()).select_from(model))


async def created_events(app) -> int:
    async with app.state.runtime.session_factory() as session:
        return await session.scalar(
            select(func.count())
            .select_from(outbox)
            .where(outbox.c.routing_key == "customers.customer.created")
        )


async def test_racing_retries_of_a_customer_create_make_one_customer_and_one_event(
    app, client, make_token
):
    token = make_token(uuid.uuid4(), MANAGER)
    body = {"name": "Khách thử lại", "phone": "0912345678"}
    answers = await asyncio.gather(
        *(client.post("/customers", headers=headers(token, "retry-1"), json=body) for _ in range(8))
    )
    assert sorted(a.status_code for a in answers) == [200] * 7 + [201], [a.text for a in answers]
    assert len({a.json()["id"] for a in answers}) == 1
    assert all(a.json() == answers[0].json() for a in answers)  # the same body every time
    assert await count(app, Customer) == 1
    assert await created_events(app) == 1  # one round-robin slot, not eight

    # A retry long after the first commit: the first answer again, nothing new.
    again = await client.post("/customers", headers=headers(token, "retry-1"), json=body)
    assert again.status_code == 200 and again.json() == answers[0].json()
    # The same key with another body is refused; another key (or none) creates.
    other = await client.post(
        "/customers", headers=headers(token, "retry-1"), json={"name": "Khác"}
    )
    assert_problem(other, 422, "idempotency-key-reused", "Idempotency-Key")
    fresh = await client.post("/customers", headers=headers(token, "retry-2"), json=body)
    assert fresh.status_code == 201
    assert await count(app, Customer) == 2
    assert await created_events(app) == 2


async def test_a_failed_first_attempt_leaves_the_key_free(app, client, make_token):
    token = make_token(uuid.uuid4(), MANAGER)
    bad = await client.post(
        "/customers", headers=headers(token, "k"), json={"name": "A", "source": "nowhere"}
    )
    assert bad.status_code == 422
    good = await client.post("/customers", headers=headers(token, "k"), json={"name": "A"})
    assert good.status_code == 201
    assert await count(app, Customer) == 1


async def test_every_create_a_client_may_retry_takes_the_key(app, client, make_token):
    token = make_token(uuid.uuid4(), MANAGER)
    company = (
        await client.post(
            "/customers",
            headers=headers(token),
            json={"name": "Công ty", "kind": "company", "email": "a@example.vn"},
        )
    ).json()
    base = f"/customers/{company['id']}"
    creates = [
        (Contact, f"{base}/contacts", {"name": "Chị Lan"}, 201),
        (Activity, f"{base}/activities", {"kind": "note", "body": "Gọi lại"}, 201),
        (Opportunity, f"{base}/opportunities", {"title": "Đơn lớn", "amount": 5_000_000}, 201),
        (ListItem, "/settings/lists/groups", {"key": "vip", "name": "VIP"}, 201),
        (
            Campaign,
            "/campaigns",
            {
                "channel": "email",
                "subject": "Ưu đãi",
                "body": "Xin chào",
                "customer_ids": [company["id"]],
            },
            202,
        ),
    ]
    for model, url, body, status in creates:
        before = await count(app, model)
        first = await client.post(url, headers=headers(token, f"key-{url}"), json=body)
        assert first.status_code == status, (url, first.text)
        retry = await client.post(url, headers=headers(token, f"key-{url}"), json=body)
        assert retry.status_code == 200, (url, retry.text)
        assert retry.json() == first.json(), url
        assert await count(app, model) == before + 1, url

    # An import: the same file with the same key starts one job.
    upload = {
        "headers": {**headers(token, "import-1"), "Content-Type": "text/csv"},
        "params": {"filename": "khach.csv"},
        "content": "Tên khách hàng\nNguyễn Văn Nhập\n".encode(),
    }
    first = await client.post("/imports/customers", **upload)
    assert first.status_code == 202, first.text
    retry = await client.post("/imports/customers", **upload)
    assert retry.status_code == 200 and retry.json()["id"] == first.json()["id"]
    assert await count(app, ImportJob) == 1
    changed = await client.post(
        "/imports/customers", **{**upload, "content": "Tên khách hàng\nKhác\n".encode()}
    )
    assert_problem(changed, 422, "idempotency-key-reused", "Idempotency-Key")
    assert await count(app, ImportJob) == 1
