"""Checking an uploaded image with Pillow: a real image of an allowed format whose declared type
matches its content (the bytes decide, never the file name), within a service's size and pixel
limits (``ImageRules``: the catalog's product photos, the portal's logo and banners). Nothing is
decoded beyond the header plus Pillow's integrity check, and decompression bombs are refused."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from fastapi import Request
from PIL import Image, UnidentifiedImageError

from suite_shared.errors import invalid

FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}


class ImageRejected(ValueError):
    pass


@dataclass(frozen=True)
class ImageRules:
    types: tuple[str, ...]  # content types, keys of FORMATS
    max_bytes: int
    min_width: int
    min_height: int
    max_side: int = 6000

    @property
    def max_mb(self) -> int:
        return self.max_bytes // (1024 * 1024)


@dataclass(frozen=True)
class CheckedImage:
    content_type: str
    width: int
    height: int
    size: int


def check_image(data: bytes, declared_type: str, rules: ImageRules) -> CheckedImage:
    declared_type = declared_type.split(";")[0].strip().lower()
    if declared_type not in rules.types:
        raise ImageRejected(f"Images must be one of {', '.join(rules.types)}, not {declared_type}")
    if not data:
        raise ImageRejected("The image is empty")
    if len(data) > rules.max_bytes:
        raise ImageRejected(f"An image may be at most {rules.max_mb} MB")
    found, width, height = _read_header(data)
    if found != FORMATS[declared_type]:
        raise ImageRejected(f"The file is {found}, but was sent as {declared_type}")
    if width < rules.min_width or height < rules.min_height or max(width, height) > rules.max_side:
        raise ImageRejected(
            f"Images must be at least {rules.min_width}×{rules.min_height} pixels and at most "
            f"{rules.max_side} pixels on each side, not {width}×{height}"
        )
    return CheckedImage(declared_type, width, height, len(data))


def _read_header(data: bytes) -> tuple[str, int, int]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                image.verify()
                return image.format, *image.size
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise ImageRejected(f"Not a readable image: {error}") from None
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise ImageRejected("The image has too many pixels") from None


async def read_limited(request: Request, max_bytes: int) -> bytes:
    """The request body, refusing more than ``max_bytes`` (422 naming the body) without holding
    an oversized upload in memory."""
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise invalid("body", f"An image may be at most {max_bytes // (1024 * 1024)} MB")
        chunks.append(chunk)
    return b"".join(chunks)
