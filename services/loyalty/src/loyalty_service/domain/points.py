"""The points program's rules (LOY-1, LOY-2, LOY-4) as plain arithmetic on integers.

Defaults (no settings saved yet): the program is on, 1 point per 10,000 đồng spent, a point is
worth 100 đồng when redeemed (1 % back), no purchase minimum, nothing to keep, earning on the
total after VAT without shipping, points available at once and never expiring, no caps.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta
from typing import Literal

BASIS = 10_000  # basis points in one whole

EarnBase = Literal["after_vat", "before_vat"]


@dataclass(frozen=True)
class ProgramRules:
    enabled: bool = True
    dong_per_point: int = 10_000
    point_value: int = 100
    min_purchases: int = 0
    min_balance_to_keep: int = 0
    earn_base_vat: EarnBase = "after_vat"
    vat_rate_bp: int = 1_000
    earn_include_shipping: bool = False
    maturation_days: int = 0
    expiry_days: int | None = None
    max_points_per_order: int | None = None
    max_percent_per_order: int | None = None

    def as_dict(self) -> dict:
        return asdict(self)

    def changed(self, **values) -> ProgramRules:
        return replace(self, **values)


def rule_errors(rules: ProgramRules) -> list[tuple[str, str]]:
    """What is wrong with a set of settings, as (field, message); empty when they hold."""
    errors: list[tuple[str, str]] = []
    if rules.dong_per_point <= 0:
        errors.append(("dong_per_point", "must be more than 0 đồng"))
    if rules.point_value <= 0:
        errors.append(("point_value", "must be more than 0 đồng"))
    for name in ("min_purchases", "min_balance_to_keep", "vat_rate_bp", "maturation_days"):
        if getattr(rules, name) < 0:
            errors.append((name, "must not be negative"))
    if rules.earn_base_vat not in ("after_vat", "before_vat"):
        errors.append(("earn_base_vat", "must be after_vat or before_vat"))
    if rules.expiry_days is not None and rules.expiry_days <= 0:
        errors.append(("expiry_days", "must be more than 0 days, or null for never"))
    if rules.max_points_per_order is not None and rules.max_points_per_order <= 0:
        errors.append(("max_points_per_order", "must be more than 0, or null for no cap"))
    if rules.max_percent_per_order is not None and not 0 < rules.max_percent_per_order <= BASIS:
        errors.append(("max_percent_per_order", "basis points between 1 and 10000, or null"))
    return errors


def before_vat(amount: int, vat_rate_bp: int) -> int:
    """The part of a VAT-inclusive amount before VAT, rounded down."""
    return amount * BASIS // (BASIS + vat_rate_bp)


def eligible_amount(rules: ProgramRules, total: int, shipping_fee: int) -> int:
    """What an order earns on: its total (voucher and points already taken off), without the
    shipping unless the program includes it, before VAT if so set; never negative."""
    base = total if rules.earn_include_shipping else total - shipping_fee
    base = max(base, 0)
    if rules.earn_base_vat == "before_vat":
        base = before_vat(base, rules.vat_rate_bp)
    return base


def points_for(rules: ProgramRules, eligible: int, multiplier_pct: int = 100) -> int:
    """floor(floor(eligible / đồng per point) × multiplier / 100); 0 when the program is off."""
    if not rules.enabled or eligible <= 0:
        return 0
    return (eligible // rules.dong_per_point) * multiplier_pct // 100


def share(amount: int, returned_value: int, goods_value: int) -> int:
    """A return's cumulative share of ``amount``, rounded down: floor(amount × returned /
    goods), so a full return gives exactly all of it (never more, never below 0)."""
    if amount <= 0:
        return 0
    if goods_value <= 0:
        return amount if returned_value > 0 else 0
    returned = min(max(returned_value, 0), goods_value)
    return amount * returned // goods_value


def matures_at(rules: ProgramRules, now: datetime) -> datetime | None:
    return now + timedelta(days=rules.maturation_days) if rules.maturation_days > 0 else None


def expires_at(rules: ProgramRules, available_from: datetime) -> datetime | None:
    """A batch's expiry, counted from when its points become spendable."""
    if rules.expiry_days is None:
        return None
    return available_from + timedelta(days=rules.expiry_days)
