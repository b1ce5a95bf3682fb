"""Voucher campaigns and their codes (LOY-7): writes need loyalty.configure, any staff reads.

A campaign is the offer; a code is one coupon of it, typed (``SUMMER-10``) or generated in
bulk. ``total_uses`` counts per code, ``per_customer_uses`` per customer across the campaign
(domain.vouchers). A campaign is never deleted (its uses are history): DELETE disables it.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from loyalty_service import voucher_holds
from loyalty_service.domain import vouchers as rules
from loyalty_service.models.vouchers import VoucherCampaign, VoucherCode
from suite_shared.auth import Principal, StaffPrincipal, require
from suite_shared.errors import check_version, conflict, invalid, invalid_all, not_found
from suite_shared.input_types import IsoAwareDateTime, StrictBool, StrictInt
from suite_shared.pagination import Page, Pagination, fetch_page
from suite_shared.service import Session, Uow
from suite_shared.text import fold

router = APIRouter(tags=["vouchers"])
CONFIGURE = "loyalty.configure"
MAX_MONEY = 1_000_000_000_000  # 10^12 đồng: far above any order, well inside bigint
MAX_USES = 1_000_000_000
MAX_GENERATE = 10_000


# ---- bodies ------------------------------------------------------------------------------------
def _group(value: str) -> str:
    value = value.strip().lower()
    if not value:
        raise ValueError("a group key cannot be empty")
    return value


def _code(value: str) -> str:
    value = rules.normalize_code(value)
    problem = rules.code_problem(value)
    if problem:
        raise ValueError(problem)
    return value


def _prefix(value: str) -> str:
    value = rules.normalize_code(value)
    if value and not rules.CODE.match(value):
        raise ValueError("a prefix is letters A–Z, digits and '-'")
    return value


Money = Annotated[StrictInt, Field(ge=0, le=MAX_MONEY)]
Uses = Annotated[StrictInt, Field(ge=1, le=MAX_USES)]
Groups = Annotated[
    list[Annotated[str, Field(max_length=63), AfterValidator(_group)]], Field(max_length=50)
]
Name = Annotated[str, Field(min_length=1, max_length=200)]
Code = Annotated[str, Field(max_length=rules.CODE_MAX + 10), AfterValidator(_code)]


class CampaignCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name: Name
    kind: Literal["percent", "amount"]
    value: Annotated[
        StrictInt,
        Field(ge=0, le=MAX_MONEY, description="percent: basis points 1–10000; amount: đồng > 0"),
    ]
    max_discount: Money | None = Field(default=None, description="cap of a percent, đồng")
    min_order: Money = Field(default=0, description="goods total at least this, đồng")
    valid_from: IsoAwareDateTime
    valid_to: IsoAwareDateTime = Field(description="exclusive")
    total_uses: Uses | None = Field(default=None, description="per code; null: unlimited")
    per_customer_uses: Uses | None = Field(
        default=None, description="per customer across the campaign; null: unlimited"
    )
    customer_groups: Groups = Field(default_factory=list, description="empty: everyone")
    active: StrictBool = True


class CampaignUpdate(BaseModel):
    """Only the fields sent change. ``version`` is the one the change was made on (409 when
    someone changed the campaign since)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name: Name | None = None
    kind: Literal["percent", "amount"] | None = None
    value: Annotated[StrictInt, Field(ge=0, le=MAX_MONEY)] | None = None
    max_discount: Money | None = None
    min_order: Money | None = None
    valid_from: IsoAwareDateTime | None = None
    valid_to: IsoAwareDateTime | None = None
    total_uses: Uses | None = None
    per_customer_uses: Uses | None = None
    customer_groups: Groups | None = None
    active: StrictBool | None = None
    version: StrictInt | None = None


NULLABLE = ("max_discount", "total_uses", "per_customer_uses")


class CampaignOut(BaseModel):
    id: uuid.UUID
    name: str
    kind: str
    value: int
    max_discount: int | None
    min_order: int
    valid_from: datetime
    valid_to: datetime
    total_uses: int | None
    per_customer_uses: int | None
    customer_groups: list[str]
    active: bool
    version: int
    codes: int
    held: int
    used: int
    created_at: datetime
    updated_at: datetime


