"""Request and response bodies of the customers API."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, field_validator, model_validator

from customers_service.filters import CustomerFilterBody
from suite_shared.input_types import IsoDate, IsoDateTime, StrictBool, StrictInt
from suite_shared.tax_code import optional_tax_code
from suite_shared.text import InvalidPhone, normalize_phone

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
Kind = Literal["person", "company"]
Gender = Literal["male", "female", "other"]


def _clean_phone(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    try:
        return normalize_phone(value)
    except InvalidPhone as error:
        raise ValueError(str(error)) from None


def _clean_email(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    value = value.strip().lower()
    if not EMAIL.match(value):
        raise ValueError("not an e-mail address")
    return value


def _clean_phones(values: list[str] | None) -> list[str] | None:
    if values is None:
        return None
    cleaned = [_clean_phone(v) for v in values]
    return list(dict.fromkeys(p for p in cleaned if p))  # de-duplicated, order kept


def _clean_tax_code(value: str | None) -> str | None:
    # The check digit, the 13-digit branch form and one stored form: suite_shared.tax_code.
    return optional_tax_code(value)


def _clean_birthday(value: date | None) -> date | None:
    if value is not None and not (date(1900, 1, 1) <= value <= date.today()):
        raise ValueError("a birthday lies between 1900 and today")
    return value


def _blank_as_none(value: str | None) -> str | None:
    # A settings-list key or nothing: an empty text is no key (and clears the field).
    return value if value and value.strip() else None


def _clean_groups(value: list[str] | None) -> list[str] | None:
    if value is None:
        return None
    return sorted({g.strip() for g in value if g.strip()})


class CustomerFields(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: Kind | None = None
    phone: str | None = Field(default=None, max_length=40)
    other_phones: list[str] | None = Field(default=None, max_length=10)
    email: str | None = Field(default=None, max_length=254)
    address: str | None = Field(default=None, max_length=500)
    gender: Gender | None = None
    birthday: IsoDate | None = None
    tax_code: str | None = Field(default=None, max_length=20)
    external_refs: dict[str, str] | None = Field(default=None, max_length=10)
    source: str | None = Field(default=None, max_length=100)
    groups: list[str] | None = Field(default=None, max_length=50)
    social_page: str | None = Field(default=None, max_length=200)

    _phone = field_validator("phone")(_clean_phone)
    _other_phones = field_validator("other_phones")(_clean_phones)
    _tax_code = field_validator("tax_code")(_clean_tax_code)
    _birthday = field_validator("birthday")(_clean_birthday)
    _email = field_validator("email")(_clean_email)
    _groups = field_validator("groups")(_clean_groups)
    _list_keys = field_validator("source", "social_page")(_blank_as_none)


class CustomerCreate(CustomerFields):
    name: str = Field(min_length=1, max_length=200)
    kind: Kind = "person"
    owner_id: uuid.UUID | None = None


class CustomerUpdate(CustomerFields):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    # Optimistic concurrency: when given, the update applies only to this version.
    version: StrictInt | None = None


class OwnerAssign(BaseModel):
    model_config = ConfigDict(extra="forbid")
    owner_id: uuid.UUID | None
    reason: str | None = Field(default=None, max_length=500)


class CustomerOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    code: str
    name: str
    kind: str
    phone: str | None
    other_phones: list[str]
    email: str | None
    address: str | None
    gender: str | None
    birthday: date | None
    tax_code: str | None
    external_refs: dict[str, str]
    source: str | None
    groups: list[str]
    social_page: str | None
    owner_id: uuid.UUID | None
    lifecycle_stage: str
    converted_at: datetime | None
    handed_over_at: datetime | None
    imported_at: datetime | None
    created_by: uuid.UUID | None
    updated_by: uuid.UUID | None
    created_at: datetime
    updated_at: datetime
    version: int


class OwnershipChangeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    previous_owner_id: uuid.UUID | None
    owner_id: uuid.UUID | None
    method: str
    rule_id: uuid.UUID | None
    reason: str | None
    actor_id: uuid.UUID | None
    at: datetime


class StageChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    stage: Literal["lead", "contact", "customer"]


class FieldRuleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    field: str
    check_duplicates: StrictBool = False
    required: StrictBool = False


class FieldRulesUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rules: list[FieldRuleIn] = Field(max_length=50)


class FieldRuleOut(BaseModel):
    field: str
    label: str
    check_duplicates: bool
    required: bool
    can_check_duplicates: bool
    can_be_required: bool


class ContactFields(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    position: str | None = Field(default=None, max_length=100)
    phone: str | None = Field(default=None, max_length=40)
    email: str | None = Field(default=None, max_length=254)
    note: str | None = Field(default=None, max_length=2000)
    is_primary: StrictBool | None = None

    _phone = field_validator("phone")(_clean_phone)
    _email = field_validator("email")(_clean_email)
    _position = field_validator("position")(_blank_as_none)


class ContactCreate(ContactFields):
    name: str = Field(min_length=1, max_length=200)


class ContactUpdate(ContactFields):
    name: str | None = Field(default=None, min_length=1, max_length=200)


class ContactOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    customer_id: uuid.UUID
    name: str
    position: str | None
    phone: str | None
    email: str | None
    note: str | None
    is_primary: bool
    created_at: datetime
    updated_at: datetime


class AssigneeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    user_id: uuid.UUID
    count: StrictInt | None = Field(default=None, ge=0)
    min: StrictInt = Field(default=0, ge=0)
    max: StrictInt | None = Field(default=None, ge=0)


class Selection(BaseModel):
    """Which customers a bulk action works on: listed ids, or everything matching a filter."""

    model_config = ConfigDict(extra="forbid")
    customer_ids: list[uuid.UUID] | None = Field(default=None, max_length=50_000)
    filter: CustomerFilterBody | None = None

    @model_validator(mode="after")
    def _one_of(self) -> Selection:
        if (self.customer_ids is None) == (self.filter is None):
            raise ValueError("give either customer_ids or filter")
        return self


class HandoverRequest(Selection):
    method: Literal["manual", "even", "fewest_first"]
    assignees: list[AssigneeIn] = Field(min_length=1, max_length=200)
    reason: str | None = Field(default=None, max_length=500)


class HandoverResult(BaseModel):
    total: int
    assignments: dict[uuid.UUID, list[uuid.UUID]]


class RecallRequest(Selection):
    reason: str = Field(min_length=1, max_length=500)
    # None: back to the pool (kho); a user: straight to that salesperson.
    to_user_id: uuid.UUID | None = None


class RecallResult(BaseModel):
    total: int
    owner_id: uuid.UUID | None
    customer_ids: list[uuid.UUID]


class _ActivityIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    at: IsoDateTime | None = Field(default=None, description="when it happened; default now")


class CallIn(_ActivityIn):
    kind: Literal["call"]
    purpose: str | None = Field(default=None, max_length=200)
    number: str | None = Field(default=None, max_length=40)
    duration_s: StrictInt = Field(default=0, ge=0, le=24 * 3600)
    recording_url: HttpUrl | None = None
    body: str | None = Field(default=None, max_length=5000)

    _number = field_validator("number")(_clean_phone)


class EmailIn(_ActivityIn):
    kind: Literal["email"]
    subject: str = Field(min_length=1, max_length=300)
    body: str | None = Field(default=None, max_length=20000)
    purpose: str | None = Field(default=None, max_length=200)


class MeetingIn(_ActivityIn):
    kind: Literal["meeting"]
    at: IsoDateTime = Field(description="when it starts")
    subject: str = Field(min_length=1, max_length=300)
    place: str | None = Field(default=None, max_length=300)
    attendees: list[str] = Field(default_factory=list, max_length=50)
    body: str | None = Field(default=None, max_length=5000)


class NoteIn(_ActivityIn):
    kind: Literal["note"]
    body: str = Field(min_length=1, max_length=20000)


ActivityIn = Annotated[CallIn | EmailIn | MeetingIn | NoteIn, Field(discriminator="kind")]
ACTIVITY_INPUTS: dict[str, type[_ActivityIn]] = {
    "call": CallIn,
    "email": EmailIn,
    "meeting": MeetingIn,
    "note": NoteIn,
}


class ActivityUpdate(BaseModel):
    """A correction of a logged call, e-mail, meeting or note: only the fields given change,
    null clears one; the corrected entry is then checked as a new one of its kind would be
    (so these types are loose on purpose: the rules live once, in ActivityIn)."""

    model_config = ConfigDict(extra="forbid")
    # Optimistic concurrency: when given, the correction applies only to this version.
    version: StrictInt | None = None
    kind: str | None = Field(default=None, description="may be sent, never changed")
    at: IsoDateTime | None = None
    subject: str | None = None
    body: str | None = None
    purpose: str | None = None
    number: str | None = None
    duration_s: StrictInt | None = None
    recording_url: str | None = None
    place: str | None = None
    attendees: list[str] | None = None


class MeetingFilter(BaseModel):
    """As query parameters of the meetings list."""

    starts_from: IsoDateTime | None = None
    starts_before: IsoDateTime | None = None
    customer_id: uuid.UUID | None = None
    owner_id: uuid.UUID | None = Field(default=None, description="the customer's owner")
    q: str | None = Field(
        default=None, max_length=100, description="subject, notes, place or attendee, any accents"
    )


class ActivityOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    customer_id: uuid.UUID
    kind: str
    at: datetime
    subject: str | None
    body: str | None
    details: dict
    created_by: uuid.UUID | None
    created_at: datetime
    updated_by: uuid.UUID | None
    updated_at: datetime | None = Field(description="last correction; null if never corrected")
    version: int


class OpportunityCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    title: str = Field(min_length=1, max_length=300)
    amount: StrictInt = Field(
        default=0, ge=0, le=10**15, description="expected value, integer đồng"
    )


class OpportunityOutcome(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    status: Literal["won", "lost"]
    lost_reason: str | None = Field(default=None, max_length=100)


class OpportunityOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    customer_id: uuid.UUID
    title: str
    amount: int
    status: str
    lost_reason: str | None
    on_lead: bool
    owner_id: uuid.UUID | None
    created_by: uuid.UUID | None
    created_at: datetime
    closed_at: datetime | None


class ConversionRow(BaseModel):
    salesperson_id: uuid.UUID
    leads: int
    opportunities_on_leads: int
    won: int
    customers: int
    contact_rate: float | None
    customer_rate: float | None
    conversion_rate: float | None


class ImportJobOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    filename: str
    status: str
    total: int
    created: int
    updated: int
    duplicate: int
    invalid: int
    ignored_columns: list[str]
    error: str | None
    created_by: uuid.UUID
    created_at: datetime
    finished_at: datetime | None


class ImportRowOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    row_number: int
    status: str
    field: str | None
    message: str | None
    customer_id: uuid.UUID | None


class CampaignCreate(Selection):
    channel: Literal["email", "sms"]
    subject: str | None = Field(default=None, max_length=300)
    body: str = Field(min_length=1, max_length=5000)

    @model_validator(mode="after")
    def _email_has_subject(self) -> CampaignCreate:
        if self.channel == "email" and not (self.subject and self.subject.strip()):
            raise ValueError("an e-mail needs a subject")
        return self


class CampaignOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    channel: str
    subject: str | None
    body: str
    status: str
    created_by: uuid.UUID
    created_at: datetime
    finished_at: datetime | None
    counts: dict[str, int] = {}


class RecipientOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    customer_id: uuid.UUID
    address: str | None
    status: str
    error: str | None
    sent_at: datetime | None


class ListItemCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    key: str | None = Field(default=None, max_length=63)
    name: str = Field(min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=1000)


class ListItemUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=1000)
    version: StrictInt | None = None


class ListItemOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    kind: str
    key: str
    name: str
    description: str | None
    reserved: bool
    version: int
    created_at: datetime
    updated_at: datetime


class MergeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    duplicate_id: uuid.UUID
