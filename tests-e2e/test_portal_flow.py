"""The customers' portal through the gateway (issue 15): staff configure it (bank account,
e-mails, an allocation rule as the receiver) → a salesperson grants their customer an account
(e-mail with the first password) → the first login must change the password → the customer
browses at their group's price, fills a cart and orders → the VietQR image decodes to the amount
and the order's number → the rule gives the order to a receiver, who confirms it → the customer
sees it confirmed and gets the e-mails → anyone finds it by number and phone → once it is
completed the next order spends points, and the customer cancels it while pending → the account
is revoked and the token is refused by the portal and by every other service."""

from __future__ import annotations

import io
import random
import uuid

import zxingcpp
from PIL import Image

from portal_service.domain import vietqr
from suite_shared.testing.infra import eventually

BANK_BIN = "970436"  # Vietcombank
ACCOUNT = "0011001234567"
FIRST_PASSWORD = "ChaoMung2026"
OWN_PASSWORD = "BinhAn-2026!"
GROUP = "cong-si"  # a group of its own: its price list is the only one the customer gets


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def random_phone() -> str:
    return "09" + "".join(random.choice("0123456789") for _ in range(8))


async def configure_portal(gateway, admin: dict, rule_id: str) -> None:
    answer = await gateway.put(
        "/portal/settings",
        headers=admin,
        json={
            "enabled": True,
            "access_path": "binhan" + uuid.uuid4().hex[:6],
            "display_name": "Nhà phân phối Bình An",
            "hotline": "1900 6868",
            "default_password": FIRST_PASSWORD,
            "notify": ["account_granted", "order_placed", "order_confirmed"],
            "payment": {
                "enabled": True,
                "bank_bin": BANK_BIN,
                "account_number": ACCOUNT,
                "account_holder": "CONG TY BINH AN",
            },
            "receiver": {"kind": "rule", "rule_id": rule_id},
        },
    )
    assert answer.status_code == 200, answer.text


async def allocation_rule(gateway, admin: dict, user_ids: list[str]) -> dict:
    """Round robin among the receivers, once the rules engine knows them (by identity's
    events)."""

    async def created():
        answer = await gateway.post(
            "/rules-engine/allocation-rules",
            headers=admin,
            json={"name": "Đơn cổng", "target": "users", "user_ids": user_ids},
        )
        return answer.json() if answer.status_code == 201 else None

    return await eventually(created, timeout=20)


async def granted(gateway, sales: dict, customer_id: str) -> dict:
    async def grant():
        answer = await gateway.post(
            "/portal/accounts", headers=sales, json={"customer_id": customer_id}
        )
        if answer.status_code == 422 and answer.json().get("field") == "customer_id":
            return None  # the customer has not reached the portal yet
        assert answer.status_code == 201, answer.text
        return answer.json()

    return await eventually(grant, timeout=20)


async def first_login(gateway, phone: str) -> dict:
    """The default password only opens the forced change; the new one gives the tokens."""
    login = await gateway.post(
        "/portal/auth/login", json={"login": phone, "password": FIRST_PASSWORD}
    )
    assert login.status_code == 200, login.text
    assert login.json()["must_change_password"] and login.json()["tokens"] is None
    changed = await gateway.post(
        "/portal/auth/first-password",
        json={"change_ticket": login.json()["change_ticket"], "new_password": OWN_PASSWORD},
    )
    assert changed.status_code == 200, changed.text
    again = await gateway.post(
        "/portal/auth/login", json={"login": phone, "password": FIRST_PASSWORD}
    )
    assert again.status_code == 401, again.text  # the default one is gone
    return changed.json()


async def visible_product(gateway, token: str, query: str, product_id: str) -> dict:
    """The product on the portal once its copy arrived (catalog's event), found by a search
    typed without accents."""

    async def found():
        answer = await gateway.get(
            "/portal/shop/products", headers=auth(token), params={"q": query}
        )
        assert answer.status_code == 200, answer.text
        return next((p for p in answer.json()["items"] if p["id"] == product_id), None)

    return await eventually(found, timeout=20)


