import uuid

import pytest
from pydantic import ValidationError

from rules_engine_service.domain.conditions import Condition, failing
from rules_engine_service.domain.evaluation import RuleView, explain, first_match
from rules_engine_service.domain.round_robin import next_member
from rules_engine_service.domain.values import STAFF, Known, ref, refused, shown
from rules_engine_service.schemas import ConditionIn

A, B, C = (uuid.UUID(int=i) for i in (1, 2, 3))


def test_round_robin_walks_in_order_and_wraps():
    order = [A, B, C]
    assert next_member(order, None) == A
    assert next_member(order, A) == B
    assert next_member(order, C) == A


def test_round_robin_skips_inactive_members():
    assert next_member([A, B, C], A, inactive={B}) == C
    assert next_member([A, B, C], None, inactive={A}) == B
    assert next_member([A, B], A, inactive={A, B}) is None
    assert next_member([], None) is None


def test_round_robin_restarts_when_the_last_member_left():
    assert next_member([B, C], A) == B


def customer(**fields):
    base = {
        "source": "website",
        "groups": ["vip"],
        "social_page": None,
        "created_by": str(A),
        "updated_by": str(A),
    }
    return {**base, **fields}


def test_conditions_are_anded_with_eq_and_ne():
    conditions = [
        Condition("source", "eq", "website"),
        Condition("group", "ne", "retail"),
        Condition("created_by", "eq", str(A)),
    ]
    assert failing(conditions, customer()) == []
    assert failing(conditions, customer(groups=["retail"])) == [conditions[1]]
    assert failing(conditions, customer(source=None)) == [conditions[0]]
    assert Condition("social_page", "ne", "fb").holds(customer())  # empty is "not fb"


def rule(name, priority, trigger="both", active=True, conditions=()):
    return RuleView(
        id=uuid.uuid4(),
        name=name,
        trigger=trigger,
        priority=priority,
        active=active,
        conditions=list(conditions),
        assign_user_id=A,
        assign_department_id=None,
    )


def test_first_matching_rule_in_priority_order_wins_and_others_are_explained():
    website = rule("website", 2, conditions=[Condition("source", "eq", "website")])
    zalo = rule("zalo", 1, conditions=[Condition("source", "eq", "zalo")])
    off = rule("off", 0, active=False)
    updates_only = rule("updates", 0, trigger="updated")
    outcome = first_match([website, zalo, off, updates_only], "created", customer())
    assert outcome.rule is website
    assert outcome.reasons[zalo.id] == "not met: source = zalo"
    assert outcome.reasons[off.id] == "inactive"
    assert "not created" in outcome.reasons[updates_only.id]
    assert first_match([zalo], "created", customer()).rule is None


def test_explain_gives_every_rule_in_order_with_the_first_match_and_what_came_after():
    website = rule("website", 2, conditions=[Condition("source", "eq", "website")])
    anyone = rule("anyone", 3)
    zalo = rule("zalo", 1, conditions=[Condition("source", "eq", "zalo")])
    late = rule("late", 4, conditions=[Condition("source", "eq", "zalo")])
    verdicts = explain([late, anyone, website, zalo], "created", customer())
    assert [(v.rule.name, v.matched) for v in verdicts] == [
        ("zalo", False), ("website", True), ("anyone", False), ("late", False)
    ]  # fmt: skip
    assert verdicts[0].reason == "not met: source = zalo"
    assert verdicts[2].reason == "not tried: 'website' matched first (would apply)"
    assert verdicts[3].reason == "not tried: 'website' matched first (not met: source = zalo)"
    assert not any(v.matched for v in explain([zalo], "created", customer()))


def test_a_condition_names_a_list_item_or_a_user():
    assert ref(Condition("group", "ne", "vip")) == ("groups", "vip")
    assert ref(Condition("social_page", "eq", "fb")) == ("social_pages", "fb")
    assert ref(Condition("updated_by", "eq", str(A))) == (STAFF, str(A))


def test_a_rule_is_refused_for_each_value_unknown_or_deleted():
    conditions = [
        Condition("source", "eq", "website"),
        Condition("group", "eq", "vipp"),
        Condition("social_page", "ne", "fb"),
        Condition("created_by", "eq", str(B)),
    ]
    known = {
        ("sources", "website"): Known("Website"),
        ("social_pages", "fb"): Known("Facebook", deleted=True),
    }
    found = refused(conditions, known)
    assert [field for field, _ in found] == [
        "conditions.1.value", "conditions.2.value", "conditions.3.value"
    ]  # fmt: skip
    assert found[0][1] == (
        "The rules engine does not know the customer group 'vipp'. If it was only just added to "
        "the settings lists, it may not have reached the rules engine yet: try again in a moment."
    )
    assert found[1][1] == "The social page 'fb' (Facebook) was deleted from the settings lists."
    assert found[2][1].startswith(f"The rules engine does not know the user '{B}'. If it was")
    assert refused(conditions[:1], known) == []


def test_shown_gives_the_name_and_flags_what_can_no_longer_match():
    assert shown(Known("Website")) == {"value_name": "Website", "value_missing": False}
    assert shown(Known("VIP", deleted=True)) == {"value_name": "VIP", "value_missing": True}
    assert shown(None) == {"value_name": None, "value_missing": True}


def test_a_user_condition_takes_a_user_id_in_the_spelling_events_carry():
    spelled = ConditionIn(field="created_by", op="eq", value=f" {str(A).upper()} ")
    assert spelled.value == str(A)
    assert ConditionIn(field="source", op="eq", value="Website").value == "Website"
    with pytest.raises(ValidationError, match="take a user id"):
        ConditionIn(field="updated_by", op="eq", value="alice")
