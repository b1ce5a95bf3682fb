"""The API contract says what the API does: problem answers, security and 405s, for every service.

:func:`install_api_contract` is called once by ``create_service_app``. It does two things:

* **The OpenAPI document** is post-processed from the routes themselves (nothing per service):
  every error a route can answer is documented as ``application/problem+json`` with the real
  :data:`PROBLEM_SCHEMA` (what ``suite_shared.errors`` sends; FastAPI's own ``{detail: [...]}``
  in ``application/json`` is never sent, so it is dropped), with 400/401/403/404/409/415/422/
  429/503 where they can occur; an operation that does not depend on the caller's token
  (``current_principal``) is declared public (``security: []``), every other one needs the
  bearer token; the permissions an operation's ``require(...)`` asks for are listed under
  ``x-required-permissions`` (the access-matrix gate reads them), and an operation only one
  kind of caller may use (staff or customers of the portal) says which in ``x-caller-kind``.
* **Method routing**: a request is matched against every route whose path matches, and a
  literal segment wins over a path parameter (``/users/me`` is never parsed as a user id,
  whatever the method); when no route for that path takes the method, the answer is a 405
  whose ``Allow`` lists every method the path takes (Starlette listed only the first matching
  route's methods, and ``PATCH /users/me`` was a 422 from the ``{user_id}`` route).
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, iter_route_contexts
from starlette.exceptions import HTTPException
from starlette.routing import get_route_path
from starlette.types import Receive, Scope, Send

from suite_shared.auth import current_principal, customer_principal, staff_principal
from suite_shared.errors import PROBLEM_JSON

PROBLEM = "Problem"
PROBLEM_REF = {"$ref": f"#/components/schemas/{PROBLEM}"}
PROBLEM_SCHEMA: dict[str, Any] = {
    "title": PROBLEM,
    "description": "An RFC 9457 problem: what went wrong, and which field when a field did.",
    "type": "object",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string", "description": "/problems/<slug>, stable per kind"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "field": {"type": "string", "description": "the first failing field"},
        "instance": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
    # Some problems carry more (existing, current_version...).
    "additionalProperties": True,
}
BEARER = {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}
RETRY_AFTER = {"Retry-After": {"description": "seconds to wait", "schema": {"type": "string"}}}

DESCRIPTIONS = {
    400: "The request could not be read (a body that is not UTF-8 JSON, a request line too long)",
    401: "A valid access token is required",
    403: "The caller may not do this",
    404: "Not found, or not visible to the caller",
    409: "Conflicts with the current state (duplicate, version, state)",
    415: "The body's media type is not accepted",
    422: "Invalid input: the failing fields are in `errors`",
    423: "Locked",
    429: "Too many requests",
    503: "A dependency (database, broker, another service) is unavailable; retry later",
}
WRITES = frozenset({"post", "put", "patch", "delete"})
SENDS_BODY = frozenset({"post", "put", "patch"})
FASTAPI_VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError")


def install_api_contract(app: FastAPI) -> None:
    _install_openapi(app)
    _install_method_routing(app)


# ---- the document --------------------------------------------------------------------------
def _dependants(dependant: Dependant) -> Iterator[Dependant]:
    yield dependant
    for sub in dependant.dependencies:
        yield from _dependants(sub)


def _needs_token(route) -> bool:
    return any(d.call is current_principal for d in _dependants(route.dependant))


def _caller_kind(route) -> str | None:
    """ "staff" or "customer" when the route takes only that kind of caller (a
    ``staff_principal`` / ``customer_principal`` dependency, or ``require``, which is staff's)."""
    for dependant in _dependants(route.dependant):
        if dependant.call is customer_principal:
            return "customer"
        if dependant.call is staff_principal:
            return "staff"
    return None


def _required_permissions(route) -> list[str]:
    """The permissions of ``suite_shared.auth.require(permission)`` dependencies."""
    found = []
    for dependant in _dependants(route.dependant):
        call = dependant.call
        if getattr(call, "__qualname__", "").startswith("require.<locals>"):
            permission = inspect.getclosurevars(call).nonlocals.get("permission")
            if isinstance(permission, str):
                found.append(permission)
    return sorted(set(found))


def _problem_response(status: int, existing: dict | None) -> dict:
    response = dict(existing or {})
    if response.get("description") in (None, "", "Validation Error"):
        response["description"] = DESCRIPTIONS.get(status, "Error")
    # Only problem+json is ever sent for an error: FastAPI's application/json `detail` goes.
    response["content"] = {PROBLEM_JSON: {"schema": PROBLEM_REF}}
    if status in (429, 503):
        response["headers"] = {**RETRY_AFTER, **response.get("headers", {})}
    return response


def _has_uuid(schema: Any) -> bool:
    if isinstance(schema, dict):
        return schema.get("format") == "uuid" or any(_has_uuid(v) for v in schema.values())
    if isinstance(schema, list):
        return any(_has_uuid(item) for item in schema)
    return False


def _query_names_a_record(operation: dict) -> bool:
    return any(
        p.get("in") == "query" and _has_uuid(p.get("schema"))
        for p in operation.get("parameters", [])
    )


def document_operation(operation: dict, route, method: str) -> None:
    secured = _needs_token(route)
    dependant = route.dependant
    statuses: set[int] = {400, 429, 503}  # 400: any request the server cannot read
    body = operation.get("requestBody", {}).get("content", {})
    sends = bool(body) or method in SENDS_BODY  # some routes read the raw body (uploads)
    if sends or dependant.path_params or dependant.query_params or dependant.header_params:
        statuses.add(422)
    if sends:
        statuses.add(415)  # a media type the route does not take
    if secured:
        statuses |= {401, 403}
    if dependant.path_params or sends or _query_names_a_record(operation):
        statuses.add(404)  # the record in the path, or one the body or the query names
    if method in WRITES:
        statuses.add(409)
    responses = operation.setdefault("responses", {})
    for code in list(responses):
        if code.isdigit() and int(code) >= 400:
            statuses.add(int(code))
    for status in statuses:
        responses[str(status)] = _problem_response(status, responses.get(str(status)))
    operation["responses"] = dict(sorted(responses.items()))
    operation["security"] = [{"bearer": []}] if secured else []
    permissions = _required_permissions(route)
    if permissions:
        operation["x-required-permissions"] = permissions
    kind = _caller_kind(route)
    if kind is not None:
        # Who may call it at all; the other kind is refused 403 (the access matrix reads it).
        operation["x-caller-kind"] = kind


def _refers_to(node: Any, names: tuple[str, ...]) -> bool:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.rsplit("/", 1)[-1] in names:
            return True
        return any(_refers_to(value, names) for value in node.values())
    if isinstance(node, list):
        return any(_refers_to(item, names) for item in node)
    return False


def document(schema: dict, routes: list) -> dict:
    """Rewrite a FastAPI-generated OpenAPI ``schema`` of ``routes`` in place (and return it)."""
    for route in iter_route_contexts(routes):
        if not isinstance(route.original_route, APIRoute) or not route.include_in_schema:
            continue
        operations = schema.get("paths", {}).get(route.path_format, {})
        for method in route.methods:
            operation = operations.get(method.lower())
            if operation is not None:
                document_operation(operation, route, method.lower())
    components = schema.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas[PROBLEM] = PROBLEM_SCHEMA
    if not _refers_to(schema.get("paths", {}), FASTAPI_VALIDATION_SCHEMAS):
        for name in FASTAPI_VALIDATION_SCHEMAS:
            schemas.pop(name, None)
    components.setdefault("securitySchemes", {}).update(BEARER)
    return schema


def _install_openapi(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                openapi_version=app.openapi_version,
                description=app.description,
                routes=app.routes,
            )
            app.openapi_schema = document(schema, app.routes)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


# ---- method routing ------------------------------------------------------------------------
def _route_table(routes: list) -> list[tuple[Any, frozenset[str], int]]:
    """(path regex, methods, number of path parameters) of every route, included ones too."""
    table = []
    for context in iter_route_contexts(routes):
        regex = getattr(context, "path_regex", None)
        if regex is None:
            continue
        methods = frozenset(getattr(context, "methods", None) or ())
        table.append((regex, methods, len(getattr(context, "param_convertors", None) or {})))
    return table


def allowed_methods(table: list[tuple[Any, frozenset[str], int]], path: str) -> set[str] | None:
    """The methods ``path`` takes, from its most literal routes (fewest parameters); None when
    no route has the path."""
    matched = [(methods, params) for regex, methods, params in table if regex.match(path)]
    if not matched:
        return None
    fewest = min(params for _, params in matched)
    return {method for methods, params in matched if params == fewest for method in methods}


def _install_method_routing(app: FastAPI) -> None:
    router = app.router
    standard = router.middleware_stack
    table: list[tuple[Any, frozenset[str], int]] = []

    async def dispatch(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            if not table:  # routes are all in once the app serves
                table.extend(_route_table(router.routes))
            allowed = allowed_methods(table, get_route_path(scope))
            if allowed is not None and scope["method"] not in allowed:
                allow = ", ".join(sorted(allowed))
                raise HTTPException(405, "Method Not Allowed", headers={"Allow": allow})
        await standard(scope, receive, send)

    router.middleware_stack = dispatch
