"""``python -m identity_service``: create/migrate the database, then serve."""

from pathlib import Path

from identity_service.settings import IdentitySettings
from suite_shared.runner import serve

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"

if __name__ == "__main__":
    serve(IdentitySettings(), "identity_service.app:create_app", MIGRATIONS_DIR)
