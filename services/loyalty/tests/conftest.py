from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from loyalty_service.app import create_app
from loyalty_service.settings import LoyaltySettings
from suite_shared.testing.apps import service_fixtures

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"

database, settings, app, client = service_fixtures(
    "loyalty", LoyaltySettings, create_app, MIGRATIONS
)


class Campaigns:
    """Voucher campaigns made over the API as ``loyalty.configure`` (test_voucher_api's and
    test_voucher_holds'): 10% off, at most 50,000 đồng, from 100,000 đồng of goods, valid from
    yesterday for a month, unlimited, for every group unless a test says otherwise."""

    def __init__(self, client, admin: dict):
        self.client, self.admin = client, admin
        self.now = datetime.now(UTC)

    def body(self, **kw) -> dict:
        return {
            "name": "Khuyến mãi Tết",
            "kind": "percent",
            "value": 1000,
            "max_discount": 50_000,
            "min_order": 100_000,
            "valid_from": (self.now - timedelta(days=1)).isoformat(),
            "valid_to": (self.now + timedelta(days=30)).isoformat(),
            "total_uses": None,
            "per_customer_uses": None,
            "customer_groups": [],
            **kw,
        }

    async def create(self, codes: tuple[str, ...] = (), **kw) -> dict:
        """A campaign (``body``'s fields) with the typed ``codes``."""
        r = await self.client.post("/voucher-campaigns", json=self.body(**kw), headers=self.admin)
        assert r.status_code == 201, r.text
        for code in codes:
            added = await self.client.post(
                f"/voucher-campaigns/{r.json()['id']}/codes",
                json={"code": code},
                headers=self.admin,
            )
            assert added.status_code == 201, added.text
        return r.json()


@pytest.fixture
def campaigns(client, make_token) -> Campaigns:
    return Campaigns(client, make_token.headers(permissions=["loyalty.configure"]))
