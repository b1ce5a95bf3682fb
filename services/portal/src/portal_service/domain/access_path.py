"""The portal's access path (POR-1): the part of its address a distributor hands out, e.g.
``/p/tapdoanabc``. Letters and digits only (no accents, no separators), so it survives being
read out on the phone, and never a word the suite's own routes use."""

from __future__ import annotations

import re

PATTERN = re.compile(r"^[A-Za-z0-9]{3,50}$")
RESERVED = frozenset(
    {
        "api",
        "admin",
        "app",
        "assets",
        "docs",
        "health",
        "login",
        "logout",
        "metrics",
        "openapi",
        "portal",
        "public",
        "ready",
        "static",
        "suite",
        "www",
    }
)


class InvalidPath(ValueError):
    pass


def check_access_path(raw: str) -> str:
    """The path as stored (case kept, compared case-insensitively), or InvalidPath."""
    value = raw.strip()
    if not PATTERN.match(value):
        raise InvalidPath("must be 3 to 50 letters (a–z, no accents) or digits, nothing else")
    if value.lower() in RESERVED:
        raise InvalidPath(f"'{value}' is reserved by the suite; choose another")
    return value
