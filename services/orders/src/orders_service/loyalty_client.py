"""The loyalty service's hold for an order (LOY-3, LOY-8): the points the customer redeems,
the voucher it uses and the affiliate it names by code, asked over HTTP with the caller's own
token, as the catalog's quote is.

``POST /holds`` holds (the same order id and request again is the same hold: a retried
placement re-asks it); its 422 (a rule on ``points``, ``voucher_code`` or ``affiliate_code``)
comes back as ours, with the same type slug, field and detail; a 409 (this order id held for
another request), a 5xx or any failure to get an answer is loyalty being unavailable (503 with
Retry-After).
``DELETE /holds/{order_id}`` releases a hold (idempotent)."""

from __future__ import annotations

import uuid
from datetime import datetime

import structlog
from pydantic import BaseModel, Field, ValidationError

from suite_shared.service_client import ServiceHttp, Unavailable

CLIENT_KEY = "loyalty_client"
log = structlog.get_logger(__name__)


class LoyaltyUnavailable(Unavailable):
    def __init__(self, detail: str):
        super().__init__("loyalty-unavailable", "Points and vouchers cannot be used now", detail)


class Hold(BaseModel):
    """What placement takes from loyalty's answer."""

    order_id: uuid.UUID
    points: int = Field(ge=0)
    points_value: int = Field(ge=0)
    voucher_code: str | None = None
    voucher_discount: int = Field(ge=0)
    affiliate_id: uuid.UUID | None = None
    affiliate_code: str | None = None
    tier: str | None = None
    expires_at: datetime | None = None


class LoyaltyClient(ServiceHttp):
    service = "loyalty"

    unavailable = LoyaltyUnavailable

    async def hold(
        self,
        token: str,
        *,
        order_id: uuid.UUID,
        customer_id: uuid.UUID,
        points: int,
        voucher_code: str | None,
        affiliate_code: str | None = None,
        goods_total: int,
        shipping_fee: int,
    ) -> Hold:
        asked = {
            "order_id": str(order_id),
            "customer_id": str(customer_id),
            "points": points,
            "voucher_code": voucher_code,
            "affiliate_code": affiliate_code,
            "goods_total": goods_total,
            "shipping_fee": shipping_fee,
        }
        response = await self._call("POST", "/holds", token, asked)
        if response.status_code == 422:
            raise self.refusal(response)
        if response.status_code != 200:
            raise self.unavailable(f"The loyalty service answered {response.status_code}")
        try:
            hold = Hold.model_validate(self._json(response))
        except ValidationError:
            raise self.unavailable("The loyalty service's answer was not a hold") from None
        if hold.order_id != order_id:
            raise self.unavailable("The loyalty service held another order")
        return hold

    async def release(self, token: str, order_id: uuid.UUID) -> None:
        """Best effort: a hold that is not released expires on its own."""
        try:
            response = await self._call("DELETE", f"/holds/{order_id}", token)
        except Unavailable:
            return
        if response.status_code >= 300 and response.status_code != 404:
            log.warning(
                "loyalty hold not released", order_id=str(order_id), status=response.status_code
            )
