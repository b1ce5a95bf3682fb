"""The services the portal asks for a customer, with the customer's own token (so each checks
who is asking): the catalog's quote (the customer's prices), orders (place, cancel), loyalty
(the points balance and ledger). One pooled client per process and service
(suite_shared.service_client.ServiceHttp): a failure to get an answer is that service's 503."""

from __future__ import annotations

from typing import Any

import httpx

from suite_shared.errors import Problem
from suite_shared.service_client import ServiceHttp, Unavailable

EXTRAS_KEY = "portal_upstream"


class CatalogUnavailable(Unavailable):
    def __init__(self, detail: str):
        super().__init__("catalog-unavailable", "Prices cannot be shown now", detail)


class OrdersUnavailable(Unavailable):
    def __init__(self, detail: str):
        super().__init__("orders-unavailable", "Orders cannot be placed now", detail)


class LoyaltyUnavailable(Unavailable):
    def __init__(self, detail: str):
        super().__init__("loyalty-unavailable", "Points cannot be shown now", detail)


def passed_on(client: ServiceHttp, response: httpx.Response) -> Problem:
    """The other service's refusal (4xx problem+json) as the portal's own answer: the same
    status, type, field and detail, so the customer reads what was wrong. A 401 is not the
    customer's: the portal let the token in, so the other service not taking it is a fault
    between services (its keys not fetched yet, say), answered as that service's 503."""
    if response.status_code == 401:
        return client.unavailable(f"The {client.service} did not accept the customer's token")
    problem = client._json(response)
    if not isinstance(problem, dict):
        return client.unavailable(f"The {client.service} answered {response.status_code}")
    extra = {k: v for k, v in problem.items() if k in ("field", "errors", "current_version")}
    slug = str(problem.get("type") or "").rsplit("/", 1)[-1] or "refused"
    return Problem(
        response.status_code,
        slug,
        str(problem.get("title") or "Refused"),
        problem.get("detail"),
        **extra,
    )


class Catalog(ServiceHttp):
    service = "catalog"
    unavailable = CatalogUnavailable

    async def quote(self, token: str, lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The customer's price of each line (their token decides their groups)."""
        response = await self._call("POST", "/quotes", token, {"lines": lines})
        if response.status_code != 200:
            if 400 <= response.status_code < 500:
                raise passed_on(self, response)
            raise CatalogUnavailable(f"The catalog answered {response.status_code}")
        answer = self._json(response)
        if not isinstance(answer, dict) or len(answer.get("lines") or []) != len(lines):
            raise CatalogUnavailable("The catalog's answer was not a quote of every line")
        return answer["lines"]


class Orders(ServiceHttp):
    service = "orders"
    unavailable = OrdersUnavailable

    async def place(self, token: str, body: dict, idempotency_key: str | None) -> dict:
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else None
        response = await self._call("POST", "/orders", token, body, headers=headers)
        return self._answer(response, (200, 201))

    async def cancel(self, token: str, order_id, reason: str | None) -> dict:
        body = {"status": "cancelled", **({"reason": reason} if reason else {})}
        response = await self._call("POST", f"/orders/{order_id}/status", token, body)
        return self._answer(response, (200,))

    def _answer(self, response: httpx.Response, ok: tuple[int, ...]) -> dict:
        if response.status_code in ok:
            answer = self._json(response)
            if isinstance(answer, dict):
                return answer
            raise OrdersUnavailable("The orders service's answer was not an order")
        if 400 <= response.status_code < 500:
            raise passed_on(self, response)
        raise OrdersUnavailable(f"The orders service answered {response.status_code}")


class Loyalty(ServiceHttp):
    service = "loyalty"
    unavailable = LoyaltyUnavailable

    async def get(self, token: str, path: str, params: dict | None = None) -> dict:
        response = await self._call("GET", path, token, params=params)
        if response.status_code == 200:
            answer = self._json(response)
            if isinstance(answer, dict):
                return answer
        if 400 <= response.status_code < 500:
            raise passed_on(self, response)
        raise LoyaltyUnavailable(f"Loyalty answered {response.status_code}")


class Upstream:
    def __init__(self, catalog: Catalog, orders: Orders, loyalty: Loyalty):
        self.catalog, self.orders, self.loyalty = catalog, orders, loyalty

    @classmethod
    def from_settings(cls, settings) -> Upstream:
        timeout = settings.upstream_timeout_s
        return cls(
            Catalog(settings.catalog_url, timeout),
            Orders(settings.orders_url, timeout),
            Loyalty(settings.loyalty_url, timeout),
        )

    async def close(self) -> None:
        for client in (self.catalog, self.orders, self.loyalty):
            await client.close()
