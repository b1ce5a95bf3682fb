"""Voucher uses on the order's life (LOY-7): placeholder until vouchers land."""

HANDLERS: dict = {}
