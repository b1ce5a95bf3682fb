"""The new customers of one import batch, saved set-based (CUS-12, issue 14).

Row by row, a new customer cost six round trips (a savepoint, its code, the insert, the unique
keys held and claimed, the release). Here each row is validated in Python as it is read, and
the batch's rows are then saved together: one statement for the codes, one to find the holders
of the batch's unique values, one insert of the customers and one of their unique keys. The
rules and refusals are the single save's (writes.create): required fields, the duplicate check
of the field rules against the database and against the earlier rows of the same file.

The primary key of customer_unique_keys stays the real duplicate check. A customer created
elsewhere between the holders' query and the insert makes its value's insert do nothing; the
row that lost is then deleted again before the commit (its unique keys go with it) and reported
as a duplicate of the winner, and its event is never emitted.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import delete, insert, select, text, tuple_
from sqlalchemy.dialects.postgresql import insert as pg_insert

from customers_service import field_rules, repository
from customers_service.domain.field_rules import FieldRule, duplicate_keys
from customers_service.domain.ownership import default_owner
from customers_service.models import Customer, UniqueKey
from customers_service.schemas import CustomerCreate
from suite_shared.auth import Principal
from suite_shared.errors import Problem
from suite_shared.events.customers import CustomerCreated

Key = tuple[str, str]
CODES_SQL = text("SELECT nextval('customer_code_seq') FROM generate_series(1, :n)")
INSERTED = [c.key for c in Customer.__table__.columns if c.key not in ("created_at", "updated_at")]


def invalid_entry(error: ValidationError | Problem) -> dict[str, Any]:
    """The report entry of a row refused before it reaches the database."""
    if isinstance(error, ValidationError):
        first = error.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "row"
        return {"status": "invalid", "field": field, "message": first["msg"]}
    return {"status": "invalid", "field": error.field, "message": error.detail}


def duplicate_entry(problem: Problem) -> dict[str, Any]:
    existing = problem.extra.get("existing") or {}
    return {
        "status": "duplicate",
        "field": problem.field,
        "message": problem.detail,
        "customer_id": existing.get("id"),
    }


@dataclass
class NewRow:
    number: int
    customer: Customer
    keys: set[Key]


class NewCustomers:
    """Collects a batch's valid new rows (add) and saves them together (save)."""

    def __init__(self, uow, principal: Principal, rules: list[FieldRule]):
        self.uow = uow
        self.principal = principal
        self.rules = rules
        # Imports take no owner column: every row gets the importer's default owner, who needs
        # no check (the token says who they are).
        self.owner = default_owner(principal, None)
        self.pending: list[NewRow] = []

    def add(self, number: int, fields: dict[str, Any]) -> dict[str, Any] | None:
        """Validate one row; its report entry if refused, None once it waits for save()."""
        try:
            body = CustomerCreate(**fields)
        except ValidationError as error:
            return invalid_entry(error)
        customer = self._customer(body)
        try:
            field_rules.require_fields(self.rules, customer)
        except Problem as problem:
            return invalid_entry(problem)
        self.pending.append(NewRow(number, customer, set()))
        return None

    def _customer(self, body: CustomerCreate) -> Customer:
        customer = Customer(
            id=uuid.uuid4(),
            **body.model_dump(exclude={"owner_id"}, exclude_none=True),
            owner_id=self.owner,
            lifecycle_stage="lead",
            created_by=self.principal.id,
            updated_by=self.principal.id,
            version=1,
            owner_version=1 if self.owner else 0,
            imported_at=datetime.now(UTC),
        )
        customer.kind = body.kind
        customer.groups = body.groups or []
        customer.other_phones = body.other_phones or []
        customer.external_refs = body.external_refs or {}
        return customer

    async def save(self) -> dict[int, dict[str, Any]]:
        """Save the waiting rows; their report entries by row number."""
        rows, self.pending = self.pending, []
        if not rows:
            return {}
        session = self.uow.session
        codes = (await session.execute(CODES_SQL, {"n": len(rows)})).scalars().all()
        for row, number in zip(rows, codes, strict=True):
            row.customer.code = f"KH{number:06d}"
            row.customer.search_text = repository.search_text(row.customer)
            row.keys = duplicate_keys(self.rules, field_rules.record_of(row.customer))
        entries, winners = await self._refuse_duplicates(rows)
        if winners:
            entries |= await self._insert(winners)
        return entries

    async def _refuse_duplicates(self, rows: list[NewRow]):
        """Rows holding a value of an existing customer, or of an earlier row of the batch."""
        wanted = set().union(*(row.keys for row in rows))
        holders = await self._holders(wanted)
        entries: dict[int, dict[str, Any]] = {}
        claimed: dict[Key, Customer] = {}
        winners: list[NewRow] = []
        for row in rows:
            clash = next((k for k in sorted(row.keys) if k in holders or k in claimed), None)
            if clash is not None:
                holder = holders.get(clash) or claimed[clash]
                problem = field_rules.duplicate_problem(clash[0], holder, self.principal)
                entries[row.number] = duplicate_entry(problem)
                continue
            claimed.update(dict.fromkeys(row.keys, row.customer))
            winners.append(row)
        return entries, winners

    async def _holders(self, keys: set[Key]) -> dict[Key, Customer]:
        if not keys:
            return {}
        found = await self.uow.session.execute(
            select(UniqueKey.field, UniqueKey.value, Customer)
            .join(Customer, Customer.id == UniqueKey.customer_id)
            .where(tuple_(UniqueKey.field, UniqueKey.value).in_(sorted(keys)))
        )
        return {(field, value): customer for field, value, customer in found}

    async def _insert(self, rows: list[NewRow]) -> dict[int, dict[str, Any]]:
        session = self.uow.session
        await session.execute(
            insert(Customer.__table__),
            [{key: getattr(row.customer, key) for key in INSERTED} for row in rows],
        )
        keys = [
            {"field": field, "value": value, "customer_id": row.customer.id}
            for row in rows
            for field, value in sorted(row.keys)
        ]
        taken: set[Key] = set()
        if keys:
            inserted = await session.execute(
                pg_insert(UniqueKey)
                .values(keys)
                .on_conflict_do_nothing()
                .returning(UniqueKey.field, UniqueKey.value)
            )
            taken = {(k["field"], k["value"]) for k in keys} - {tuple(r) for r in inserted}
        entries = await self._undo_lost_races(rows, taken) if taken else {}
        for row in rows:
            if row.number in entries:
                continue
            self.uow.emit(
                "customers.customer.created",
                CustomerCreated(customer=repository.snapshot(row.customer)),
                subject=row.customer.id,
                version=1,
            )
            entries[row.number] = {"status": "created", "customer_id": row.customer.id}
        return entries

    async def _undo_lost_races(self, rows: list[NewRow], taken: set[Key]):
        """Rows whose value a concurrent save committed first: deleted, reported duplicate."""
        losers = [row for row in rows if row.keys & taken]
        await self.uow.session.execute(
            delete(Customer).where(Customer.id.in_([row.customer.id for row in losers]))
        )
        holders = await self._holders(taken)
        entries = {}
        for row in losers:
            clash = min(row.keys & taken)
            problem = field_rules.duplicate_problem(clash[0], holders[clash], self.principal)
            entries[row.number] = duplicate_entry(problem)
        return entries
