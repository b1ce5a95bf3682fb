"""The commission rules without a database: the split, the per-line floor, cumulative returns,
the decisions' transitions and referral codes."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from loyalty_service.domain import commissions as c


def test_split_is_proportional_and_the_last_line_takes_the_remainder():
    assert c.split(1000, [1, 1, 1]) == [333, 333, 334]
    assert c.split(900, [600, 300]) == [600, 300]
    assert c.split(0, [5, 5]) == [0, 0]
    assert c.split(100, [0, 0]) == [0, 0]
    assert c.split(100, []) == []


@given(
    goods=st.integers(min_value=0, max_value=10**12),
    totals=st.lists(st.integers(min_value=0, max_value=10**10), min_size=1, max_size=20),
)
def test_shares_add_up_exactly(goods, totals):
    shares = c.split(goods, totals)
    assert len(shares) == len(totals)
    assert all(s >= 0 for s in shares)
    assert sum(shares) == (goods if sum(totals) > 0 else 0)


def test_commission_floors_each_line_at_its_rate():
    # goods 1,000,000 over two equal lines: 500,000 at 5% and 500,000 at 3.33%
    assert c.commission(1_000_000, [(600_000, 500), (600_000, 333)]) == 25_000 + 16_650
    # floors per line: 3 đồng at 50% each is 1 + 2 (remainder line 4 × 0.5)
    assert c.commission(7, [(1, 5000), (1, 5000)]) == 1 + 2
    assert c.commission(1000, [(1, 0)]) == 0
    assert c.commission(0, [(1, 10000)]) == 0


def test_eligible_goods_takes_off_discounts_voucher_and_points():
    assert c.eligible_goods(1_000_000, 50_000, 100_000, 20_000) == 830_000
    assert c.eligible_goods(100, 50, 60, 0) == 0


def test_returns_reverse_cumulatively_and_a_full_return_everything():
    assert c.after_return(1000, 0, 3000) == 1000
    assert c.after_return(1000, 1000, 3000) == 667
    assert c.after_return(1000, 2000, 3000) == 334
    assert c.after_return(1000, 3000, 3000) == 0
    assert c.after_return(1000, 5000, 3000) == 0
    assert c.after_return(1000, 10, 0) == 0


@given(
    original=st.integers(min_value=0, max_value=10**9),
    goods=st.integers(min_value=1, max_value=10**10),
    data=st.data(),
)
def test_remaining_never_grows_and_stays_within_bounds(original, goods, data):
    a = data.draw(st.integers(min_value=0, max_value=goods))
    b = data.draw(st.integers(min_value=a, max_value=goods))
    first, second = c.after_return(original, a, goods), c.after_return(original, b, goods)
    assert 0 <= second <= first <= original


def test_decisions():
    assert c.next_status("applied", "approve") == "approved"
    assert c.next_status("applied", "reject") == "rejected"
    assert c.next_status("approved", "suspend") == "suspended"
    assert c.next_status("suspended", "approve") == "approved"
    assert c.next_status("rejected", "approve") is None
    assert c.next_status("approved", "reject") is None
    assert c.next_status("applied", "suspend") is None


def test_codes_are_letters_and_digits():
    codes = {c.new_code() for _ in range(200)}
    assert len(codes) == 200
    for code in codes:
        assert code.startswith("CTV") and len(code) == 9 and c.CODE.match(code)
