"""POR-2, POR-4: a customer browses the products the portal shows them, from the portal's own
copies fed by catalog events, with their own price (the catalog's quote for their groups) and
stock state; searches without accents; a stopped product disappears; carts are their own."""

import uuid

import httpx
import pytest

from portal_service.models import CUSTOMERS
from suite_shared.testing.assertions import assert_problem
from suite_shared.testing.customers import announce_customer
from suite_shared.testing.events import known_item
from suite_shared.testing.infra import eventually

from .test_settings_api import settings_body

PASSWORD = "ChaoMung2026"


class Store:
    """A catalog with two categories, three products, stock and a wholesale price list, and a
    portal on top of it: what the shop tests start from."""

    def __init__(self, catalog, portal, make_token):
        (self.catalog_app, self.catalog_url), (self.app, self.client) = catalog, portal
        self.make_token = make_token
        self.manager = make_token.headers(uuid.uuid4(), ["catalog.manage"])
        self.admin = make_token.headers(uuid.uuid4(), ["portal.configure", "customers.view_all"])

    async def catalog_post(self, path: str, body: dict) -> dict:
        async with httpx.AsyncClient(base_url=self.catalog_url) as http:
            answer = await http.post(path, json=body, headers=self.manager)
            assert answer.status_code in (200, 201), answer.text
            return answer.json()

    async def stock(self, product_id: str, counted: int) -> None:
        async with httpx.AsyncClient(base_url=self.catalog_url) as http:
            (warehouse,) = (await http.get("/warehouses", headers=self.manager)).json()["items"]
        self.warehouse = warehouse["id"]
        await self.catalog_post(
            "/stock/adjustments",
            {
                "warehouse_id": warehouse["id"],
                "reason": "kiểm kho",
                "lines": [{"product_id": product_id, "counted": counted}],
            },
        )

    async def build(self, **settings) -> None:
        drinks = await self.catalog_post("/categories", {"code": "DU", "name": "Đồ uống"})
        beer = await self.catalog_post(
            "/categories", {"code": "BIA", "name": "Bia", "parent_id": drinks["id"]}
        )
        self.drinks, self.beer_category = drinks["id"], beer["id"]
        self.beer = await self.catalog_post(
            "/products",
            {
                "name": "Bia Hà Nội",
                "base_unit": "chai",
                "base_price": 15_000,
                "category_id": beer["id"],
                "units": [{"unit": "thùng", "factor": 24}],
            },
        )
        self.sauce = await self.catalog_post(
            "/products", {"name": "Nước mắm Nam Ngư", "base_unit": "chai", "base_price": 45_000}
        )
        self.stopped = await self.catalog_post(
            "/products", {"name": "Bia cũ", "base_unit": "chai", "base_price": 9_000}
        )
        await self.catalog_post(f"/products/{self.stopped['id']}/status", {"status": "stopped"})
        await self.stock(self.beer["id"], 10)
        await known_item(self.catalog_app, "groups", "khach-si", "Khách sỉ")
        wholesale = await self.catalog_post(
            "/price-lists", {"name": "Giá sỉ", "groups": ["khach-si"]}
        )
        async with httpx.AsyncClient(base_url=self.catalog_url) as http:
            put = await http.put(
                f"/price-lists/{wholesale['id']}/items",
                json={"items": [{"product_id": self.beer["id"], "unit": "chai", "price": 14_000}]},
                headers=self.manager,
            )
            assert put.status_code == 200, put.text
        body = settings_body(
            stock={"show": True, "basis": "available", "allow_out_of_stock_orders": False},
            **settings,
        )
        saved = await self.client.put("/settings", json=body, headers=self.admin)
        assert saved.status_code == 200, saved.text

        # Every product's copy has arrived (the stopped one as stopped).
        async def arrived():
            async with self.app.state.runtime.session_factory() as session:
                from sqlalchemy import func, select

                from portal_service.models import ProductCopy, StockCopy

                products = await session.scalar(select(func.count()).select_from(ProductCopy))
                stopped = await session.scalar(
                    select(ProductCopy.status).where(ProductCopy.id == self.stopped["id"])
                )
                stock = await session.scalar(select(func.count()).select_from(StockCopy))
                return products == 3 and stopped == "stopped" and stock == 1

        await eventually(arrived)

    async def customer(self, phone: str, groups=()) -> dict:
        """A customer with an account, logged in: the Authorization header."""
        customer_id = await announce_customer(
            self.app, CUSTOMERS, phone=phone, groups=list(groups), owner=None
        )
        granted = await self.client.post(
            "/accounts", json={"customer_id": str(customer_id)}, headers=self.admin
        )
        assert granted.status_code == 201, granted.text
        login = await self.client.post("/auth/login", json={"login": phone, "password": PASSWORD})
        tokens = await self.client.post(
            "/auth/first-password",
            json={"change_ticket": login.json()["change_ticket"], "new_password": "RiengToi2026"},
        )
        return {"Authorization": f"Bearer {tokens.json()['access_token']}"}


@pytest.fixture
async def store(catalog, shop_portal, make_token):
    store = Store(catalog, shop_portal, make_token)
    return store


async def products(store, headers, **params) -> list[dict]:
    answer = await store.client.get("/shop/products", params=params, headers=headers)
    assert answer.status_code == 200, answer.text
    return answer.json()["items"]


