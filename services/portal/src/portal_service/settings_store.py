"""Reading and saving the portal's settings (POR-1, POR-2): the one row, its images, and the
``portal.settings.changed`` event the rules engine takes the receiver of portal orders from."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from portal_service.domain.access_path import InvalidPath, check_access_path
from portal_service.domain.banks import bank_by_bin
from portal_service.models import SETTINGS_ID, PortalImage, PortalSettingsRow
from portal_service.schemas.settings import (
    BankOut,
    ImageOut,
    PaymentIn,
    ProductsIn,
    PublicPortalOut,
    ReceiverIn,
    SettingsIn,
    SettingsOut,
    StockIn,
)
from suite_shared.errors import check_version, invalid, not_found
from suite_shared.events.portal import PortalSettingsChanged
from suite_shared.uow import UnitOfWork

IMAGE_URL = "/images/{}"


async def load(session: AsyncSession, *, lock: bool = False) -> PortalSettingsRow:
    """The settings row; a portal never configured is switched off with empty settings."""
    row = await session.get(PortalSettingsRow, SETTINGS_ID, with_for_update=lock)
    if row is None:
        row = PortalSettingsRow(
            id=SETTINGS_ID,
            enabled=False,
            display_name="",
            hotline="",
            notify=[],
            product_mode="all",
            product_conditions=[],
            show_stock=False,
            stock_warehouse_ids=[],
            stock_basis="available",
            allow_out_of_stock=True,
            customer_warehouse_filter=False,
            payment_enabled=False,
            show_bank_details=True,
            version=0,
            updated_at=datetime.now(UTC),
        )
    return row


async def by_path(session: AsyncSession, access_path: str) -> PortalSettingsRow:
    """The portal reached at ``access_path`` (any case), or 404: an unknown path."""
    row = await session.scalar(
        select(PortalSettingsRow).where(
            func.lower(PortalSettingsRow.access_path) == access_path.lower()
        )
    )
    if row is None:
        raise not_found("Portal", access_path)
    return row


async def images(session: AsyncSession) -> list[PortalImage]:
    rows = await session.scalars(
        select(PortalImage).order_by(PortalImage.kind, PortalImage.position, PortalImage.created_at)
    )
    return list(rows)


def image_out(image: PortalImage) -> ImageOut:
    return ImageOut(
        id=image.id,
        kind=image.kind,
        position=image.position,
        content_type=image.content_type,
        width=image.width,
        height=image.height,
        size=image.size,
        link_kind=image.link_kind,
        link_url=image.link_url,
        link_category_id=image.link_category_id,
        url=IMAGE_URL.format(image.id),
    )


def _logo_and_banners(found: list[PortalImage]) -> tuple[ImageOut | None, list[ImageOut]]:
    logo = next((image_out(i) for i in found if i.kind == "logo"), None)
    return logo, [image_out(i) for i in found if i.kind == "banner"]


def receiver_of(row: PortalSettingsRow) -> ReceiverIn | None:
    if row.receiver_kind is None:
        return None
    return ReceiverIn(
        kind=row.receiver_kind, user_id=row.receiver_user_id, rule_id=row.receiver_rule_id
    )


async def out(session: AsyncSession, row: PortalSettingsRow) -> SettingsOut:
    logo, banners = _logo_and_banners(await images(session))
    bank = bank_by_bin(row.bank_bin) if row.bank_bin else None
    return SettingsOut(
        enabled=row.enabled,
        access_path=row.access_path,
        display_name=row.display_name,
        hotline=row.hotline,
        support_email=row.support_email,
        default_password_set=bool(row.default_password),
        notify=list(row.notify),
        products=ProductsIn(mode=row.product_mode, conditions=row.product_conditions),
        stock=StockIn(
            show=row.show_stock,
            warehouse_ids=list(row.stock_warehouse_ids),
            basis=row.stock_basis,
            allow_out_of_stock_orders=row.allow_out_of_stock,
            customer_warehouse_filter=row.customer_warehouse_filter,
        ),
        payment=PaymentIn(
            enabled=row.payment_enabled,
            bank_bin=row.bank_bin,
            account_number=row.bank_account,
            account_holder=row.bank_account_holder,
            show_account_details=row.show_bank_details,
        ),
        bank=BankOut(bin=bank.bin, short_name=bank.short_name, name=bank.name) if bank else None,
        receiver=receiver_of(row),
        logo=logo,
        banners=banners,
        version=row.version,
        updated_at=row.updated_at,
        updated_by=row.updated_by,
    )


async def public_out(session: AsyncSession, row: PortalSettingsRow) -> PublicPortalOut:
    logo, banners = _logo_and_banners(await images(session))
    return PublicPortalOut(
        enabled=row.enabled,
        access_path=row.access_path or "",
        display_name=row.display_name,
        hotline=row.hotline,
        support_email=row.support_email,
        logo=logo,
        banners=banners,
    )


def _check(body: SettingsIn) -> str:
    try:
        path = check_access_path(body.access_path)
    except InvalidPath as error:
        raise invalid("access_path", f"The access path {error}") from None
    if len(set(body.notify)) != len(body.notify):
        raise invalid("notify", "An event is listed twice")
    payment = body.payment
    if payment.enabled:
        if payment.bank_bin is None or bank_by_bin(payment.bank_bin) is None:
            raise invalid("payment.bank_bin", "Choose a bank from the NAPAS list (by its BIN)")
        if not payment.account_number:
            raise invalid("payment.account_number", "The account to be paid is required")
        if not payment.account_holder:
            raise invalid("payment.account_holder", "The account holder's name is required")
    elif payment.bank_bin is not None and bank_by_bin(payment.bank_bin) is None:
        raise invalid("payment.bank_bin", "Not a bank of the NAPAS list")
    return path


async def save(uow: UnitOfWork, body: SettingsIn, actor: uuid.UUID) -> PortalSettingsRow:
    path = _check(body)
    row = await load(uow.session, lock=True)
    check_version("The portal's settings", row.version, body.version)
    taken = await uow.session.scalar(
        select(PortalSettingsRow.id).where(
            func.lower(PortalSettingsRow.access_path) == path.lower(),
            PortalSettingsRow.id != SETTINGS_ID,
        )
    )
    if taken is not None:
        raise invalid("access_path", "Another portal has this access path", slug="duplicate-path")
    _apply(row, body, path)
    row.version += 1
    row.updated_by, row.updated_at = actor, datetime.now(UTC)
    if row not in uow.session:
        uow.session.add(row)
    await uow.session.flush()
    emit_changed(uow, row)
    return row


def _apply(row: PortalSettingsRow, body: SettingsIn, path: str) -> None:
    row.enabled, row.access_path, row.display_name = body.enabled, path, body.display_name
    row.hotline, row.support_email = body.hotline, body.support_email
    if "default_password" in body.model_fields_set:
        row.default_password = body.default_password
    row.notify = list(body.notify)
    row.product_mode = body.products.mode
    row.product_conditions = [c.model_dump(mode="json") for c in body.products.conditions]
    stock = body.stock
    row.show_stock, row.stock_warehouse_ids, row.stock_basis = (
        stock.show,
        list(dict.fromkeys(stock.warehouse_ids)),
        stock.basis,
    )
    row.allow_out_of_stock = stock.allow_out_of_stock_orders
    row.customer_warehouse_filter = stock.customer_warehouse_filter
    pay = body.payment
    row.payment_enabled, row.bank_bin, row.bank_account = (
        pay.enabled,
        pay.bank_bin,
        pay.account_number,
    )
    row.bank_account_holder, row.show_bank_details = pay.account_holder, pay.show_account_details
    receiver = body.receiver
    row.receiver_kind = receiver.kind if receiver else None
    row.receiver_user_id = receiver.user_id if receiver else None
    row.receiver_rule_id = receiver.rule_id if receiver else None


def emit_changed(uow: UnitOfWork, row: PortalSettingsRow) -> None:
    uow.emit(
        PortalSettingsChanged.event_type,  # type: ignore[attr-defined]
        PortalSettingsChanged(
            enabled=row.enabled,
            access_path=row.access_path or "",
            display_name=row.display_name,
            receiver_kind=row.receiver_kind,
            receiver_user_id=row.receiver_user_id,
            receiver_rule_id=row.receiver_rule_id,
            version=row.version,
        ),
        subject="portal-settings",
        version=row.version,
    )
