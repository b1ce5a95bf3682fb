"""Rules-engine tables: owner rules and allocation rules, the staff/department/settings-list read
models, the portal's receiver setting and open portal orders, cursors, the decision logs."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, Text, func
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from suite_shared.db import new_metadata
from suite_shared.readmodels.departments import department_tables
from suite_shared.readmodels.list_items import list_item_table
from suite_shared.readmodels.users import staff_table


class Base(DeclarativeBase):
    metadata = new_metadata()


def _uuid_pk() -> Mapped[uuid.UUID]:
    return mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)


class Rule(Base):
    __tablename__ = "owner_rules"

    id: Mapped[uuid.UUID] = _uuid_pk()
    name: Mapped[str] = mapped_column(Text)
    name_search: Mapped[str] = mapped_column(Text)
    trigger: Mapped[str] = mapped_column(Text)
    priority: Mapped[int] = mapped_column(Integer, default=100)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    conditions: Mapped[list[dict]] = mapped_column(JSONB, default=list)
    assign_user_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    assign_department_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    created_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    updated_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    version: Mapped[int] = mapped_column(Integer, default=1)


# identity's departments, kept from its events by the shared read model (one definition for
# every service that needs them).
DEPARTMENTS = department_tables(Base.metadata)


class Department(Base):
    __table__ = DEPARTMENTS.departments


class DepartmentMember(Base):
    __table__ = DEPARTMENTS.members


# customers' settings-list items, kept from its events by the shared read model: the keys that
# conditions on source, group and social page may name.
LIST_ITEMS = list_item_table(Base.metadata)


# identity's users, kept from its events by the shared read model: whether they are active
# (round-robin skips the inactive), and their name (shown next to the id in conditions on
# created_by / updated_by).
STAFF = staff_table(Base.metadata)


class Staff(Base):
    __table__ = STAFF


class RoundRobinCursor(Base):
    """The last member chosen per department; locked while choosing the next one."""

    __tablename__ = "round_robin_cursors"

    department_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    last_user_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))


class Decision(Base):
    __tablename__ = "decisions"

    id: Mapped[uuid.UUID] = _uuid_pk()
    customer_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    rule_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    rule_name: Mapped[str] = mapped_column(Text)
    owner_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    department_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    trigger: Mapped[str] = mapped_column(Text)
    event_id: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


# ---- RUL-3: the receiver of portal orders ----------------------------------------------------
class AllocationRule(Base):
    """Who may receive a portal order: a list of users in order, or a department's members in
    the department's order; chosen round-robin or least-loaded (domain/allocation.py)."""

    __tablename__ = "allocation_rules"

    id: Mapped[uuid.UUID] = _uuid_pk()
    name: Mapped[str] = mapped_column(Text)
    name_search: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    target: Mapped[str] = mapped_column(Text)  # "users" or "department"
    user_ids: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(UUID(as_uuid=True)), default=list)
    department_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    method: Mapped[str] = mapped_column(Text)  # "round_robin" or "least_loaded"
    created_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    updated_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    version: Mapped[int] = mapped_column(Integer, default=1)


class AllocationCursor(Base):
    """The last user a rule chose; made with the rule, locked while choosing the next one (so
    two orders at once queue on it), and kept across restarts."""

    __tablename__ = "allocation_cursors"

    rule_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True),
        ForeignKey("allocation_rules.id", ondelete="CASCADE"),
        primary_key=True,
    )
    last_user_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))


class PortalReceiverSetting(Base):
    """The portal's receiver of its orders, from portal.settings.changed: one row, the highest
    version the portal has sent."""

    __tablename__ = "portal_receiver_setting"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, default=1)
    receiver_kind: Mapped[str | None] = mapped_column(Text)  # "user", "rule" or none yet
    receiver_user_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    receiver_rule_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    version: Mapped[int] = mapped_column(Integer)


class PortalOrderLoad(Base):
    """A portal order, its receiver and whether it is still open: least-loaded counts the open
    ones. An order completed or cancelled before its placement arrived is kept closed, so the
    late placement does not count it open."""

    __tablename__ = "portal_order_loads"

    order_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    receiver_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    open: Mapped[bool] = mapped_column(Boolean)


class ReceiverDecision(Base):
    """Who got a portal order and why (RUL-5), one per order; also when nobody could."""

    __tablename__ = "receiver_decisions"

    id: Mapped[uuid.UUID] = _uuid_pk()
    order_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), unique=True)
    order_number: Mapped[str] = mapped_column(Text)
    customer_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    receiver_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    rule_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    rule_name: Mapped[str | None] = mapped_column(Text)
    method: Mapped[str] = mapped_column(Text)  # user, round_robin, least_loaded, none
    reason: Mapped[str] = mapped_column(Text)
    event_id: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
