"""ORD-1, ORD-3, ORD-4 as plain rules: money and its rounding, the status machine, waiting."""

from datetime import UTC, date, datetime, timedelta

import pytest

from orders_service.domain import status, totals
from orders_service.domain.waiting import format_waiting, waiting_minutes


def test_totals_with_line_and_order_discounts_round_half_up():
    money = totals.compute(
        [
            totals.LineIn(
                33_333, 3, totals.Discount("percent", 1_250)
            ),  # 99,999 − 12,500 (12,499.875)
            totals.LineIn(10_000, 2, totals.Discount("amount", 5_000)),
            totals.LineIn(7, 1),
        ],
        totals.Discount("percent", 333),  # 3.33% of 102,506 = 3,413.45 → 3,413
        shipping_fee=30_000,
    )
    assert [(m.gross, m.discount, m.total) for m in money.lines] == [
        (99_999, 12_500, 87_499),
        (20_000, 5_000, 15_000),
        (7, 0, 7),
    ]
    assert (money.subtotal, money.order_discount, money.total) == (102_506, 3_413, 129_093)
    assert totals.round_half_up(5, 2) == 3 and totals.round_half_up(4, 3) == 1


@pytest.mark.parametrize(
    ("line", "field"),
    [
        (totals.LineIn(1_000, 1, totals.Discount("amount", 1_001)), "lines.0.discount"),
        (totals.LineIn(1_000, 1, totals.Discount("percent", 10_001)), "lines.0.discount"),
    ],
)
def test_a_discount_never_exceeds_what_it_discounts(line, field):
    with pytest.raises(totals.TotalsError) as error:
        totals.compute([line], totals.Discount(), 0)
    assert error.value.field == field
    with pytest.raises(totals.TotalsError) as error:
        totals.compute([totals.LineIn(1_000, 1)], totals.Discount("amount", 1_001), 0)
    assert error.value.field == "discount"


def test_instalments_must_add_up_in_date_order():
    d = date(2026, 12, 1)
    totals.check_instalments(300, [(d, 100), (d + timedelta(days=30), 200)])
    for plan, field in (
        ([(d, 300)], "payment.instalments"),
        ([(d, 100), (d + timedelta(days=1), 199)], "payment.instalments"),
        ([(d, 100), (d, 200)], "payment.instalments.1.due_date"),
        ([(d, 0), (d + timedelta(days=1), 300)], "payment.instalments.0.amount"),
    ):
        with pytest.raises(totals.TotalsError) as error:
            totals.check_instalments(300, plan)
        assert error.value.field == field


def test_status_machine():
    path = ["pending", "confirmed", "contracted", "delivering", "completed"]
    for current, target in zip(path, path[1:], strict=False):
        status.check_transition(current, target)
    for current in path[:-1]:
        status.check_transition(current, "cancelled")
    for current, target in (
        ("pending", "completed"),
        ("completed", "cancelled"),
        ("cancelled", "pending"),
        ("delivering", "confirmed"),
        ("confirmed", "confirmed"),
    ):
        with pytest.raises(status.IllegalTransition):
            status.check_transition(current, target)


def test_waiting_time_runs_while_open_and_stops_at_completion():
    start = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    assert format_waiting(waiting_minutes(start, None, start + timedelta(minutes=59))) == "59 phút"
    assert format_waiting(waiting_minutes(start, None, start + timedelta(minutes=135))) == (
        "2 giờ 15 phút"
    )
    done = start + timedelta(hours=1)
    assert waiting_minutes(start, done, start + timedelta(days=3)) == 60
    assert waiting_minutes(None, None, start) is None and format_waiting(None) is None
