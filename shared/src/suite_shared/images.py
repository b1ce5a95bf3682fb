"""Checking an uploaded product image with Pillow: a real JPEG, PNG or WebP whose declared type
matches its content, within the size and dimension limits. Nothing is decoded beyond the
header plus Pillow's integrity check, and decompression bombs are refused."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

MAX_BYTES = 5 * 1024 * 1024
MIN_SIDE = 50
MAX_SIDE = 6000
FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}


class ImageRejected(ValueError):
    pass


@dataclass(frozen=True)
class CheckedImage:
    content_type: str
    width: int
    height: int
    size: int


def check_image(data: bytes, declared_type: str) -> CheckedImage:
    declared_type = declared_type.split(";")[0].strip().lower()
    if declared_type not in FORMATS:
        raise ImageRejected(f"Images must be one of {', '.join(FORMATS)}, not {declared_type}")
    if not data:
        raise ImageRejected("The image is empty")
    if len(data) > MAX_BYTES:
        raise ImageRejected(f"An image may be at most {MAX_BYTES // (1024 * 1024)} MB")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                image.verify()
                found, (width, height) = image.format, image.size
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise ImageRejected(f"Not a readable image: {error}") from None
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise ImageRejected("The image has too many pixels") from None
    if found != FORMATS[declared_type]:
        raise ImageRejected(f"The file is {found}, but was sent as {declared_type}")
    if min(width, height) < MIN_SIDE or max(width, height) > MAX_SIDE:
        raise ImageRejected(
            f"Images must be {MIN_SIDE}–{MAX_SIDE} pixels on each side, not {width}×{height}"
        )
    return CheckedImage(declared_type, width, height, len(data))
