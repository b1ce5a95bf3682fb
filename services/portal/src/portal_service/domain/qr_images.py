"""The payment QR as an image (POR-5): PNG for the order page and e-mails, SVG for print.

Rendered with segno, in memory. Error correction M (about 15 % of the symbol may be damaged)
keeps a 90–180-character payload at version 5–9, coarse enough for a phone camera; it is not
raised when space allows (segno's ``boost_error``), so the level is the same for every code.
The quiet zone is 4 modules, the minimum the QR standard asks for; a code drawn without it
next to other content often fails to scan.
"""

from __future__ import annotations

import io

import segno

QUIET_ZONE = 4  # modules
TARGET_PX = 300  # 45–61 modules with the quiet zone, so 5–7 px a module


def _symbol(payload: str) -> segno.QRCode:
    if not payload:
        raise ValueError("nothing to encode")
    return segno.make_qr(payload, error="m", boost_error=False)


def _scale_for(qr: segno.QRCode, target_px: int = TARGET_PX) -> int:
    """Whole pixels a module, so that the image is about ``target_px`` wide; modules stay sharp."""
    width, _ = qr.symbol_size(scale=1, border=QUIET_ZONE)
    return max(1, round(target_px / width))


def png(payload: str, scale: int | None = None) -> bytes:
    """The PNG image; ``scale`` is pixels per module, by default whatever gives ~300 px."""
    qr = _symbol(payload)
    out = io.BytesIO()
    qr.save(out, kind="png", scale=scale or _scale_for(qr), border=QUIET_ZONE)
    return out.getvalue()


def svg(payload: str) -> bytes:
    """The SVG image (UTF-8), sized like the PNG; it scales without blurring when printed."""
    qr = _symbol(payload)
    out = io.BytesIO()
    qr.save(out, kind="svg", scale=_scale_for(qr), border=QUIET_ZONE, title="VietQR")
    return out.getvalue()
