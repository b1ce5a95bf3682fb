"""Events the catalog reacts to: orders' (stock held for them, CAT-5, in reservations.py) and
customers' settings-list items (the customer groups price lists may name, CAT-3)."""

from catalog_service import customer_groups, reservations

HANDLERS = {**reservations.HANDLERS, **customer_groups.READ_MODEL.handlers()}
