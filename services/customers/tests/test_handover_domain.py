import uuid
from datetime import UTC, datetime

import pytest

from customers_service.domain.date_presets import preset_range
from customers_service.domain.handover import Assignee, ImpossiblePlan, deal, plan_counts

A, B, C = (uuid.UUID(int=i) for i in (1, 2, 3))


def test_manual_counts_must_add_up():
    assert plan_counts("manual", [Assignee(A, count=2), Assignee(B, count=3)], 5) == [2, 3]
    with pytest.raises(ImpossiblePlan, match="add up to 4 but 5"):
        plan_counts("manual", [Assignee(A, count=1), Assignee(B, count=3)], 5)
    with pytest.raises(ImpossiblePlan):
        plan_counts("manual", [Assignee(A)], 1)


def test_even_split_is_as_equal_as_possible_in_the_given_order():
    assert plan_counts("even", [Assignee(A), Assignee(B), Assignee(C)], 10) == [4, 3, 3]
    assert plan_counts("even", [Assignee(A), Assignee(B)], 20) == [10, 10]


def test_even_split_respects_min_and_max():
    people = [Assignee(A, max=2), Assignee(B, min=5), Assignee(C)]
    assert plan_counts("even", people, 10) == [2, 5, 3]
    with pytest.raises(ImpossiblePlan, match="maximums add up to 5 but 6"):
        plan_counts("even", [Assignee(A, max=2), Assignee(B, max=3)], 6)
    with pytest.raises(ImpossiblePlan, match="minimums add up to 7 but only 6"):
        plan_counts("even", [Assignee(A, min=4), Assignee(B, min=3)], 6)
    with pytest.raises(ImpossiblePlan):
        plan_counts("even", [Assignee(A, min=3, max=2)], 2)


def test_fewest_first_fills_the_least_loaded():
    people = [Assignee(A, load=10), Assignee(B, load=2), Assignee(C, load=5)]
    # B rises to 5, then B and C share until both reach A's 10, then all three share.
    assert plan_counts("fewest_first", people, 3) == [0, 3, 0]
    assert plan_counts("fewest_first", people, 5) == [0, 4, 1]
    assert plan_counts("fewest_first", people, 20) == [3, 10, 7]  # levels 13, 12, 12
    capped = [Assignee(A, load=0, max=1), Assignee(B, load=5)]
    assert plan_counts("fewest_first", capped, 4) == [1, 3]


def test_duplicate_people_and_unknown_method_are_refused():
    with pytest.raises(ImpossiblePlan, match="twice"):
        plan_counts("even", [Assignee(A), Assignee(A)], 2)
    with pytest.raises(ImpossiblePlan) as error:
        plan_counts("lottery", [Assignee(A)], 1)
    assert error.value.field == "method"


def test_deal_gives_consecutive_slices():
    ids = [uuid.UUID(int=100 + i) for i in range(5)]
    assert deal(ids, [Assignee(A), Assignee(B)], [2, 3]) == {A: ids[:2], B: ids[2:]}


def test_presets_are_in_vietnam_time():
    # 2026-03-01 20:00 UTC is already 2 March 03:00 in Vietnam (UTC+7).
    now = datetime(2026, 3, 1, 20, 0, tzinfo=UTC)
    start, end = preset_range("today", now)
    assert (start.isoformat(), end.isoformat()) == (
        "2026-03-02T00:00:00+07:00",
        "2026-03-03T00:00:00+07:00",
    )
    start, end = preset_range("this_week", now)  # 2 March 2026 is a Monday
    assert start.day == 2 and end.day == 9
    start, end = preset_range("last_month", now)
    assert (start.month, start.day, end.month, end.day) == (2, 1, 3, 1)
    start, end = preset_range("this_year", now)
    assert (start.year, end.year) == (2026, 2027)
    start, end = preset_range("this_month", datetime(2026, 12, 15, tzinfo=UTC))
    assert (end.year, end.month) == (2027, 1)
