"""What a product image may be (CAT-1): JPEG, PNG or WebP, up to 5 MB, 50–6000 px a side. The
check itself is the suite's (suite_shared.images)."""

from __future__ import annotations

from suite_shared.images import CheckedImage, ImageRejected, ImageRules
from suite_shared.images import check_image as check

PRODUCT_IMAGES = ImageRules(
    types=("image/jpeg", "image/png", "image/webp"),
    max_bytes=5 * 1024 * 1024,
    min_width=50,
    min_height=50,
)
MAX_BYTES = PRODUCT_IMAGES.max_bytes

__all__ = ["MAX_BYTES", "PRODUCT_IMAGES", "CheckedImage", "ImageRejected", "check_image"]


def check_image(data: bytes, declared_type: str) -> CheckedImage:
    return check(data, declared_type, PRODUCT_IMAGES)