class CampaignFilter(BaseModel):
    q: str | None = Field(default=None, max_length=100, description="name, any accents")
    active: bool | None = None


class CodeIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    code: Code


class GenerateIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    count: Annotated[StrictInt, Field(ge=1, le=MAX_GENERATE)]
    prefix: Annotated[str, Field(max_length=rules.PREFIX_MAX), AfterValidator(_prefix)] = ""


class CodeOut(BaseModel):
    id: uuid.UUID
    campaign_id: uuid.UUID
    code: str
    held: int
    used: int
    generated: bool
    created_at: datetime


class GeneratedOut(BaseModel):
    count: int
    codes: list[str]


class VoucherOut(BaseModel):
    code: CodeOut
    campaign: CampaignOut


# ---- helpers -----------------------------------------------------------------------------------
async def _counts(session, campaign_ids: list[uuid.UUID]) -> dict[uuid.UUID, tuple[int, int, int]]:
    if not campaign_ids:
        return {}
    rows = await session.execute(
        select(
            VoucherCode.campaign_id,
            func.count(),
            func.coalesce(func.sum(VoucherCode.held), 0),
            func.coalesce(func.sum(VoucherCode.used), 0),
        )
        .where(VoucherCode.campaign_id.in_(campaign_ids))
        .group_by(VoucherCode.campaign_id)
    )
    return {r[0]: (r[1], r[2], r[3]) for r in rows}


def _out(campaign: VoucherCampaign, counts: tuple[int, int, int] = (0, 0, 0)) -> CampaignOut:
    codes, held, used = counts
    return CampaignOut(
        id=campaign.id,
        name=campaign.name,
        kind=campaign.kind,
        value=campaign.value,
        max_discount=campaign.max_discount,
        min_order=campaign.min_order,
        valid_from=campaign.valid_from,
        valid_to=campaign.valid_to,
        total_uses=campaign.total_uses,
        per_customer_uses=campaign.per_customer_uses,
        customer_groups=list(campaign.customer_groups or []),
        active=campaign.active,
        version=campaign.version,
        codes=codes,
        held=held,
        used=used,
        created_at=campaign.created_at,
        updated_at=campaign.updated_at,
    )


async def _out_one(session, campaign: VoucherCampaign) -> CampaignOut:
    counts = await _counts(session, [campaign.id])
    return _out(campaign, counts.get(campaign.id, (0, 0, 0)))


def _code_out(code: VoucherCode) -> CodeOut:
    return CodeOut.model_validate(code, from_attributes=True)


async def _campaign(session, campaign_id: uuid.UUID, *, lock: bool = False) -> VoucherCampaign:
    query = select(VoucherCampaign).where(VoucherCampaign.id == campaign_id)
    if lock:
        query = query.with_for_update()
    campaign = (await session.execute(query)).scalar_one_or_none()
    if campaign is None:
        raise not_found("Voucher campaign", campaign_id)
    return campaign


def _check_offer(campaign_like) -> None:
    errors = rules.offer_problems(
        kind=campaign_like.kind,
        value=campaign_like.value,
        max_discount=campaign_like.max_discount,
        valid_from=campaign_like.valid_from,
        valid_to=campaign_like.valid_to,
    )
    if errors:
        raise invalid_all(errors)


async def _campaign_changed(uow, campaign: VoucherCampaign, action: str, at: datetime) -> None:
    counts = await _counts(uow.session, [campaign.id])
    _, held, used = counts.get(campaign.id, (0, 0, 0))
    # A campaign's own change: voucher_id is the campaign's id and code is empty.
    await voucher_holds.emit_changed(
        uow.session,
        voucher_id=campaign.id,
        code="",
        action=action,
        uses=held + used,
        max_uses=campaign.total_uses,
        at=at,
    )


