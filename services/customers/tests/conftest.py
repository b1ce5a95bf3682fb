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
