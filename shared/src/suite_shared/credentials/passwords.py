"""Password policy and argon2id hashing.

The policy is deliberately small (length, not only digits, not a login, not a top-list
password): long passphrases beat composition rules, and staff in a distributor's office must
be able to pick something they remember.
"""

from __future__ import annotations

import asyncio

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MAX_LENGTH = 128  # argon2 accepts more; the cap keeps a login request cheap to refuse
COMMON = frozenset(
    {
        "password",
        "password1",
        "12345678",
        "123456789",
        "1234567890",
        "qwertyui",
        "qwerty123",
        "11111111",
        "00000000",
        "abc12345",
        "matkhau123",
        "iloveyou",
        "admin123",
        "88888888",
    }
)


class WeakPassword(ValueError):
    pass


def check_policy(password: str, *, min_length: int, logins: tuple[str | None, ...] = ()) -> None:
    """Raise WeakPassword with a message a person can act on."""
    if len(password) < min_length:
        raise WeakPassword(f"must be at least {min_length} characters")
    if len(password) > MAX_LENGTH:
        raise WeakPassword(f"must be at most {MAX_LENGTH} characters")
    if not password.strip():
        raise WeakPassword("must not be only spaces")
    if password.isdigit():
        raise WeakPassword("must not be only digits")
    if password.lower() in COMMON:
        raise WeakPassword("is too common")
    if any(login and password.lower() == login.lower() for login in logins):
        raise WeakPassword("must not be the e-mail or phone number")


class Passwords:
    """argon2id with configurable cost. Hashing is CPU-bound, so the async helpers run it in a
    thread and the event loop keeps serving other requests meanwhile."""

    def __init__(self, *, time_cost: int, memory_cost_kib: int, parallelism: int):
        self.hasher = PasswordHasher(
            time_cost=time_cost, memory_cost=memory_cost_kib, parallelism=parallelism
        )
        # Verified when the user is unknown, so that answer takes as long as a wrong password.
        self._dummy = self.hasher.hash("not a real password")

    def hash(self, password: str) -> str:
        return self.hasher.hash(password)

    def verify(self, stored_hash: str | None, password: str) -> bool:
        try:
            return self.hasher.verify(stored_hash or self._dummy, password) and bool(stored_hash)
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored_hash: str) -> bool:
        """True when the hash was made with other parameters than the current ones."""
        try:
            return self.hasher.check_needs_rehash(stored_hash)
        except InvalidHashError:
            return True

    async def hash_async(self, password: str) -> str:
        return await asyncio.to_thread(self.hash, password)

    async def verify_async(self, stored_hash: str | None, password: str) -> bool:
        return await asyncio.to_thread(self.verify, stored_hash, password)
