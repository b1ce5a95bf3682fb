"""Loyalty through the gateway (issue 13): the program and its tiers → an order completed earns
points at the tier's multiplier → the next order redeems points and a voucher → completed → a
partial return reverses its share and gives back the share of points paid → the tier is
recomputed (down); and a return after the points were spent leaves a negative balance (nợ điểm)
that blocks redeeming."""

from __future__ import annotations

import asyncio
import uuid

from suite_shared.testing.infra import eventually


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


class Shop:
    """One salesperson's customer ordering one product."""

    def __init__(self, gateway, sales: dict, customer_id: str, product: dict, contract_type: str):
        self.gateway, self.sales, self.customer_id = gateway, sales, customer_id
        self.product, self.contract_type = product, contract_type

    async def place(self, quantity: int, **loyalty) -> dict:
        body = {
            "customer_id": self.customer_id,
            "lines": [{"product_id": self.product["id"], "unit": "thùng", "quantity": quantity}],
            **loyalty,
        }

        async def attempt():
            answer = await self.gateway.post(
                "/orders/orders",
                headers={**self.sales, "Idempotency-Key": uuid.uuid4().hex},
                json=body,
            )
            if answer.status_code == 422 and answer.json().get("field") == "customer_id":
                return None  # the customer has not reached orders (or loyalty) yet
            assert answer.status_code == 201, answer.text
            return answer.json()

        return await eventually(attempt, timeout=20)

    async def refused(self, quantity: int, **loyalty) -> dict:
        answer = await self.gateway.post(
            "/orders/orders",
            headers=self.sales,
            json={
                "customer_id": self.customer_id,
                "lines": [
                    {"product_id": self.product["id"], "unit": "thùng", "quantity": quantity}
                ],
                **loyalty,
            },
        )
        assert answer.status_code == 422, answer.text
        return answer.json()

    async def complete(self, order: dict) -> None:
        async def reserved():
            card = await self.gateway.get(f"/orders/orders/{order['id']}", headers=self.sales)
            return card.json()["stock_state"] == "reserved" or None

        await eventually(reserved)
        for status, extra in (
            ("confirmed", {}),
            ("contracted", {"contract_type_id": self.contract_type}),
            ("delivering", {}),
            ("completed", {}),
        ):
            moved = await self.gateway.post(
                f"/orders/orders/{order['id']}/status",
                headers=self.sales,
                json={"status": status, **extra},
            )
            assert moved.status_code == 200, moved.text

    async def give_back(self, order: dict, quantity: int) -> dict:
        answer = await self.gateway.post(
            f"/orders/orders/{order['id']}/returns",
            headers=self.sales,
            json={
                "lines": [{"line_id": order["lines"][0]["id"], "quantity": quantity}],
                "reason": "Hàng lỗi",
            },
        )
        assert answer.status_code == 201, answer.text
        return answer.json()

    async def account(self) -> dict:
        answer = await self.gateway.get(f"/loyalty/accounts/{self.customer_id}", headers=self.sales)
        assert answer.status_code == 200, answer.text
        return answer.json()

    async def balance_becomes(self, points: int) -> dict:
        async def check():
            account = await self.account()
            return account if account["balance"] == points else None

        return await eventually(check, timeout=20)

    async def tier_becomes(self, name: str) -> dict:
        async def check():
            answer = await self.gateway.get(
                f"/loyalty/accounts/{self.customer_id}/tier", headers=self.sales
            )
            assert answer.status_code == 200, answer.text
            tier = answer.json()
            return tier if (tier["tier"] or {}).get("name") == name else None

        return await eventually(check, timeout=20)


async def _shop(gateway, admin, create_salesperson, name: str, product: dict) -> Shop:
    _, token = await create_salesperson(name)
    sales = auth(token)
    customer = await gateway.post(
        "/customers/customers", headers=sales, json={"name": f"Tạp hoá {name}", "kind": "company"}
    )
    assert customer.status_code == 201, customer.text
    contract_type = await gateway.post(
        "/orders/contract-types",
        headers=admin,
        json={"code": f"HD{uuid.uuid4().hex[:6].upper()}", "name": f"Hợp đồng {name}"},
    )
    assert contract_type.status_code == 201, contract_type.text
    return Shop(gateway, sales, customer.json()["id"], product, contract_type.json()["id"])


