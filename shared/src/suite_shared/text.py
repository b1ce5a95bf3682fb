"""Vietnamese-aware text normalisation: search folding and phone numbers.

``fold`` is what search compares: lower case, no diacritics, ``đ`` as ``d``, single spaces, so
``Nguyễn  Văn A`` and ``nguyen van a`` fold alike. Services store the folded form next to the
original and index it with a trigram index.
"""

from __future__ import annotations

import re
import unicodedata

import phonenumbers

_SPACES = re.compile(r"\s+")


def fold(value: str | None) -> str:
    if not value:
        return ""
    value = value.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", value)
    stripped = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    return _SPACES.sub(" ", stripped).strip().lower()


class InvalidPhone(ValueError):
    pass


def normalize_phone(raw: str, region: str = "VN") -> str:
    """E.164 form of a phone number; Vietnamese numbers may be written 0912.., 84912.., +84912..

    ``84912345678`` (no plus) is read as an international number, as people write it.
    """
    text = raw.strip()
    digits = re.sub(r"[^\d+]", "", text)
    if digits.startswith("84") and len(digits) >= 11:
        digits = "+" + digits
    try:
        number = phonenumbers.parse(digits, region)
    except phonenumbers.NumberParseException as error:
        raise InvalidPhone(f"not a phone number: {raw!r}") from error
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone(f"not a valid phone number: {raw!r}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_search_key(raw: str) -> str:
    """Digits a keyword may be matched against: a phone-like keyword in national form."""
    digits = re.sub(r"\D", "", raw)
    if digits.startswith("84") and len(digits) >= 11:
        digits = "0" + digits[2:]
    return digits
