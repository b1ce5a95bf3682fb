"""Events the catalog reacts to: orders' (stock held for them, CAT-5, in reservations.py; stock
back from returns, in returns.py) and customers' settings-list items (the customer groups
price lists may name, CAT-3)."""

from catalog_service import customer_groups, reservations, returns

HANDLERS = {
    **reservations.HANDLERS,
    **returns.HANDLERS,
    **customer_groups.READ_MODEL.handlers(),
}
