import uuid
from pathlib import Path

import pytest

from customers_service.app import create_app
from customers_service.settings import CustomersSettings
from suite_shared.testing.apps import service_fixtures

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"

database, settings, app, client = service_fixtures(
    "customers", CustomersSettings, create_app, MIGRATIONS
)


@pytest.fixture
def list_items(client, make_token):
    """Adds settings-list items through the API, as an admin does before people use them:
    ``await list_items("sources", "website", ("si", "Sỉ"))`` — a key, or (key, name); a bare
    key is its own name."""
    admin = {"Authorization": f"Bearer {make_token(uuid.uuid4(), ['customers.settings'])}"}

    async def add(kind: str, *items: str | tuple[str, str]) -> None:
        for item in items:
            key, name = item if isinstance(item, tuple) else (item, item)
            response = await client.post(
                f"/settings/lists/{kind}", headers=admin, json={"key": key, "name": name}
            )
            assert response.status_code == 201, response.text

    return add


@pytest.fixture
def staff(app):
    """Makes a staff user known to customers as identity's event would (through the broker):
    ``user = await staff()``, ``await staff(user, active=False, version=2)``."""
    from suite_shared.testing.events import handled, publish
    from suite_shared.testing.infra import eventually

    async def add(
        user: uuid.UUID | None = None, *, active: bool = True, name="Nhân viên", version=1
    ) -> uuid.UUID:
        user = user or uuid.uuid4()
        data = {
            "user_id": str(user),
            "email": None,
            "phone": None,
            "full_name": name,
            "active": active,
            "role": "sales",
        }
        event = await publish(
            app, "identity", "identity.user.updated", data, version=version, subject=user
        )
        await eventually(lambda: handled(app, event))
        return user

    return add
