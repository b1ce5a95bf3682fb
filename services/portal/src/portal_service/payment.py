"""The bank transfer of a portal order (POR-5): the amount is the order's total, the message
starts with the order number (accent-free, ≤ 25 characters), and the VietQR code says both to
any Vietnamese banking app; the account details show when the settings say so."""

from __future__ import annotations

from portal_service.domain import vietqr
from portal_service.domain.banks import bank_by_bin
from portal_service.models import PortalSettingsRow
from portal_service.schemas.shop import PaymentOut

TRANSFER_EXTRA = "thanh toan"


def payment_for(row: PortalSettingsRow, order_id, number: str, total: int) -> PaymentOut | None:
    """None when the portal takes no transfers, or the order has nothing to pay."""
    if not (row.payment_enabled and row.bank_bin and row.bank_account) or total <= 0:
        return None
    note = vietqr.transfer_note(number, TRANSFER_EXTRA)
    bank = bank_by_bin(row.bank_bin)
    shown = row.show_bank_details
    return PaymentOut(
        amount=total,
        note=note,
        payload=vietqr.payload(row.bank_bin, row.bank_account, total, note),
        png_url=f"/orders/{order_id}/payment-qr.png",
        svg_url=f"/orders/{order_id}/payment-qr.svg",
        bank_bin=row.bank_bin,
        bank_name=bank.short_name if bank else None,
        account_number=row.bank_account if shown else None,
        account_holder=row.bank_account_holder if shown else None,
    )
