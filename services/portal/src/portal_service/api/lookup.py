"""Order lookup without login (POR-2): by order number and phone, rate-limited per client and
per order number, the same answer for a wrong number and a wrong phone; or by the order's
unguessable link token (in its e-mails). The answer shows the order, never who else ordered."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, ConfigDict, StringConstraints

from portal_service import lookups, my_orders, settings_store
from portal_service.problems import portal_disabled
from portal_service.schemas.shop import OrderOut
from suite_shared.errors import PROBLEM_JSON
from suite_shared.service import Session

router = APIRouter(tags=["lookup"])
PUBLIC = {"security": []}


class LookupIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    number: Annotated[str, StringConstraints(min_length=1, max_length=30)]
    phone: Annotated[str, StringConstraints(min_length=1, max_length=30)]


async def _portal_on(session):
    row = await settings_store.load(session)
    if not row.enabled:
        raise portal_disabled()
    return row


@router.post(
    "/lookup",
    response_model=OrderOut,
    responses={s: {"content": {PROBLEM_JSON: {}}} for s in (403, 404, 422, 429)},
    openapi_extra=PUBLIC,
)
async def lookup(body: LookupIn, request: Request, session: Session):
    row = await _portal_on(session)
    client = lookups.client_address(request, request.app.state.settings)
    await lookups.count_attempt(session, client, body.number)
    copy = await lookups.by_number_and_phone(session, body.number, body.phone)
    return await my_orders.order_out(session, row, copy, cancellable=False)


@router.get(
    "/orders/link/{link_token}",
    response_model=OrderOut,
    responses={s: {"content": {PROBLEM_JSON: {}}} for s in (403, 404)},
    openapi_extra=PUBLIC,
)
async def by_link(
    link_token: Annotated[str, Path(min_length=16, max_length=100)], session: Session
):
    row = await _portal_on(session)
    copy = await lookups.by_link(session, link_token)
    return await my_orders.order_out(session, row, copy, cancellable=False)
