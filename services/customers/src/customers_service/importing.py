"""Running a customer import (CUS-12): stream the file's rows, save them in batches, report
each row. The file is read a batch at a time (csv module, or openpyxl in read-only mode), so a
50,000-row file never sits in memory. A batch's new rows are saved together
(import_creates.NewCustomers); a row naming a customer by code is saved on its own inside a
savepoint. A duplicate or an invalid row is reported and skipped without undoing its batch.

Source, groups and social page cells name settings-list items by key or by name ("Khách sỉ",
"khach si" and "khach-si" are one group, see domain.list_refs.match_item); they are stored as
the item's key. A cell naming no item makes its row invalid, with that field.
"""

from __future__ import annotations

import asyncio
import csv
import uuid
from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import Any

import openpyxl
import structlog
from pydantic import ValidationError
from sqlalchemy import func, insert, select, update

from customers_service import settings_lists, writes
from customers_service.domain.import_rows import BadHeader, map_header, row_fields
from customers_service.domain.list_refs import CUSTOMER_REFS, Ref
from customers_service.domain.ownership import can_see
from customers_service.import_creates import NewCustomers, duplicate_entry, invalid_entry
from customers_service.models import Customer, ImportJob, ImportRow
from customers_service.schemas import CustomerUpdate
from suite_shared import context
from suite_shared.auth import Principal
from suite_shared.errors import Problem
from suite_shared.service import Runtime

log = structlog.get_logger(__name__)
BATCH = 500
COUNTERS = ("created", "updated", "duplicate", "invalid")


def read_rows(path: Path, kind: str) -> Iterator[list[Any]]:
    if kind == "xlsx":
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            for row in workbook.active.iter_rows(values_only=True):
                yield list(row)
        finally:
            workbook.close()
        return
    with path.open(newline="", encoding="utf-8-sig") as handle:
        sample = handle.readline()
        handle.seek(0)
        delimiter = max((",", ";", "\t"), key=sample.count)
        yield from csv.reader(handle, delimiter=delimiter)


class BatchItems:
    """The settings-list items one batch's cells name, looked up once per distinct cell.

    Looked up outside the rows' savepoints, so the items found stay locked (FOR KEY SHARE) by
    the batch's transaction until it commits, even when a row's savepoint is rolled back: the
    rows then need no check of their own."""

    def __init__(self, session):
        self.session = session
        self.keys: dict[tuple[str, str], str | None] = {}  # (kind, cell) → key, None: no item
        self.held: set[tuple[str, str]] = set()  # (kind, key) of the items found, locked

    async def key(self, kind: str, cell: str) -> str | None:
        if (kind, cell) not in self.keys:
            key = await settings_lists.find_for_import(self.session, kind, cell)
            self.keys[kind, cell] = key
            if key is not None:
                self.held.add((kind, key))
        return self.keys[kind, cell]

    async def resolve(self, fields: dict[str, Any]) -> None:
        """Replace the row's cells by item keys; 422 naming the field of a cell naming none."""
        missing: list[Ref] = []
        for field, kind in CUSTOMER_REFS.items():
            value = fields.get(field)
            if value is None:
                continue
            keys = []
            for cell in value if isinstance(value, list) else [value]:
                key = await self.key(kind, cell)
                if key is None:
                    missing.append(Ref(field, kind, cell))
                keys.append(key)
            fields[field] = keys if isinstance(value, list) else keys[0]
        if missing:
            raise settings_lists.unknown_items(missing)


async def update_row(
    uow, principal: Principal, fields: dict[str, Any], rules, items: BatchItems
) -> dict[str, Any]:
    """Save one row naming an existing customer by code; its report entry."""
    try:
        code = fields.pop("code")
        await items.resolve(fields)
        async with uow.session.begin_nested():
            customer = await uow.session.scalar(
                select(Customer)
                .where(Customer.code == str(code).upper(), Customer.deleted_at.is_(None))
                .with_for_update()
            )
            if customer is None or not can_see(principal, customer.owner_id):
                return {
                    "status": "invalid",
                    "field": "code",
                    "message": f"no customer has the code {code}",
                }
            changes = CustomerUpdate(**fields).model_dump(exclude_unset=True)
            await writes.update(
                uow, principal, customer, changes, rules=rules, held_items=items.held
            )
            return {"status": "updated", "customer_id": customer.id}
    except ValidationError as error:
        return invalid_entry(error)
    except Problem as problem:
        return duplicate_entry(problem) if problem.slug == "duplicate" else invalid_entry(problem)


