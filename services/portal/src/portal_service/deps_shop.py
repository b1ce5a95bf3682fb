"""What the customer's routes share: the portal must be on, the caller a customer with a live
account, the upstream clients."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import select

from portal_service import settings_store
from portal_service.models import Account, PortalSettingsRow
from portal_service.problems import account_disabled, portal_disabled
from portal_service.upstream import EXTRAS_KEY, Upstream
from suite_shared.auth import CustomerPrincipal, Principal, bearer_token
from suite_shared.errors import unauthorized
from suite_shared.service import Session


@dataclass(frozen=True)
class Shopper:
    principal: Principal
    token: str
    settings: PortalSettingsRow

    @property
    def id(self):
        return self.principal.id


async def shopper(request: Request, principal: CustomerPrincipal, session: Session) -> Shopper:
    row = await settings_store.load(session)
    if not row.enabled:
        raise portal_disabled()
    status = await session.scalar(select(Account.status).where(Account.customer_id == principal.id))
    if status is None:
        raise unauthorized("No portal account for this token")
    if status != "active":
        raise account_disabled(status)
    return Shopper(principal, bearer_token(request), row)


async def release(session) -> None:
    """End the read transaction before asking another service (no connection held while it
    answers), keeping what was read: detached objects are not expired by the rollback."""
    session.expunge_all()
    await session.rollback()


def upstream(request: Request) -> Upstream:
    return request.app.state.runtime.extras[EXTRAS_KEY]


CurrentShopper = Annotated[Shopper, Depends(shopper)]
UpstreamDep = Annotated[Upstream, Depends(upstream)]
