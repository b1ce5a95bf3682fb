"""Customers as the customers service announces them, for the tests of services that keep a
copy (suite_shared.readmodels.customers): a snapshot with sensible Vietnamese defaults, and
one published onto the app's own broker and waited for in the service's read model."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from suite_shared.events.customers import CustomerCreated, CustomerSnapshot
from suite_shared.readmodels.customers import CustomerReadModel
from suite_shared.testing.events import publish
from suite_shared.testing.infra import eventually


def customer_snapshot(
    customer_id: uuid.UUID | None = None,
    *,
    name: str = "Nguyễn Văn An",
    groups: Iterable[str] = (),
    owner: uuid.UUID | None = None,
    **fields,
) -> CustomerSnapshot:
    customer_id = customer_id or uuid.uuid4()
    values = {
        "customer_id": customer_id,
        "code": f"KH{customer_id.hex[:6]}",
        "name": name,
        "kind": "person",
        "phone": None,
        "email": None,
        "source": None,
        "groups": list(groups),
        "social_page": None,
        "owner_id": owner,
        "lifecycle_stage": "customer",
        "created_by": None,
        "updated_by": None,
        **fields,
    }
    return CustomerSnapshot(**values)


async def announce_customer(app, read_model: CustomerReadModel, **snapshot) -> uuid.UUID:
    """Publish ``customers.customer.created`` for a new customer (``customer_snapshot``'s
    arguments) and wait until the service's read model knows them; their id."""
    customer = customer_snapshot(**snapshot)
    await publish(
        app, "customers", "customers.customer.created", CustomerCreated(customer=customer)
    )

    async def known():
        async with app.state.runtime.session_factory() as session:
            return await read_model.get(session, customer.customer_id)

    await eventually(known)
    return customer.customer_id
