"""``python -m orders_service``: create/migrate the database, then serve."""

from pathlib import Path

from orders_service.settings import OrdersSettings
from suite_shared.runner import serve

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"

if __name__ == "__main__":
    serve(OrdersSettings(), "orders_service.app:create_app", MIGRATIONS_DIR)
