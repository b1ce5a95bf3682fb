"""The receiver decision log (RUL-5): who got each portal order, by which rule and why."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import select

from rules_engine_service.models import ReceiverDecision
from rules_engine_service.schemas import ReceiverDecisionOut
from suite_shared.auth import Principal, require
from suite_shared.pagination import Page, Pagination, fetch_page
from suite_shared.service import Session

router = APIRouter(tags=["allocation rules"])
Manager = Annotated[Principal, require("rules.manage")]


@router.get("/receiver-decisions", response_model=Page[ReceiverDecisionOut])
async def list_receiver_decisions(
    principal: Manager,
    session: Session,
    page: Pagination,
    order_id: uuid.UUID | None = None,
    customer_id: uuid.UUID | None = None,
    rule_id: uuid.UUID | None = None,
    receiver_id: Annotated[uuid.UUID | None, Query(description="The user chosen")] = None,
    since: Annotated[datetime | None, Query(description="Decided at or after")] = None,
    until: Annotated[datetime | None, Query(description="Decided before")] = None,
):
    d = ReceiverDecision
    query = select(d)
    for column, value in (
        (d.order_id, order_id),
        (d.customer_id, customer_id),
        (d.rule_id, rule_id),
        (d.receiver_id, receiver_id),
    ):
        if value is not None:
            query = query.where(column == value)
    if since is not None:
        query = query.where(d.at >= since)
    if until is not None:
        query = query.where(d.at < until)
    rows, total = await fetch_page(session, query.order_by(d.at.desc(), d.id), page)
    return Page[ReceiverDecisionOut](
        items=[ReceiverDecisionOut.model_validate(r) for r in rows],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )
