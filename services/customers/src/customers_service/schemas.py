"""Request and response bodies of the customers API."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from suite_shared.text import InvalidPhone, normalize_phone

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
Kind = Literal["person", "company"]


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


def _clean_groups(value: list[str] | None) -> list[str] | None:
    if value is None:
        return None
    return sorted({g.strip() for g in value if g.strip()})


class CustomerFields(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: Kind | None = None
    phone: str | None = Field(default=None, max_length=40)
    email: str | None = Field(default=None, max_length=254)
    address: str | None = Field(default=None, max_length=500)
    source: str | None = Field(default=None, max_length=100)
    groups: list[str] | None = Field(default=None, max_length=50)
    social_page: str | None = Field(default=None, max_length=200)

    _phone = field_validator("phone")(_clean_phone)
    _email = field_validator("email")(_clean_email)
    _groups = field_validator("groups")(_clean_groups)


class CustomerCreate(CustomerFields):
    name: str = Field(min_length=1, max_length=200)
    kind: Kind = "person"
    owner_id: uuid.UUID | None = None


class CustomerUpdate(CustomerFields):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    # Optimistic concurrency: when given, the update applies only to this version.
    version: int | None = None


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
    email: str | None
    address: str | None
    source: str | None
    groups: list[str]
    social_page: str | None
    owner_id: uuid.UUID | None
    lifecycle_stage: str
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
