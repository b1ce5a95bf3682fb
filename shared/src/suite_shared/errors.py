"""RFC 9457 problem+json errors, with a stable ``type`` and the failing field.

Routes raise :class:`Problem` (or one of its shorthands); the handlers installed by
:func:`install_error_handlers` turn it, request validation errors and anything unexpected into
``application/problem+json`` responses.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

import asyncpg
import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

log = structlog.get_logger(__name__)

PROBLEM_JSON = "application/problem+json"
TYPE_PREFIX = "/problems/"
# What a client is told to wait before retrying when a dependency is away: PostgreSQL restarts
# in 1-4 s here, and a full pool frees a connection within a request's time.
RETRY_AFTER_S = 2
# SQLSTATE classes and codes that mean "the database cannot serve now", not "this request is
# wrong": connection exceptions, insufficient resources (too many clients, disk full), and the
# server shutting down or starting up.
_UNAVAILABLE_CLASSES = ("08", "53")
_UNAVAILABLE_CODES = {"57P01", "57P02", "57P03", "40001", "40P01"}


class Problem(Exception):
    def __init__(
        self,
        status: int,
        slug: str,
        title: str,
        detail: str | None = None,
        *,
        field: str | None = None,
        **extra: Any,
    ):
        super().__init__(detail or title)
        self.status = status
        self.slug = slug
        self.title = title
        self.detail = detail
        self.field = field
        self.extra = extra

    def body(self, instance: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": TYPE_PREFIX + self.slug,
            "title": self.title,
            "status": self.status,
        }
        if self.detail:
            body["detail"] = self.detail
        if self.field:
            body["field"] = self.field
        if instance:
            body["instance"] = instance
        body.update(self.extra)
        return body


def not_found(what: str, ident: Any = None) -> Problem:
    detail = f"{what} {ident} was not found" if ident is not None else f"{what} was not found"
    return Problem(404, "not-found", "Not found", detail)


def conflict(slug: str, detail: str, **extra: Any) -> Problem:
    return Problem(409, slug, "Conflict", detail, **extra)


def check_version(what: str, current: int, expected: int | None) -> None:
    """Optimistic concurrency for records people edit: a change that names the version it was
    made on is refused once someone else has changed the record since."""
    if expected is not None and expected != current:
        raise conflict(
            "version-conflict",
            f"{what} changed meanwhile (now version {current})",
            current_version=current,
        )


async def flush_or_problem(session, violations: dict[str, Callable[[], Problem]]) -> None:
    """Flush; a unique or foreign-key constraint broken by a request that raced past the checks
    becomes the answer the check would have given (``violations``: constraint name → problem)."""
    try:
        await session.flush()
    except IntegrityError as error:
        # asyncpg's exception (with constraint_name) is the cause of the DBAPI adapter's error.
        name = getattr(getattr(error.orig, "__cause__", None), "constraint_name", None)
        make = violations.get(name or "")
        raise (
            make() if make else conflict("conflict", "The change conflicts with existing data")
        ) from None


def invalid(field: str, detail: str, slug: str = "validation-error") -> Problem:
    return invalid_all([(field, detail)], slug)


def invalid_all(
    errors: list[tuple[str, str]], slug: str = "validation-error", **extra: Any
) -> Problem:
    """422 for one or more (field, message): the first in ``field`` and ``detail``, every one
    in ``errors``, as request validation answers."""
    field, detail = errors[0]
    listed = [{"field": f, "message": message} for f, message in errors]
    return Problem(422, slug, "Invalid input", detail, field=field, errors=listed, **extra)


def service_unavailable(detail: str, slug: str = "service-unavailable") -> Problem:
    """503: a dependency (the database, the broker, another service) is away; retry later."""
    return Problem(503, slug, "Service unavailable", detail, retry_after=RETRY_AFTER_S)


def database_unavailable(error: BaseException) -> bool:
    """Is ``error`` PostgreSQL being unreachable or out of connections (rather than a bug or
    bad input)? Also true for a serialization failure or deadlock, which a retry resolves."""
    if isinstance(error, PoolTimeout) or _lost_connection(error):
        return True  # a full pool; a refused, reset, timed-out or closed connection
    if isinstance(error, DBAPIError):
        if error.connection_invalidated:
            return True
        cause = getattr(error.orig, "__cause__", None) or error.orig
        if _lost_connection(cause):
            return True
        code = getattr(cause, "sqlstate", None) or ""
        return code[:2] in _UNAVAILABLE_CLASSES or code in _UNAVAILABLE_CODES
    return False


def _lost_connection(error: BaseException | None) -> bool:
    """The network to PostgreSQL, not a bug: refused, reset or timed-out connections, a name
    that does not resolve, a connection asyncpg found closed. Other OSErrors (a full disk, a
    missing file) and asyncpg's misuse errors (too many arguments) are bugs: 500."""
    if isinstance(error, ConnectionError | TimeoutError | socket.gaierror):
        return True
    return isinstance(error, asyncpg.InterfaceError) and "closed" in str(error)


