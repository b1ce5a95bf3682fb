"""CUS-5 filters, CUS-6 handover, CUS-7 recall through the customers API."""

import asyncio
import uuid

from sqlalchemy import func, select

from customers_service.models import Customer, OwnershipChange
from suite_shared.testing.assertions import assert_problem, outbox_events

MANAGER = ["customers.view_all", "customers.handover"]


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


async def make_customers(client, token, n: int, **fields) -> list[str]:
    ids = []
    for i in range(n):
        response = await client.post(
            "/customers", headers=auth(token), json={"name": f"Khách {i}", **fields}
        )
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    return ids


async def owners(app) -> dict[str, str | None]:
    async with app.state.runtime.session_factory() as session:
        rows = await session.execute(select(Customer.id, Customer.owner_id))
        return {str(i): (str(o) if o else None) for i, o in rows}


async def test_even_handover_of_a_selection_says_who_got_what(app, client, make_token, staff):
    manager = make_token(uuid.uuid4(), MANAGER)
    ids = await make_customers(client, manager, 5)
    a, b = str(await staff()), str(await staff())
    response = await client.post(
        "/customers/handover",
        headers=auth(manager),
        json={
            "customer_ids": ids,
            "method": "even",
            "reason": "new team",
            "assignees": [{"user_id": a}, {"user_id": b}],
        },
    )
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["total"] == 5
    assert sorted(len(v) for v in result["assignments"].values()) == [2, 3]
    now = await owners(app)
    for user, got in result["assignments"].items():
        assert all(now[c] == user for c in got)
    history = await client.get(f"/customers/{ids[0]}/ownership-history", headers=auth(manager))
    (entry,) = history.json()
    assert entry["method"] == "handover" and entry["reason"] == "new team"
    customer = (await client.get(f"/customers/{ids[0]}", headers=auth(manager))).json()
    assert customer["handed_over_at"] is not None
    assert len(await outbox_events(app, "customers.customer.owner_changed")) == 5


async def test_handover_of_everything_matching_a_filter(app, client, make_token, list_items, staff):
    manager = make_token(uuid.uuid4(), MANAGER)
    await list_items("sources", "website", "zalo")
    web = await make_customers(client, manager, 4, source="website")
    await make_customers(client, manager, 3, source="zalo")
    a = str(await staff())
    response = await client.post(
        "/customers/handover",
        headers=auth(manager),
        json={
            "filter": {"source": "website"},
            "method": "manual",
            "assignees": [{"user_id": a, "count": 4}],
        },
    )
    assert response.status_code == 200, response.text
    assert sorted(response.json()["assignments"][a]) == sorted(web)
    now = await owners(app)
    assert [c for c, o in now.items() if o == a] == sorted(web, key=list(now).index)
    assert sum(o is None for o in now.values()) == 3


async def test_impossible_plans_are_422_and_nothing_moves(app, client, make_token, staff):
    manager = make_token(uuid.uuid4(), MANAGER)
    ids = await make_customers(client, manager, 6)
    before = await owners(app)
    a, b = str(await staff()), str(await staff())
    for body, field in [
        (
            {"method": "even", "assignees": [{"user_id": a, "max": 2}, {"user_id": b, "max": 3}]},
            "assignees",
        ),
        ({"method": "manual", "assignees": [{"user_id": a, "count": 1}]}, "assignees"),
        ({"method": "even", "assignees": [{"user_id": a}, {"user_id": a}]}, "assignees"),
    ]:
        response = await client.post(
            "/customers/handover", headers=auth(manager), json={"customer_ids": ids, **body}
        )
        assert_problem(response, 422, "impossible-plan", field)
    bad = await client.post(
        "/customers/handover",
        headers=auth(manager),
        json={"customer_ids": ids, "filter": {}, "method": "even", "assignees": [{"user_id": a}]},
    )
    assert bad.status_code == 422
    assert await owners(app) == before
    assert await outbox_events(app, "customers.customer.owner_changed") == []


async def test_fewest_first_fills_whoever_owns_least(app, client, make_token, staff):
    manager = make_token(uuid.uuid4(), MANAGER)
    busy, idle = await staff(), await staff()
    await make_customers(client, manager, 3, owner_id=str(busy))
    ids = await make_customers(client, manager, 5)
    response = await client.post(
        "/customers/handover",
        headers=auth(manager),
        json={
            "customer_ids": ids,
            "method": "fewest_first",
            "assignees": [{"user_id": str(busy)}, {"user_id": str(idle)}],
        },
    )
    counts = {u: len(c) for u, c in response.json()["assignments"].items()}
    assert counts == {str(busy): 1, str(idle): 4}  # levels 4 and 4


async def test_handover_needs_permission_and_sees_only_visible_customers(
    app, client, make_token, staff
):
    sales_id = uuid.uuid4()
    sales = make_token(sales_id)
    mine = await make_customers(client, sales, 1)
    manager = make_token(uuid.uuid4(), MANAGER)
    others = await make_customers(client, manager, 1, owner_id=str(await staff()))
    body = {"method": "even", "assignees": [{"user_id": str(await staff())}]}
    refused = await client.post(
        "/customers/handover", headers=auth(sales), json={"customer_ids": mine, **body}
    )
    assert_problem(refused, 403, "forbidden")
    # With handover but without view_all: someone else's customer is "not found", and the
    # whole request fails (all or nothing).
    lead = make_token(sales_id, ["customers.handover"])
    response = await client.post(
        "/customers/handover", headers=auth(lead), json={"customer_ids": mine + others, **body}
    )
    assert_problem(response, 404, "not-found")
    assert (await owners(app))[mine[0]] == str(sales_id)


