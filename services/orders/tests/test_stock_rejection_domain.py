from orders_service.domain.stock_rejection import cancel_reason


def test_a_shortage_reads_out_of_stock():
    assert cancel_reason("out_of_stock", ["out_of_stock"]) == "Hết hàng (out of stock)"


def test_a_line_that_cannot_be_supplied_says_why_first():
    text = cancel_reason("unknown_warehouse", ["out_of_stock", "unknown_warehouse"])
    assert text == "Kho không tồn tại (unknown warehouse); Hết hàng (out of stock)"


def test_an_unknown_reason_still_reads_as_a_sentence():
    assert cancel_reason("frozen_stock", []) == "Không thể giữ hàng (frozen_stock)"
