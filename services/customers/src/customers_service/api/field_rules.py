"""Duplicate and required-field settings (CUS-4): any staff reads, customers.settings changes."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy.dialects.postgresql import insert

from customers_service import field_rules
from customers_service.domain.field_rules import DUPLICATE_FIELDS, FIELD_LABELS, REQUIRED_FIELDS
from customers_service.models import FieldRuleRow
from customers_service.schemas import FieldRuleOut, FieldRulesUpdate
from suite_shared.auth import Principal, StaffPrincipal, require
from suite_shared.errors import invalid
from suite_shared.events.customers import FieldRulesChanged
from suite_shared.service import Session, Uow

router = APIRouter(prefix="/settings/field-rules", tags=["settings"])
ALL_FIELDS = list(dict.fromkeys([*DUPLICATE_FIELDS, *REQUIRED_FIELDS]))


def _out(rules) -> list[FieldRuleOut]:
    by_field = {r.field: r for r in rules}
    return [
        FieldRuleOut(
            field=f,
            label=FIELD_LABELS[f],
            check_duplicates=bool(by_field.get(f) and by_field[f].check_duplicates),
            required=bool(by_field.get(f) and by_field[f].required),
            can_check_duplicates=f in DUPLICATE_FIELDS,
            can_be_required=f in REQUIRED_FIELDS,
        )
        for f in ALL_FIELDS
    ]


@router.get("", response_model=list[FieldRuleOut])
async def list_field_rules(_: StaffPrincipal, session: Session):
    return _out(await field_rules.load_rules(session))


@router.put("", response_model=list[FieldRuleOut])
async def set_field_rules(
    body: FieldRulesUpdate, uow: Uow, principal: Principal = require("customers.settings")
):
    """Replace the rules of the fields given; fields not given keep theirs. Turning a duplicate
    check on indexes existing customers first and is refused if they already clash."""
    for index, rule in enumerate(body.rules):
        if rule.field not in ALL_FIELDS:
            raise invalid(f"rules.{index}.field", f"unknown field {rule.field!r}")
        if rule.check_duplicates and rule.field not in DUPLICATE_FIELDS:
            raise invalid(f"rules.{index}.check_duplicates", f"{rule.field} has no duplicate check")
        if rule.required and rule.field not in REQUIRED_FIELDS:
            raise invalid(f"rules.{index}.required", f"{rule.field} cannot be made required")
    await field_rules.lock_rules(uow.session, exclusive=True)
    current = {r.field: r for r in await field_rules.load_rules(uow.session)}
    for rule in body.rules:
        was_checked = bool(current.get(rule.field) and current[rule.field].check_duplicates)
        if rule.check_duplicates and not was_checked:
            await field_rules.enable_duplicate_check(uow.session, rule.field)
        elif was_checked and not rule.check_duplicates:
            await field_rules.disable_duplicate_check(uow.session, rule.field)
        values = {
            "check_duplicates": rule.check_duplicates,
            "required": rule.required,
            "updated_by": principal.id,
        }
        await uow.session.execute(
            insert(FieldRuleRow)
            .values(field=rule.field, **values)
            .on_conflict_do_update(index_elements=["field"], set_=values)
        )
    rules = await field_rules.load_rules(uow.session)
    uow.emit(
        "customers.field_rules.changed",
        FieldRulesChanged(
            duplicates=sorted(r.field for r in rules if r.check_duplicates),
            required=sorted(r.field for r in rules if r.required),
        ),
    )
    await uow.commit()
    return _out(rules)
