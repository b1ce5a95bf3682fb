"""What identity's routes need besides the unit of work: settings, hasher and keys.

They are made at start (the keys come from the database) and kept in ``Runtime.extras``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Request

from identity_service.keys import KeyRing
from identity_service.settings import IdentitySettings
from suite_shared.credentials.lockout import LockoutPolicy
from suite_shared.credentials.passwords import Passwords, WeakPassword, check_policy
from suite_shared.errors import invalid

EXTRAS_KEY = "identity"


@dataclass(frozen=True)
class IdentityContext:
    settings: IdentitySettings
    passwords: Passwords
    keys: KeyRing

    @property
    def lockout(self) -> LockoutPolicy:
        return LockoutPolicy(
            self.settings.login_max_failures, timedelta(seconds=self.settings.login_lockout_s)
        )

    def check_password(self, field: str, password: str, *logins: str | None) -> None:
        """422 naming ``field`` when the password breaks the policy."""
        try:
            check_policy(password, min_length=self.settings.password_min_length, logins=logins)
        except WeakPassword as error:
            raise invalid(field, f"Password {error}", slug="weak-password") from None


def make_passwords(settings: IdentitySettings) -> Passwords:
    return Passwords(
        time_cost=settings.argon2_time_cost,
        memory_cost_kib=settings.argon2_memory_cost_kib,
        parallelism=settings.argon2_parallelism,
    )


def get_context(request: Request) -> IdentityContext:
    return request.app.state.runtime.extras[EXTRAS_KEY]


Context = Annotated[IdentityContext, Depends(get_context)]
