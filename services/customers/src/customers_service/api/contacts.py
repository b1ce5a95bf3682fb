"""Contacts of a company customer with their position (CUS-2); visible to whoever sees the
customer."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response
from sqlalchemy import func, select, update

from customers_service import repository, settings_lists
from customers_service.domain.list_refs import CONTACT_REFS, new_refs
from customers_service.models import Contact, Customer
from customers_service.schemas import ContactCreate, ContactOut, ContactUpdate
from suite_shared import idempotency
from suite_shared.auth import Principal, StaffPrincipal
from suite_shared.errors import Problem, not_found
from suite_shared.idempotency import RETRY_RESPONSE, IdempotencyKeyHeader
from suite_shared.service import Session, Uow

router = APIRouter(prefix="/customers/{customer_id}/contacts", tags=["contacts"])
# Fields a null cannot clear (NOT NULL columns): a 422 naming them, not a silent default.
NOT_NULL = frozenset(
    key for key in ContactUpdate.model_fields if not Contact.__table__.c[key].nullable
)


async def _company(
    session, principal: Principal, customer_id: uuid.UUID, *, lock: bool = False
) -> Customer:
    """``lock``: adding a contact holds the customer's row, so that a change of its kind
    (writes.update, which counts the contacts under the same lock) cannot miss it."""
    customer = await repository.get_visible(session, principal, customer_id, for_update=lock)
    if customer.kind != "company":
        raise Problem(
            422,
            "not-a-company",
            "Invalid input",
            "Only a company customer has contacts",
            field="customer_id",
        )
    return customer


async def _contact(session, customer_id: uuid.UUID, contact_id: uuid.UUID) -> Contact:
    contact = await session.get(Contact, contact_id)
    if contact is None or contact.customer_id != customer_id:
        raise not_found("Contact", contact_id)
    return contact


async def _only_primary(session, contact: Contact) -> None:
    # One primary contact per customer: setting one clears the others.
    await session.execute(
        update(Contact)
        .where(Contact.customer_id == contact.customer_id, Contact.id != contact.id)
        .values(is_primary=False)
    )


@router.get("", response_model=list[ContactOut])
async def list_contacts(customer_id: uuid.UUID, principal: StaffPrincipal, session: Session):
    await repository.get_visible(session, principal, customer_id)
    query = (
        select(Contact)
        .where(Contact.customer_id == customer_id)
        .order_by(Contact.is_primary.desc(), Contact.name, Contact.id)
    )
    return (await session.execute(query)).scalars().all()


@router.post("", status_code=201, response_model=ContactOut, responses=RETRY_RESPONSE)
async def add_contact(
    customer_id: uuid.UUID,
    body: ContactCreate,
    principal: StaffPrincipal,
    uow: Uow,
    idempotency_key: IdempotencyKeyHeader = None,
):
    await _company(uow.session, principal, customer_id, lock=True)
    asked = {"customer_id": str(customer_id), **body.model_dump(mode="json")}
    claimed = await idempotency.claim(
        uow.session, "customers.contacts.create", principal.id, idempotency_key, asked
    )
    if claimed.replay is not None:
        return claimed.replay
    await settings_lists.require_items(uow.session, new_refs(body.model_dump(), CONTACT_REFS))
    contact = Contact(
        id=uuid.uuid4(),
        customer_id=customer_id,
        created_by=principal.id,
        **body.model_dump(exclude_none=True),
    )
    contact.is_primary = bool(body.is_primary)
    uow.session.add(contact)
    await uow.session.flush()
    if contact.is_primary:
        await _only_primary(uow.session, contact)
    await uow.session.refresh(contact)
    out = ContactOut.model_validate(contact)
    await idempotency.remember(uow.session, claimed, out)
    await uow.commit()
    return out


@router.patch("/{contact_id}", response_model=ContactOut)
async def edit_contact(
    customer_id: uuid.UUID,
    contact_id: uuid.UUID,
    body: ContactUpdate,
    principal: StaffPrincipal,
    uow: Uow,
):
    await _company(uow.session, principal, customer_id)
    contact = await _contact(uow.session, customer_id, contact_id)
    changes = body.model_dump(exclude_unset=True)
    for key in sorted(NOT_NULL):
        if key in changes and changes[key] is None:
            raise Problem(
                422, "validation-error", "Invalid input", f"{key} cannot be empty", field=key
            )
    refs = new_refs(changes, CONTACT_REFS, held={"position": contact.position})
    await settings_lists.require_items(uow.session, refs)
    for key, value in changes.items():
        setattr(contact, key, value)
    contact.updated_at = func.now()
    await uow.session.flush()
    if contact.is_primary:
        await _only_primary(uow.session, contact)
    await uow.commit()
    await uow.session.refresh(contact)
    return contact


@router.delete("/{contact_id}", status_code=204)
async def remove_contact(
    customer_id: uuid.UUID, contact_id: uuid.UUID, principal: StaffPrincipal, uow: Uow
):
    await repository.get_visible(uow.session, principal, customer_id)
    await uow.session.delete(await _contact(uow.session, customer_id, contact_id))
    await uow.commit()
    return Response(status_code=204)
