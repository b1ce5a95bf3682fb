"""Placing an order (ORD-1, ORD-2, ORD-9, LOY-3): the customer's copy gives the name, phone and
groups; the catalog's quote gives every price, and the warehouses the order names (pickup
location, each line's) must be the catalog's active ones; domain.totals computes the money; an
Idempotency-Key makes a retried placement return the first order.

Points and a voucher (LOY-3), and an affiliate named by code (LOY-8), are held by the loyalty
service, asked after the money and before any row is written, and only when the order uses
them: an order without them never depends on loyalty being up. With an Idempotency-Key the
order's id is derived from the caller and the key, so a retry re-asks loyalty for the same hold
(loyalty answers a repeated hold with the same hold). When our own write fails after loyalty
held, the hold is released (best effort; an unreleased hold expires)."""

from __future__ import annotations

import asyncio
import hashlib
import json
import uuid
from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from orders_service import events, visibility
from orders_service.catalog_client import CatalogClient, quote_lines
from orders_service.domain import customer_orders, totals
from orders_service.domain.status import PENDING
from orders_service.loyalty_client import Hold, LoyaltyClient
from orders_service.models import (
    CustomerCopy,
    IdempotencyKey,
    Instalment,
    Order,
    OrderLine,
    StatusChange,
)
from orders_service.schemas.orders import OrderCreate
from suite_shared.auth import Principal
from suite_shared.errors import Problem, conflict, forbidden, invalid
from suite_shared.text import fold, phone_search_key
from suite_shared.uow import UnitOfWork

NUMBER_PREFIX = "DH"
# The order id of a placement with an Idempotency-Key: uuid5(this, "<caller id>:<key>").
ORDER_ID_NAMESPACE = uuid.UUID("5b0f9a3e-6a47-4c38-9a1e-0c2d7f4e8b61")
LOYALTY_FIELDS = {"points": 0, "voucher_code": None, "affiliate_code": None}


