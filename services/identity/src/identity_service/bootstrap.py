"""First start (IDN-4): the built-in roles and one administrator from configuration.

Runs at every start and changes nothing once anyone active can manage staff. Replicas
starting together take an advisory lock for the transaction, so only one of them creates the
admin; the unique indexes would refuse a second one anyway.
"""

from __future__ import annotations

import uuid

import structlog
from sqlalchemy import func, select, text
from sqlalchemy.dialects.postgresql import insert

from identity_service.domain.permissions import ADMIN_ROLE, BUILTIN_ROLES
from identity_service.models import Role, User
from identity_service.repository import any_manager, emit_user
from identity_service.settings import IdentitySettings
from suite_shared.credentials.logins import clean_email
from suite_shared.credentials.passwords import Passwords
from suite_shared.service import Runtime

log = structlog.get_logger(__name__)

BOOTSTRAP_LOCK_ID = 7_240_102
DEFAULT_ADMIN_PASSWORD = IdentitySettings.model_fields["admin_password"].default


async def ensure_builtin_roles(session) -> None:
    for name, (description, permissions) in BUILTIN_ROLES.items():
        statement = insert(Role).values(
            id=uuid.uuid4(),
            name=name,
            description=description,
            permissions=permissions,
            builtin=True,
            version=1,
        )
        if name == ADMIN_ROLE:
            # admin always holds every permission, including ones a newer release adds.
            statement = statement.on_conflict_do_update(
                index_elements=[Role.name],
                set_={"permissions": permissions, "builtin": True},
                where=Role.permissions != permissions,
            )
        else:
            # Other built-ins keep whatever an administrator made of them.
            statement = statement.on_conflict_do_nothing(index_elements=[Role.name])
        await session.execute(statement)


async def bootstrap(runtime: Runtime, settings: IdentitySettings, passwords: Passwords) -> None:
    email = clean_email(settings.admin_email)
    async with runtime.uow() as uow:
        await uow.session.execute(text(f"SELECT pg_advisory_xact_lock({BOOTSTRAP_LOCK_ID})"))
        await ensure_builtin_roles(uow.session)
        # "First start" means nobody can manage staff yet — not "no user has the configured
        # e-mail": an admin who changed their e-mail must not get a twin with the configured
        # password at the next restart.
        exists = await uow.session.scalar(
            select(User.id).where(func.lower(User.email) == email).limit(1)
        )
        if exists is None and not await any_manager(uow.session):
            admin = User(
                id=uuid.uuid4(),
                email=email,
                phone=None,
                full_name=settings.admin_name,
                password_hash=await passwords.hash_async(settings.admin_password),
                active=True,
                role=ADMIN_ROLE,
                failed_logins=0,
                version=1,
            )
            uow.session.add(admin)
            await uow.session.flush()
            emit_user(uow, admin, created=True)
            log.info("first administrator created", email=email)
            if settings.admin_password == DEFAULT_ADMIN_PASSWORD:
                log.warning("the first administrator has the default password; change it")
        await uow.commit()