async def test_a_customer_sees_their_price_and_stock_and_searches_without_accents(store):
    await store.build()
    wholesale = await store.customer("0912000001", groups=["khach-si"])
    retail = await store.customer("0912000002")
    seen = {p["name"]: p for p in await products(store, wholesale)}
    assert set(seen) == {"Bia Hà Nội", "Nước mắm Nam Ngư"}  # never the stopped one
    beer, sauce = seen["Bia Hà Nội"], seen["Nước mắm Nam Ngư"]
    assert (beer["price"], beer["list_price"], beer["in_stock"]) == (14_000, 15_000, True)
    assert (sauce["in_stock"], sauce["can_order"]) == (False, False)
    assert (await products(store, retail))[0]["price"] == 15_000  # no price list for them
    found = await products(store, wholesale, q="bia ha noi")
    assert [p["name"] for p in found] == ["Bia Hà Nội"]
    assert await products(store, wholesale, q="BIA HÀ") == found
    # A category finds the products of its descendants too.
    under = await products(store, wholesale, category_id=store.drinks)
    assert [p["name"] for p in under] == ["Bia Hà Nội"]
    one = await store.client.get(f"/shop/products/{store.beer['id']}", headers=wholesale)
    assert {u["unit"]: u["price"] for u in one.json()["units"]} == {
        "chai": 14_000,
        "thùng": 360_000,  # no list price for the case: the base price × 24
    }
    hidden = await store.client.get(f"/shop/products/{store.stopped['id']}", headers=wholesale)
    assert hidden.status_code == 404


async def test_a_product_stopped_in_the_catalog_disappears_at_once(store):
    await store.build()
    headers = await store.customer("0912000003")
    await store.catalog_post(f"/products/{store.beer['id']}/status", {"status": "stopped"})

    async def gone():
        names = [p["name"] for p in await products(store, headers)]
        return "Bia Hà Nội" not in names

    await eventually(gone, timeout=2)


async def test_conditions_show_each_group_its_products(store):
    await store.build(
        products={
            "mode": "conditions",
            "conditions": [{"customer_groups": ["khach-si"], "category_ids": []}],
        }
    )
    wholesale = await store.customer("0912000004", groups=["khach-si"])
    retail = await store.customer("0912000005")
    assert len(await products(store, wholesale)) == 2
    assert await products(store, retail) == []
    saved = await store.client.get("/settings", headers=store.admin)
    only_drinks = settings_body(
        stock={"show": True},
        products={
            "mode": "conditions",
            "conditions": [{"category_ids": [store.drinks], "max_price": 20_000}],
        },
        version=saved.json()["version"],
    )
    assert (
        await store.client.put("/settings", json=only_drinks, headers=store.admin)
    ).status_code == 200
    assert [p["name"] for p in await products(store, retail)] == ["Bia Hà Nội"]


async def test_the_warehouse_filter_only_where_the_portal_allows_it(store):
    await store.build()
    headers = await store.customer("0912000006")
    refused = await store.client.get(
        "/shop/products", params={"warehouse_id": str(uuid.uuid4())}, headers=headers
    )
    assert refused.status_code == 422 and refused.json()["field"] == "warehouse_id"


async def test_the_cart_is_priced_checked_and_the_customers_own(store):
    await store.build()
    lan = await store.customer("0912000007", groups=["khach-si"])
    minh = await store.customer("0912000008")
    put = await store.client.put(
        "/cart/items", json={"product_id": store.beer["id"], "quantity": 2}, headers=lan
    )
    assert put.status_code == 200, put.text
    assert (put.json()["total"], put.json()["lines"][0]["unit_price"]) == (28_000, 14_000)
    case = await store.client.put(
        "/cart/items",
        json={"product_id": store.beer["id"], "unit": "thùng", "quantity": 1},
        headers=lan,
    )
    assert case.json()["total"] == 28_000 + 360_000
    refusals = [
        ({"product_id": store.sauce["id"], "quantity": 1}, 409, "product_id"),  # out of stock
        ({"product_id": store.beer["id"], "unit": "két", "quantity": 1}, 422, "unit"),
        ({"product_id": store.stopped["id"], "quantity": 1}, 422, "product_id"),
        ({"product_id": store.beer["id"], "quantity": -1}, 422, "quantity"),
        ({"product_id": store.beer["id"], "quantity": 1.5}, 422, "quantity"),
    ]
    for body, status, field in refusals:
        answer = await store.client.put("/cart/items", json=body, headers=lan)
        assert answer.status_code == status, (body, answer.text)
        assert answer.json()["field"] == field
    assert (await store.client.get("/cart", headers=minh)).json() == {"lines": [], "total": 0}
    removed = await store.client.put(
        "/cart/items", json={"product_id": store.beer["id"], "quantity": 0}, headers=lan
    )
    assert [line["unit"] for line in removed.json()["lines"]] == ["thùng"]
    assert (await store.client.delete("/cart", headers=lan)).status_code == 204
    assert (await store.client.get("/cart", headers=lan)).json()["lines"] == []


async def test_only_customers_with_a_live_account_shop(store, make_token):
    await store.build()
    assert (
        await store.client.get("/shop/products", headers=make_token.headers())
    ).status_code == 403
    stranger = make_token.headers(uuid.uuid4(), kind="customer")
    assert_problem(await store.client.get("/shop/products", headers=stranger), 401)
    assert (await store.client.get("/cart")).status_code == 401
