"""Bodies of portal accounts (staff) and customer logins."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from suite_shared.credentials.passwords import MAX_LENGTH as PASSWORD_MAX


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


Password = Annotated[str, StringConstraints(min_length=1, max_length=PASSWORD_MAX)]


class GrantIn(Strict):
    customer_id: uuid.UUID
    login: Literal["phone", "email"] | None = Field(
        None, description="what the customer logs in with; default: the phone, else the e-mail"
    )


class AccountOut(BaseModel):
    id: uuid.UUID
    customer_id: uuid.UUID
    customer_name: str
    login: str
    login_kind: str
    status: str
    must_change_password: bool
    locked_until: datetime | None
    granted_by: uuid.UUID | None
    granted_at: datetime
    last_login_at: datetime | None
    version: int


class GrantedOut(AccountOut):
    first_password: str = Field(description="shown once; the customer must change it")


class StatusIn(Strict):
    action: Literal["lock", "unlock", "revoke"]


class LoginIn(Strict):
    login: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    password: Password


class TokensOut(BaseModel):
    access_token: str
    refresh_token: str
    token_type: str = "Bearer"
    expires_in: int
    refresh_expires_in: int


class LoginOut(BaseModel):
    """Either tokens, or (first login, after a reset) a ticket to set a password first."""

    must_change_password: bool
    change_ticket: str | None = None
    tokens: TokensOut | None = None


class FirstPasswordIn(Strict):
    change_ticket: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    new_password: Password


class RefreshIn(Strict):
    refresh_token: Annotated[str, StringConstraints(min_length=1, max_length=200)]


class ChangePasswordIn(Strict):
    current_password: Password
    new_password: Password


class MeOut(BaseModel):
    customer_id: uuid.UUID
    account_id: uuid.UUID
    name: str
    login: str
    phone: str | None
    email: str | None
    groups: list[str]
