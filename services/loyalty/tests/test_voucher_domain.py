"""Voucher rules without a database: the discount, and every refusal."""

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from loyalty_service.domain import vouchers as v

NOW = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)
OPEN = {"valid_from": NOW - timedelta(days=1), "valid_to": NOW + timedelta(days=1)}


def offer(**kw) -> v.Offer:
    return v.Offer(**{"kind": "percent", "value": 1000, **OPEN, **kw})


def refusal(o: v.Offer, goods=100_000, groups=(), usage=v.Usage(), now=NOW):
    r = v.refusal(o, goods_total=goods, customer_groups=list(groups), now=now, usage=usage)
    return r.slug if r else None


def test_percent_is_floored_basis_points():
    assert v.discount(offer(value=1000), 123_457) == 12_345  # 10 % of 123 457, floored
    assert v.discount(offer(value=1), 9_999) == 0
    assert v.discount(offer(value=10_000), 50_000) == 50_000


def test_percent_is_capped_by_max_discount():
    assert v.discount(offer(value=5000, max_discount=20_000), 100_000) == 20_000
    assert v.discount(offer(value=5000, max_discount=80_000), 100_000) == 50_000


def test_amount_never_exceeds_the_goods():
    assert v.discount(offer(kind="amount", value=30_000), 100_000) == 30_000
    assert v.discount(offer(kind="amount", value=30_000), 20_000) == 20_000
    assert v.discount(offer(kind="amount", value=30_000), 0) == 0


@given(
    kind=st.sampled_from(v.KINDS),
    value=st.integers(1, 10_000),
    cap=st.none() | st.integers(0, 10**9),
    goods=st.integers(0, 10**13),
)
def test_discount_is_an_integer_between_zero_and_the_goods(kind, value, cap, goods):
    off = v.discount(offer(kind=kind, value=value, max_discount=cap), goods)
    assert isinstance(off, int)
    assert 0 <= off <= goods
    if cap is not None and kind == "percent":
        assert off <= cap


def test_applies_when_nothing_refuses():
    assert refusal(offer()) is None


def test_inactive():
    assert refusal(offer(active=False)) == v.INACTIVE


def test_not_started_and_expired_window_is_half_open():
    assert refusal(offer(valid_from=NOW + timedelta(seconds=1))) == v.NOT_STARTED
    assert refusal(offer(valid_from=NOW)) is None
    assert refusal(offer(valid_to=NOW)) == v.EXPIRED
    assert refusal(offer(valid_to=NOW + timedelta(seconds=1))) is None


def test_min_order():
    assert refusal(offer(min_order=100_001), goods=100_000) == v.MIN_ORDER
    assert refusal(offer(min_order=100_000), goods=100_000) is None


def test_group_limited_voucher():
    o = offer(customer_groups=("khach-si",))
    assert refusal(o, groups=()) == v.GROUP
    assert refusal(o, groups=("le",)) == v.GROUP
    assert refusal(o, groups=("Khach-Si ",)) is None


def test_used_up_per_code():
    o = offer(total_uses=3)
    assert refusal(o, usage=v.Usage(code_uses=2)) is None
    assert refusal(o, usage=v.Usage(code_uses=3)) == v.USED_UP
    assert refusal(offer(total_uses=None), usage=v.Usage(code_uses=10**6)) is None


def test_customer_limit():
    o = offer(per_customer_uses=1)
    assert refusal(o, usage=v.Usage(customer_uses=0)) is None
    assert refusal(o, usage=v.Usage(customer_uses=1)) == v.CUSTOMER_LIMIT


def test_refusals_are_told_in_order():
    # Inactive first, then the window, the order, the group, the limits.
    o = offer(active=False, min_order=10**9, total_uses=1)
    assert refusal(o, usage=v.Usage(code_uses=1)) == v.INACTIVE
    o = offer(min_order=10**9, customer_groups=("x",), total_uses=1)
    assert refusal(o, usage=v.Usage(code_uses=1)) == v.MIN_ORDER
    o = offer(customer_groups=("x",), total_uses=1)
    assert refusal(o, usage=v.Usage(code_uses=1)) == v.GROUP
    o = offer(total_uses=1, per_customer_uses=1)
    assert refusal(o, usage=v.Usage(code_uses=1, customer_uses=1)) == v.USED_UP


def test_every_refusal_is_a_slug():
    assert all(s.startswith("voucher-") for s in v.REFUSALS)
    assert len(set(v.REFUSALS)) == 8


def test_codes_are_normalised_and_checked():
    assert v.normalize_code("  summer-10 ") == "SUMMER-10"
    assert v.code_problem("SUMMER-10") is None
    assert v.code_problem("AB") is not None
    assert v.code_problem("A" * 41) is not None
    assert v.code_problem("HÈ-10") is not None
    assert v.code_problem("-ABC") is not None
    assert v.code_problem("AB C") is not None


def test_generated_codes_are_random_and_valid():
    codes = {v.generate_code("TET-") for _ in range(2000)}
    assert len(codes) == 2000
    for code in codes:
        assert code.startswith("TET-") and len(code) == 4 + v.RANDOM_LENGTH
        assert v.code_problem(code) is None
        assert not set(code[4:]) & set("01OIL")


def test_offer_problems_name_the_fields():
    def fields(**kw):
        args = {"kind": "percent", "value": 100, "max_discount": None, **OPEN, **kw}
        return [f for f, _ in v.offer_problems(**args)]

    assert fields() == []
    assert fields(value=0) == ["value"]
    assert fields(value=10_001) == ["value"]
    assert fields(kind="amount", value=0) == ["value"]
    assert fields(kind="amount", value=5, max_discount=1) == ["max_discount"]
    assert fields(valid_to=OPEN["valid_from"]) == ["valid_to"]
