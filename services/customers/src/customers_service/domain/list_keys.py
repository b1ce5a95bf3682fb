"""Keys of settings-list items (CUS-3): stable slugs customers refer to.

A key is given by the admin or derived from the name ("Khách sỉ" → "khach-si"); it never changes
afterwards, so renaming an item does not touch the customers that use it.
"""

from __future__ import annotations

import re

from suite_shared.events.customers import BUILT_IN_ITEMS, LIST_LABELS
from suite_shared.text import fold

KINDS = tuple(LIST_LABELS)
KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
# Built in, cannot be deleted: source "retailer" marks customers synchronised from KiotViet.
# Defined in shared/ because services that copy the lists need them too (they get no event).
RESERVED = BUILT_IN_ITEMS


class BadKey(ValueError):
    pass


def derive_key(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", fold(name)).strip("-")[:63]
    if not slug:
        raise BadKey("the name gives no usable key; give one (letters, digits, - or _)")
    return slug


def check_key(key: str) -> str:
    key = key.strip().lower()
    if not KEY.match(key):
        raise BadKey(
            "a key is 1–63 lower-case letters, digits, - or _, starting with one of the first two"
        )
    return key
