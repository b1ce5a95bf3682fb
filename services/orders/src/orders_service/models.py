"""Orders tables: orders with their lines, instalments and status history; contract types;
idempotency keys; and the copy of customers that placement snapshots from."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    Sequence,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from suite_shared.db import new_metadata


class Base(DeclarativeBase):
    metadata = new_metadata()


order_number_seq = Sequence("order_number_seq", metadata=Base.metadata)
contract_number_seq = Sequence("contract_number_seq", metadata=Base.metadata)
return_number_seq = Sequence("return_number_seq", metadata=Base.metadata)


def _uuid(*args, **kw) -> Mapped[Any]:
    return mapped_column(UUID(as_uuid=True), *args, **kw)


def _stamp() -> Mapped[datetime]:
    return mapped_column(DateTime(timezone=True), server_default=func.now())


class ContractType(Base):
    """Loại hợp đồng (ORD-8): a settings list; contracted orders name one."""

    __tablename__ = "contract_types"

    id: Mapped[uuid.UUID] = _uuid(primary_key=True, default=uuid.uuid4)
    code: Mapped[str] = mapped_column(Text, unique=True)
    name: Mapped[str] = mapped_column(Text)
    name_key: Mapped[str] = mapped_column(Text, unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # Who added and who last changed it (null on rows from before 0003 recorded them).
    created_by: Mapped[uuid.UUID | None] = _uuid()
    updated_by: Mapped[uuid.UUID | None] = _uuid()
    created_at: Mapped[datetime] = _stamp()
    updated_at: Mapped[datetime] = _stamp()


class CustomerCopy(Base):
    """What orders knows of a customer, kept from the customers service's events: enough to
    snapshot the name and phone, price by group and decide who may see the customer."""

    __tablename__ = "customer_copies"

    id: Mapped[uuid.UUID] = _uuid(primary_key=True)
    code: Mapped[str] = mapped_column(Text, default="")
    name: Mapped[str] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(Text)
    groups: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)
    owner_id: Mapped[uuid.UUID | None] = _uuid()
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(BigInteger, default=0)
    owner_version: Mapped[int] = mapped_column(BigInteger, default=0)


class Order(Base):
    __tablename__ = "orders"
    __table_args__ = (
        # The sales reports (ORD-10) read completed orders by completed_at: equality, then range.
        Index("ix_orders_status_completed_at", "status", "completed_at"),
    )

    id: Mapped[uuid.UUID] = _uuid(primary_key=True, default=uuid.uuid4)
    number: Mapped[str] = mapped_column(Text, unique=True)
    status: Mapped[str] = mapped_column(Text)
    customer_id: Mapped[uuid.UUID] = _uuid()
    customer_name: Mapped[str] = mapped_column(Text)
    customer_phone: Mapped[str | None] = mapped_column(Text)
    search_text: Mapped[str] = mapped_column(Text, default="")
    owner_id: Mapped[uuid.UUID | None] = _uuid()
    created_by: Mapped[uuid.UUID | None] = _uuid()
    # A portal order's receiver (POR-6): the staff member the rules engine chose.
    receiver_id: Mapped[uuid.UUID | None] = _uuid()
    channel: Mapped[str] = mapped_column(Text)
    order_type: Mapped[str] = mapped_column(Text)
    shipping_method: Mapped[str] = mapped_column(Text)
    shipping_carrier: Mapped[str | None] = mapped_column(Text)
    shipping_fee: Mapped[int] = mapped_column(BigInteger, default=0)
    shipping_address: Mapped[str | None] = mapped_column(Text)
    pickup_location_id: Mapped[uuid.UUID | None] = _uuid()
    vat_invoice: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    payment_terms: Mapped[str] = mapped_column(Text)
    discount_kind: Mapped[str | None] = mapped_column(Text)
    discount_value: Mapped[int] = mapped_column(BigInteger, default=0)
    subtotal: Mapped[int] = mapped_column(BigInteger)
    order_discount: Mapped[int] = mapped_column(BigInteger)
    # Loyalty's hold at placement (LOY-3): points redeemed and their đồng value, the voucher
    # and its discount, the tier that applied.
    points_redeemed: Mapped[int] = mapped_column(BigInteger, default=0)
    points_value: Mapped[int] = mapped_column(BigInteger, default=0)
    voucher_code: Mapped[str | None] = mapped_column(Text)
    voucher_discount: Mapped[int] = mapped_column(BigInteger, default=0)
    loyalty_tier: Mapped[str | None] = mapped_column(Text)
    # The affiliate code typed at placement and the approved affiliate loyalty found (LOY-8).
    affiliate_code: Mapped[str | None] = mapped_column(Text)
    affiliate_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    total: Mapped[int] = mapped_column(BigInteger)
    note: Mapped[str] = mapped_column(Text, default="")
    contract_number: Mapped[str | None] = mapped_column(Text, unique=True)
    contract_type_id: Mapped[uuid.UUID | None] = _uuid(ForeignKey("contract_types.id"))
    stock_state: Mapped[str] = mapped_column(Text, default="waiting")
    stock_short: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    placed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    contracted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = _stamp()

    lines: Mapped[list[OrderLine]] = relationship(
        cascade="all, delete-orphan", order_by="OrderLine.position", lazy="selectin"
    )
    instalments: Mapped[list[Instalment]] = relationship(
        cascade="all, delete-orphan", order_by="Instalment.seq", lazy="selectin"
    )


class OrderLine(Base):
    """A line as placed: product code, name and unit are copied, the price is the quote's."""

    __tablename__ = "order_lines"

    id: Mapped[uuid.UUID] = _uuid(primary_key=True, default=uuid.uuid4)
    order_id: Mapped[uuid.UUID] = _uuid(ForeignKey("orders.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    product_id: Mapped[uuid.UUID] = _uuid()
    product_code: Mapped[str] = mapped_column(Text)
    product_name: Mapped[str] = mapped_column(Text)
    unit: Mapped[str] = mapped_column(Text)
    unit_factor: Mapped[int] = mapped_column(Integer)
    quantity: Mapped[int] = mapped_column(BigInteger)
    unit_price: Mapped[int] = mapped_column(BigInteger)
    price_source: Mapped[str] = mapped_column(Text)
    price_list_id: Mapped[uuid.UUID | None] = _uuid()
    discount_kind: Mapped[str | None] = mapped_column(Text)
    discount_value: Mapped[int] = mapped_column(BigInteger, default=0)
    discount: Mapped[int] = mapped_column(BigInteger)
    line_total: Mapped[int] = mapped_column(BigInteger)
    warehouse_id: Mapped[uuid.UUID | None] = _uuid()


class Instalment(Base):
    __tablename__ = "order_instalments"

    order_id: Mapped[uuid.UUID] = _uuid(
        ForeignKey("orders.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    due_date: Mapped[date] = mapped_column(Date)
    amount: Mapped[int] = mapped_column(BigInteger)


class StatusChange(Base):
    __tablename__ = "order_status_history"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    order_id: Mapped[uuid.UUID] = _uuid(ForeignKey("orders.id", ondelete="CASCADE"))
    from_status: Mapped[str | None] = mapped_column(Text)
    to_status: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = _stamp()
    actor: Mapped[uuid.UUID | None] = _uuid()
    reason: Mapped[str] = mapped_column(Text, default="")


class OrderReturn(Base):
    """A return of (part of) a completed order (LOY-4). ``returned_goods`` (Σ the returned
    lines' shares of their line totals), ``returned_value`` and ``refunded`` are cumulative,
    this return included (domain.returns)."""

    __tablename__ = "order_returns"

    id: Mapped[uuid.UUID] = _uuid(primary_key=True, default=uuid.uuid4)
    order_id: Mapped[uuid.UUID] = _uuid(ForeignKey("orders.id", ondelete="CASCADE"))
    number: Mapped[str] = mapped_column(Text, unique=True)
    reason: Mapped[str] = mapped_column(Text)
    refund_amount: Mapped[int] = mapped_column(BigInteger)
    returned_goods: Mapped[int] = mapped_column(BigInteger)
    returned_value: Mapped[int] = mapped_column(BigInteger)
    refunded: Mapped[int] = mapped_column(BigInteger)
    fully_returned: Mapped[bool] = mapped_column(Boolean)
    actor: Mapped[uuid.UUID | None] = _uuid()
    returned_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    lines: Mapped[list[OrderReturnLine]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )


class OrderReturnLine(Base):
    __tablename__ = "order_return_lines"

    return_id: Mapped[uuid.UUID] = _uuid(
        ForeignKey("order_returns.id", ondelete="CASCADE"), primary_key=True
    )
    line_id: Mapped[uuid.UUID] = _uuid(
        ForeignKey("order_lines.id", ondelete="CASCADE"), primary_key=True
    )
    quantity: Mapped[int] = mapped_column(BigInteger)
    refund: Mapped[int] = mapped_column(BigInteger)


class IdempotencyKey(Base):
    __tablename__ = "idempotency_keys"

    key: Mapped[str] = mapped_column(Text, primary_key=True)
    actor: Mapped[uuid.UUID] = _uuid(primary_key=True)
    request_hash: Mapped[str] = mapped_column(Text)
    order_id: Mapped[uuid.UUID] = _uuid()
    created_at: Mapped[datetime] = _stamp()