# ---- campaigns ---------------------------------------------------------------------------------
@router.get("/voucher-campaigns", response_model=Page[CampaignOut])
async def list_campaigns(
    _: StaffPrincipal,
    session: Session,
    page: Pagination,
    filters: Annotated[CampaignFilter, Query()],
):
    query = select(VoucherCampaign).order_by(VoucherCampaign.created_at.desc(), VoucherCampaign.id)
    if filters.q and (folded := fold(filters.q)):
        query = query.where(VoucherCampaign.name_key.contains(folded, autoescape=True))
    if filters.active is not None:
        query = query.where(VoucherCampaign.active == filters.active)
    rows, total = await fetch_page(session, query, page)
    counts = await _counts(session, [c.id for c in rows])
    items = [_out(c, counts.get(c.id, (0, 0, 0))) for c in rows]
    return Page[CampaignOut](items=items, total=total, limit=page.limit, offset=page.offset)


@router.post("/voucher-campaigns", status_code=201, response_model=CampaignOut)
async def create_campaign(
    body: CampaignCreate, uow: Uow, principal: Principal = require(CONFIGURE)
):
    _check_offer(body)
    now = datetime.now(UTC)
    campaign = VoucherCampaign(
        id=uuid.uuid4(),
        name_key=fold(body.name),
        version=1,
        created_by=principal.id,
        updated_by=principal.id,
        **body.model_dump(exclude={"customer_groups"}),
        customer_groups=sorted(set(body.customer_groups)),
    )
    uow.session.add(campaign)
    await uow.session.flush()
    await uow.session.refresh(campaign)
    await _campaign_changed(uow, campaign, "created", now)
    out = _out(campaign)
    await uow.commit()
    return out


@router.get("/voucher-campaigns/{campaign_id}", response_model=CampaignOut)
async def get_campaign(campaign_id: uuid.UUID, _: StaffPrincipal, session: Session):
    return await _out_one(session, await _campaign(session, campaign_id))


@router.patch("/voucher-campaigns/{campaign_id}", response_model=CampaignOut)
async def update_campaign(
    campaign_id: uuid.UUID,
    body: CampaignUpdate,
    uow: Uow,
    principal: Principal = require(CONFIGURE),
):
    campaign = await _campaign(uow.session, campaign_id, lock=True)
    check_version("Voucher campaign", campaign.version, body.version)
    changes = body.model_dump(exclude_unset=True, exclude={"version"})
    empty = [
        (k, f"{k} cannot be empty") for k, v in changes.items() if v is None and k not in NULLABLE
    ]
    if empty:
        raise invalid_all(empty)
    was_active = campaign.active
    if "customer_groups" in changes:
        changes["customer_groups"] = sorted(set(changes["customer_groups"]))
    for key, value in changes.items():
        setattr(campaign, key, value)
    if campaign.kind == "amount" and "kind" in changes and "max_discount" not in changes:
        campaign.max_discount = None  # a cap means nothing to an amount
    _check_offer(campaign)
    campaign.name_key = fold(campaign.name)
    campaign.version += 1
    campaign.updated_by = principal.id
    campaign.updated_at = datetime.now(UTC)
    await uow.session.flush()
    action = "disabled" if was_active and not campaign.active else "updated"
    await _campaign_changed(uow, campaign, action, campaign.updated_at)
    out = await _out_one(uow.session, campaign)
    await uow.commit()
    return out


@router.delete("/voucher-campaigns/{campaign_id}", response_model=CampaignOut)
async def disable_campaign(
    campaign_id: uuid.UUID, uow: Uow, principal: Principal = require(CONFIGURE)
):
    """Disables the campaign (its uses stay as history); held uses of open orders stay held
    and count when the orders complete."""
    campaign = await _campaign(uow.session, campaign_id, lock=True)
    if campaign.active:
        campaign.active = False
        campaign.version += 1
        campaign.updated_by = principal.id
        campaign.updated_at = datetime.now(UTC)
        await uow.session.flush()
        await _campaign_changed(uow, campaign, "disabled", campaign.updated_at)
    out = await _out_one(uow.session, campaign)
    await uow.commit()
    return out


