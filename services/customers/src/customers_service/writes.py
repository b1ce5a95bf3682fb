"""Creating and changing a customer record, with the field rules and the events; used by the
API and by imports alike (callers commit)."""

from __future__ import annotations

import uuid
from copy import copy
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select

from customers_service import field_rules, repository, settings_lists, staff
from customers_service.domain.changes import changed_fields
from customers_service.domain.list_refs import CUSTOMER_REFS, new_refs
from customers_service.domain.ownership import default_owner, may_assign
from customers_service.models import EDITABLE_FIELDS, Contact, Customer
from customers_service.schemas import CustomerCreate
from suite_shared.auth import Principal
from suite_shared.errors import Problem, conflict, forbidden
from suite_shared.events.customers import CustomerCreated, CustomerUpdated
from suite_shared.uow import UnitOfWork

EDITABLE = EDITABLE_FIELDS
EMPTY_COLLECTIONS = {"groups": [], "other_phones": [], "external_refs": {}}
# Editable fields a null cannot clear (their columns are NOT NULL and have no empty form).
NOT_NULL = frozenset(
    key
    for key in EDITABLE
    if key not in EMPTY_COLLECTIONS and not Customer.__table__.c[key].nullable
)


async def current_rules(uow) -> list:
    """The field rules, held steady (shared lock) until this transaction ends."""
    await field_rules.lock_rules(uow.session, exclusive=False)
    return await field_rules.load_rules(uow.session)


async def apply_field_rules(
    uow, customer: Customer, principal, *, touched, new: bool, rules=None
) -> None:
    """Required fields (422) and duplicates (409, by the database) before the save is final.
    ``rules`` from current_rules() when saving many in one transaction (imports)."""
    if rules is None:
        rules = await current_rules(uow)
    field_rules.require_fields(rules, customer, touched)
    if new:
        uow.session.add(customer)
    await uow.session.flush()
    await field_rules.claim_unique_values(uow.session, rules, customer, principal)


async def create(
    uow: UnitOfWork,
    principal: Principal,
    body: CustomerCreate,
    *,
    imported: bool = False,
    rules=None,
    held_items=frozenset(),
) -> Customer:
    """``held_items``: settings-list items this transaction has already checked and locked."""
    owner = default_owner(principal, body.owner_id)
    if owner is not None and not may_assign(principal, owner):
        raise forbidden("Assigning a customer to someone else needs customers.handover")
    await staff.require_active(uow.session, principal, [("owner_id", body.owner_id)])
    refs = new_refs(body.model_dump(include=set(CUSTOMER_REFS)), CUSTOMER_REFS)
    await settings_lists.require_items(uow.session, refs, held_items)
    customer = Customer(
        id=uuid.uuid4(),
        code=await repository.next_code(uow.session),
        **body.model_dump(exclude={"owner_id"}, exclude_none=True),
        owner_id=owner,
        lifecycle_stage="lead",
        created_by=principal.id,
        updated_by=principal.id,
        version=1,
        owner_version=1 if owner else 0,
        imported_at=datetime.now(UTC) if imported else None,
    )
    customer.groups = body.groups or []
    customer.other_phones = body.other_phones or []
    customer.external_refs = body.external_refs or {}
    customer.search_text = repository.search_text(customer)
    await apply_field_rules(uow, customer, principal, touched=None, new=True, rules=rules)
    uow.emit(
        "customers.customer.created",
        CustomerCreated(customer=repository.snapshot(customer)),
        subject=customer.id,
        version=customer.version,
    )
    return customer


async def _refuse_person_with_contacts(uow: UnitOfWork, customer: Customer) -> None:
    """Only a company has contacts (CUS-2): a company that has some stays one. The customer's
    row is locked (FOR UPDATE) and adding a contact locks it too, so none slips in meanwhile."""
    contacts = await uow.session.scalar(
        select(func.count()).select_from(Contact).where(Contact.customer_id == customer.id)
    )
    if contacts:
        raise conflict(
            "company-has-contacts",
            f"{customer.name} has {contacts} contact{'s' if contacts > 1 else ''}; remove them "
            "before making it a person",
            field="kind",
            contacts=contacts,
        )


async def update(
    uow: UnitOfWork,
    principal: Principal,
    customer: Customer,
    fields: dict[str, Any],
    rules=None,
    held_items=frozenset(),
) -> bool:
    """Apply the given editable fields; False when nothing actually changed. Only list keys
    the customer does not hold yet are checked (see domain.list_refs)."""
    requested = {k: v for k, v in fields.items() if k in EDITABLE}
    for key in sorted(NOT_NULL):
        if key in requested and requested[key] is None:
            raise Problem(
                422, "validation-error", "Invalid input", f"{key} cannot be empty", field=key
            )
    # A null list is the empty list: clearing an empty one changes nothing.
    requested = {
        k: copy(EMPTY_COLLECTIONS[k]) if v is None and k in EMPTY_COLLECTIONS else v
        for k, v in requested.items()
    }
    before = {key: getattr(customer, key) for key in requested}
    changes = changed_fields(before, requested)
    if not changes:
        return False
    if changes.get("kind", {}).get("new") == "person":
        await _refuse_person_with_contacts(uow, customer)
    refs = new_refs(requested, CUSTOMER_REFS, held=before)
    await settings_lists.require_items(uow.session, refs, held_items)
    for key, value in requested.items():
        setattr(customer, key, value)
    customer.updated_by = principal.id
    customer.updated_at = func.now()
    customer.version += 1
    customer.search_text = repository.search_text(customer)
    await apply_field_rules(
        uow, customer, principal, touched=requested.keys(), new=False, rules=rules
    )
    await uow.session.refresh(customer, ["updated_at"])
    uow.emit(
        "customers.customer.updated",
        CustomerUpdated(customer=repository.snapshot(customer), changed=changes),
        subject=customer.id,
        version=customer.version,
    )
    return True
