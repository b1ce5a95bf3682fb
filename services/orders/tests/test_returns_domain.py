"""LOY-4 and LOY-3 money as plain rules: the refund of partial and full returns at the order's
own discounts and rounding, cumulatively; the total once loyalty's hold applies."""

import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from orders_service.domain import returns, totals
from orders_service.domain.returns import Line, OrderFigures, ReturnError

A, B = uuid.uuid4(), uuid.uuid4()


def _after(lines, asked):
    return [
        Line(x.line_id, x.quantity, x.line_total, x.returned + asked.get(x.line_id, 0))
        for x in lines
    ]


def test_total_with_voucher_and_points_never_below_zero():
    money = totals.compute([totals.LineIn(100_000, 2)], totals.Discount("amount", 10_000), 30_000)
    assert totals.goods_total(money) == 190_000
    assert totals.with_loyalty(money, 20_000, 50_000) == 190_000 - 20_000 - 50_000 + 30_000
    assert totals.with_loyalty(money, 0, 0) == money.total
    assert totals.with_loyalty(money, 190_000, 100_000) == 0
    with pytest.raises(totals.TotalsError):
        totals.with_loyalty(money, -1, 0)


def test_a_partial_return_refunds_its_share_after_discounts_and_points():
    # Two lines: 3 × 10,000 and 1 × 70,001; subtotal 100,001; order discount 10,000; voucher
    # 5,000; points worth 8,000. Goods value 85,001; paid for goods 77,001.
    figures = OrderFigures(100_001, 10_000, 5_000, 8_000)
    lines = [Line(A, 3, 30_000), Line(B, 1, 70_001)]
    outcome = returns.compute(figures, lines, {A: 1})
    # share 10,000 of 100,001: value round(85,001 × 10,000 / 100,001) = 8,500 (8,500.01…)
    assert outcome.after.returned_goods == 10_000
    assert outcome.after.returned_value == 8_500
    # refunded round(77,001 × 10,000 / 100,001) = 7,700 (7,700.02…)
    assert outcome.refund_amount == 7_700
    assert outcome.line_refunds == {A: 7_700}
    assert not outcome.fully_returned


def test_full_return_after_partials_refunds_exactly_what_was_paid_for_goods():
    figures = OrderFigures(100_001, 10_000, 5_000, 8_000)
    lines = [Line(A, 3, 30_000), Line(B, 1, 70_001)]
    refunds = []
    for asked in ({A: 1}, {A: 1, B: 1}, {A: 1}):
        outcome = returns.compute(figures, lines, asked)
        refunds.append(outcome.refund_amount)
        assert sum(outcome.line_refunds.values()) == outcome.refund_amount
        lines = _after(lines, asked)
    assert outcome.fully_returned
    assert outcome.after.returned_value == figures.goods_value == 85_001
    assert sum(refunds) == figures.paid_for_goods == 77_001


def test_line_shares_round_half_up_and_reach_the_line_total():
    assert returns.line_share(10, 4, 1) == 3  # 2.5 → 3
    assert returns.line_share(10, 4, 2) == 5
    assert returns.line_share(10, 4, 3) == 8  # 7.5 → 8
    assert returns.line_share(10, 4, 4) == 10


def test_points_worth_more_than_the_goods_refund_nothing():
    figures = OrderFigures(50_000, 0, 0, 60_000)  # points also paid part of the shipping
    outcome = returns.compute(figures, [Line(A, 2, 50_000)], {A: 2})
    assert outcome.refund_amount == 0 and outcome.after.returned_value == 50_000


def test_refusals_name_the_field():
    lines = [Line(A, 3, 30_000, returned=2), Line(B, 1, 70_001)]
    cases = [
        ([], "lines"),
        ([(uuid.uuid4(), 1)], "lines.0.line_id"),
        ([(B, 1), (B, 1)], "lines.1.line_id"),
        ([(A, 2)], "lines.0.quantity"),  # only 1 left
        ([(B, 0)], "lines.0.quantity"),
    ]
    for asked, field in cases:
        with pytest.raises(ReturnError) as error:
            returns.check_request(lines, asked)
        assert error.value.field == field
    returns.check_request(lines, [(A, 1), (B, 1)])


@given(
    st.lists(st.tuples(st.integers(1, 20), st.integers(0, 10**9)), min_size=1, max_size=5),
    st.integers(0, 100),
    st.integers(0, 100),
    st.integers(0, 100),
    st.randoms(use_true_random=False),
)
def test_any_sequence_of_returns_adds_up_exactly(raw, off_pct, voucher_pct, points_pct, rnd):
    lines = [Line(uuid.uuid4(), q, t) for q, t in raw]
    subtotal = sum(x.line_total for x in lines)
    off = subtotal * off_pct // 200
    voucher = (subtotal - off) * voucher_pct // 200
    points = (subtotal - off - voucher) * points_pct // 100
    figures = OrderFigures(subtotal, off, voucher, points)
    refunds, last = [], None
    while any(x.returned < x.quantity for x in lines):
        asked = {
            x.line_id: rnd.randint(1, x.quantity - x.returned)
            for x in lines
            if x.returned < x.quantity and rnd.random() < 0.6
        }
        if not asked:
            continue
        last = returns.compute(figures, lines, asked)
        assert last.refund_amount >= 0
        assert last.after.returned_value >= last.before.returned_value
        assert sum(last.line_refunds.values()) == last.refund_amount
        assert all(v >= 0 for v in last.line_refunds.values())
        refunds.append(last.refund_amount)
        lines = _after(lines, asked)
    assert last.fully_returned
    assert last.after.returned_value == figures.goods_value
    assert sum(refunds) == figures.paid_for_goods
