"""The plain rules of RUL-3: picking among an allocation rule's candidates, what the portal's
receiver setting decides, what a rule may be saved with."""

import uuid

from rules_engine_service.domain.allocation import (
    Candidate,
    Pick,
    cursor_position,
    pick,
    why_not_chosen,
)
from rules_engine_service.domain.allocation_rules import (
    KnownDepartment,
    target_problem,
    why_department_refused,
)
from rules_engine_service.domain.receiver import RuleFacts, Setting, by_rule, by_setting

A, B, C, D = (uuid.UUID(int=i) for i in (1, 2, 3, 4))


def people(*ids, inactive=(), load=None):
    load = load or {}
    return [Candidate(i, active=i not in inactive, open_orders=load.get(i, 0)) for i in ids]


def test_round_robin_takes_the_next_active_candidate_in_order_and_wraps():
    abc = people(A, B, C)
    assert pick("round_robin", abc, None) == Pick(
        A, "round-robin: nobody was chosen yet: the first active candidate"
    )
    assert pick("round_robin", abc, A).user_id == B
    assert pick("round_robin", abc, C).user_id == A
    assert pick("round_robin", abc, B).reason == (
        "round-robin: the next active candidate after the last chosen"
    )


def test_round_robin_skips_the_inactive_and_restarts_when_the_last_chosen_left():
    assert pick("round_robin", people(A, B, C, inactive={B}), A).user_id == C
    restarted = pick("round_robin", people(B, C), A)
    assert restarted.user_id == B and "restarts at the first" in restarted.reason


def test_nobody_is_picked_without_an_active_candidate():
    assert pick("round_robin", [], None) == Pick(None, "the rule has no candidates")
    for method in ("round_robin", "least_loaded"):
        assert pick(method, people(A, B, inactive={A, B}), None) == Pick(
            None, "none of the rule's candidates is active"
        )


def test_least_loaded_takes_the_fewest_open_orders_and_the_earliest_on_a_tie():
    loaded = people(A, B, C, load={A: 2, B: 1, C: 1})
    chosen = pick("least_loaded", loaded, C)  # the cursor plays no part
    assert chosen == Pick(
        B,
        "least-loaded: the fewest open portal orders (1) among the active candidates, "
        "the first in order of the 2 tied",
    )
    assert pick("least_loaded", people(A, B, load={A: 1, B: 0}), None).reason == (
        "least-loaded: the fewest open portal orders (0) among the active candidates"
    )
    assert pick("least_loaded", people(A, B, inactive={A}, load={B: 5}), None).user_id == B


def test_each_candidate_passed_over_says_why():
    loaded = people(A, B, C, D, inactive={D}, load={A: 2, B: 1, C: 1})
    notes = [why_not_chosen("least_loaded", c, loaded, B) for c in loaded]
    assert notes == [
        "more open portal orders (2) than the chosen (1)",
        None,
        "as few open portal orders as the chosen, but later in the order",
        "skipped: deactivated",
    ]
    rotation = people(A, B)
    assert [why_not_chosen("round_robin", c, rotation, B) for c in rotation] == [
        "not their turn",
        None,
    ]
    assert why_not_chosen("round_robin", rotation[0], rotation, None) == "nobody can be chosen"


def test_the_cursor_position_in_words():
    abc = people(A, B, C)
    assert cursor_position("round_robin", abc, B) == f"the last chosen was {B}, number 2 of 3"
    assert cursor_position("round_robin", abc, None).startswith("nobody was chosen yet")
    assert cursor_position("round_robin", abc, D) == (
        f"the last chosen ({D}) is no longer a candidate: the rotation restarts"
    )
    assert cursor_position("least_loaded", abc, A) == (
        f"least-loaded does not rotate (the last chosen was {A})"
    )


RULE = RuleFacts(id=A, name="Portal HN", active=True, method="round_robin")


def test_the_setting_names_a_user_or_a_rule_or_nobody():
    assert by_setting(Setting("user", B, None)).receiver_id == B
    assert by_setting(Setting("user", B, None)).method == "user"
    assert by_setting(Setting("rule", None, A)) is None  # the rule decides
    nothing = by_setting(None)
    assert (nothing.receiver_id, nothing.method) == (None, "none")
    assert nothing.reason == "the portal has not said yet who receives its orders"
    assert by_setting(Setting(None, None, None)).reason == "the portal settings name no receiver"


def test_the_rule_decides_unless_it_is_unknown_inactive_or_has_nobody():
    chosen = by_rule(A, RULE, Pick(B, "round-robin: …"))
    assert (chosen.receiver_id, chosen.method, chosen.rule_name) == (B, "round_robin", "Portal HN")
    unknown = by_rule(C, None, None)
    assert (unknown.receiver_id, unknown.method, unknown.rule_id) == (None, "none", C)
    assert unknown.reason == f"the portal's receiver rule {C} does not exist"
    off = by_rule(A, RuleFacts(A, "Portal HN", False, "least_loaded"), Pick(B, "…"))
    assert (off.receiver_id, off.reason) == (
        None,
        "the portal's receiver rule 'Portal HN' is inactive",
    )
    empty = by_rule(A, RULE, Pick(None, "none of the rule's candidates is active"))
    assert (empty.receiver_id, empty.method, empty.rule_id) == (None, "none", A)
    assert empty.reason == "none of the rule's candidates is active"


def test_a_rule_targets_users_or_a_department():
    assert target_problem("users", [A, B], None) is None
    assert target_problem("department", [], C) is None
    assert target_problem("users", [], None)[0] == "user_ids"
    assert target_problem("users", [A], C)[0] == "department_id"
    assert target_problem("users", [A, B, A], None) == (
        "user_ids.2",
        f"the user {A} is listed twice",
    )
    assert target_problem("department", [A], C)[0] == "user_ids"
    assert target_problem("department", [], None)[0] == "department_id"


def test_a_department_must_be_known_and_not_deleted():
    assert why_department_refused(C, KnownDepartment("Kinh doanh", False)) is None
    assert "may not have reached the rules engine yet" in why_department_refused(C, None)
    assert why_department_refused(C, KnownDepartment("Kinh doanh", True)) == (
        f"The department Kinh doanh ({C}) was deleted."
    )
