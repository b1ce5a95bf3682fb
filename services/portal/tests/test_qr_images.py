"""QR images: the PNG decodes back to the payload (zxing-cpp, as a phone's scanner would)."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

import pytest
import zxingcpp
from PIL import Image

from portal_service.domain import qr_images
from portal_service.domain.vietqr import payload, transfer_note

ORDER_CODE = payload(
    "970436",
    "0011001234567",
    1_250_000,
    transfer_note("DH000123", "Nguyễn Văn Á"),
    merchant_name="CONG TY TNHH PHAN PHOI AN",
    merchant_city="Ha Noi",
)


def decoded(png: bytes) -> list[str]:
    return [barcode.text for barcode in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


@pytest.mark.parametrize("code", [ORDER_CODE, payload("970436", "0011001234567", None, None)])
def test_png_decodes_to_the_payload(code):
    image = qr_images.png(code)
    assert image.startswith(b"\x89PNG\r\n\x1a\n")
    assert decoded(image) == [code]


def test_png_is_about_300_px_with_a_quiet_zone():
    with Image.open(io.BytesIO(qr_images.png(ORDER_CODE))) as image:
        width, height = image.size
        assert width == height
        assert 250 <= width <= 350
        # the quiet zone: the outer 4 modules (≥ 16 px at this scale) are white
        grey = image.convert("L")
        assert all(grey.getpixel((x, y)) == 255 for x in range(16) for y in range(height))


def test_png_scale_is_pixels_per_module():
    small = Image.open(io.BytesIO(qr_images.png(ORDER_CODE, scale=2)))
    large = Image.open(io.BytesIO(qr_images.png(ORDER_CODE, scale=8)))
    assert large.size[0] == 4 * small.size[0]
    assert decoded(qr_images.png(ORDER_CODE, scale=8)) == [ORDER_CODE]


def test_svg_is_well_formed():
    root = ET.fromstring(qr_images.svg(ORDER_CODE))
    assert root.tag in {"svg", "{http://www.w3.org/2000/svg}svg"}
    assert 250 <= float(root.get("width")) <= 350


def test_nothing_to_encode_is_refused():
    with pytest.raises(ValueError):
        qr_images.png("")
