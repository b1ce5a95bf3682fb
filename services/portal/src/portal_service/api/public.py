"""What anyone may read before logging in: the portal at an access path (name, hotline, logo,
banners) and its images."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from portal_service import settings_store
from portal_service.domain.portal_images import TYPES
from portal_service.models import PortalImage
from portal_service.schemas.settings import PublicPortalOut
from suite_shared.errors import not_found
from suite_shared.service import Session

router = APIRouter(tags=["public"])


@router.get("/public/{access_path}", response_model=PublicPortalOut)
async def public_portal(access_path: str, session: Session):
    """404 for a path no portal has; a portal switched off answers ``enabled: false``."""
    return await settings_store.public_out(
        session, await settings_store.by_path(session, access_path)
    )


@router.get(
    "/images/{image_id}",
    response_class=Response,
    responses={200: {"content": {t: {} for t in TYPES}}},
)
async def image(image_id: uuid.UUID, session: Session):
    found = await session.get(PortalImage, image_id)
    if found is None:
        raise not_found("Image", image_id)
    return Response(
        found.data,
        media_type=found.content_type,
        headers={"Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"},
    )
