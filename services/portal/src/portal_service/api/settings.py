"""The portal's settings (POR-1, POR-2): ``portal.configure`` reads and changes them, naming
the version it read; the logo and banners are uploaded as the image's bytes."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from sqlalchemy import func, select

from portal_service import settings_store
from portal_service.domain.banks import all_banks
from portal_service.domain.portal_images import MAX_BANNERS, MAX_BYTES, RULES, TYPES
from portal_service.models import PortalImage
from portal_service.schemas.settings import BankOut, BannerLinkIn, ImageOut, SettingsIn, SettingsOut
from suite_shared.auth import Principal, StaffPrincipal, require
from suite_shared.errors import conflict, invalid, not_found
from suite_shared.images import ImageRejected, check_image, read_limited
from suite_shared.service import Session, Uow

router = APIRouter(tags=["settings"])
Configurer = Annotated[Principal, require("portal.configure")]
IMAGE_BODY = {
    "requestBody": {
        "required": True,
        "content": {t: {"schema": {"type": "string", "format": "binary"}} for t in TYPES},
    }
}


@router.get("/settings", response_model=SettingsOut)
async def get_settings(principal: Configurer, session: Session):
    return await settings_store.out(session, await settings_store.load(session))


@router.put("/settings", response_model=SettingsOut)
async def put_settings(body: SettingsIn, principal: Configurer, uow: Uow):
    row = await settings_store.save(uow, body, principal.id)
    out = await settings_store.out(uow.session, row)
    await uow.commit()
    return out


@router.get("/banks", response_model=list[BankOut], summary="The NAPAS banks, by BIN")
async def banks(principal: StaffPrincipal):
    return [BankOut(bin=b.bin, short_name=b.short_name, name=b.name) for b in all_banks()]


async def _checked(request: Request, kind: str):
    data = await read_limited(request, MAX_BYTES)
    try:
        return data, check_image(data, request.headers.get("content-type", ""), RULES[kind])
    except ImageRejected as error:
        raise invalid("body", str(error), slug="invalid-image") from None


def _image(kind: str, data: bytes, checked, position: int, actor, link: BannerLinkIn):
    return PortalImage(
        id=uuid.uuid4(),
        kind=kind,
        position=position,
        content_type=checked.content_type,
        data=data,
        width=checked.width,
        height=checked.height,
        size=checked.size,
        link_kind=link.link_kind,
        link_url=link.link_url,
        link_category_id=link.link_category_id,
        created_by=actor,
    )


@router.put("/settings/logo", response_model=ImageOut, openapi_extra=IMAGE_BODY)
async def put_logo(request: Request, principal: Configurer, uow: Uow):
    """JPG/JPEG or PNG, at least 48×48 px, at most 5 MB; replaces the logo."""
    data, checked = await _checked(request, "logo")
    await settings_store.load(uow.session, lock=True)  # one change of the images at a time
    old = await uow.session.scalar(select(PortalImage).where(PortalImage.kind == "logo"))
    if old is not None:
        await uow.session.delete(old)
    image = _image("logo", data, checked, 0, principal.id, BannerLinkIn())
    uow.session.add(image)
    await uow.session.flush()
    out = settings_store.image_out(image)
    await uow.commit()
    return out


@router.delete("/settings/logo", status_code=204)
async def delete_logo(principal: Configurer, uow: Uow):
    old = await uow.session.scalar(select(PortalImage).where(PortalImage.kind == "logo"))
    if old is not None:
        await uow.session.delete(old)
        await uow.commit()
    return Response(status_code=204)


@router.post(
    "/settings/banners", status_code=201, response_model=ImageOut, openapi_extra=IMAGE_BODY
)
async def add_banner(
    request: Request,
    principal: Configurer,
    uow: Uow,
    link: Annotated[BannerLinkIn, Query()],
):
    """JPG/JPEG or PNG, at least 1372×480 px, at most 5 MB each, at most five; the link is
    given in the query (link_kind none, url or category)."""
    data, checked = await _checked(request, "banner")
    await settings_store.load(uow.session, lock=True)
    count = await uow.session.scalar(select(func.count()).where(PortalImage.kind == "banner"))
    if count >= MAX_BANNERS:
        raise conflict("too-many-banners", f"The portal has at most {MAX_BANNERS} banners")
    image = _image("banner", data, checked, count, principal.id, link)
    uow.session.add(image)
    await uow.session.flush()
    out = settings_store.image_out(image)
    await uow.commit()
    return out


async def _banner(uow, image_id: uuid.UUID) -> PortalImage:
    image = await uow.session.get(PortalImage, image_id, with_for_update=True)
    if image is None or image.kind != "banner":
        raise not_found("Banner", image_id)
    return image


@router.patch("/settings/banners/{image_id}", response_model=ImageOut)
async def change_banner(image_id: uuid.UUID, body: BannerLinkIn, principal: Configurer, uow: Uow):
    """Its link, and where it stands among the banners (``position`` 0–4)."""
    await settings_store.load(uow.session, lock=True)
    image = await _banner(uow, image_id)
    image.link_kind, image.link_url = body.link_kind, body.link_url
    image.link_category_id = body.link_category_id
    if body.position is not None:
        await _move(uow, image, body.position)
    await uow.session.flush()
    out = settings_store.image_out(image)
    await uow.commit()
    return out


async def _move(uow, image: PortalImage, position: int) -> None:
    banners = list(
        await uow.session.scalars(
            select(PortalImage)
            .where(PortalImage.kind == "banner")
            .order_by(PortalImage.position, PortalImage.created_at)
        )
    )
    banners.remove(image)
    banners.insert(min(position, len(banners)), image)
    for index, banner in enumerate(banners):
        banner.position = index


@router.delete("/settings/banners/{image_id}", status_code=204)
async def delete_banner(image_id: uuid.UUID, principal: Configurer, uow: Uow):
    await settings_store.load(uow.session, lock=True)
    image = await _banner(uow, image_id)
    await uow.session.delete(image)
    await uow.session.flush()
    remaining = await uow.session.scalars(
        select(PortalImage)
        .where(PortalImage.kind == "banner")
        .order_by(PortalImage.position, PortalImage.created_at)
    )
    for index, banner in enumerate(remaining):
        banner.position = index
    await uow.commit()
    return Response(status_code=204)
