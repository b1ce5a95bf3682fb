"""Customers tables."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Sequence,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY as PG_ARRAY
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from suite_shared.db import new_metadata
from suite_shared.messaging.announce import announced_to_table
from suite_shared.readmodels.departments import department_tables
from suite_shared.readmodels.users import staff_table


class Base(DeclarativeBase):
    metadata = new_metadata()


customer_code_seq = Sequence("customer_code_seq", metadata=Base.metadata)
# Every change of a settings-list item (creation, edit, deletion) takes its version from here,
# so one key's versions keep growing when it is deleted and added again (the item's row, and a
# per-row counter, would start afresh): readers of the lists keep the highest (settings_lists).
list_item_version_seq = Sequence("list_item_version_seq", metadata=Base.metadata)
# identity's departments, kept from its events (reports by department).
DEPARTMENTS = department_tables(Base.metadata)
# identity's staff users, kept from its events: who may own customers (staff.py).
STAFF = staff_table(Base.metadata)
# Which consumers of customers.list_item.changed have been told every item (settings_lists).
ANNOUNCED_TO = announced_to_table(Base.metadata)


# The fields of a customer record that people edit (API, import, merge); exports, field rules
# and events work from the same list.
EDITABLE_FIELDS = (
    "name",
    "kind",
    "phone",
    "other_phones",
    "email",
    "address",
    "gender",
    "birthday",
    "tax_code",
    "external_refs",
    "source",
    "groups",
    "social_page",
)


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    code: Mapped[str] = mapped_column(Text, unique=True)
    name: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(Text, default="person")
    phone: Mapped[str | None] = mapped_column(Text)  # the primary phone, E.164
    other_phones: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)
    email: Mapped[str | None] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(Text)
    gender: Mapped[str | None] = mapped_column(Text)
    birthday: Mapped[date | None] = mapped_column(Date)
    tax_code: Mapped[str | None] = mapped_column(Text)
    # Ids of this customer in other systems, e.g. {"kiotviet": "12345"}.
    external_refs: Mapped[dict[str, str]] = mapped_column(JSONB, default=dict)
    source: Mapped[str | None] = mapped_column(Text)
    # PostgreSQL's ARRAY: its contains() (@>) is what the GIN index ix_customers_groups answers.
    groups: Mapped[list[str]] = mapped_column(PG_ARRAY(Text), default=list)
    social_page: Mapped[str | None] = mapped_column(Text)
    owner_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    lifecycle_stage: Mapped[str] = mapped_column(Text, default="lead")
    converted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    handed_over_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    imported_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Deleted records stay (history, reports, links from orders) but are gone from every list,
    # search and lookup; merged ones point at the record they were merged into.
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    merged_into_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    # Folded (accent-free, lower-case) name, code, e-mail and national phone digits: what the
    # keyword search matches, through a trigram index.
    search_text: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    updated_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    version: Mapped[int] = mapped_column(Integer, default=1)
    # The version at which the owner last changed: an owner decision evaluated on an older
    # version must not override a later manual change.
    owner_version: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (
        Index(
            "ix_customers_search_text",
            "search_text",
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
        ),
        Index("ix_customers_owner_id", "owner_id"),
        Index("ix_customers_created_at", "created_at"),
    )


class OwnershipChange(Base):
    __tablename__ = "ownership_history"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    customer_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    previous_owner_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    owner_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    method: Mapped[str] = mapped_column(Text)
    rule_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    reason: Mapped[str | None] = mapped_column(Text)
    actor_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class FieldRuleRow(Base):
    """Duplicate/required settings per field (CUS-4); a missing row means neither."""

    __tablename__ = "field_rules"

    field: Mapped[str] = mapped_column(Text, primary_key=True)
    check_duplicates: Mapped[bool] = mapped_column(Boolean, default=False)
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class UniqueKey(Base):
    """One normalised value that must be unique (field, value) → the customer holding it.

    The primary key is the duplicate check: two concurrent inserts of the same phone cannot
    both commit, whatever the application checked before.
    """

    __tablename__ = "customer_unique_keys"

    field: Mapped[str] = mapped_column(Text, primary_key=True)
    value: Mapped[str] = mapped_column(Text, primary_key=True)
    customer_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )


class Contact(Base):
    """A person at a company customer, with their position (CUS-2)."""

    __tablename__ = "customer_contacts"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    customer_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(Text)
    position: Mapped[str | None] = mapped_column(Text, index=True)  # a positions list key
    phone: Mapped[str | None] = mapped_column(Text)
    email: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    is_primary: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Activity(Base):
    """One entry of a customer's care timeline (CUS-8): a call, e-mail, meeting, note, a bulk
    message sent to them, or an order (from order events). Kind-specific fields go in details."""

    __tablename__ = "activities"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    customer_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("customers.id", ondelete="CASCADE")
    )
    kind: Mapped[str] = mapped_column(Text)
    # When it happened (a meeting: when it is planned), which orders the timeline.
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    subject: Mapped[str | None] = mapped_column(Text)
    body: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict] = mapped_column(JSONB, default=dict)
    search_text: Mapped[str] = mapped_column(Text, default="")
    # Where it came from when not typed in: an order id, a campaign id. Unique per kind, so a
    # redelivered event or a resumed campaign cannot add the same entry twice.
    source_ref: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    # Corrections and removal by staff (only typed-in entries; null until it happens). A
    # removed entry stays for the record but leaves the timeline, meetings and lookups.
    updated_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    deleted_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    __table_args__ = (
        Index("ix_activities_customer_at", "customer_id", "at"),
        Index("ix_activities_kind_at", "kind", "at"),
        Index(
            "uq_activities_kind_source_ref",
            "kind",
            "source_ref",
            unique=True,
            postgresql_where="source_ref IS NOT NULL",
        ),
    )


class Opportunity(Base):
    """A chance to sell to a customer (CUS-11): open, then won or lost (with a reason).

    The salesperson it counts for in the conversion report is the customer's owner when the
    opportunity was opened (kept here, so a later handover does not rewrite history)."""

    __tablename__ = "opportunities"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    customer_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(Text)
    amount: Mapped[int] = mapped_column(BigInteger, default=0)  # expected value, integer đồng
    status: Mapped[str] = mapped_column(Text, default="open")
    lost_reason: Mapped[str | None] = mapped_column(Text, index=True)  # a lost_reasons list key
    # Was the customer still a lead when this opened? The report's "opportunities on leads".
    on_lead: Mapped[bool] = mapped_column(Boolean, default=False)
    owner_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), index=True)
    created_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ImportJob(Base):
    """One uploaded customer file being imported (CUS-12) and its running totals."""

    __tablename__ = "import_jobs"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    filename: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text, default="queued")  # queued, running, done, failed
    total: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    duplicate: Mapped[int] = mapped_column(Integer, default=0)
    invalid: Mapped[int] = mapped_column(Integer, default=0)
    ignored_columns: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)
    error: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ImportRow(Base):
    """The outcome of one row of an import: the per-row report."""

    __tablename__ = "import_rows"

    job_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("import_jobs.id", ondelete="CASCADE"), primary_key=True
    )
    row_number: Mapped[int] = mapped_column(Integer, primary_key=True)  # as in the file, 2 = first
    status: Mapped[str] = mapped_column(Text)  # created, updated, duplicate, invalid
    field: Mapped[str | None] = mapped_column(Text)
    message: Mapped[str | None] = mapped_column(Text)
    customer_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))


class Campaign(Base):
    """A bulk SMS or e-mail to a selection of customers (CUS-9)."""

    __tablename__ = "campaigns"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    channel: Mapped[str] = mapped_column(Text)  # email, sms
    subject: Mapped[str | None] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text, default="sending")  # sending, done
    created_by: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class CampaignRecipient(Base):
    """One customer of a campaign: pending → sending → sent / failed, or skipped (no address).

    "sending" is committed before the provider is called, so a crash mid-send leaves the row in
    "sending" and a restart marks it failed instead of sending it again: nobody gets a campaign
    twice (at most once, with the doubtful ones visible)."""

    __tablename__ = "campaign_recipients"

    campaign_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True
    )
    customer_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True
    )
    address: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text, default="pending")
    error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ListItem(Base):
    """One entry of a settings list (CUS-3): a customer group, source, contact position,
    lost-opportunity reason or social page. Customers refer to it by key."""

    __tablename__ = "list_items"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    kind: Mapped[str] = mapped_column(Text)
    key: Mapped[str] = mapped_column(Text)
    name: Mapped[str] = mapped_column(Text)
    folded_name: Mapped[str] = mapped_column(Text)  # "Khách sỉ" and "khach  si" are one name
    description: Mapped[str | None] = mapped_column(Text)
    reserved: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer)  # from list_item_version_seq
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
