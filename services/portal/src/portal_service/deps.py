"""What the portal's routes need besides the unit of work: settings, hasher, signing keys.

Made at start (the keys come from the database) and kept in ``Runtime.extras``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Request

from portal_service.settings import PortalSettings
from suite_shared.credentials.lockout import LockoutPolicy
from suite_shared.credentials.passwords import Passwords, WeakPassword, check_policy
from suite_shared.errors import invalid
from suite_shared.signing_keys import KeyRing

EXTRAS_KEY = "portal"


@dataclass(frozen=True)
class PortalContext:
    settings: PortalSettings
    passwords: Passwords
    keys: KeyRing

    @property
    def lockout(self) -> LockoutPolicy:
        return LockoutPolicy(
            self.settings.login_max_failures, timedelta(seconds=self.settings.login_lockout_s)
        )

    def check_password(self, field: str, password: str, *logins: str | None) -> None:
        """422 naming ``field`` when the password breaks the policy (the staff one)."""
        try:
            check_policy(password, min_length=self.settings.password_min_length, logins=logins)
        except WeakPassword as error:
            raise invalid(field, f"Password {error}", slug="weak-password") from None


def make_passwords(settings: PortalSettings) -> Passwords:
    return Passwords(
        time_cost=settings.argon2_time_cost,
        memory_cost_kib=settings.argon2_memory_cost_kib,
        parallelism=settings.argon2_parallelism,
    )


def get_context(request: Request) -> PortalContext:
    return request.app.state.runtime.extras[EXTRAS_KEY]


Context = Annotated[PortalContext, Depends(get_context)]
