"""The portal's problem types for logins and accounts."""

from __future__ import annotations

from datetime import datetime

from suite_shared.errors import Problem


def invalid_credentials() -> Problem:
    # One answer for unknown login and wrong password: no way to probe who has an account.
    return Problem(401, "invalid-credentials", "Login failed", "Wrong login or password")


def account_locked(until: datetime, now: datetime) -> Problem:
    return Problem(
        423,
        "account-locked",
        "Account locked",
        "Too many wrong passwords; try again later or call the hotline",
        locked_until=until.isoformat(),
        retry_after_s=max(1, int((until - now).total_seconds())),
    )


def account_disabled(status: str) -> Problem:
    what = "locked by the business" if status == "locked" else "closed"
    return Problem(403, f"account-{status}", "Account not usable", f"This portal account is {what}")


def portal_disabled() -> Problem:
    return Problem(403, "portal-disabled", "Portal closed", "The portal is switched off")


def invalid_ticket() -> Problem:
    return Problem(401, "invalid-ticket", "Ticket not valid", "Log in again to set your password")


def invalid_refresh_token(detail: str = "The refresh token is not valid") -> Problem:
    return Problem(401, "invalid-refresh-token", "Session not valid", detail)


def refresh_token_reused() -> Problem:
    return Problem(
        401,
        "refresh-token-reused",
        "Session ended",
        "This refresh token was already used; every session of the login was ended",
    )
