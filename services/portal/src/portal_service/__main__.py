"""``python -m portal_service``: create/migrate the database, then serve."""

from pathlib import Path

from portal_service.settings import PortalSettings
from suite_shared.runner import serve

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"

if __name__ == "__main__":
    serve(PortalSettings(), "portal_service.app:create_app", MIGRATIONS_DIR)