def request_hash(body: OrderCreate) -> str:
    asked = body.model_dump(mode="json")
    # The loyalty fields count only when given, so orders' digests stay what they were.
    for field, default in LOYALTY_FIELDS.items():
        if asked.get(field) == default:
            asked.pop(field, None)
    canonical = json.dumps(asked, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def order_id_for(principal: Principal, idempotency_key: str | None) -> uuid.UUID:
    if idempotency_key:
        return uuid.uuid5(ORDER_ID_NAMESPACE, f"{principal.id}:{idempotency_key}")
    return uuid.uuid4()


def uses_loyalty(body: OrderCreate) -> bool:
    return body.points > 0 or body.voucher_code is not None or body.affiliate_code is not None


async def customer_for(session: AsyncSession, principal: Principal, customer_id: uuid.UUID):
    customer = await session.get(CustomerCopy, customer_id)
    if (
        customer is None
        or customer.version == 0
        or customer.deleted
        or not visibility.may_see_customer(principal, customer)
    ):
        raise invalid("customer_id", f"No customer {customer_id} that you may sell to")
    return customer


def search_text(customer: CustomerCopy, number: str) -> str:
    """What the list's keyword matches: the name without accents, the phone in national form
    (0912…, however it was typed), the customer code, the order number (lower case, as the
    keyword is folded); contracting adds the contract number."""
    phone = phone_search_key(customer.phone) if customer.phone else ""
    parts = [fold(customer.name), phone, customer.code.lower(), number.lower()]
    return " ".join(filter(None, parts))


def refused(refusal: customer_orders.Refusal, **extra) -> Problem:
    """The problem of what a customer may not ask (``extra``: members of a 409)."""
    if refusal.status == 403:
        return forbidden(refusal.message)
    if refusal.status == 409:
        return conflict("illegal-transition", refusal.message, field=refusal.field, **extra)
    return invalid(refusal.field, refusal.message)


def check_customer_placement(principal: Principal, body: OrderCreate) -> None:
    """A customer's own order (the portal's token) asks only what a customer may ask."""
    if principal.kind == "customer":
        refusal = customer_orders.placement_refusal(principal.id, body)
        if refusal is not None:
            raise refused(refusal)


def staff_actor(principal: Principal) -> uuid.UUID | None:
    """The staff member acting (placing, moving an order); None for the customer themself, on
    the portal."""
    return principal.id if principal.kind == "staff" else None


def _owner(principal: Principal, body: OrderCreate, customer: CustomerCopy) -> uuid.UUID | None:
    if principal.kind == "customer":
        return customer.owner_id  # a customer's own order counts for their salesperson
    if body.owner_id is None or body.owner_id == principal.id:
        return principal.id
    if not principal.can(visibility.VIEW_ALL):
        raise forbidden("Placing an order for someone else needs orders.view_all")
    return body.owner_id


def _discount(given) -> totals.Discount:
    return totals.Discount(given.kind, given.value) if given else totals.Discount()


def _money(body: OrderCreate, quoted: list[dict]) -> totals.OrderMoney:
    lines = [
        totals.LineIn(q["unit_price"], line.quantity, _discount(line.discount))
        for line, q in zip(body.lines, quoted, strict=True)
    ]
    try:
        return totals.compute(lines, _discount(body.discount), body.shipping.fee)
    except totals.TotalsError as error:
        raise invalid(error.field, str(error)) from None


def _total(body: OrderCreate, money: totals.OrderMoney, hold: Hold | None) -> int:
    """The total once loyalty's hold applies; the instalments must add up to it."""
    try:
        total = totals.with_loyalty(
            money, hold.voucher_discount if hold else 0, hold.points_value if hold else 0
        )
        if body.payment.terms == "instalments":
            totals.check_instalments(
                total, [(i.due_date, i.amount) for i in body.payment.instalments]
            )
    except totals.TotalsError as error:
        raise invalid(error.field, str(error)) from None
    return total


async def _ask_loyalty(
    loyalty: LoyaltyClient,
    token: str,
    order_id: uuid.UUID,
    customer_id: uuid.UUID,
    body: OrderCreate,
    money: totals.OrderMoney,
) -> Hold | None:
    if not uses_loyalty(body):
        return None
    return await loyalty.hold(
        token,
        order_id=order_id,
        customer_id=customer_id,
        points=body.points,
        voucher_code=body.voucher_code,
        affiliate_code=body.affiliate_code,
        goods_total=totals.goods_total(money),
        shipping_fee=money.shipping_fee,
    )


def named_warehouses(body: OrderCreate) -> list[tuple[str, uuid.UUID]]:
    """(field, warehouse id) for the warehouses the quote does not check: the pickup location
    (the quote checks each line's warehouse)."""
    if body.shipping.pickup_location_id is None:
        return []
    return [("shipping.pickup_location_id", body.shipping.pickup_location_id)]


async def _ask_catalog(catalog: CatalogClient, token: str, groups: list[str], body: OrderCreate):
    """The quote (which checks the lines' warehouses) and the pickup location, at the same
    time. The quote's refusal comes first; a failure of either is the catalog's 503."""
    answers = await asyncio.gather(
        catalog.quote(token, groups, quote_lines(body.lines)),
        catalog.check_warehouses(token, named_warehouses(body)),
        return_exceptions=True,
    )
    for answer in answers:
        if isinstance(answer, BaseException):
            raise answer
    return answers[0]


async def previous_order(session: AsyncSession, principal: Principal, key: str, digest: str):
    """The order a retried request already placed, if any."""
    row = await session.get(IdempotencyKey, (key, principal.id))
    if row is None:
        return None
    if row.request_hash != digest:
        raise Problem(
            422,
            "idempotency-key-reused",
            "Invalid input",
            "This Idempotency-Key was used for a different order",
            field="Idempotency-Key",
        )
    return row.order_id


async def place(
    uow: UnitOfWork,
    catalog: CatalogClient,
    loyalty: LoyaltyClient,
    principal: Principal,
    token: str,
    body: OrderCreate,
    idempotency_key: str | None,
) -> tuple[Order, bool]:
    """Returns (order, created). A retry with the same key returns the first order. The caller
    commits, and releases loyalty's hold (``release_hold``) if that fails."""
    session = uow.session
    digest = request_hash(body)
    if idempotency_key and (
        done := await previous_order(session, principal, idempotency_key, digest)
    ):
        return await session.get(Order, done), False
    check_customer_placement(principal, body)
    customer = await customer_for(session, principal, body.customer_id)
    owner_id = _owner(principal, body, customer)
    # The catalog and loyalty are asked with no connection held: the reads' transaction ends
    # here (the customer's copy kept, detached) and the writes begin their own. Holding it
    # through their answers had 32 placements at once wait out the pool (503s) under load.
    session.expunge(customer)
    await session.rollback()
    quote = await _ask_catalog(catalog, token, customer.groups, body)
    money = _money(body, quote["lines"])
    order_id = order_id_for(principal, idempotency_key)
    hold = await _ask_loyalty(loyalty, token, order_id, customer.id, body, money)
    try:
        return await _write(
            uow,
            principal,
            body,
            idempotency_key,
            digest,
            order_id,
            customer,
            owner_id,
            quote,
            money,
            hold,
        )
    except BaseException:
        if hold is not None:
            await loyalty.release(token, order_id)
        raise


async def release_hold(
    loyalty: LoyaltyClient, token: str, body: OrderCreate, order: Order, created: bool
) -> None:
    """After a failed commit: give back what loyalty held for the order not placed."""
    if created and uses_loyalty(body):
        await loyalty.release(token, order.id)


async def _write(
    uow: UnitOfWork,
    principal: Principal,
    body: OrderCreate,
    idempotency_key: str | None,
    digest: str,
    order_id: uuid.UUID,
    customer: CustomerCopy,
    owner_id: uuid.UUID | None,
    quote: dict,
    money: totals.OrderMoney,
    hold: Hold | None,
) -> tuple[Order, bool]:
    session = uow.session
    total = _total(body, money, hold)
    if idempotency_key:
        claimed = await session.scalar(
            insert(IdempotencyKey)
            .values(key=idempotency_key, actor=principal.id, request_hash=digest, order_id=order_id)
            .on_conflict_do_nothing()
            .returning(IdempotencyKey.order_id)
        )
        if claimed is None:  # the same request, running at the same moment, won
            await session.rollback()
            done = await previous_order(session, principal, idempotency_key, digest)
            return await session.get(Order, done), False
    sequence = await session.scalar(text("SELECT nextval('order_number_seq')"))
    number = f"{NUMBER_PREFIX}{sequence:06d}"
    now = datetime.now(UTC)
    order = Order(
        id=order_id,
        number=number,
        status=PENDING,
        customer_id=customer.id,
        customer_name=customer.name,
        customer_phone=customer.phone,
        search_text=search_text(customer, number),
        owner_id=owner_id,
        created_by=staff_actor(principal),
        channel=body.channel,
        order_type=body.order_type,
        shipping_method=body.shipping.method,
        shipping_carrier=body.shipping.carrier,
        shipping_fee=money.shipping_fee,
        shipping_address=body.shipping.address,
        pickup_location_id=body.shipping.pickup_location_id,
        vat_invoice=body.vat_invoice.model_dump() if body.vat_invoice else None,
        payment_terms=body.payment.terms,
        discount_kind=body.discount.kind if body.discount else None,
        discount_value=body.discount.value if body.discount else 0,
        subtotal=money.subtotal,
        order_discount=money.order_discount,
        total=total,
        points_redeemed=hold.points if hold else 0,
        points_value=hold.points_value if hold else 0,
        voucher_code=hold.voucher_code if hold else None,
        voucher_discount=hold.voucher_discount if hold else 0,
        loyalty_tier=hold.tier if hold else None,
        affiliate_code=hold.affiliate_code if hold else None,
        affiliate_id=hold.affiliate_id if hold else None,
        note=body.note,
        placed_at=now,
        version=1,
        stock_state="waiting",
        stock_short=[],
    )
    order.lines = [
        OrderLine(
            id=uuid.uuid4(),
            position=index,
            product_id=line.product_id,
            product_code=q["product_code"],
            product_name=q["product_name"],
            unit=q["unit"],
            unit_factor=q["unit_factor"],
            quantity=line.quantity,
            unit_price=q["unit_price"],
            price_source=q["source"],
            price_list_id=q.get("price_list_id"),
            discount_kind=line.discount.kind if line.discount else None,
            discount_value=line.discount.value if line.discount else 0,
            discount=m.discount,
            line_total=m.total,
            warehouse_id=line.warehouse_id,
        )
        for index, (line, q, m) in enumerate(
            zip(body.lines, quote["lines"], money.lines, strict=True)
        )
    ]
    order.instalments = [
        Instalment(seq=index + 1, due_date=i.due_date, amount=i.amount)
        for index, i in enumerate(body.payment.instalments)
    ]
    session.add(order)
    session.add(
        StatusChange(
            order_id=order.id,
            from_status=None,
            to_status=PENDING,
            at=now,  # the order's placed_at: its card shows it without reading it back
            actor=staff_actor(principal),
            reason="",
        )
    )
    await session.flush()
    events.emit(uow, order)
    return order, True