async def test_recall_to_the_pool_needs_a_reason_and_is_kept_in_history(
    app, client, make_token, staff
):
    manager_id = uuid.uuid4()
    manager = make_token(manager_id, MANAGER)
    seller = await staff()
    ids = await make_customers(client, manager, 2, owner_id=str(seller))
    no_reason = await client.post(
        "/customers/recall", headers=auth(manager), json={"customer_ids": ids, "reason": ""}
    )
    assert no_reason.status_code == 422 and "reason" in no_reason.text
    response = await client.post(
        "/customers/recall",
        headers=auth(manager),
        json={"customer_ids": ids, "reason": "left the company"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["owner_id"] is None
    now = await owners(app)
    assert all(now[c] is None for c in ids)
    history = (
        await client.get(f"/customers/{ids[0]}/ownership-history", headers=auth(manager))
    ).json()
    assert [(h["method"], h["reason"], h["actor_id"], h["previous_owner_id"]) for h in history][
        0
    ] == ("recall", "left the company", str(manager_id), str(seller))
    other = str(await staff())
    moved = await client.post(
        "/customers/recall",
        headers=auth(manager),
        json={"filter": {"unassigned": True}, "reason": "reassign", "to_user_id": other},
    )
    now = await owners(app)
    assert moved.json()["total"] == 2 and all(now[c] == other for c in ids)


async def test_concurrent_handovers_do_not_deadlock_and_each_is_whole(
    app, client, make_token, staff
):
    manager = make_token(uuid.uuid4(), MANAGER)
    ids = await make_customers(client, manager, 10)
    a, b = str(await staff()), str(await staff())
    responses = await asyncio.gather(
        *(
            client.post(
                "/customers/handover",
                headers=auth(manager),
                json={
                    "customer_ids": list(reversed(ids)) if user == b else ids,
                    "method": "even",
                    "assignees": [{"user_id": user}],
                },
            )
            for user in (a, b)
        )
    )
    assert [r.status_code for r in responses] == [200, 200]
    final = set((await owners(app)).values())
    assert final in ({a}, {b})  # one ran after the other, whole
    async with app.state.runtime.session_factory() as session:
        changes = await session.scalar(select(func.count()).select_from(OwnershipChange))
    assert changes == 20


async def test_filters_by_stage_dates_age_and_handover(client, make_token, list_items):
    manager = make_token(uuid.uuid4(), MANAGER)
    await list_items("groups", "vip")
    (
        await client.post(
            "/customers",
            headers=auth(manager),
            json={"name": "Trẻ", "birthday": "2005-06-01", "groups": ["vip"]},
        )
    ).json()
    old = (
        await client.post(
            "/customers", headers=auth(manager), json={"name": "Già", "birthday": "1950-06-01"}
        )
    ).json()
    await client.post(
        f"/customers/{old['id']}/stage", headers=auth(manager), json={"stage": "customer"}
    )

    async def names(**params):
        response = await client.get("/customers", headers=auth(manager), params=params)
        assert response.status_code == 200, response.text
        return sorted(c["name"] for c in response.json()["items"])

    assert await names(age_min=60) == ["Già"]
    assert await names(age_max=30) == ["Trẻ"]
    assert await names(group="vip") == ["Trẻ"]
    assert await names(stage="customer") == ["Già"]
    assert await names(date_field="converted", preset="today") == ["Già"]
    assert await names(date_field="converted", preset="last_month") == []
    assert await names(preset="this_year") == ["Già", "Trẻ"]
    assert await names(date_from="2000-01-01", date_to="2000-12-31") == []
    assert await names(handed_over=False) == ["Già", "Trẻ"]
    assert await names(sort="-converted_at", limit=1) == ["Già"]
    for params in (
        {"date_from": "2026-02-01", "date_to": "2026-01-01"},
        {"age_min": -1},
        {"preset": "someday"},
        {"sort": "shoe_size"},
    ):
        bad = await client.get("/customers", headers=auth(manager), params=params)
        assert bad.status_code == 422, params


async def test_export_holds_only_visible_customers_with_the_filters(client, make_token, list_items):
    import csv
    import io

    await list_items("sources", "web", "zalo")
    me = uuid.uuid4()
    mine = make_token(me)
    await make_customers(client, mine, 2, source="web")
    await make_customers(client, mine, 1, source="zalo")
    other = make_token(uuid.uuid4())
    await make_customers(client, other, 1, source="web")
    response = await client.get(
        "/exports/customers.csv", headers=auth(mine), params={"source": "web", "sort": "name"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [r["name"] for r in rows] == ["Khách 0", "Khách 1"]
    assert {r["owner_id"] for r in rows} == {str(me)}
    manager = make_token(uuid.uuid4(), MANAGER)
    everyone = await client.get("/exports/customers.csv", headers=auth(manager))
    assert len(everyone.content.decode("utf-8-sig").strip().splitlines()) == 5
    assert (await client.get("/exports/customers.csv")).status_code == 401
    bad = await client.get("/exports/customers.csv", headers=auth(mine), params={"age_min": -1})
    assert bad.status_code == 422