async def run(runtime: Runtime, job_id: uuid.UUID, path: Path, kind: str, principal: Principal):
    context.bind(correlation=str(job_id), who=str(principal.id))
    try:
        rows = read_rows(path, kind)
        header = await asyncio.to_thread(next, rows, [])
        columns, ignored = map_header(header)
        await _set(runtime, job_id, status="running", ignored_columns=ignored)
        number = 1  # the header is row 1, as a spreadsheet numbers it
        while batch := await asyncio.to_thread(lambda: list(islice(rows, BATCH))):
            number = await _import_batch(runtime, job_id, principal, columns, batch, number)
        await _set(runtime, job_id, status="done", finished_at=func.now())
    except BadHeader as error:
        await _set(runtime, job_id, status="failed", error=str(error), finished_at=func.now())
    except Exception as error:  # a broken file or a bug: the job says so, the service goes on
        log.exception("import failed", job_id=str(job_id))
        await _set(
            runtime,
            job_id,
            status="failed",
            error=f"could not read the file: {error}",
            finished_at=func.now(),
        )
    finally:
        await asyncio.to_thread(path.unlink, missing_ok=True)


async def _import_batch(runtime, job_id, principal, columns, batch, number: int) -> int:
    entries: dict[int, dict[str, Any]] = {}
    async with runtime.uow() as uow:
        rules = await writes.current_rules(uow)  # once per batch, held until its commit
        items = BatchItems(uow.session)
        new = NewCustomers(uow, principal, rules)
        for cells in batch:
            number += 1
            fields = row_fields(columns, cells)
            if not fields:
                continue  # an empty line
            if fields.get("code"):
                # An update is saved on its own; the new rows before it are saved first, so a
                # duplicate between them is found in the file's order.
                entries |= await new.save()
                entries[number] = await update_row(uow, principal, fields, rules, items)
                continue
            try:
                await items.resolve(fields)
            except Problem as problem:
                entries[number] = invalid_entry(problem)
                continue
            if (refused := new.add(number, fields)) is not None:
                entries[number] = refused
        entries |= await new.save()
        await _report(uow, job_id, entries)
        await uow.commit()
    return number


async def _report(uow, job_id: uuid.UUID, entries: dict[int, dict[str, Any]]) -> None:
    """The batch's rows in the report, and the job's counters."""
    report = [
        {
            "job_id": job_id,
            "row_number": number,
            "field": None,
            "message": None,
            "customer_id": None,
            **entry,
        }
        for number, entry in sorted(entries.items())
    ]
    if report:
        await uow.session.execute(insert(ImportRow), report)
    counts = {c: sum(r["status"] == c for r in report) for c in COUNTERS}
    await uow.session.execute(
        update(ImportJob)
        .where(ImportJob.id == job_id)
        .values(
            total=ImportJob.total + len(report),
            **{c: getattr(ImportJob, c) + n for c, n in counts.items()},
        )
    )


async def _set(runtime: Runtime, job_id: uuid.UUID, **values) -> None:
    async with runtime.uow() as uow:
        await uow.session.execute(update(ImportJob).where(ImportJob.id == job_id).values(**values))
        await uow.commit()


async def fail_interrupted(runtime: Runtime) -> None:
    """At start: jobs a previous process left unfinished will never finish; say so."""
    async with runtime.uow() as uow:
        await uow.session.execute(
            update(ImportJob)
            .where(ImportJob.status.in_(("queued", "running")))
            .values(
                status="failed",
                finished_at=func.now(),
                error="interrupted by a restart; rows reported so far were saved",
            )
        )
        await uow.commit()
