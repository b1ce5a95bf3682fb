"""The portal's e-mails to customers (POR-7), in Vietnamese: subject and plain-text body for
each event a portal can tick. Plain functions of what they say, unit-tested."""

from __future__ import annotations

from dataclasses import dataclass

ORDER_KINDS = {
    "placed": "order_placed",
    "confirmed": "order_confirmed",
    "delivering": "order_delivering",
    "completed": "order_completed",
    "cancelled": "order_cancelled",
}
ORDER_SUBJECTS = {
    "order_placed": "Đơn hàng {number} đã được ghi nhận",
    "order_confirmed": "Đơn hàng {number} đã được xác nhận",
    "order_delivering": "Đơn hàng {number} đang được giao",
    "order_completed": "Đơn hàng {number} đã hoàn thành",
    "order_cancelled": "Đơn hàng {number} đã bị hủy",
}
ORDER_LINES = {
    "order_placed": "Cảm ơn quý khách đã đặt hàng. Chúng tôi sẽ liên hệ để xác nhận đơn.",
    "order_confirmed": "Đơn hàng của quý khách đã được xác nhận và đang được chuẩn bị.",
    "order_delivering": "Đơn hàng của quý khách đang trên đường giao đến.",
    "order_completed": "Đơn hàng đã hoàn thành. Cảm ơn quý khách đã mua hàng!",
    "order_cancelled": "Đơn hàng của quý khách đã bị hủy.",
}


@dataclass(frozen=True)
class Mail:
    subject: str
    body: str


def money(amount: int) -> str:
    """1250000 → '1.250.000 ₫' (Vietnamese thousands separator)."""
    return f"{amount:,}".replace(",", ".") + " ₫"


def _signature(portal: str, hotline: str) -> str:
    return f"\n\nTrân trọng,\n{portal}\nHotline: {hotline}\n"


def account_granted(portal: str, hotline: str, login: str, password: str, url: str) -> Mail:
    body = (
        f"Xin chào quý khách,\n\n{portal} đã tạo tài khoản cổng thông tin cho quý khách.\n\n"
        f"Địa chỉ: {url}\nTên đăng nhập: {login}\nMật khẩu lần đầu: {password}\n\n"
        "Quý khách sẽ được yêu cầu đổi mật khẩu ở lần đăng nhập đầu tiên."
    )
    return Mail(f"Tài khoản cổng thông tin {portal}", body + _signature(portal, hotline))


def order_event(
    kind: str, portal: str, hotline: str, number: str, total: int, link: str, reason: str = ""
) -> Mail:
    lines = [f"Xin chào quý khách,\n\n{ORDER_LINES[kind]}", f"Mã đơn hàng: {number}"]
    lines.append(f"Tổng tiền: {money(total)}")
    if kind == "order_cancelled" and reason:
        lines.append(f"Lý do: {reason}")
    lines.append(f"Xem đơn hàng: {link}")
    body = "\n".join(lines)
    return Mail(ORDER_SUBJECTS[kind].format(number=number), body + _signature(portal, hotline))


def tier_changed(portal: str, hotline: str, tier: str, direction: str) -> Mail:
    if direction == "up":
        line = f"Chúc mừng! Quý khách đã được nâng lên hạng {tier}."
    else:
        line = f"Hạng thành viên của quý khách nay là {tier}."
    body = f"Xin chào quý khách,\n\n{line}"
    return Mail(f"Hạng thành viên mới: {tier}", body + _signature(portal, hotline))