async def _tiers(gateway, admin: dict) -> None:
    for tier in (await gateway.get("/loyalty/tiers", headers=admin)).json()["items"]:
        await gateway.delete(f"/loyalty/tiers/{tier['id']}", headers=admin)
    for name, threshold, multiplier in (("Đồng", 0, 100), ("Bạc", 5_000_000, 150)):
        made = await gateway.post(
            "/loyalty/tiers",
            headers=admin,
            json={
                "name": name,
                "measure": "spend",
                "threshold": threshold,
                "multiplier_pct": multiplier,
            },
        )
        assert made.status_code == 201, made.text


async def _voucher(gateway, admin: dict) -> str:
    campaign = await gateway.post(
        "/loyalty/voucher-campaigns",
        headers=admin,
        json={
            "name": "Giảm 10% khai trương",
            "kind": "percent",
            "value": 1000,
            "min_order": 1_000_000,
            "valid_from": "2026-01-01T00:00:00+07:00",
            "valid_to": "2099-01-01T00:00:00+07:00",
            "total_uses": 1,
        },
    )
    assert campaign.status_code == 201, campaign.text
    code = f"KT{uuid.uuid4().hex[:8].upper()}"
    added = await gateway.post(
        f"/loyalty/voucher-campaigns/{campaign.json()['id']}/codes",
        headers=admin,
        json={"code": code},
    )
    assert added.status_code == 201, added.text
    return code


async def test_points_tiers_voucher_and_a_partial_return(
    gateway, admin_token, create_salesperson, points_program, stocked_product
):
    admin = auth(admin_token)
    await points_program()
    await _tiers(gateway, admin)
    product = await stocked_product(1_000_000, unit="thùng", name="Dầu ăn")
    shop = await _shop(gateway, admin, create_salesperson, "Mai", product)

    first = await shop.place(3)
    await shop.complete(first)
    # 3,000,000 đồng / 10,000 = 300 points at Đồng's ×1.
    await shop.balance_becomes(300)
    await shop.tier_becomes("Đồng")

    code = await _voucher(gateway, admin)
    second = await shop.place(5, points=100, voucher_code=code)
    # 10% of 5,000,000 off, then 100 points × 1,000 đồng.
    assert (second["voucher_discount"], second["points_value"]) == (500_000, 100_000)
    assert second["total"] == 4_400_000
    assert (await shop.account())["held"] == 100
    # The voucher's one use is taken: another order cannot have it.
    refused = await shop.refused(1, voucher_code=code)
    assert refused["field"] == "voucher_code", refused
    await shop.complete(second)
    # 300 − 100 redeemed + 440 earned on the 4,400,000 paid (Đồng: the tier when it completed).
    await shop.balance_becomes(640)
    await shop.tier_becomes("Bạc")  # spend 3,000,000 + 4,400,000 ≥ 5,000,000

    returned = await shop.give_back(second, 3)
    assert returned["refund_amount"] > 0
    # 3 of 5 returned: goods 3,000,000 of 5,000,000 → 60%: 264 of the 440 earned reversed,
    # 60 of the 100 paid given back.
    account = await shop.balance_becomes(640 - 264 + 60)
    assert account["held"] == 0
    await shop.tier_becomes("Đồng")  # spend 7,400,000 − 2,640,000 < 5,000,000

    ledger = (
        await gateway.get(f"/loyalty/accounts/{shop.customer_id}/ledger", headers=shop.sales)
    ).json()["items"]
    assert sum(row["points"] for row in ledger) == 640 - 264 + 60
    kinds = sorted(row["kind"] for row in ledger)
    assert kinds == sorted(["earn", "hold", "redeem", "earn", "reverse", "give"]), kinds


async def test_a_return_after_the_points_were_spent_leaves_a_negative_balance(
    gateway, admin_token, create_salesperson, points_program, stocked_product
):
    admin = auth(admin_token)
    product = await stocked_product(1_000_000, unit="thùng", name="Dầu ăn")
    shop = await _shop(gateway, admin, create_salesperson, "Tuan", product)
    await points_program()

    earning = await shop.place(3)
    await shop.complete(earning)
    await shop.balance_becomes(300)
    spending = await shop.place(1, points=300)
    assert spending["total"] == 700_000
    await shop.complete(spending)
    await shop.balance_becomes(70)  # 300 − 300 + 70 earned on 700,000

    await shop.give_back(earning, 3)  # all of it: the 300 points it earned go
    account = await shop.balance_becomes(70 - 300)
    assert account["balance"] < 0
    refused = await shop.refused(1, points=1)
    assert refused["type"].endswith("negative-balance"), refused


