"""The customer's loyalty points (POR-4): the balance and the ledger, as loyalty keeps them,
asked with the customer's own token."""

from __future__ import annotations

from fastapi import APIRouter

from portal_service.deps_shop import CurrentShopper, UpstreamDep
from suite_shared.pagination import Pagination

router = APIRouter(tags=["points"])


@router.get("/points")
async def balance(shopper: CurrentShopper, upstream: UpstreamDep) -> dict:
    return await upstream.loyalty.get(shopper.token, f"/accounts/{shopper.id}")


@router.get("/points/ledger")
async def ledger(shopper: CurrentShopper, upstream: UpstreamDep, page: Pagination) -> dict:
    return await upstream.loyalty.get(
        shopper.token,
        f"/accounts/{shopper.id}/ledger",
        params={"limit": page.limit, "offset": page.offset},
    )
