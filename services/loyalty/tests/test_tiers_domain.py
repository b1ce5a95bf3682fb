"""Tier rules without a database (domain/tiers.py, features.md B6 and C3)."""

import uuid
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from loyalty_service.domain.tiers import (
    TierRule,
    check_program,
    direction,
    months_before,
    pick,
    progress,
    windows,
)


def tier(name: str, threshold: int, window: int | None = None) -> TierRule:
    return TierRule(uuid.uuid4(), name, threshold, 100, window)


BRONZE, SILVER, GOLD = tier("Đồng", 0), tier("Bạc", 5_000_000), tier("Vàng", 20_000_000)
LADDER = [GOLD, BRONZE, SILVER]  # unsorted on purpose


def test_exactly_at_a_threshold_reaches_that_tier():
    assert pick(LADDER, 5_000_000) == SILVER
    assert pick(LADDER, 20_000_000) == GOLD


def test_one_below_a_threshold_stays_in_the_tier_below():
    assert pick(LADDER, 4_999_999) == BRONZE
    assert pick(LADDER, 19_999_999) == SILVER


def test_below_the_lowest_threshold_falls_back_to_the_lowest_tier():
    high_floor = [tier("A", 1_000), tier("B", 2_000)]
    assert pick(high_floor, 0).name == "A"
    assert pick(high_floor, -500).name == "A"  # reversals may take the value below zero


def test_above_the_highest_is_the_highest():
    assert pick(LADDER, 10**15) == GOLD


def test_no_tiers_no_tier():
    assert pick([], 1_000) is None
    assert progress([], None, 1_000).next_tier is None


@given(st.permutations(LADDER), st.integers(min_value=-(10**9), max_value=10**9))
def test_order_of_the_tiers_never_matters(tiers, value):
    assert pick(tiers, value) == pick(sorted(LADDER, key=lambda t: t.threshold), value)


@given(st.integers(min_value=0, max_value=10**9), st.integers(min_value=0, max_value=10**9))
def test_more_value_never_a_lower_tier(a, b):
    low, high = sorted((a, b))
    assert pick(LADDER, low).threshold <= pick(LADDER, high).threshold


def test_each_tier_counts_its_own_window():
    yearly_gold = tier("Vàng", 20_000_000, window=12)
    ladder = [BRONZE, SILVER, yearly_gold]
    lifetime_rich_recently_quiet = {None: 50_000_000, 12: 1_000_000}
    assert pick(ladder, lifetime_rich_recently_quiet) == SILVER
    assert pick(ladder, {None: 50_000_000, 12: 20_000_000}) == yearly_gold
    assert windows(ladder) == [12, None]


def test_progress_names_the_next_tier_and_what_it_needs():
    step = progress(LADDER, SILVER, 7_000_000)
    assert step.next_tier == GOLD and step.needed == 13_000_000
    assert progress(LADDER, GOLD, 30_000_000).needed is None
    # Already qualifying for the next one (recomputation pending): nothing more needed.
    assert progress(LADDER, BRONZE, 6_000_000).needed == 0


def test_direction():
    assert direction(None, 0) == "up"
    assert direction(0, 5) == "up"
    assert direction(5, 0) == "down"
    assert direction(5, None) == "down"


def test_months_before_clamps_to_the_end_of_the_month():
    assert months_before(datetime(2026, 5, 31, 8, tzinfo=UTC), 3) == datetime(
        2026, 2, 28, 8, tzinfo=UTC
    )
    assert months_before(datetime(2026, 1, 15, tzinfo=UTC), 12) == datetime(2025, 1, 15, tzinfo=UTC)
    assert months_before(datetime(2024, 3, 30, tzinfo=UTC), 1) == datetime(2024, 2, 29, tzinfo=UTC)


def test_the_program_has_one_measure_and_unique_thresholds_and_names():
    assert check_program([("Đồng", "spend", 0), ("Bạc", "spend", 5)]) == []
    assert [f for f, _ in check_program([("Đồng", "spend", 0), ("Bạc", "points", 5)])] == [
        "measure"
    ]
    assert [f for f, _ in check_program([("Đồng", "spend", 5), ("Bạc", "spend", 5)])] == [
        "threshold"
    ]
    assert [f for f, _ in check_program([("Bạc", "spend", 0), (" bạc ", "spend", 5)])] == ["name"]
