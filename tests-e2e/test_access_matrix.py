"""Gate 2 of issue 12: the access matrix, generated from the gateway's merged OpenAPI.

There is no list of routes here: every operation comes from /openapi.json, so a new service or
route is in the matrix by being behind the gateway.

(a) every operation the OpenAPI does not declare public (``security: []``) answers 401 without
    a token; (c) a salesperson calling an operation whose ``x-required-permissions`` (the
    ``require(...)`` of its route) holds one the sales role lacks gets 403; (b) every operation
    with a path parameter naming a per-owner object, called by salesperson B on salesperson A's
    object, answers 404 (or 403 where it needs a permission B lacks).

For (b) the test makes one object of each kind as A (OWNED: path parameter name → how it is
made). Parameters naming records every staff member shares (SHARED: products, warehouses,
roles…) are not per-owner: their writes are covered by (c). A path parameter in neither table
fails the test, so a new per-owner resource cannot slip by unnoticed: add it to one of them.

A customer logged in on the portal is the second outsider: every such operation is checked
against their token too. An operation declares who may call it (``x-caller-kind``): the other
kind of caller gets 403, the right kind 404 on an object that is not theirs; salesperson A's
customer has an account and opens a ticket, so the customers' own routes are in (b) too.
"""

from __future__ import annotations

import base64
import json
import random
import uuid
from collections.abc import Awaitable, Callable

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.core import NOT_SET

from suite_shared.testing.infra import eventually

pytestmark = pytest.mark.e2e

# Path parameters naming records that every staff member may read and that no salesperson
# owns; an operation on them is in (a) and (c), not in (b).
SHARED = {
    "user_id",  # staff users (identity)
    "name",  # roles
    "department_id",
    "rule_id",
    "category_id",
    "product_id",
    "image_id",
    "unit",
    "price_list_id",
    "type_id",  # supplier types, contract types
    "supplier_id",
    "warehouse_id",
    "kind",  # customers' settings lists
    "key",
    "tier_id",  # loyalty's program: its tiers, voucher codes, commission rules, affiliates
    "code",
    "affiliate_id",
    "access_path",  # the portal's public page
    "priority_id",  # the portal's ticket priorities (a settings list)
    # An order's link from its e-mail: holding the token is the access (a capability URL, public
    # like the lookup); an outsider without it cannot guess one.
    "link_token",
}
PORTAL_PASSWORD = "ChaoMung2026"  # the portal's default password for new accounts
OWN_HEADERS = {"authorization", "idempotency-key"}  # the caller's token; no replays
NIL = "00000000-0000-4000-8000-000000000000"
Operation = tuple[str, str, dict]  # (method, path, the OpenAPI operation)


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def operations(document: dict) -> list[Operation]:
    found = [
        (method.upper(), path, operation)
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
        if isinstance(operation, dict)
    ]
    assert len(found) > 50, "the gateway's OpenAPI lists too few operations"
    return found


def path_parameters(operation: dict) -> list[dict]:
    return [p for p in operation.get("parameters", []) if p.get("in") == "path"]


def dummy(parameter: dict) -> str:
    """A value of the parameter's type that names no record."""
    return NIL if parameter.get("schema", {}).get("format") == "uuid" else "x"


def fill(path: str, values: dict[str, str]) -> str:
    for name, value in values.items():
        path = path.replace("{" + name + "}", value)
    return path


def relative(path: str) -> str:
    return path.removeprefix("/api/v1")  # the gateway client's base URL has it


