"""``python -m catalog_service``: create/migrate the database, then serve."""

from pathlib import Path

from catalog_service.settings import CatalogSettings
from suite_shared.runner import serve

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"

if __name__ == "__main__":
    serve(CatalogSettings(), "catalog_service.app:create_app", MIGRATIONS_DIR)
