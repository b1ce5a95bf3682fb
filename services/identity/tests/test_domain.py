"""Plain rules, no database: password policy, lock-out, login parsing, permissions, claims."""

from datetime import UTC, datetime, timedelta

import pytest

from identity_service.domain.permissions import (
    ALL_PERMISSIONS,
    BUILTIN_ROLES,
    UnknownPermission,
    clean_permissions,
)
from identity_service.domain.tokens import access_claims, hash_refresh_token, new_refresh_token
from suite_shared.credentials.lockout import (
    LockoutPolicy,
    LoginState,
    after_failure,
    after_success,
    is_locked,
)
from suite_shared.credentials.logins import LoginId, parse_login
from suite_shared.credentials.passwords import Passwords, WeakPassword, check_policy

NOW = datetime(2026, 1, 1, 8, 0, tzinfo=UTC)
POLICY = LockoutPolicy(max_failures=5, duration=timedelta(minutes=15))


@pytest.mark.parametrize(
    "password, message",
    [
        ("short1", "at least 8"),
        ("x" * 129, "at most 128"),
        ("        ", "only spaces"),
        ("0912345678", "only digits"),
        ("Password1", "too common"),
        ("an@example.vn", "e-mail or phone"),
    ],
)
def test_weak_passwords_are_refused_with_a_reason(password, message):
    with pytest.raises(WeakPassword, match=message):
        check_policy(password, min_length=8, logins=("an@example.vn", "+84912345678"))


def test_good_passwords_pass_the_policy():
    for password in ("mật khẩu tốt", "change-me-now", "admin12345", " spaced out "):
        check_policy(password, min_length=8, logins=("an@example.vn", None))


def test_hashing_verifies_and_notices_old_parameters():
    cheap = Passwords(time_cost=1, memory_cost_kib=64, parallelism=1)
    stored = cheap.hash("mật khẩu tốt")
    assert stored.startswith("$argon2id$")
    assert cheap.verify(stored, "mật khẩu tốt")
    assert not cheap.verify(stored, "mật khẩu tồi")
    assert not cheap.verify(None, "anything")  # unknown user: never true
    assert not cheap.verify("not-a-hash", "x")
    assert not cheap.needs_rehash(stored)
    stronger = Passwords(time_cost=2, memory_cost_kib=128, parallelism=1)
    assert stronger.needs_rehash(stored) and stronger.verify(stored, "mật khẩu tốt")


def test_five_consecutive_failures_lock_for_the_duration():
    state = LoginState(0, None)
    for attempt in range(1, 5):
        state = after_failure(state, POLICY, NOW)
        assert state == LoginState(attempt, None) and not is_locked(state, NOW)
    state = after_failure(state, POLICY, NOW)
    assert is_locked(state, NOW)
    assert state.locked_until == NOW + timedelta(minutes=15)
    assert is_locked(state, NOW + timedelta(minutes=14, seconds=59))
    assert not is_locked(state, NOW + timedelta(minutes=15))
    # After the lock, the count starts over: four more mistakes do not lock again.
    later = NOW + timedelta(minutes=16)
    for _ in range(4):
        state = after_failure(state, POLICY, later)
    assert not is_locked(state, later) and state.locked_until is None


def test_success_resets_the_count():
    state = after_failure(after_failure(LoginState(0, None), POLICY, NOW), POLICY, NOW)
    assert state.failed_logins == 2
    assert after_success() == LoginState(0, None)


@pytest.mark.parametrize(
    "typed", ["0912 345 678", "+84912345678", "84912345678", "0912.345.678", " +84 912 345 678 "]
)
def test_vietnamese_phone_numbers_are_one_login(typed):
    assert parse_login(typed) == LoginId("phone", "+84912345678")


def test_email_logins_are_lower_case_and_junk_is_no_login():
    assert parse_login("  An.Nguyen@Example.VN ") == LoginId("email", "an.nguyen@example.vn")
    assert parse_login("not an email@") is None
    assert parse_login("12") is None
    assert parse_login("nobody") is None


def test_permission_catalogue_and_builtin_roles():
    assert {
        "portal.configure",
        "customers.handover",
        "customers.view_all",
        "customers.settings",
        "orders.view_all",
        "orders.settings",
        "rules.manage",
        "loyalty.configure",
        "loyalty.adjust",
        "catalog.manage",
        "sync.manage",
        "staff.manage",
    } == ALL_PERMISSIONS
    assert set(BUILTIN_ROLES["admin"][1]) == ALL_PERMISSIONS
    assert BUILTIN_ROLES["sales"][1] == []
    assert clean_permissions(["staff.manage", "rules.manage", "staff.manage"]) == [
        "rules.manage",
        "staff.manage",
    ]
    with pytest.raises(UnknownPermission, match="root.everything"):
        clean_permissions(["root.everything"])


def test_access_claims_and_refresh_tokens():
    import uuid

    user = uuid.uuid4()
    claims = access_claims(
        user_id=user,
        name="An",
        role="sales",
        permissions=["b", "a"],
        issuer="iss",
        audience="aud",
        now=1000,
        ttl_s=900,
        token_version=3,
    )
    assert claims["sub"] == str(user) and claims["kind"] == "staff" and claims["tv"] == 3
    assert claims["typ"] == "access" and claims["perms"] == ["a", "b"]
    assert claims["exp"] - claims["iat"] == 900
    first, second = new_refresh_token(), new_refresh_token()
    assert first != second and len(first) >= 40
    assert hash_refresh_token(first) == hash_refresh_token(first) != first
