"""``python -m customers_service``: create/migrate the database, then serve."""

from pathlib import Path

from customers_service.settings import CustomersSettings
from suite_shared.runner import serve

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"

if __name__ == "__main__":
    serve(CustomersSettings(), "customers_service.app:create_app", MIGRATIONS_DIR)
