"""The customer filters (CUS-5), shared by the list, handover, recall and bulk actions, so
"everything matching the filter" means the same set everywhere."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import Select, and_, exists, select

from customers_service import repository
from customers_service.domain.date_presets import BUSINESS_TZ, local_midnight, preset_range
from customers_service.models import Activity, Customer
from suite_shared.input_types import IsoDate, IsoDateTime, StrictBool, StrictInt

DATE_FIELDS = {
    "created": Customer.created_at,
    "imported": Customer.imported_at,
    "handed_over": Customer.handed_over_at,
    "converted": Customer.converted_at,
}
SORTS = {
    "created_at": (Customer.created_at.asc(), Customer.id.asc()),
    "-created_at": (Customer.created_at.desc(), Customer.id.desc()),
    "handed_over_at": (Customer.handed_over_at.asc().nulls_last(), Customer.id.asc()),
    "-handed_over_at": (Customer.handed_over_at.desc().nulls_last(), Customer.id.desc()),
    "converted_at": (Customer.converted_at.asc().nulls_last(), Customer.id.asc()),
    "-converted_at": (Customer.converted_at.desc().nulls_last(), Customer.id.desc()),
    "imported_at": (Customer.imported_at.asc().nulls_last(), Customer.id.asc()),
    "-imported_at": (Customer.imported_at.desc().nulls_last(), Customer.id.desc()),
    "name": (Customer.search_text.asc(), Customer.id.asc()),
    "-name": (Customer.search_text.desc(), Customer.id.desc()),
}
Sort = Literal[
    "created_at",
    "-created_at",
    "handed_over_at",
    "-handed_over_at",
    "converted_at",
    "-converted_at",
    "imported_at",
    "-imported_at",
    "name",
    "-name",
]


class CustomerFilter(BaseModel):
    """As query parameters of the list (other parameters such as limit sit beside it)."""

    q: str | None = Field(default=None, max_length=100, description="Name, phone, e-mail or code")
    source: str | None = Field(default=None, max_length=100)
    group: str | None = Field(default=None, max_length=100)
    social_page: str | None = Field(default=None, max_length=200)
    stage: Literal["lead", "contact", "customer"] | None = None
    owner_id: uuid.UUID | None = None
    unassigned: bool | None = Field(default=None, description="true: the pool; false: owned")
    handed_over: bool | None = Field(default=None, description="was it ever handed over")
    date_field: Literal["created", "imported", "handed_over", "converted"] = "created"
    preset: Literal["today", "this_week", "this_month", "last_month", "this_year"] | None = None
    date_from: IsoDate | None = Field(default=None, description="first day, business time zone")
    date_to: IsoDate | None = Field(default=None, description="last day (inclusive)")
    appointment_from: IsoDateTime | None = Field(default=None, description="has a meeting from")
    appointment_to: IsoDateTime | None = Field(default=None, description="has a meeting before")
    age_min: int | None = Field(default=None, ge=0, le=150)
    age_max: int | None = Field(default=None, ge=0, le=150)

    @model_validator(mode="after")
    def _ranges(self) -> CustomerFilter:
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ValueError("date_from is after date_to")
        if self.age_min is not None and self.age_max is not None and self.age_min > self.age_max:
            raise ValueError("age_min is above age_max")
        return self


class CustomerFilterBody(CustomerFilter):
    """The same filter inside a request body (handover, recall, bulk messages), where a wrong
    JSON type is a client bug (see suite_shared.input_types); the query parameters stay text."""

    model_config = ConfigDict(extra="forbid")

    unassigned: StrictBool | None = Field(default=None, description="true: the pool; false: owned")
    handed_over: StrictBool | None = Field(default=None, description="was it ever handed over")
    date_from: IsoDate | None = Field(default=None, description="first day, business time zone")
    date_to: IsoDate | None = Field(default=None, description="last day (inclusive)")
    appointment_from: IsoDateTime | None = Field(default=None, description="has a meeting from")
    appointment_to: IsoDateTime | None = Field(default=None, description="has a meeting before")
    age_min: StrictInt | None = Field(default=None, ge=0, le=150)
    age_max: StrictInt | None = Field(default=None, ge=0, le=150)


def apply(query: Select, f: CustomerFilter, now: datetime | None = None) -> Select:
    now = now or datetime.now(UTC)
    conditions = []
    if f.q:
        query = repository.keyword_filter(query, f.q)
    for column, value in (
        (Customer.source, f.source),
        (Customer.social_page, f.social_page),
        (Customer.lifecycle_stage, f.stage),
        (Customer.owner_id, f.owner_id),
    ):
        if value is not None:
            conditions.append(column == value)
    if f.group:
        # groups @> ARRAY[key]: the form the GIN index ix_customers_groups answers (= ANY is not)
        conditions.append(Customer.groups.contains([f.group]))
    if f.unassigned is not None:
        conditions.append(
            Customer.owner_id.is_(None) if f.unassigned else Customer.owner_id.isnot(None)
        )
    if f.handed_over is not None:
        column = Customer.handed_over_at
        conditions.append(column.isnot(None) if f.handed_over else column.is_(None))
    column = DATE_FIELDS[f.date_field]
    if f.preset:
        start, end = preset_range(f.preset, now)
        conditions += [column >= start, column < end]
    if f.date_from:
        conditions.append(column >= local_midnight(f.date_from))
    if f.date_to:
        conditions.append(column < local_midnight(f.date_to + timedelta(days=1)))
    if f.appointment_from or f.appointment_to:
        meeting = select(Activity.id).where(
            Activity.customer_id == Customer.id,
            Activity.kind == "meeting",
            Activity.deleted_at.is_(None),
        )
        if f.appointment_from:
            meeting = meeting.where(Activity.at >= f.appointment_from)
        if f.appointment_to:
            meeting = meeting.where(Activity.at < f.appointment_to)
        conditions.append(exists(meeting))
    today = now.astimezone(BUSINESS_TZ).date()
    if f.age_min is not None:  # at least age_min years old: born on or before this day then
        conditions.append(Customer.birthday <= _years_before(today, f.age_min))
    if f.age_max is not None:  # not yet age_max + 1
        conditions.append(Customer.birthday > _years_before(today, f.age_max + 1))
    return query.where(and_(*conditions)) if conditions else query


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a non-leap year
        return day.replace(year=day.year - years, day=28)


__all__ = ["CustomerFilter", "CustomerFilterBody", "SORTS", "Sort", "apply"]