async def test_concurrent_placements_never_spend_more_than_the_balance_or_the_last_voucher(
    gateway, admin_token, create_salesperson, points_program, stocked_product
):
    """20 placements at once by one customer, each redeeming 50 of its 300 points: at most six
    get their points; and 10 at once for a voucher's one remaining use: exactly one gets it."""
    admin = auth(admin_token)
    await points_program()
    product = await stocked_product(1_000_000, unit="thùng", name="Dầu ăn")
    shop = await _shop(gateway, admin, create_salesperson, "Lan", product)
    await shop.complete(await shop.place(3))
    await shop.balance_becomes(300)

    async def attempt(**loyalty):
        return await gateway.post(
            "/orders/orders",
            headers={**shop.sales, "Idempotency-Key": uuid.uuid4().hex},
            json={
                "customer_id": shop.customer_id,
                "lines": [{"product_id": product["id"], "unit": "thùng", "quantity": 1}],
                **loyalty,
            },
        )

    answers = await asyncio.gather(*(attempt(points=50) for _ in range(20)))
    placed = [a for a in answers if a.status_code == 201]
    refused = [a for a in answers if a.status_code != 201]
    assert 1 <= len(placed) <= 6, [a.text for a in answers]
    assert {a.status_code for a in refused} <= {422}, [a.text for a in refused]
    assert {a.json()["type"].rsplit("/", 1)[-1] for a in refused} <= {"above-balance"}
    account = await shop.account()
    assert account["held"] == 50 * len(placed) <= account["balance"] == 300

    code = await _voucher(gateway, admin)  # one use
    answers = await asyncio.gather(*(attempt(voucher_code=code) for _ in range(10)))
    assert sorted(a.status_code for a in answers) == [201] + [422] * 9, [a.text for a in answers]
    assert {a.json()["field"] for a in answers if a.status_code == 422} == {"voucher_code"}


async def test_an_order_names_its_affiliate_by_code_and_the_commission_follows_it(
    gateway, admin_token, create_salesperson, points_program, stocked_product
):
    """LOY-8 through the gateway: staff apply for a customer, approve them (their code), an
    order typed with that code names the affiliate, and completing it confirms the commission;
    the affiliate's own orders cannot use their own code."""
    admin = auth(admin_token)
    await points_program()
    rule = await gateway.post(
        "/loyalty/commission-rules", headers=admin, json={"name": "Mặc định", "percent_bp": 500}
    )
    assert rule.status_code == 201, rule.text
    product = await stocked_product(1_000_000, unit="thùng", name="Dầu ăn")
    seller = await _shop(gateway, admin, create_salesperson, "Hung", product)
    buyer = await _shop(gateway, admin, create_salesperson, "Nga", product)

    async def applied():
        answer = await gateway.post(
            "/loyalty/affiliates", headers=admin, json={"customer_id": seller.customer_id}
        )
        if answer.status_code == 422:
            return None  # the customer has not reached loyalty yet
        assert answer.status_code == 201, answer.text
        return answer.json()

    affiliate = await eventually(applied, timeout=20)
    approved = await gateway.post(
        f"/loyalty/affiliates/{affiliate['id']}/decision",
        headers=admin,
        json={"decision": "approve"},
    )
    assert approved.status_code == 200, approved.text
    code = approved.json()["code"]

    order = await buyer.place(2, affiliate_code=code.lower())
    assert (order["affiliate_id"], order["affiliate_code"]) == (affiliate["id"], code)
    await seller.place(1)  # the seller's customer has reached orders too
    refused = await seller.refused(1, affiliate_code=code)
    assert (refused["field"], refused["type"]) == ("affiliate_code", "/problems/own-affiliate-code")
    await buyer.complete(order)

    async def confirmed():
        answer = await gateway.get(
            f"/loyalty/affiliates/{affiliate['id']}/commissions", headers=admin
        )
        assert answer.status_code == 200, answer.text
        mine = [c for c in answer.json()["items"] if c["order_id"] == order["id"]]
        return mine if mine and mine[0]["status"] == "confirmed" else None

    (commission,) = await eventually(confirmed, timeout=20)
    assert commission["amount"] == 100_000  # 5% of the 2,000,000 đồng of goods
