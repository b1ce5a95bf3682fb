"""The catalog's price quote, asked over HTTP with the caller's own token (so the catalog
checks who is asking) and its correlation id, through one pooled client per process."""

from __future__ import annotations

from typing import Any

import httpx

from suite_shared.errors import Problem
from suite_shared.service_client import service_client

CLIENT_KEY = "catalog_client"


class CatalogUnavailable(Problem):
    def __init__(self, detail: str):
        super().__init__(503, "catalog-unavailable", "Prices cannot be quoted now", detail)


class CatalogClient:
    def __init__(self, base_url: str, timeout_s: float):
        self.http = service_client(
            base_url, timeout_s, httpx.Limits(max_connections=50, max_keepalive_connections=20)
        )

    async def close(self) -> None:
        await self.http.aclose()

    async def quote(
        self, token: str, groups: list[str], lines: list[dict[str, Any]]
    ) -> dict[str, Any]:
        """The catalog's quote; its 422 (a line that cannot be sold) comes back as ours, naming
        the same line."""
        body = {"groups": groups, "lines": lines}
        try:
            response = await self.http.post(
                "/quotes", json=body, headers={"Authorization": f"Bearer {token}"}
            )
        except httpx.HTTPError as error:
            raise CatalogUnavailable(f"The catalog did not answer: {error!r}") from None
        if response.status_code == 422:
            problem = response.json()
            raise Problem(
                422,
                "validation-error",
                "Invalid input",
                problem.get("detail"),
                field=problem.get("field"),
                errors=problem.get("errors", []),
            )
        if response.status_code != 200:
            raise CatalogUnavailable(f"The catalog answered {response.status_code}")
        return response.json()


def quote_lines(lines) -> list[dict[str, Any]]:
    return [
        {"product_id": str(line.product_id), "unit": line.unit, "quantity": line.quantity}
        for line in lines
    ]
