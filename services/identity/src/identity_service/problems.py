"""identity's problem types, and database constraint violations turned into 409s.

Routes check for duplicates first to give a friendly answer; the unique indexes still decide
when two requests race, and :func:`raise_for_integrity` makes that loser a 409, not a 500.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError

from suite_shared.errors import Problem, conflict

# constraint name -> (slug, field, message)
CONSTRAINTS = {
    "uq_users_email_lower": ("duplicate-email", "email", "Another user has this e-mail"),
    "uq_users_phone": ("duplicate-phone", "phone", "Another user has this phone number"),
    "uq_roles_name": ("duplicate-role", "name", "A role with this name exists"),
    "uq_departments_name_lower": (
        "duplicate-department",
        "name",
        "A department with this name exists",
    ),
    "fk_users_role_roles": ("role-in-use", "role", "The role is in use"),
}


def constraint_name(error: IntegrityError) -> str | None:
    # asyncpg's exception (with constraint_name) is the cause of the DBAPI adapter's error.
    cause = getattr(error.orig, "__cause__", None)
    return getattr(cause, "constraint_name", None)


def raise_for_integrity(error: IntegrityError) -> None:
    known = CONSTRAINTS.get(constraint_name(error) or "")
    if known is None:
        raise conflict("constraint-violation", "The change conflicts with existing data") from error
    slug, field, message = known
    raise conflict(slug, message, field=field) from error


def duplicate(field: str, what: str) -> Problem:
    return conflict(f"duplicate-{field}", f"Another {what} has this {field}", field=field)


def invalid_credentials() -> Problem:
    # One answer for unknown login and wrong password: no way to probe who has an account.
    return Problem(401, "invalid-credentials", "Login failed", "Wrong login or password")


def account_locked(until: datetime, now: datetime) -> Problem:
    retry = max(1, int((until - now).total_seconds()))
    return Problem(
        423,
        "account-locked",
        "Account locked",
        "Too many wrong passwords; try again later or ask an administrator",
        locked_until=until.isoformat(),
        retry_after_s=retry,
    )


def account_inactive() -> Problem:
    return Problem(
        403,
        "account-inactive",
        "Account deactivated",
        "This account is deactivated; ask an administrator",
    )


def invalid_refresh_token(detail: str = "The refresh token is invalid or expired") -> Problem:
    return Problem(401, "invalid-refresh-token", "Session ended", detail)


def refresh_token_reused() -> Problem:
    return Problem(
        401,
        "refresh-token-reused",
        "Session ended",
        "This refresh token was already used; the session has been revoked",
    )
