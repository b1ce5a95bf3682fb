"""Login lock-out: after N consecutive wrong passwords the account is locked for a while.

Plain functions over (failed count, locked-until, now) so the rule is unit-tested without a
database; the login route applies the result to the user row it holds locked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class LockoutPolicy:
    max_failures: int
    duration: timedelta


@dataclass(frozen=True)
class LoginState:
    failed_logins: int
    locked_until: datetime | None


def is_locked(state: LoginState, now: datetime) -> bool:
    return state.locked_until is not None and state.locked_until > now


def after_failure(state: LoginState, policy: LockoutPolicy, now: datetime) -> LoginState:
    """The state after one more wrong password. Reaching the limit locks the account and
    restarts the count, so after the lock expires the user has the full number of tries."""
    failed = state.failed_logins + 1
    if failed >= policy.max_failures:
        return LoginState(failed_logins=0, locked_until=now + policy.duration)
    # An expired lock is history: it does not count against the user any more.
    locked = state.locked_until if is_locked(state, now) else None
    return LoginState(failed_logins=failed, locked_until=locked)


def after_success() -> LoginState:
    return LoginState(failed_logins=0, locked_until=None)
