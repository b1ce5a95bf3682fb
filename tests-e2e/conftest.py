"""The running suite for end-to-end tests: every service as a real process (the same entry
points `make run` uses), on their own ports, fresh databases and a fresh broker namespace,
driven only through the gateway over real HTTP."""

from __future__ import annotations

import os
import uuid

import httpx
import pytest

from suite_shared.testing.e2e import ADMIN_EMAIL, ADMIN_PASSWORD, running_suite
from suite_shared.testing.infra import eventually
from suite_shared.testing.mail import Inbox, smtp_server

PORT_OFFSET = 1000  # 9000-9003: out of the way of a `make run` on the default ports


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "e2e_last: runs after every other test (it leaves data others do not expect)"
    )


def pytest_collection_modifyitems(config, items):
    # The fuzz gate writes nonsense as an admin (settings, roles, rules): it goes last.
    items.sort(key=lambda item: item.get_closest_marker("e2e_last") is not None)


@pytest.fixture(scope="session")
def mail_server():
    """A real SMTP server every service of the suite sends its e-mail to."""
    with smtp_server() as (controller, inbox):
        yield controller, inbox


@pytest.fixture(scope="session")
def inbox(mail_server) -> Inbox:
    return mail_server[1]


@pytest.fixture(scope="session")
async def suite(postgres_url, amqp_url, tmp_path_factory, mail_server):
    controller, _ = mail_server
    async with running_suite(
        postgres_url,
        amqp_url,
        port_offset=int(os.environ.get("E2E_PORT_OFFSET", PORT_OFFSET)),
        log_dir=str(tmp_path_factory.mktemp("suite-logs")),
        extra_env={"SMTP_HOST": controller.hostname, "SMTP_PORT": str(controller.port)},
    ) as suite:
        yield suite


@pytest.fixture(scope="session")
async def gateway(suite):
    async with httpx.AsyncClient(base_url=suite.gateway_url + "/api/v1", timeout=10) as client:
        yield client


@pytest.fixture(scope="session")
async def admin_token(gateway) -> str:
    response = await gateway.post(
        "/identity/auth/login", json={"login": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
    )
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


@pytest.fixture
def create_salesperson(gateway, admin_token):
    """An async factory: a new staff user with the sales role, logged in → (id, token)."""

    async def create(name: str) -> tuple[str, str]:
        email = f"{name.lower()}-{uuid.uuid4().hex[:6]}@e2e.test"
        response = await gateway.post(
            "/identity/users",
            headers={"Authorization": f"Bearer {admin_token}"},
            json={"email": email, "full_name": name, "password": "Sales-pass-123", "role": "sales"},
        )
        assert response.status_code == 201, response.text
        login = await gateway.post(
            "/identity/auth/login", json={"login": email, "password": "Sales-pass-123"}
        )
        assert login.status_code == 200, login.text
        return response.json()["id"], login.json()["access_token"]

    return create


@pytest.fixture
def list_item(gateway, admin_token):
    """An async factory: makes sure a customers settings-list item exists, added through the
    API as an admin does before customers use it. The suite is shared by every test, so an
    item another test added already (409 on the same key) is fine."""

    async def ensure(kind: str, key: str, name: str | None = None) -> None:
        response = await gateway.post(
            f"/customers/settings/lists/{kind}",
            headers={"Authorization": f"Bearer {admin_token}"},
            json={"key": key, "name": name or key},
        )
        if response.status_code == 409:
            assert response.json()["existing"]["key"] == key, response.text
            return
        assert response.status_code == 201, response.text

    return ensure


async def _created_once_known(gateway, token: str, path: str, body: dict) -> dict:
    """POST as the admin until created → the answer's body. The rules engine and the catalog
    accept only settings-list items they know, and learn a new item from customers' event a
    moment after it was added: so the creation is retried until accepted (a few seconds at
    most), never after a fixed sleep."""

    async def accepted():
        response = await gateway.post(path, headers={"Authorization": f"Bearer {token}"}, json=body)
        assert response.status_code == 201, response.text
        return response.json()

    return await eventually(accepted, timeout=10, interval=0.1)


@pytest.fixture
def create_rule(gateway, admin_token):
    """An async factory: creates an owner rule as an admin → the rule, once the rules engine
    knows the items its conditions name."""

    async def create(body: dict) -> dict:
        return await _created_once_known(gateway, admin_token, "/rules-engine/rules", body)

    return create


@pytest.fixture
def create_price_list(gateway, admin_token):
    """An async factory: creates a price list as an admin → the list, once the catalog knows
    the customer groups it names."""

    async def create(body: dict) -> dict:
        return await _created_once_known(gateway, admin_token, "/catalog/price-lists", body)

    return create


def _bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


async def put_loyalty_program(gateway, admin_token: str, **values) -> dict:
    """The loyalty program as it is, with ``values`` changed."""
    admin = _bearer(admin_token)
    current = (await gateway.get("/loyalty/program", headers=admin)).json()
    body = {k: v for k, v in current.items() if k not in ("updated_at", "updated_by")}
    body.update(values)
    answer = await gateway.put("/loyalty/program", headers=admin, json=body)
    assert answer.status_code == 200, answer.text
    return answer.json()


@pytest.fixture
def points_program(gateway, admin_token):
    """An async callable: the loyalty program on, 1 point per 10,000 đồng paid, a point worth
    1,000 đồng, no other rule."""

    async def put() -> dict:
        return await put_loyalty_program(
            gateway,
            admin_token,
            enabled=True,
            dong_per_point=10_000,
            point_value=1_000,
            min_purchases=0,
            min_balance_to_keep=0,
            earn_base_vat="after_vat",
            earn_include_shipping=False,
            maturation_days=0,
            expiry_days=None,
            max_points_per_order=None,
            max_percent_per_order=None,
        )

    return put


@pytest.fixture
def stocked_product(gateway, admin_token):
    """An async factory: a new product (a unique name starting with ``name``) with 1,000 of its
    base unit in the warehouse."""

    async def create(price: int, *, unit: str, name: str) -> dict:
        admin = _bearer(admin_token)
        product = await gateway.post(
            "/catalog/products",
            headers=admin,
            json={"name": f"{name} {uuid.uuid4().hex[:6]}", "base_unit": unit, "base_price": price},
        )
        assert product.status_code == 201, product.text
        product = product.json()
        (warehouse,) = (await gateway.get("/catalog/warehouses", headers=admin)).json()["items"]
        stocked = await gateway.post(
            "/catalog/stock/adjustments",
            headers=admin,
            json={
                "warehouse_id": warehouse["id"],
                "reason": "Nhập kho",
                "lines": [{"product_id": product["id"], "counted": 1000}],
            },
        )
        assert stocked.status_code == 200, stocked.text
        return product

    return create
