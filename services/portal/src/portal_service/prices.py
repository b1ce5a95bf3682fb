"""This customer's prices, from the catalog's quote asked with their own token (the catalog
decides their groups and the price list in force; the portal keeps no prices of its own)."""

from __future__ import annotations

import re
import uuid

from portal_service.upstream import Catalog
from suite_shared.errors import Problem

Wanted = tuple[uuid.UUID, str]  # (product, unit)
LINE_FIELD = re.compile(r"^lines\.(\d+)")
MAX_RETRIES = 5


async def prices(catalog: Catalog, token: str, wanted: list[Wanted]) -> dict[Wanted, int]:
    """The price of one of each (product, unit). A line the catalog refuses (a product stopped
    a moment ago, whose event has not reached the portal yet) gets no price; the others do."""
    lines = list(dict.fromkeys(wanted))
    for _ in range(MAX_RETRIES):
        if not lines:
            return {}
        asked = [{"product_id": str(p), "unit": u, "quantity": 1} for p, u in lines]
        try:
            quoted = await catalog.quote(token, asked)
        except Problem as refusal:
            found = LINE_FIELD.match(str(refusal.extra.get("field") or ""))
            if refusal.status != 422 or found is None or int(found[1]) >= len(lines):
                raise
            lines.pop(int(found[1]))
            continue
        return {line: q["unit_price"] for line, q in zip(lines, quoted, strict=True)}
    return {}
