"""Product images (CAT-2): upload (the raw file as the body), list order, serve, delete."""

from __future__ import annotations

import hashlib
import uuid

from fastapi import APIRouter, Request, Response
from sqlalchemy import func, select

from catalog_service import products
from catalog_service.domain.images import MAX_BYTES, ImageRejected, check_image
from catalog_service.models import ProductImage
from catalog_service.schemas.products import ImageOut
from suite_shared import idempotency
from suite_shared.auth import CurrentPrincipal, Principal, require
from suite_shared.errors import conflict, invalid, not_found
from suite_shared.idempotency import RETRY_RESPONSE, IdempotencyKeyHeader
from suite_shared.images import read_limited
from suite_shared.service import Session, Uow

router = APIRouter(prefix="/products/{product_id}/images", tags=["products"])
MANAGE = require("catalog.manage")
MAX_IMAGES = 10


@router.post(
    "",
    status_code=201,
    response_model=ImageOut,
    responses=RETRY_RESPONSE,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                t: {"schema": {"type": "string", "format": "binary"}}
                for t in ("image/jpeg", "image/png", "image/webp")
            },
        }
    },
)
async def upload_image(
    product_id: uuid.UUID,
    request: Request,
    uow: Uow,
    principal: Principal = MANAGE,
    idempotency_key: IdempotencyKeyHeader = None,
):
    data = await read_limited(request, MAX_BYTES)
    claimed = await idempotency.claim(
        uow.session,
        "catalog.product_images.upload",
        principal.id,
        idempotency_key,
        {
            "product_id": str(product_id),
            "content_type": request.headers.get("content-type", ""),
            "sha256": hashlib.sha256(data).hexdigest(),
        },
    )
    if claimed.replay is not None:
        return claimed.replay
    try:
        checked = check_image(data, request.headers.get("content-type", ""))
    except ImageRejected as error:
        raise invalid("body", str(error)) from None
    await products.get_product(uow.session, product_id, lock=True)
    count = await uow.session.scalar(
        select(func.count()).where(ProductImage.product_id == product_id)
    )
    if count >= MAX_IMAGES:
        raise conflict("too-many-images", f"A product has at most {MAX_IMAGES} images")
    image = ProductImage(
        id=uuid.uuid4(),
        product_id=product_id,
        position=count,
        content_type=checked.content_type,
        width=checked.width,
        height=checked.height,
        size=checked.size,
        data=data,
    )
    uow.session.add(image)
    await uow.session.flush()
    out = ImageOut.model_validate(image)
    await idempotency.remember(uow.session, claimed, out)
    await uow.commit()
    return out


@router.get(
    "/{image_id}",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}, "image/png": {}, "image/webp": {}}}},
)
async def get_image(
    product_id: uuid.UUID, image_id: uuid.UUID, principal: CurrentPrincipal, session: Session
):
    product = await products.get_product(session, product_id)
    if principal.kind != "staff" and not products.customer_visible(product):
        raise not_found("Image", image_id)
    row = (
        await session.execute(
            select(ProductImage.content_type, ProductImage.data).where(
                ProductImage.id == image_id, ProductImage.product_id == product_id
            )
        )
    ).first()
    if row is None:
        raise not_found("Image", image_id)
    # An image never changes under its id: caches may keep it.
    headers = {"Cache-Control": "private, max-age=86400, immutable", "ETag": f'"{image_id}"'}
    return Response(row.data, media_type=row.content_type, headers=headers)


@router.delete("/{image_id}", status_code=204)
async def delete_image(product_id: uuid.UUID, image_id: uuid.UUID, uow: Uow, _: Principal = MANAGE):
    await products.get_product(uow.session, product_id, lock=True)
    image = await uow.session.get(ProductImage, image_id)
    if image is None or image.product_id != product_id:
        raise not_found("Image", image_id)
    await uow.session.delete(image)
    await uow.session.flush()
    # Close the gap so positions stay 0..n-1 (the first image is the list's thumbnail).
    rest = await uow.session.scalars(
        select(ProductImage)
        .where(ProductImage.product_id == product_id)
        .order_by(ProductImage.position)
    )
    for position, other in enumerate(rest):
        other.position = position
    await uow.commit()
    return Response(status_code=204)
