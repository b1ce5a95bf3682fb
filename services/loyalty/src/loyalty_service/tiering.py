"""Tier recomputation (LOY-6): placeholder until tiers land."""


async def recompute(uow, customer_id) -> None:
    return None
