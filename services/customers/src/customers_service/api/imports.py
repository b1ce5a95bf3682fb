"""Customer imports (CUS-12): upload a CSV or Excel file, follow the job, read its row report.

The file is the request body itself (Content-Type text/csv or the xlsx type, or a filename
ending .csv/.xlsx), streamed to a temporary file; the import runs in the background and the
answer is the job to poll.
"""

from __future__ import annotations

import asyncio
import hashlib
import tempfile
import uuid
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from sqlalchemy import select

from customers_service import importing
from customers_service.domain.ownership import VIEW_ALL
from customers_service.models import ImportJob, ImportRow
from customers_service.schemas import ImportJobOut, ImportRowOut
from suite_shared import idempotency
from suite_shared.auth import Principal, StaffPrincipal
from suite_shared.errors import Problem, not_found
from suite_shared.idempotency import RETRY_RESPONSE, IdempotencyKeyHeader
from suite_shared.pagination import Page, Pagination, fetch_page
from suite_shared.service import RuntimeDep, Session, Uow

router = APIRouter(prefix="/imports", tags=["imports"])
MAX_BYTES = 50 * 1024 * 1024
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _kind(filename: str, content_type: str) -> str:
    if filename.lower().endswith(".xlsx") or content_type.startswith(XLSX):
        return "xlsx"
    if filename.lower().endswith(".csv") or content_type.startswith("text/csv"):
        return "csv"
    raise Problem(
        415, "unsupported-file", "Unsupported file", "Upload a .csv or .xlsx file", field="filename"
    )


def _discard(path: Path) -> None:
    path.unlink(missing_ok=True)


async def _save_upload(request: Request, kind: str) -> tuple[Path, str]:
    """The upload in a temporary file, and its SHA-256 (what an Idempotency-Key's retry must
    send again)."""
    # Writes go to the page cache in microseconds; the slow part, the network, is awaited.
    with tempfile.NamedTemporaryFile(
        prefix="customers-import-",
        suffix=f".{kind}",
        delete=False,  # openpyxl reads the suffix
    ) as handle:
        path = Path(handle.name)
        digest = hashlib.sha256()
        size = 0
        try:
            async for chunk in request.stream():
                size += len(chunk)
                if size > MAX_BYTES:
                    raise Problem(
                        413,
                        "file-too-large",
                        "File too large",
                        f"Files up to {MAX_BYTES // 2**20} MB",
                        field="body",
                    )
                handle.write(chunk)
                digest.update(chunk)
        except BaseException:
            await asyncio.to_thread(_discard, path)
            raise
    if size == 0:
        await asyncio.to_thread(_discard, path)
        raise Problem(422, "empty-file", "Invalid input", "The file is empty", field="body")
    return path, digest.hexdigest()


@router.post("/customers", status_code=202, response_model=ImportJobOut, responses=RETRY_RESPONSE)
async def start_import(
    request: Request,
    principal: StaffPrincipal,
    runtime: RuntimeDep,
    uow: Uow,
    filename: Annotated[str, Query(min_length=1, max_length=255)],
    idempotency_key: IdempotencyKeyHeader = None,
):
    kind = _kind(filename, request.headers.get("content-type", ""))
    path, digest = await _save_upload(request, kind)
    try:
        claimed = await idempotency.claim(
            uow.session,
            "customers.imports.create",
            principal.id,
            idempotency_key,
            {"filename": filename, "sha256": digest},
        )
        if claimed.replay is not None:  # the first upload's job runs (or ran) already
            await asyncio.to_thread(_discard, path)
            return claimed.replay
        job_id = uuid.uuid4()
        job = ImportJob(id=job_id, filename=filename, status="queued", created_by=principal.id)
        uow.session.add(job)
        await uow.session.flush()
        await uow.session.refresh(job)
        answer = ImportJobOut.model_validate(job)
        await idempotency.remember(uow.session, claimed, answer, status_code=202)
        await uow.commit()
    except BaseException:
        await asyncio.to_thread(_discard, path)
        raise
    task = asyncio.create_task(importing.run(runtime, job_id, path, kind, principal))
    # Keep a reference, or the task may be garbage-collected mid-import.
    tasks: set = runtime.extras.setdefault("import_tasks", set())
    tasks.add(task)
    task.add_done_callback(tasks.discard)
    return answer


async def _visible_job(session, principal: Principal, job_id: uuid.UUID) -> ImportJob:
    job = await session.get(ImportJob, job_id)
    if job is None or not (job.created_by == principal.id or principal.can(VIEW_ALL)):
        raise not_found("Import", job_id)
    return job


@router.get("/{job_id}", response_model=ImportJobOut)
async def get_import(job_id: uuid.UUID, principal: StaffPrincipal, session: Session):
    return await _visible_job(session, principal, job_id)


@router.get("/{job_id}/rows", response_model=Page[ImportRowOut])
async def import_report(
    job_id: uuid.UUID,
    principal: StaffPrincipal,
    session: Session,
    page: Pagination,
    status: Literal["created", "updated", "duplicate", "invalid"] | None = None,
):
    await _visible_job(session, principal, job_id)
    query = select(ImportRow).where(ImportRow.job_id == job_id)
    if status:
        query = query.where(ImportRow.status == status)
    rows, total = await fetch_page(session, query.order_by(ImportRow.row_number), page)
    return Page[ImportRowOut](items=rows, total=total, limit=page.limit, offset=page.offset)