def decoded_qr(png: bytes) -> dict:
    (code,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    return vietqr.parse(code.text)


async def checkout(gateway, token: str, product_id: str, quantity: int, **extra) -> dict:
    """The product in the cart, then the cart ordered (once, by its idempotency key)."""
    cart = await gateway.put(
        "/portal/cart/items",
        headers=auth(token),
        json={"product_id": product_id, "quantity": quantity},
    )
    assert cart.status_code == 200, cart.text
    placed = await gateway.post(
        "/portal/orders",
        headers={**auth(token), "Idempotency-Key": uuid.uuid4().hex},
        json=extra,
    )
    assert placed.status_code == 201, placed.text
    return placed.json()


async def transfer_qr_reads(gateway, token: str, order: dict, amount: int) -> None:
    """The transfer QR names the bank, the account, the amount and the order's number."""
    png = await gateway.get(f"/portal/orders/{order['id']}/payment-qr.png", headers=auth(token))
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    qr = decoded_qr(png.content)
    assert qr["38"]["01"]["00"] == BANK_BIN and qr["38"]["01"]["01"] == ACCOUNT
    assert qr["54"] == str(amount) and order["number"] in qr["62"]["08"]


async def move(gateway, staff: dict, order: dict, status: str, **extra) -> None:
    moved = await gateway.post(
        f"/orders/orders/{order['id']}/status", headers=staff, json={"status": status, **extra}
    )
    assert moved.status_code == 200, moved.text


async def balance_becomes(gateway, token: str, customer_id: str, points: int) -> None:
    async def check():
        answer = await gateway.get(f"/loyalty/accounts/{customer_id}", headers=auth(token))
        assert answer.status_code == 200, answer.text
        return answer.json()["balance"] == points or None

    await eventually(check, timeout=20)


async def mails_to(inbox, address: str, words: str, count: int = 1) -> list:
    """The e-mails to ``address`` whose subject holds ``words``, once ``count`` were sent."""

    def arrived():
        mails = [m for m in inbox.to(address) if words in m["Subject"]]
        return mails if len(mails) >= count else None

    return await eventually(arrived, timeout=20)


async def test_a_customer_orders_on_the_portal_from_account_to_confirmed_order(
    gateway,
    admin_token,
    create_salesperson,
    list_item,
    create_price_list,
    points_program,
    stocked_product,
    inbox,
):
    admin = auth(admin_token)
    seller_id, seller_token = await create_salesperson("Lan")
    sales = auth(seller_token)
    receivers = [await create_salesperson("Tuan"), await create_salesperson("Mai")]
    rule = await allocation_rule(gateway, admin, [r[0] for r in receivers])
    await configure_portal(gateway, admin, rule["id"])
    await points_program()

    await list_item("groups", GROUP, "Cổng sỉ")
    product = await stocked_product(50_000, unit="chai", name="Nước mắm Phú Quốc")
    prices = await create_price_list({"name": "Giá cổng sỉ", "groups": [GROUP]})
    priced = await gateway.put(
        f"/catalog/price-lists/{prices['id']}/items",
        headers=admin,
        json={"items": [{"product_id": product["id"], "unit": "chai", "price": 42_000}]},
    )
    assert priced.status_code == 200, priced.text

    phone, email = random_phone(), f"binhan-{uuid.uuid4().hex[:6]}@khach.test"
    customer = await gateway.post(
        "/customers/customers",
        headers=sales,
        json={"name": "Tạp hoá Bình An", "phone": phone, "email": email, "groups": [GROUP]},
    )
    assert customer.status_code == 201, customer.text
    customer_id = customer.json()["id"]

    async def given():  # once loyalty knows the customer (customers' event)
        answer = await gateway.post(
            f"/loyalty/accounts/{customer_id}/adjustments",
            headers=admin,
            json={"kind": "give", "points": 20, "reason": "Khách mới của cổng"},
        )
        return None if answer.status_code == 404 else answer

    assert (await eventually(given, timeout=20)).status_code == 201

    # A salesperson grants the account; the customer is told by e-mail.
    account = await granted(gateway, sales, customer_id)
    (welcome,) = await mails_to(inbox, email, "Tài khoản cổng thông tin")
    assert FIRST_PASSWORD in welcome.get_body(("plain",)).get_content()
    tokens = await first_login(gateway, phone)
    token = tokens["access_token"]
    me = await gateway.get("/portal/me", headers=auth(token))
    assert me.status_code == 200 and me.json()["customer_id"] == customer_id, me.text

    # Browse at the group's price, fill the cart, order.
    seen = await visible_product(gateway, token, "nuoc mam phu quoc", product["id"])
    assert seen["price"] == 42_000 and seen["list_price"] == 50_000
    order = await checkout(gateway, token, product["id"], 3, note="Giao buổi sáng")
    assert (order["status"], order["channel"]) == ("pending", "portal")
    assert (order["subtotal"], order["total"]) == (126_000, 126_000)
    assert (await gateway.get("/portal/cart", headers=auth(token))).json()["lines"] == []
    await transfer_qr_reads(gateway, token, order, 126_000)

    # The rule gives it to a receiver, who sees it and confirms it.
    async def assigned():
        card = await gateway.get(f"/orders/orders/{order['id']}", headers=admin)
        return card.json().get("receiver_id")

    receiver_id = await eventually(assigned, timeout=20)
    receiver = auth(dict(receivers)[receiver_id])
    card = await gateway.get(f"/orders/orders/{order['id']}", headers=receiver)
    assert card.status_code == 200, card.text
    assert card.json()["owner_id"] == seller_id and card.json()["created_by"] is None
    await move(gateway, receiver, order, "confirmed")

    async def shown_confirmed():
        mine = await gateway.get(f"/portal/orders/{order['id']}", headers=auth(token))
        return mine.json() if mine.json()["status"] == "confirmed" else None

    mine = await eventually(shown_confirmed, timeout=20)
    assert [h["status"] for h in mine["history"]] == ["pending", "confirmed"]
    assert not mine["can_cancel"]
    # One e-mail when it was placed, one when confirmed.
    assert len(await mails_to(inbox, email, order["number"], count=2)) == 2

    # Anyone with the number and the phone finds it, without logging in.
    found = await gateway.post("/portal/lookup", json={"number": order["number"], "phone": phone})
    assert found.status_code == 200 and found.json()["status"] == "confirmed", found.text
    wrong = await gateway.post(
        "/portal/lookup", json={"number": order["number"], "phone": random_phone()}
    )
    assert wrong.status_code == 404, wrong.text

    # Delivered and completed: a first purchase, so points may now be redeemed (the program's
    # "more than 0 purchases"); 126,000 đồng paid earns 12 points on top of the 20 given.
    contract_type = await gateway.post(
        "/orders/contract-types",
        headers=admin,
        json={"code": f"HD{uuid.uuid4().hex[:6].upper()}", "name": "Hợp đồng cổng"},
    )
    assert contract_type.status_code == 201, contract_type.text
    await move(gateway, receiver, order, "contracted", contract_type_id=contract_type.json()["id"])
    await move(gateway, receiver, order, "delivering")
    await move(gateway, receiver, order, "completed")
    await balance_becomes(gateway, token, customer_id, 32)

    # The next order spends 10 points (10,000 đồng): the QR asks for the rest.
    second = await checkout(gateway, token, product["id"], 1, points=10)
    assert (second["subtotal"], second["points_value"], second["total"]) == (42_000, 10_000, 32_000)
    await transfer_qr_reads(gateway, token, second, 32_000)

    # The customer cancels it while pending: orders has it cancelled by no staff member.
    cancelled = await gateway.post(
        f"/portal/orders/{second['id']}/cancel", headers=auth(token), json={}
    )
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    staff_card = await gateway.get(f"/orders/orders/{second['id']}", headers=admin)
    assert staff_card.json()["status"] == "cancelled"
    assert staff_card.json()["history"][-1]["actor"] is None

    # Revoked: the token no longer opens the portal nor any other service.
    revoked = await gateway.post(
        f"/portal/accounts/{account['id']}/status", headers=sales, json={"action": "revoke"}
    )
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked", revoked.text

    async def refused_everywhere():
        portal = await gateway.get("/portal/cart", headers=auth(token))
        loyalty = await gateway.get(f"/loyalty/accounts/{customer_id}", headers=auth(token))
        return (portal.status_code, loyalty.status_code) == (401, 401) or None

    assert await eventually(refused_everywhere, timeout=20)
    refresh = await gateway.post(
        "/portal/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert refresh.status_code == 401, refresh.text
    login = await gateway.post(
        "/portal/auth/login", json={"login": phone, "password": OWN_PASSWORD}
    )
    assert login.status_code in (401, 403), login.text
