import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest

from rules_engine_service.app import create_app
from rules_engine_service.models import AllocationCursor
from rules_engine_service.settings import RulesSettings
from suite_shared.testing.apps import service_fixtures
from suite_shared.testing.assertions import outbox_events
from suite_shared.testing.events import handled, publish
from suite_shared.testing.infra import eventually

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"

database, settings, app, client = service_fixtures(
    "rules-engine", RulesSettings, create_app, MIGRATIONS
)


def order_snapshot(order_id=None, channel="portal", customer_id=None, **extra) -> dict:
    return {
        "order_id": str(order_id or uuid.uuid4()),
        "number": "DH000001",
        "status": "pending",
        "customer_id": str(customer_id or uuid.uuid4()),
        "customer_name": "Cửa hàng Hoa",
        "customer_phone": None,
        "owner_id": None,
        "created_by": None,
        "channel": channel,
        "lines": [],
        "subtotal": 0,
        "total": 0,
        "placed_at": datetime.now(UTC).isoformat(),
        **extra,
    }


class Portal:
    """Publishes identity's, the portal's and orders' events onto the app's broker and waits
    until the rules engine's consumer has handled each; reads what it decided."""

    order = staticmethod(order_snapshot)  # an order's snapshot, as orders' events carry it

    def __init__(self, app, client, make_token):
        self.app, self.client = app, client
        self.headers = {"Authorization": f"Bearer {make_token(permissions=['rules.manage'])}"}

    async def send(self, source: str, type_: str, data: dict, version: int | None = 1):
        envelope = await publish(self.app, source, type_, data, version=version)
        await eventually(lambda: handled(self.app, envelope))
        return envelope

    async def user(self, name: str = "Nhân viên", active: bool = True, version: int = 1):
        user = uuid.uuid4()
        await self.set_user(user, name, active, version)
        return user

    async def set_user(self, user, name="Nhân viên", active=True, version=1) -> None:
        data = {"user_id": str(user), "email": None, "phone": None, "full_name": name,
                "active": active, "role": "sales"}  # fmt: skip
        await self.send("identity", "identity.user.updated", data, version)

    async def department(self, members, department=None, version: int = 1) -> uuid.UUID:
        department = department or uuid.uuid4()
        data = {
            "department_id": str(department),
            "name": "Kinh doanh HN",
            "members": [{"user_id": str(m), "position": i} for i, m in enumerate(members)],
        }
        await self.send("identity", "identity.department.updated", data, version)
        return department

    async def rule(self, **body) -> dict:
        body = {"name": "Phân bổ đơn portal", **body}
        created = await self.client.post("/allocation-rules", headers=self.headers, json=body)
        assert created.status_code == 201, created.text
        return created.json()

    async def receiver(self, kind=None, user=None, rule=None, version: int = 1):
        data = {"enabled": True, "access_path": "shop", "display_name": "Cửa hàng",
                "receiver_kind": kind, "receiver_user_id": str(user) if user else None,
                "receiver_rule_id": str(rule) if rule else None, "version": version}  # fmt: skip
        return await self.send("portal", "portal.settings.changed", data, version)

    async def place(self, order_id=None, channel="portal", **extra):
        data = order_snapshot(order_id, channel, **extra)
        return await self.send("orders", "orders.order.placed", data)

    async def close(self, order_id, verb: str = "completed"):
        status = "completed" if verb == "completed" else "cancelled"
        extra = {"reason": "khách huỷ"} if verb == "cancelled" else {}
        data = order_snapshot(order_id, status=status, **extra)
        return await self.send("orders", f"orders.order.{verb}", data)

    async def decisions(self) -> list[dict]:
        """rules.receiver_decision.made payloads in the outbox, oldest first."""
        return [e["data"] for e in await outbox_events(self.app, "rules.receiver_decision.made")]

    async def receivers(self) -> list[str | None]:
        return [d["receiver_id"] for d in await self.decisions()]

    async def cursor(self, rule_id) -> uuid.UUID | None:
        async with self.app.state.runtime.session_factory() as session:
            cursor = await session.get(AllocationCursor, uuid.UUID(str(rule_id)))
            return cursor.last_user_id


@pytest.fixture
def make_portal(make_token):
    """A Portal for an app of one's own (a test that restarts the service)."""
    return lambda app, client: Portal(app, client, make_token)


@pytest.fixture
async def portal(app, client, make_portal) -> Portal:
    return make_portal(app, client)
