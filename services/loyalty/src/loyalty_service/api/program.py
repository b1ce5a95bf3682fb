"""The points program's settings (LOY-1): any staff reads them, ``loyalty.configure`` changes
them, naming the version it read (409 when someone changed them meanwhile)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from loyalty_service.domain.points import ProgramRules, rule_errors
from loyalty_service.models.program import FIELDS, Program, load_rules
from suite_shared.auth import Principal, StaffPrincipal, require
from suite_shared.errors import check_version, conflict, flush_or_problem, invalid_all
from suite_shared.input_types import StrictBool, StrictInt
from suite_shared.service import Session, Uow

router = APIRouter(tags=["program"])

Configurer = Annotated[Principal, require("loyalty.configure")]
MAX = 10**15


class ProgramOut(BaseModel):
    enabled: bool
    dong_per_point: int
    point_value: int
    min_purchases: int
    min_balance_to_keep: int
    earn_base_vat: Literal["after_vat", "before_vat"]
    vat_rate_bp: int
    earn_include_shipping: bool
    maturation_days: int
    expiry_days: int | None
    max_points_per_order: int | None
    max_percent_per_order: int | None
    version: int


class ProgramIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: StrictBool
    dong_per_point: StrictInt = Field(gt=0, le=MAX, description="đồng spent per point earned")
    point_value: StrictInt = Field(gt=0, le=MAX, description="đồng a point is worth redeemed")
    min_purchases: StrictInt = Field(
        ge=0, le=1_000_000, description="completed orders a customer must exceed to redeem"
    )
    min_balance_to_keep: StrictInt = Field(ge=0, le=MAX)
    earn_base_vat: Literal["after_vat", "before_vat"]
    vat_rate_bp: StrictInt = Field(ge=0, le=10_000, description="VAT in basis points")
    earn_include_shipping: StrictBool
    maturation_days: StrictInt = Field(ge=0, le=3650, description="0: points available at once")
    expiry_days: StrictInt | None = Field(gt=0, le=36500, description="null: never expire")
    max_points_per_order: StrictInt | None = Field(gt=0, le=MAX, description="null: no cap")
    max_percent_per_order: StrictInt | None = Field(
        gt=0, le=10_000, description="basis points of the order's due; null: no cap"
    )
    version: StrictInt = Field(ge=0, le=MAX, description="the version read (0 before any save)")


def _out(rules: ProgramRules, version: int) -> ProgramOut:
    return ProgramOut(**rules.as_dict(), version=version)


@router.get("/program", response_model=ProgramOut)
async def get_program(principal: StaffPrincipal, session: Session) -> ProgramOut:
    rules, version, _ = await load_rules(session)
    return _out(rules, version)


@router.put("/program", response_model=ProgramOut)
async def put_program(body: ProgramIn, principal: Configurer, uow: Uow) -> ProgramOut:
    values = body.model_dump(exclude={"version"})
    rules = ProgramRules(**values)
    errors = rule_errors(rules)
    if errors:
        raise invalid_all(errors)
    session = uow.session
    _, version, row = await load_rules(session, lock=True)
    check_version("The points program", version, body.version)
    if row is None:
        row = Program(id=1, version=0)
        session.add(row)
    for name in FIELDS:
        setattr(row, name, values[name])
    row.version = version + 1
    row.updated_by = principal.id
    # Two first saves at once: the second finds the row the first made.
    await flush_or_problem(
        session,
        {
            "loyalty_program_pkey": lambda: conflict(
                "version-conflict", "The points program changed meanwhile", current_version=1
            )
        },
    )
    await uow.commit()
    return _out(rules, version + 1)
