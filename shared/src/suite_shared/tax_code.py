"""Vietnamese tax codes (MST), checked the same way in every service.

A company's MST is 10 digits whose 10th is a check digit over the first nine; a branch adds a
3-digit suffix (13 digits, usually written ``0100109106-001``). Since July 2025 a person's MST
is their 12-digit citizen ID (CCCD), which has no check digit, so only its form is checked.
The check digit is python-stdnum's (``stdnum.vn.mst``), a maintained implementation.

Stored and compared in one canonical form: ``0100109106``, ``0100109106-001`` or the 12 digits;
spaces, dots and dashes as typed are ignored.
"""

from __future__ import annotations

import re

from stdnum.vn import mst

_SEPARATORS = re.compile(r"[\s.\-]")

MESSAGE = (
    "a tax code (MST) is 10 digits with a valid check digit, the same and a 3-digit branch "
    "number (0100109106-001), or a person's 12-digit citizen ID"
)


def normalise_tax_code(value: str) -> str:
    """The canonical form of ``value``; ValueError (with :data:`MESSAGE`) when it is no MST."""
    digits = _SEPARATORS.sub("", value)
    if not digits.isascii() or not digits.isdigit():
        raise ValueError(MESSAGE)
    if len(digits) == 12 and "-" not in value:  # 0100109106-01 is a mistyped branch, not a CCCD
        return digits
    if len(digits) in (10, 13) and mst.is_valid(digits):
        return digits if len(digits) == 10 else f"{digits[:10]}-{digits[10:]}"
    raise ValueError(MESSAGE)


def optional_tax_code(value: str | None) -> str | None:
    """For optional fields: blank is no tax code."""
    if value is None or not value.strip():
        return None
    return normalise_tax_code(value)
