"""The catalog's price quote, asked over HTTP with the caller's own token (so the catalog
checks who is asking) and its correlation id, through one pooled client per process.

Any failure to get a quote out of the catalog is the catalog being unavailable (503 with
Retry-After), never our 500: whatever the transport raises (httpx's errors, but also what
escapes them when the catalog dies mid-connect, such as httpcore's AttributeError), a timeout,
a 5xx, or an answer that is not the JSON of a quote."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError

from suite_shared.errors import invalid_all
from suite_shared.service_client import ServiceHttp, Unavailable

CLIENT_KEY = "catalog_client"


class CatalogUnavailable(Unavailable):
    def __init__(self, detail: str):
        super().__init__("catalog-unavailable", "Prices cannot be quoted now", detail)


class QuotedLine(BaseModel):
    """What placement takes from each line of the catalog's quote."""

    product_code: str
    product_name: str
    unit: str
    unit_factor: int = Field(ge=1)
    unit_price: int = Field(ge=0)
    source: Literal["price_list", "unit_price", "base_price"]
    price_list_id: uuid.UUID | None = None


class Quote(BaseModel):
    lines: list[QuotedLine]


class CatalogClient(ServiceHttp):
    service = "catalog"

    unavailable = CatalogUnavailable

    async def quote(
        self, token: str, groups: list[str], lines: list[dict[str, Any]]
    ) -> dict[str, Any]:
        """The catalog's quote, one line per line asked; its 422 (a line that cannot be sold)
        comes back as ours, naming the same line."""
        response = await self._call("POST", "/quotes", token, {"groups": groups, "lines": lines})
        if response.status_code == 422:
            raise self.refusal(response, slug="validation-error")
        if response.status_code != 200:
            raise CatalogUnavailable(f"The catalog answered {response.status_code}")
        try:
            quote = Quote.model_validate(self._json(response))
        except ValidationError:
            raise CatalogUnavailable("The catalog's answer was not a quote") from None
        if len(quote.lines) != len(lines):
            raise CatalogUnavailable(f"The catalog quoted {len(quote.lines)} lines of {len(lines)}")
        return quote.model_dump()

    async def warehouse_active(self, token: str, warehouse_id: uuid.UUID) -> bool | None:
        """Whether the catalog's warehouse is active; None when the catalog has no such one."""
        response = await self._call("GET", f"/warehouses/{warehouse_id}", token)
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise CatalogUnavailable(f"The catalog answered {response.status_code}")
        found = self._json(response)
        if not isinstance(found, dict) or not isinstance(found.get("active"), bool):
            raise CatalogUnavailable("The catalog's answer was not a warehouse")
        return found["active"]

    async def check_warehouses(self, token: str, named: list[tuple[str, uuid.UUID]]) -> None:
        """422 naming every field (of (field, warehouse id)) whose warehouse the catalog does
        not know or has closed: stock could never be reserved or picked up there."""
        ids = list(dict.fromkeys(warehouse_id for _, warehouse_id in named))
        if not ids:
            return
        found = dict(
            zip(
                ids,
                await asyncio.gather(*(self.warehouse_active(token, i) for i in ids)),
                strict=True,
            )
        )
        errors = [
            (field, f"Warehouse {wid} is {'unknown' if found[wid] is None else 'inactive'}")
            for field, wid in named
            if not found[wid]
        ]
        if errors:
            raise invalid_all(errors)


def quote_lines(lines) -> list[dict[str, Any]]:
    """The lines to quote; a line's warehouse goes too, so the quote refuses one the catalog
    does not have or has closed (422 lines.N.warehouse_id)."""
    asked = []
    for line in lines:
        one = {"product_id": str(line.product_id), "unit": line.unit, "quantity": line.quantity}
        if line.warehouse_id is not None:
            one["warehouse_id"] = str(line.warehouse_id)
        asked.append(one)
    return asked
