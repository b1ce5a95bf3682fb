"""What a person types in the login box: an e-mail address or a phone number."""

from __future__ import annotations

import re
from dataclasses import dataclass

from suite_shared.text import InvalidPhone, normalize_phone

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class InvalidEmail(ValueError):
    pass


@dataclass(frozen=True)
class LoginId:
    kind: str  # "email" or "phone"
    value: str  # lower-case e-mail or E.164 phone


def clean_email(raw: str) -> str:
    value = raw.strip().lower()
    if not EMAIL.match(value):
        raise InvalidEmail("not an e-mail address")
    return value


def clean_phone(raw: str) -> str:
    """E.164; '0912 345 678', '+84912345678' and '84912345678' are one number."""
    return normalize_phone(raw)


def parse_login(raw: str) -> LoginId | None:
    """None when it is neither: the caller answers as for an unknown user."""
    raw = raw.strip()
    if "@" in raw:
        try:
            return LoginId("email", clean_email(raw))
        except InvalidEmail:
            return None
    try:
        return LoginId("phone", clean_phone(raw))
    except InvalidPhone:
        return None
