"""Request and response bodies of the identity API. Inputs forbid unknown fields, so a typo
(or an attempt to set ``password_hash``) is a 422 naming that field rather than silently
ignored."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StringConstraints,
    field_validator,
)

from identity_service.domain.permissions import UnknownPermission, clean_permissions
from suite_shared.credentials.logins import InvalidEmail, clean_email, clean_phone
from suite_shared.credentials.passwords import MAX_LENGTH as PASSWORD_MAX
from suite_shared.text import InvalidPhone

ROLE_NAME = r"^[a-z][a-z0-9_.-]{1,49}$"
# Never stripped: spaces can be part of a password (the policy judges the rest).
Password = Annotated[
    str, StringConstraints(strip_whitespace=False, min_length=1, max_length=PASSWORD_MAX)
]


class Input(BaseModel):
    # Booleans and numbers have strict types: a wrong JSON type ("active": 0, "version": "1") is a
    # client bug, answered 422 naming the field, never coerced. (Strings are never coerced
    # from numbers anyway; UUIDs arrive as JSON text and parse as before.)
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _email(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    try:
        return clean_email(value)
    except InvalidEmail as error:
        raise ValueError(str(error)) from None


def _phone(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    try:
        return clean_phone(value)
    except InvalidPhone as error:
        raise ValueError(str(error)) from None


def _unique_ids(values: list[uuid.UUID]) -> list[uuid.UUID]:
    seen: set[uuid.UUID] = set()
    for value in values:
        if value in seen:
            raise ValueError(f"user {value} is listed twice")
        seen.add(value)
    return values


def _permissions(values: list[str] | None) -> list[str] | None:
    if values is None:
        return None
    try:
        return clean_permissions(values)
    except UnknownPermission as error:
        raise ValueError(str(error)) from None


# ---- auth --------------------------------------------------------------------------------
class LoginIn(Input):
    login: str = Field(min_length=1, max_length=254, description="E-mail or phone number")
    password: Password


class RefreshIn(Input):
    refresh_token: str = Field(min_length=1, max_length=200)


class TokenPair(BaseModel):
    access_token: str
    refresh_token: str
    token_type: str = "Bearer"
    expires_in: int = Field(description="Seconds until the access token expires")
    refresh_expires_in: int = Field(description="Seconds until the refresh token expires")


# ---- users -------------------------------------------------------------------------------
class UserCreate(Input):
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=40)
    full_name: str = Field(min_length=1, max_length=200)
    password: Password
    role: str = Field(default="sales", max_length=50)
    active: StrictBool = True

    _email = field_validator("email")(_email)
    _phone = field_validator("phone")(_phone)


class UserUpdate(Input):
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=40)
    full_name: str | None = Field(default=None, min_length=1, max_length=200)
    role: str | None = Field(default=None, max_length=50)
    # Optimistic concurrency: when given, the change applies only to this version.
    version: StrictInt | None = None

    _email = field_validator("email")(_email)
    _phone = field_validator("phone")(_phone)


class PasswordSet(Input):
    password: Password


class PasswordChange(Input):
    current_password: Password
    new_password: Password


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    email: str | None
    phone: str | None
    full_name: str
    active: bool
    role: str
    locked_until: datetime | None
    last_login_at: datetime | None
    created_by: uuid.UUID | None
    updated_by: uuid.UUID | None
    created_at: datetime
    updated_at: datetime
    version: int


class MeOut(UserOut):
    permissions: list[str]


# ---- roles -------------------------------------------------------------------------------
class PermissionOut(BaseModel):
    name: str
    description: str


class RoleCreate(Input):
    name: str = Field(pattern=ROLE_NAME, description="lower-case, e.g. sales-lead")
    description: str | None = Field(default=None, max_length=500)
    permissions: list[str] = Field(default_factory=list, max_length=50)

    _permissions = field_validator("permissions")(_permissions)


class RoleUpdate(Input):
    description: str | None = Field(default=None, max_length=500)
    permissions: list[str] | None = Field(default=None, max_length=50)
    version: StrictInt | None = None

    _permissions = field_validator("permissions")(_permissions)


class RoleOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    description: str | None
    permissions: list[str]
    builtin: bool
    created_at: datetime
    updated_at: datetime
    version: int


# ---- departments -------------------------------------------------------------------------
class DepartmentCreate(Input):
    name: str = Field(min_length=1, max_length=200)
    member_ids: list[uuid.UUID] = Field(default_factory=list, max_length=500)

    _unique = field_validator("member_ids")(_unique_ids)


class DepartmentRename(Input):
    name: str = Field(min_length=1, max_length=200)
    version: StrictInt | None = None


class MembersSet(Input):
    user_ids: list[uuid.UUID] = Field(max_length=500, description="Members in round-robin order")
    version: StrictInt | None = None

    _unique = field_validator("user_ids")(_unique_ids)


class MemberOut(BaseModel):
    user_id: uuid.UUID
    position: int
    full_name: str
    active: bool


class DepartmentOut(BaseModel):
    id: uuid.UUID
    name: str
    members: list[MemberOut]
    created_by: uuid.UUID | None
    updated_by: uuid.UUID | None
    created_at: datetime
    updated_at: datetime
    version: int
