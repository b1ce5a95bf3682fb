"""One OpenAPI document for the whole suite, built from each service's /openapi.json.

Paths get their gateway prefix (/api/v1/<service>), schema names get the service as a prefix
(two services may both call something ``Page``), and $refs are rewritten to match. A service
that does not answer is listed under ``x-unavailable-services`` instead of failing the page.

Security is what the edge does: an operation is public (``security: []``) only when its service
declares it public and the gateway lets it through without a token (``edge_auth``); every
other one needs the bearer token and may get the gateway's 401. Every operation may get the
gateway's own answers: 429 (rate limit, with Retry-After), 502 (service unreachable) and 504
(service too slow), all problem+json.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx

from gateway_service.edge_auth import is_public
from gateway_service.proxy import PREFIX
from suite_shared.errors import PROBLEM_JSON
from suite_shared.openapi_contract import PROBLEM_SCHEMA, RETRY_AFTER

REF_PREFIX = "#/components/schemas/"
CACHE_TTL_S = 30.0
GATEWAY_PROBLEM = "Gateway_Problem"
EDGE_ANSWERS = {
    401: "A valid access token is required (checked at the gateway)",
    429: "Too many requests from this client: retry after Retry-After seconds",
    502: "The service is not reachable",
    504: "The service did not answer in time",
}


def schema_prefix(service: str) -> str:
    return "".join(part.capitalize() for part in service.split("-")) + "_"


def _rewrite_refs(node: Any, prefix: str) -> Any:
    if isinstance(node, dict):
        return {
            key: (
                REF_PREFIX + prefix + value[len(REF_PREFIX) :]
                if key == "$ref" and isinstance(value, str) and value.startswith(REF_PREFIX)
                else _rewrite_refs(value, prefix)
            )
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_rewrite_refs(item, prefix) for item in node]
    return node


def _edge_contract(operation: dict[str, Any], service: str, path: str) -> None:
    public = operation.get("security") == [] and is_public(service, path)
    operation["security"] = [] if public else [{"bearer": []}]
    responses = operation.setdefault("responses", {})
    for status, description in EDGE_ANSWERS.items():
        if status == 401 and public:
            continue
        answer = responses.setdefault(str(status), {"description": description})
        answer["content"] = {
            PROBLEM_JSON: {"schema": {"$ref": REF_PREFIX + GATEWAY_PROBLEM}},
            **{
                media: body
                for media, body in answer.get("content", {}).items()
                if media != PROBLEM_JSON
            },
        }
        if status == 429:
            answer["headers"] = {**RETRY_AFTER, **answer.get("headers", {})}


def merge(documents: dict[str, dict[str, Any]], missing: list[str]) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    for service, document in documents.items():
        prefix = schema_prefix(service)
        document = _rewrite_refs(document, prefix)
        for path, operations in document.get("paths", {}).items():
            if path in ("/health", "/ready", "/metrics"):
                continue  # per-instance endpoints, not reachable through the gateway
            for operation in operations.values():
                if isinstance(operation, dict):
                    operation["tags"] = [
                        f"{service}: {t}" for t in operation.get("tags") or ["default"]
                    ]
                    if "operationId" in operation:
                        operation["operationId"] = f"{service}_{operation['operationId']}"
                    _edge_contract(operation, service, path)
            paths[f"{PREFIX}{service}{path}"] = operations
        for name, schema in document.get("components", {}).get("schemas", {}).items():
            schemas[prefix + name] = schema
    schemas[GATEWAY_PROBLEM] = PROBLEM_SCHEMA
    combined: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {
            "title": "Sales suite API",
            "version": "1.0.0",
            "description": "Every service of the suite, through the gateway.",
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
            },
        },
    }
    if missing:
        combined["x-unavailable-services"] = missing
    return combined


class CombinedOpenAPI:
    def __init__(self, upstreams: dict[str, list[str]], timeout_s: float = 5.0):
        self.upstreams = upstreams
        self.timeout_s = timeout_s
        self._cached: tuple[float, dict[str, Any]] | None = None

    async def document(self, client: httpx.AsyncClient) -> dict[str, Any]:
        if self._cached and time.monotonic() - self._cached[0] < CACHE_TTL_S:
            return self._cached[1]
        names = list(self.upstreams)
        fetched = await asyncio.gather(*(self._fetch(client, n) for n in names))
        documents = {n: d for n, d in zip(names, fetched, strict=True) if d is not None}
        missing = [n for n, d in zip(names, fetched, strict=True) if d is None]
        combined = merge(documents, missing)
        if not missing:
            self._cached = (time.monotonic(), combined)
        return combined

    async def _fetch(self, client: httpx.AsyncClient, name: str) -> dict[str, Any] | None:
        for url in self.upstreams[name]:  # replicas serve the same document: the first that can
            try:
                response = await client.get(url + "/openapi.json", timeout=self.timeout_s)
                if response.status_code == 200:
                    return response.json()
            except (httpx.HTTPError, ValueError):
                continue
        return None
