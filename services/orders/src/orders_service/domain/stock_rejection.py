"""Why an order the catalog could not reserve was cancelled, in words staff read on the order
(and the customer on the portal). The catalog names a reason per line
(suite_shared.events.catalog.ShortLine): running out of stock is the usual one; the others mean
the order named something the catalog cannot supply at all."""

from __future__ import annotations

OUT_OF_STOCK = "out_of_stock"

REASONS = {
    OUT_OF_STOCK: "Hết hàng (out of stock)",
    "unknown_warehouse": "Kho không tồn tại (unknown warehouse)",
    "inactive_warehouse": "Kho ngừng hoạt động (warehouse not in use)",
    "unknown_product": "Sản phẩm không tồn tại (unknown product)",
    "product_trashed": "Sản phẩm đã bị xoá (product deleted)",
    "unknown_unit": "Đơn vị tính không tồn tại (unknown unit)",
    "invalid_quantity": "Số lượng không hợp lệ (invalid quantity)",
    "quantity_too_large": "Số lượng quá lớn (quantity too large)",
}


def cancel_reason(reason: str, short_line_reasons: list[str]) -> str:
    """One sentence for the order's history: a line that cannot be supplied at all says more
    than a shortage, so it goes first; several reasons are joined."""
    reasons = [r for r in dict.fromkeys([*short_line_reasons, reason]) if r]
    reasons.sort(key=lambda r: r == OUT_OF_STOCK)
    words = [REASONS.get(r, f"Không thể giữ hàng ({r})") for r in reasons] or [
        REASONS[OUT_OF_STOCK]
    ]
    return "; ".join(words)