@pytest.fixture(scope="module")
async def document(suite, gateway):
    response = await gateway.get(suite.gateway_url + "/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert "x-unavailable-services" not in document, document["x-unavailable-services"]
    return document


def claims(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


# ---- (a) ---------------------------------------------------------------------------------------
async def test_every_non_public_operation_needs_a_token(gateway, document):
    public, wrong = [], []
    for method, path, operation in operations(document):
        if operation.get("security") == []:
            public.append(f"{method} {path}")
            continue
        url = fill(path, {p["name"]: dummy(p) for p in path_parameters(operation)})
        response = await gateway.request(method, relative(url))
        if response.status_code != 401:
            wrong.append(f"{method} {path}: {response.status_code} {response.text[:200]}")
    assert not wrong, "answered without a token:\n" + "\n".join(wrong)
    # The public ones are what the OpenAPI says they are: logging in needs no token.
    assert "POST /api/v1/identity/auth/login" in public, public


# ---- (c) ---------------------------------------------------------------------------------------
async def test_a_salesperson_is_refused_admin_operations(gateway, document, create_salesperson):
    _, token = await create_salesperson("SalesC")
    has = set(claims(token).get("perms", []))
    checked, wrong = 0, []
    for method, path, operation in operations(document):
        needed = set(operation.get("x-required-permissions", []))
        if not needed - has:
            continue
        checked += 1
        url = fill(path, {p["name"]: dummy(p) for p in path_parameters(operation)})
        response = await gateway.request(method, relative(url), headers=bearer(token))
        if response.status_code != 403:
            wrong.append(f"{method} {path}: {response.status_code} {response.text[:200]}")
    assert not wrong, "a salesperson was not refused:\n" + "\n".join(wrong)
    assert checked >= 10, "too few operations declare the permissions they need"


# ---- (b) ---------------------------------------------------------------------------------------
Maker = Callable[[], Awaitable[str]]


async def owned_objects(gateway, admin_token: str, token: str) -> dict[str, str]:
    """One object of each per-owner kind, made by the salesperson whose token this is:
    path parameter name → the object's id."""
    sales, admin = bearer(token), bearer(admin_token)

    async def created(response: httpx.Response) -> dict:
        assert response.status_code in (201, 202), response.text
        return response.json()

    customer = await created(
        await gateway.post(
            "/customers/customers",
            headers=sales,
            json={"name": f"Công ty A {uuid.uuid4().hex[:6]}", "kind": "company"},
        )
    )
    cid = customer["id"]
    contact = await created(
        await gateway.post(
            f"/customers/customers/{cid}/contacts", headers=sales, json={"name": "Lan"}
        )
    )
    activity = await created(
        await gateway.post(
            f"/customers/customers/{cid}/activities",
            headers=sales,
            json={"kind": "note", "body": "Gọi lại tuần sau"},
        )
    )
    opportunity = await created(
        await gateway.post(
            f"/customers/customers/{cid}/opportunities",
            headers=sales,
            json={"title": "Đơn quý 1", "amount": 1_000_000},
        )
    )
    job = await created(
        await gateway.post(
            "/customers/imports/customers",
            headers={**sales, "content-type": "text/csv"},
            params={"filename": "khach.csv"},
            content="name,phone\nCửa hàng Hoa,0912345678\n".encode(),
        )
    )
    campaign = await created(
        await gateway.post(
            "/customers/campaigns",
            headers=sales,
            json={"channel": "sms", "body": "Khuyến mãi", "customer_ids": [cid]},
        )
    )
    product = await created(
        await gateway.post(
            "/catalog/products",
            headers=admin,
            json={
                "name": f"Nước mắm {uuid.uuid4().hex[:6]}",
                "base_unit": "chai",
                "base_price": 45_000,
            },
        )
    )

    async def place():
        answer = await gateway.post(
            "/orders/orders",
            headers=sales,
            json={
                "customer_id": cid,
                "lines": [{"product_id": product["id"], "unit": "chai", "quantity": 1}],
            },
        )
        if answer.status_code == 422 and answer.json().get("field") == "customer_id":
            return None  # the customer has not reached orders yet
        return await created(answer)

    order = await eventually(place, timeout=20)
    shop_phone = random_phone()
    shop = await created(
        await gateway.post(
            "/customers/customers",
            headers=sales,
            json={"name": "Tạp hoá A", "kind": "person", "phone": shop_phone},
        )
    )

    async def grant():
        answer = await gateway.post(
            "/portal/accounts", headers=sales, json={"customer_id": shop["id"]}
        )
        if answer.status_code == 422 and answer.json().get("field") == "customer_id":
            return None  # the customer has not reached the portal yet
        return await created(answer)

    account = await eventually(grant, timeout=20)
    shop_token = await first_login(gateway, shop_phone)
    ticket = await created(
        await gateway.post(
            "/portal/tickets",
            headers=bearer(shop_token),
            json={"kind": "support", "subject": "Giao thiếu hàng", "body": "Thiếu 2 chai"},
        )
    )
    return {
        "customer_id": cid,
        "contact_id": contact["id"],
        "activity_id": activity["id"],
        "opportunity_id": opportunity["id"],
        "job_id": job["id"],
        "campaign_id": campaign["id"],
        "order_id": order["id"],
        "account_id": account["id"],
        "ticket_id": ticket["id"],
    }


def random_phone() -> str:
    return "09" + "".join(random.choice("0123456789") for _ in range(8))


async def open_portal(gateway, admin_token: str) -> None:
    """The portal on, with a default password for the accounts staff grant."""
    settings = await gateway.put(
        "/portal/settings",
        headers=bearer(admin_token),
        json={
            "enabled": True,
            "access_path": "matran" + uuid.uuid4().hex[:8],
            "display_name": "Cổng thử",
            "hotline": "1900 1234",
            "default_password": PORTAL_PASSWORD,
        },
    )
    assert settings.status_code == 200, settings.text


async def first_login(gateway, phone: str) -> str:
    """Log a granted customer in: the default password, then their own (forced)."""
    login = await gateway.post(
        "/portal/auth/login", json={"login": phone, "password": PORTAL_PASSWORD}
    )
    assert login.status_code == 200, login.text
    tokens = await gateway.post(
        "/portal/auth/first-password",
        json={"change_ticket": login.json()["change_ticket"], "new_password": "RiengToi2026"},
    )
    assert tokens.status_code == 200, tokens.text
    return tokens.json()["access_token"]


async def portal_customer_token(gateway, admin_token: str) -> str:
    """A customer of the portal (the admin's, not salesperson A's), logged in: the second
    outsider."""
    admin = bearer(admin_token)
    phone = random_phone()
    customer = await gateway.post(
        "/customers/customers", headers=admin, json={"name": "Khách cổng", "phone": phone}
    )
    assert customer.status_code == 201, customer.text

    async def grant():
        answer = await gateway.post(
            "/portal/accounts", headers=admin, json={"customer_id": customer.json()["id"]}
        )
        return None if answer.status_code == 422 else answer

    granted = await eventually(grant, timeout=20)
    assert granted.status_code == 201, granted.text
    return await first_login(gateway, phone)


def expected_statuses(operation: dict, permissions: set[str] | None) -> set[int]:
    """What an outsider gets: 403 when the operation is not for their kind of caller or needs
    a permission they lack, else 404 (the object is not theirs). ``permissions`` is None for a
    customer of the portal."""
    kind = operation.get("x-caller-kind")
    if permissions is None:
        if kind == "staff" or operation.get("x-required-permissions"):
            return {403}
        return {404} if kind == "customer" else {403, 404}
    needs = set(operation.get("x-required-permissions", [])) - permissions
    return {403} if needs or kind == "customer" else {404}


def valid_request(schema, method: str, path: str, values: dict) -> schemathesis.Case:
    """A schema-valid request of an operation (so validation lets it through to the ownership
    check): hypothesis' first, simplest example, the same every run."""
    strategy = schema[path][method].as_strategy(
        generation_mode=GenerationMode.POSITIVE, path_parameters=values
    )
    found = []

    @settings(
        database=None,
        derandomize=True,
        max_examples=1,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
        deadline=None,
    )
    @given(strategy)
    def first(case):
        found.append(case)

    first()
    return found[0]


async def test_another_salesperson_sees_none_of_a_salespersons_objects(
    gateway, admin_token, document, create_salesperson
):
    await open_portal(gateway, admin_token)
    _, a_token = await create_salesperson("SalesA")
    objects = await owned_objects(gateway, admin_token, a_token)
    _, b_token = await create_salesperson("SalesB")
    b_permissions = set(claims(b_token).get("perms", []))
    # Everyone who may not see A's objects: another salesperson, and a customer of the portal.
    outsiders = {
        "salesperson B": (b_token, b_permissions),
        "a portal customer": (await portal_customer_token(gateway, admin_token), None),
    }
    schema = schemathesis.openapi.from_dict(document)

    unknown, checked, wrong = set(), 0, []
    # Reads first, deletions last: a write that wrongly gets through cannot hide later checks.
    order = {"GET": 0, "POST": 1, "PUT": 2, "PATCH": 3, "DELETE": 4}
    for method, path, operation in sorted(operations(document), key=lambda o: order.get(o[0], 5)):
        names = [p["name"] for p in path_parameters(operation)]
        unknown |= {n for n in names if n not in objects and n not in SHARED}
        if not any(n in objects for n in names):
            continue
        values = {p["name"]: objects.get(p["name"], dummy(p)) for p in path_parameters(operation)}
        case = valid_request(schema, method, path, values)
        for who, (token, permissions) in outsiders.items():
            checked += 1
            expected = expected_statuses(operation, permissions)
            generated = case.headers or {}
            headers = {
                **{k: v for k, v in generated.items() if k.lower() not in OWN_HEADERS},
                **bearer(token),
            }
            kwargs = {"params": case.query or None, "headers": headers}
            if case.body is not NOT_SET:
                kwargs["json"] = case.body
            response = await gateway.request(method, relative(fill(path, values)), **kwargs)
            if response.status_code not in expected:
                wrong.append(
                    f"{who}: {method} {fill(path, values)} body={kwargs.get('json')!r}: "
                    f"{response.status_code} {response.text[:300]}"
                )
    assert not unknown, (
        f"path parameters with no object made by salesperson A: {sorted(unknown)}; add how to "
        "make one to owned_objects (or, if every staff member shares them, to SHARED)"
    )
    assert not wrong, "an outsider reached a salesperson's object:\n" + "\n".join(wrong)
    assert checked >= len(objects)
