"""Owners, handover assignees and recall targets must be active staff users that customers
knows from identity's events (suite_shared.readmodels.users): a customer given to an id nobody
has, or to a salesperson who has left, belongs to nobody who can see it.

The caller naming themselves is not checked: their token already says who they are (and a
deactivated user's tokens are refused on every request)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncSession

from customers_service.models import STAFF
from suite_shared.auth import Principal
from suite_shared.errors import invalid_all
from suite_shared.readmodels.users import UserReadModel, why_refused

USERS = UserReadModel(STAFF)


async def require_active(
    session: AsyncSession, principal: Principal, named: Iterable[tuple[str, uuid.UUID | None]]
) -> None:
    """422 naming each (field, user id) that is no active staff user customers knows."""
    named = [(field, user) for field, user in named if user is not None and user != principal.id]
    if not named:
        return
    known = await USERS.find(session, (user for _, user in named))
    problems = [
        (field, why)
        for field, user in named
        if (why := why_refused(user, known.get(user), reader="customers")) is not None
    ]
    if problems:
        raise invalid_all(problems, slug="unknown-user")
