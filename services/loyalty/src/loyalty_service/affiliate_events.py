"""Commissions on the order's life and the product read model (LOY-8): placeholder until
affiliates land."""


async def _ignore(uow, envelope, event) -> None:
    return None


HANDLERS: dict = {}
PRODUCT_HANDLERS: dict = {
    "catalog.product.created": _ignore,
    "catalog.product.updated": _ignore,
    "catalog.product.status_changed": _ignore,
}