def forbidden(detail: str = "You do not have permission to do this") -> Problem:
    return Problem(403, "forbidden", "Forbidden", detail)


def unauthorized(detail: str = "A valid access token is required") -> Problem:
    return Problem(401, "unauthorized", "Unauthorized", detail)


def problem_response(problem: Problem, request: Request | None = None, headers=None):
    instance = request.url.path if request is not None else None
    if problem.status == 503 and "retry_after" in problem.extra:
        headers = {"Retry-After": str(problem.extra["retry_after"]), **(headers or {})}
    return JSONResponse(
        problem.body(instance),
        status_code=problem.status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


def _field_name(location: tuple[Any, ...]) -> str:
    # ("body", "email") → "email": the request body is implied. Only the leading "body" goes;
    # a field may itself be called body. Query and path parameters keep their prefix.
    parts = [str(p) for p in location]
    if parts[:1] == ["body"]:
        parts = parts[1:]
    return ".".join(parts) or "body"


async def _on_problem(request: Request, exc: Problem):
    return problem_response(exc, request)


async def _on_validation(request: Request, exc: RequestValidationError):
    errors = [{"field": _field_name(e["loc"]), "message": e["msg"]} for e in exc.errors()]
    first = errors[0] if errors else {"field": "body", "message": "invalid"}
    problem = Problem(
        422,
        "validation-error",
        "Invalid input",
        f"{first['field']}: {first['message']}",
        field=first["field"],
        errors=errors,
    )
    return problem_response(problem, request)


async def _on_http(request: Request, exc: StarletteHTTPException):
    slug = {401: "unauthorized", 403: "forbidden", 404: "not-found", 405: "method-not-allowed"}
    problem = Problem(
        exc.status_code, slug.get(exc.status_code, "http-error"), str(exc.detail), str(exc.detail)
    )
    return problem_response(problem, request, headers=getattr(exc, "headers", None))


def _is_nul_text(exc: Exception) -> bool:
    # PostgreSQL text cannot hold U+0000, nor jsonb "\u0000"; pydantic lets it through, so the
    # database refuses it. That is bad input (422), not our failure.
    message = str(exc)
    return ("invalid byte sequence" in message and "0x00" in message) or (
        "unsupported Unicode escape sequence" in message
    )


async def _on_database_error(request: Request, exc: DBAPIError):
    if _is_nul_text(exc):
        problem = invalid("body", "text may not contain the NUL character (U+0000)")
        return problem_response(problem, request)
    if database_unavailable(exc):
        return _unavailable_response(request, exc)
    if isinstance(getattr(exc.orig, "__cause__", None), asyncpg.DataError):
        # asyncpg refused to send a value its column type cannot hold (a number past bigint):
        # a bound the input should have had. The client's request, not our failure; logged,
        # so the missing bound gets found and named.
        log.warning("value out of range for the database", path=request.url.path, error=str(exc))
        problem = invalid("body", "a value is out of range", "value-out-of-range")
        return problem_response(problem, request)
    return await _on_unexpected(request, exc)


def _unavailable_response(request: Request, exc: BaseException):
    log.warning("database unavailable", path=request.url.path, error=repr(exc)[:300])
    problem = service_unavailable(
        "The database cannot take this request right now; retry shortly", "database-unavailable"
    )
    return problem_response(problem, request)


async def _on_connection_error(request: Request, exc: Exception):
    # Handled here rather than by the catch-all: Starlette re-raises what reaches that one.
    if database_unavailable(exc):
        return _unavailable_response(request, exc)
    return await _on_unexpected(request, exc)


async def _on_unexpected(request: Request, exc: Exception):
    if database_unavailable(exc):
        return _unavailable_response(request, exc)
    log.exception("unhandled error", path=request.url.path)
    problem = Problem(500, "internal-error", "Internal error", "Something went wrong on our side")
    return problem_response(problem, request)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(Problem, _on_problem)
    app.add_exception_handler(RequestValidationError, _on_validation)
    app.add_exception_handler(StarletteHTTPException, _on_http)
    app.add_exception_handler(DBAPIError, _on_database_error)
    for kind in (
        ConnectionError,
        TimeoutError,
        socket.gaierror,
        PoolTimeout,
        asyncpg.InterfaceError,
    ):
        app.add_exception_handler(kind, _on_connection_error)
    app.add_exception_handler(Exception, _on_unexpected)
