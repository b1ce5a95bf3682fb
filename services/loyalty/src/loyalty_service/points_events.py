"""Points on the order's life (LOY-2, LOY-3, LOY-4): placeholder until the ledger lands."""

HANDLERS: dict = {}
