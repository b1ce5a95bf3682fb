"""POST /quotes (CAT-3): the prices a customer pays, for orders and the portal."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter

from catalog_service import quotes
from catalog_service.schemas.price_lists import QuoteIn, QuoteOut
from suite_shared.auth import CurrentPrincipal
from suite_shared.service import Session

router = APIRouter(tags=["price lists"])


@router.post("/quotes", response_model=QuoteOut)
async def quote(body: QuoteIn, principal: CurrentPrincipal, session: Session):
    """What the customer pays per line. A customer's own token decides its groups and the
    time, so nobody can ask for another group's prices or a list not yet in force."""
    now = datetime.now(UTC)
    if principal.kind == "staff":
        groups, at = set(body.groups), body.at or now
    else:
        groups, at = {g.strip().lower() for g in principal.groups}, now
    return await quotes.quote(session, body, groups, at)
