"""Orders tests run against a real catalog: the catalog service in-process on a real HTTP port
with its own database, sharing the broker namespace, so quotes go over HTTP and order and
stock events go through RabbitMQ both ways."""

import uuid
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest

import catalog_service
from catalog_service.app import create_app as create_catalog_app
from catalog_service.settings import CatalogSettings
from orders_service.app import create_app
from orders_service.handlers import HANDLERS
from orders_service.settings import OrdersSettings
from suite_shared.events.customers import CustomerCreated, CustomerSnapshot
from suite_shared.events.envelope import new_envelope
from suite_shared.testing.apps import TEST_RETRY_DELAYS_MS, app_client, test_settings
from suite_shared.testing.events import known_item
from suite_shared.testing.infra import TestDatabase, delete_namespace
from suite_shared.testing.servers import serving

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"
CATALOG_MIGRATIONS = Path(catalog_service.__file__).resolve().parents[2] / "migrations"


@pytest.fixture(scope="session")
async def database(postgres_url):
    db = TestDatabase(postgres_url, "orders", MIGRATIONS)
    await db.create()
    yield db
    await db.drop()


@pytest.fixture(scope="session")
async def catalog_database(postgres_url):
    db = TestDatabase(postgres_url, "catalog", CATALOG_MIGRATIONS)
    await db.create()
    yield db
    await db.drop()


@pytest.fixture
async def catalog(catalog_database, amqp_url, broker_namespace, public_jwks):
    """The catalog service, served over HTTP: .app, .url."""
    await catalog_database.truncate()
    settings = test_settings(
        CatalogSettings, catalog_database, amqp_url, broker_namespace, public_jwks
    )
    app = create_catalog_app(settings)
    async with serving(app) as url:
        yield SimpleNamespace(app=app, url=url)
    await delete_namespace(amqp_url, broker_namespace, ["catalog"], TEST_RETRY_DELAYS_MS)


@pytest.fixture
async def settings(database, catalog, amqp_url, broker_namespace, public_jwks):
    await database.truncate()
    yield test_settings(
        OrdersSettings, database, amqp_url, broker_namespace, public_jwks, catalog_url=catalog.url
    )
    await delete_namespace(amqp_url, broker_namespace, ["orders"], TEST_RETRY_DELAYS_MS)


@pytest.fixture
async def app(settings):
    return create_app(settings)


@pytest.fixture
async def client(app):
    async with app_client(app) as client:
        yield client


class Shop:
    """A salesperson with a customer, and products in the catalog with stock and a price list
    for the customer's group: what most order tests start from."""

    def __init__(self, app, client, catalog, make_token):
        self.app, self.client, self.catalog, self.make_token = app, client, catalog, make_token
        self.seller = uuid.uuid4()
        self.token = make_token(self.seller)
        self.manager = make_token(uuid.uuid4(), ["catalog.manage"])

    def auth(self, token: str | None = None) -> dict:
        return {"Authorization": f"Bearer {token or self.token}"}

    async def customer(
        self, name="Nguyễn Thị Lan", phone="+84912345678", groups=("dai-ly",), owner=None, version=1
    ) -> uuid.UUID:
        """Delivered as the customers service's event, through the orders consumer."""
        customer_id = uuid.uuid4()
        payload = CustomerCreated(
            customer=CustomerSnapshot(
                customer_id=customer_id,
                code=f"KH{customer_id.hex[:6]}",
                name=name,
                kind="person",
                phone=phone,
                email=None,
                source=None,
                groups=list(groups),
                social_page=None,
                owner_id=owner or self.seller,
                lifecycle_stage="customer",
                created_by=None,
                updated_by=None,
            )
        )
        await self.deliver("customers.customer.created", payload, version=version)
        return customer_id

    async def deliver(self, type_: str, payload, version=None):
        envelope = new_envelope(source="test", type=type_, data=payload, version=version)
        return await self.app.state.runtime.consumer.handle(HANDLERS[type_], envelope, payload)

    async def product(self, name: str, price: int, stock: int = 100, **extra) -> dict:
        async with httpx.AsyncClient(base_url=self.catalog.url) as http:
            created = await http.post(
                "/products",
                headers=self.auth(self.manager),
                json={"name": name, "base_unit": "chai", "base_price": price, **extra},
            )
            assert created.status_code == 201, created.text
            product = created.json()
            listed = await http.get("/warehouses", headers=self.auth(self.manager))
            (warehouse,) = listed.json()["items"]
            counted = await http.post(
                "/stock/adjustments",
                headers=self.auth(self.manager),
                json={
                    "warehouse_id": warehouse["id"],
                    "reason": "test",
                    "lines": [{"product_id": product["id"], "counted": stock}],
                },
            )
            assert counted.status_code == 200, counted.text
        return product

    async def price_list(self, group: str, prices: dict[str, int], unit="chai") -> None:
        # The catalog takes a list only for a group it knows, from customers' event.
        await known_item(self.catalog.app, "groups", group, f"Nhóm {group}")
        async with httpx.AsyncClient(base_url=self.catalog.url) as http:
            created = await http.post(
                "/price-lists",
                headers=self.auth(self.manager),
                json={"name": f"Giá {group}", "groups": [group]},
            )
            assert created.status_code == 201, created.text
            items = [{"product_id": p, "unit": unit, "price": v} for p, v in prices.items()]
            put = await http.put(
                f"/price-lists/{created.json()['id']}/items",
                headers=self.auth(self.manager),
                json={"items": items},
            )
            assert put.status_code == 200, put.text

    async def place(self, customer_id, lines, token=None, status=201, headers=None, **body):
        response = await self.client.post(
            "/orders",
            headers={**self.auth(token), **(headers or {})},
            json={"customer_id": str(customer_id), "lines": lines, **body},
        )
        assert response.status_code == status, response.text
        return response.json()


@pytest.fixture
async def shop(app, client, catalog, make_token):
    return Shop(app, client, catalog, make_token)
