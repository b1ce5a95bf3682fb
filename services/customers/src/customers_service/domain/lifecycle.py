"""Lifecycle stage of a customer record (CUS-1, seed 003): lead → contact → customer.

A lead is someone we know of; a contact is a lead we have talked to; a customer is a contact
that agreed to buy. Stages only move forward — going back would erase the conversion date the
conversion report counts on. Skipping a stage is allowed (a walk-in buyer is a customer at once).
"""

from __future__ import annotations

STAGES = ("lead", "contact", "customer")


class IllegalStageChange(ValueError):
    pass


def check_stage_change(current: str, target: str) -> None:
    if target not in STAGES:
        raise IllegalStageChange(f"unknown stage {target!r}; one of {', '.join(STAGES)}")
    if STAGES.index(target) <= STAGES.index(current):
        raise IllegalStageChange(f"a {current} cannot become a {target}: stages only move forward")


def converts(current: str, target: str) -> bool:
    """True when this change makes the record a customer (its conversion date is set)."""
    return target == "customer" and current != "customer"
