"""Opportunity outcomes and the conversion report's formulas (CUS-11, seed 002).

Seed 002: a lead becomes a contact through the opportunities opened on it, and a customer when
such an opportunity is won. Per salesperson:
  contact rate    = opportunities on leads / leads
  customer rate   = won opportunities / opportunities on leads
  conversion rate = customers / leads
A rate with nothing to divide by is reported as null, not 0 (no leads is not a 0% rate).
"""

from __future__ import annotations

from dataclasses import dataclass

TRANSITIONS = {"open": {"won", "lost"}}


class IllegalOutcome(ValueError):
    pass


def check_outcome(current: str, target: str, lost_reason: str | None) -> None:
    if target not in TRANSITIONS.get(current, set()):
        raise IllegalOutcome(f"an opportunity that is {current} cannot become {target}")
    if target == "lost" and not (lost_reason and lost_reason.strip()):
        raise IllegalOutcome("a lost opportunity needs its reason")


def stage_after(outcome: str | None, stage: str) -> str:
    """The customer's stage once an opportunity opens (outcome None) or is won."""
    if outcome is None and stage == "lead":
        return "contact"
    if outcome == "won":
        return "customer"
    return stage


@dataclass(frozen=True)
class ConversionCounts:
    leads: int
    opportunities_on_leads: int
    won: int
    customers: int

    @staticmethod
    def _ratio(top: int, bottom: int) -> float | None:
        return round(top / bottom, 4) if bottom else None

    @property
    def contact_rate(self) -> float | None:
        return self._ratio(self.opportunities_on_leads, self.leads)

    @property
    def customer_rate(self) -> float | None:
        return self._ratio(self.won, self.opportunities_on_leads)

    @property
    def conversion_rate(self) -> float | None:
        return self._ratio(self.customers, self.leads)
