"""The permission catalogue (IDN-3) and the built-in roles.

Permissions name what a role may do beyond the everyday work every salesperson does (their own
customers and orders need no permission). The built-in ``admin`` role holds all of them and
cannot be edited or deleted, so the suite always has a way back in. The built-in ``sales``
role holds none: everyday work is what a token grants without permissions; an administrator
may widen it (say, with customers.handover) without creating a new role.
"""

from __future__ import annotations

PERMISSIONS: dict[str, str] = {
    "portal.configure": "Set up the customer portal",
    "customers.handover": "Assign customers to other salespeople",
    "customers.view_all": "See every customer, not only one's own",
    "customers.settings": "Manage customer settings: lists, duplicate and required fields",
    "orders.view_all": "See every order, not only one's own",
    "orders.settings": "Manage order settings: contract types",
    "rules.manage": "Create and change owner-transfer rules",
    "loyalty.configure": "Configure the loyalty program: settings, tiers, vouchers, affiliates",
    "loyalty.adjust": "Give or withdraw a customer's points by hand",
    "catalog.manage": "Change products, prices and stock",
    "sync.manage": "Configure the KiotViet synchronisation",
    "staff.manage": "Manage staff users, roles and departments",
}
ALL_PERMISSIONS: frozenset[str] = frozenset(PERMISSIONS)

STAFF_MANAGE = "staff.manage"
ADMIN_ROLE = "admin"
SALES_ROLE = "sales"

BUILTIN_ROLES: dict[str, tuple[str, list[str]]] = {
    ADMIN_ROLE: ("Every permission", sorted(ALL_PERMISSIONS)),
    SALES_ROLE: ("Everyday sales work: own customers and orders", []),
}


class UnknownPermission(ValueError):
    pass


def clean_permissions(values: list[str]) -> list[str]:
    """Sorted, de-duplicated permissions; anything outside the catalogue is an error."""
    unknown = sorted(set(values) - ALL_PERMISSIONS)
    if unknown:
        raise UnknownPermission(f"unknown permission(s): {', '.join(unknown)}")
    return sorted(set(values))
