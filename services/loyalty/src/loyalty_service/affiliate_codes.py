"""An affiliate named by their referral code (LOY-8): when staff link a referred customer, and
when an order names its affiliate at placement. Only an approved affiliate's code counts, and
never the customer's own."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from loyalty_service.domain.commissions import normalize_code
from loyalty_service.models.affiliates import Affiliate
from suite_shared.errors import invalid


async def approved_affiliate(
    session, code: str, customer_id: uuid.UUID, *, field: str = "affiliate_code"
) -> Affiliate:
    """The approved affiliate with ``code``; otherwise a 422 on ``field``, its slug
    ``unknown-affiliate-code`` (no such code, or not approved now) or ``own-affiliate-code``."""
    code = normalize_code(code)
    affiliate = (
        await session.execute(select(Affiliate).where(Affiliate.code == code))
    ).scalar_one_or_none()
    if affiliate is None or affiliate.status != "approved":
        raise invalid(field, f"No approved affiliate has the code {code}", "unknown-affiliate-code")
    if affiliate.customer_id == customer_id:
        raise invalid(field, "A customer cannot refer themself", "own-affiliate-code")
    return affiliate