# ---- codes -------------------------------------------------------------------------------------
@router.get("/voucher-campaigns/{campaign_id}/codes", response_model=Page[CodeOut])
async def list_codes(
    campaign_id: uuid.UUID,
    _: StaffPrincipal,
    session: Session,
    page: Pagination,
    q: Annotated[str | None, Query(max_length=100, description="part of the code")] = None,
):
    await _campaign(session, campaign_id)
    query = (
        select(VoucherCode)
        .where(VoucherCode.campaign_id == campaign_id)
        .order_by(VoucherCode.code, VoucherCode.id)
    )
    if q and (wanted := rules.normalize_code(q)):
        query = query.where(VoucherCode.code.contains(wanted, autoescape=True))
    rows, total = await fetch_page(session, query, page)
    return Page[CodeOut](
        items=[_code_out(c) for c in rows], total=total, limit=page.limit, offset=page.offset
    )


def _code_taken(code: str):
    return conflict("voucher-code-taken", f"The code {code} already exists", field="code")


@router.post("/voucher-campaigns/{campaign_id}/codes", status_code=201, response_model=CodeOut)
async def add_code(
    campaign_id: uuid.UUID, body: CodeIn, uow: Uow, _: Principal = require(CONFIGURE)
):
    campaign = await _campaign(uow.session, campaign_id)
    code = VoucherCode(id=uuid.uuid4(), campaign_id=campaign.id, code=body.code)
    try:
        async with uow.session.begin_nested():
            uow.session.add(code)
            await uow.session.flush()
    except IntegrityError:
        raise _code_taken(body.code) from None
    await uow.session.refresh(code)
    await voucher_holds.emit_changed(
        uow.session,
        voucher_id=code.id,
        code=code.code,
        action="created",
        uses=0,
        max_uses=campaign.total_uses,
        at=code.created_at,
    )
    out = _code_out(code)
    await uow.commit()
    return out


_GENERATE = text(
    "INSERT INTO voucher_codes (id, campaign_id, code, generated) "
    "SELECT gen_random_uuid(), :campaign_id, c, true FROM unnest(CAST(:codes AS text[])) AS c "
    "ON CONFLICT (code) DO NOTHING RETURNING code"
)


@router.post(
    "/voucher-campaigns/{campaign_id}/codes/generate",
    status_code=201,
    response_model=GeneratedOut,
)
async def generate_codes(
    campaign_id: uuid.UUID, body: GenerateIn, uow: Uow, _: Principal = require(CONFIGURE)
):
    """``count`` random codes (secrets; prefix + 10 symbols), inserted in one statement; a
    code that happens to exist already is drawn again. One loyalty.voucher.changed for the
    campaign ("updated"), not one per code."""
    campaign = await _campaign(uow.session, campaign_id, lock=True)
    if len(body.prefix) + rules.RANDOM_LENGTH > rules.CODE_MAX:
        raise invalid("prefix", "the prefix is too long")
    made: list[str] = []
    for _attempt in range(5):
        wanted = {rules.generate_code(body.prefix) for _ in range(body.count - len(made))}
        rows = await uow.session.execute(
            _GENERATE, {"campaign_id": campaign.id, "codes": sorted(wanted)}
        )
        made.extend(r[0] for r in rows)
        if len(made) >= body.count:
            break
    else:  # pragma: no cover - 2^49 codes: five draws short means something else is wrong
        raise conflict("voucher-codes-exhausted", "Could not draw enough unused codes")
    await _campaign_changed(uow, campaign, "updated", datetime.now(UTC))
    await uow.commit()
    return GeneratedOut(count=len(made), codes=sorted(made))


@router.get("/vouchers/{code}", response_model=VoucherOut)
async def lookup(code: str, _: StaffPrincipal, session: Session):
    found = await voucher_holds.find_code(session, code)
    if found is None:
        raise not_found("Voucher", rules.normalize_code(code))
    voucher, campaign = found
    return VoucherOut(code=_code_out(voucher), campaign=await _out_one(session, campaign))
