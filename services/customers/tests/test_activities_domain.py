"""Rules for correcting and removing care-timeline entries (domain.activities)."""

import uuid
from datetime import UTC, datetime

import pytest

from customers_service.domain.activities import (
    BadCorrection,
    as_typed,
    corrected,
    may_change,
    typed_by_a_person,
)
from suite_shared.auth import Principal

AUTHOR, OTHER = uuid.UUID(int=1), uuid.UUID(int=2)
AT = datetime(2026, 11, 1, 2, 0, tzinfo=UTC)


def staff(user: uuid.UUID, *permissions: str) -> Principal:
    return Principal(id=user, kind="staff", name="", permissions=frozenset(permissions))


def test_only_what_staff_typed_in_may_change():
    for kind in ("call", "email", "meeting", "note"):
        assert typed_by_a_person(kind, None)
    assert not typed_by_a_person("order", "order-id")
    assert not typed_by_a_person("message", "campaign:customer")
    assert not typed_by_a_person("note", "something-the-service-wrote")


def test_the_author_or_a_manager_may_change_an_entry():
    assert may_change(staff(AUTHOR), AUTHOR)
    assert may_change(staff(OTHER, "customers.view_all"), AUTHOR)
    assert not may_change(staff(OTHER), AUTHOR)
    assert not may_change(staff(OTHER, "customers.handover"), AUTHOR)
    assert not may_change(staff(OTHER), None)  # nobody is the author of an unsigned entry


def test_the_typed_form_is_rebuilt_per_kind():
    call = as_typed("call", AT, "Chào hàng", None, {"purpose": "Chào hàng", "duration_s": 60})
    assert call == {
        "kind": "call",
        "at": AT,
        "body": None,
        "purpose": "Chào hàng",
        "duration_s": 60,
    }  # a call's subject column is its purpose, not a field of its own
    meeting = as_typed("meeting", AT, "Gặp", "ghi chú", {"place": "Q1"})
    assert meeting["subject"] == "Gặp" and meeting["place"] == "Q1"
    assert "subject" not in as_typed("note", AT, None, "x", {})


def test_a_correction_replaces_only_the_given_fields():
    typed = as_typed("meeting", AT, "Gặp", None, {"place": "Q1", "attendees": ["An"]})
    assert corrected(typed, {"place": None, "kind": "meeting"}) == {**typed, "place": None}
    assert corrected(typed, {"kind": None})["kind"] == "meeting"


def test_a_correction_cannot_change_the_kind_or_clear_the_time():
    typed = as_typed("note", AT, None, "x", {})
    with pytest.raises(BadCorrection) as kind:
        corrected(typed, {"kind": "call"})
    assert kind.value.field == "kind"
    with pytest.raises(BadCorrection) as at:
        corrected(typed, {"at": None})
    assert at.value.field == "at"
