from datetime import date

import pytest

from customers_service.domain.field_rules import FieldRule, duplicate_keys, missing_required
from customers_service.domain.lifecycle import IllegalStageChange, check_stage_change, converts

ALL_DUPLICATES = [
    FieldRule(f, check_duplicates=True) for f in ("phone", "email", "tax_code", "name", "code")
]


def test_spellings_of_one_value_give_one_key():
    one = {
        "name": "Nguyễn  Văn An",
        "email": "An@Example.com",
        "tax_code": "0100.109.106 001",
        "phone": "+84912345678",
        "code": " kh000001",
    }
    other = {
        "name": "nguyen van an",
        "email": "an@example.com ",
        "tax_code": "0100109106-001",
        "phone": "+84912345678",
        "code": "KH000001",
    }
    assert duplicate_keys(ALL_DUPLICATES, one) == duplicate_keys(ALL_DUPLICATES, other)


def test_empty_values_give_no_key_and_every_phone_counts():
    assert duplicate_keys(ALL_DUPLICATES, {"name": "  ", "email": None, "phone": ""}) == set()
    keys = duplicate_keys(
        ALL_DUPLICATES, {"phone": "+84912345678", "other_phones": ["+84987654321"]}
    )
    assert keys == {("phone", "+84912345678"), ("phone", "+84987654321")}


def test_unchecked_fields_give_no_keys():
    rules = [FieldRule("email", check_duplicates=False, required=True)]
    assert duplicate_keys(rules, {"email": "a@b.vn"}) == set()


def test_required_fields_on_create_and_on_update():
    rules = [
        FieldRule("phone", required=True),
        FieldRule("birthday", required=True),
        FieldRule("groups", required=True),
        FieldRule("email"),
    ]
    assert missing_required(rules, {"phone": " ", "birthday": None, "groups": []}) == [
        "phone",
        "birthday",
        "groups",
    ]
    assert (
        missing_required(
            rules, {"phone": "+84912345678", "birthday": date(1990, 1, 1), "groups": ["vip"]}
        )
        == []
    )
    # An update checks only what it touches: old records stay editable.
    assert missing_required(rules, {"phone": None}, touched=["address"]) == []
    assert missing_required(rules, {"phone": None}, touched=["phone"]) == ["phone"]


def test_stages_only_move_forward():
    check_stage_change("lead", "contact")
    check_stage_change("lead", "customer")  # a walk-in buyer
    check_stage_change("contact", "customer")
    for current, target in [
        ("customer", "contact"),
        ("contact", "lead"),
        ("lead", "lead"),
        ("lead", "vip"),
    ]:
        with pytest.raises(IllegalStageChange):
            check_stage_change(current, target)
    assert converts("contact", "customer") and not converts("lead", "contact")
