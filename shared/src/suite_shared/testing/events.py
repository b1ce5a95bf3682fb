"""Events as another service publishes them, for service tests: onto the app's own broker, so
they reach the service through its real consumer (inbox, retries, ordering), and probes of what
the service made of them. Helpers for customers' settings-list items, which several services
copy (suite_shared.readmodels.list_items), are here too."""

from __future__ import annotations

from datetime import datetime

from prometheus_client import REGISTRY
from sqlalchemy import MetaData, func, select

from suite_shared.events import new_envelope
from suite_shared.events.envelope import Envelope
from suite_shared.messaging.tables import inbox
from suite_shared.readmodels.list_items import list_item_table
from suite_shared.testing.infra import eventually

# The read model's table as every service's migration creates it, to read any service's copy.
LIST_ITEMS = list_item_table(MetaData())


async def publish(
    app, source: str, type_: str, data, *, version: int | None = 1, subject=None, at=None
) -> Envelope:
    envelope = new_envelope(
        source=source,
        type=type_,
        data=data,
        version=version,
        subject=str(subject) if subject else None,
    )
    if at is not None:  # as if raised then: events without a version are ordered by it
        envelope.time = at
    await redeliver(app, envelope)
    return envelope


async def redeliver(app, envelope: Envelope) -> None:
    """Publish the envelope (again): a redelivery has the same event id."""
    await app.state.runtime.broker.publish(
        envelope.type, envelope.to_json_bytes(), message_id=envelope.id
    )


async def handled(app, envelope: Envelope) -> bool:
    """The service's consumer has handled this event (its inbox has it)."""
    async with app.state.runtime.session_factory() as session:
        found = await session.scalar(
            select(func.count()).select_from(inbox).where(inbox.c.message_id == envelope.id)
        )
        return found == 1


def duplicates_ignored(type_: str) -> float:
    """How many redeliveries of this event type consumers in this process have dropped."""
    labels = {"type": type_, "outcome": "duplicate"}
    return REGISTRY.get_sample_value("events_consumed_total", labels) or 0.0


async def list_item_changed(
    app,
    kind: str,
    key: str,
    name: str,
    action: str,
    at: datetime | None = None,
    version: int | None = None,
) -> Envelope:
    """customers' event for a settings-list item, with the item's version (in the payload and
    the envelope) or, by default, none, as events raised before items had versions."""
    data = {"kind": kind, "key": key, "name": name, "action": action}
    if version is not None:
        data["version"] = version
    return await publish(
        app, "customers", "customers.list_item.changed", data, version=version, at=at
    )


async def stored_item(app, kind: str, key: str) -> tuple[str, bool] | None:
    """(name, deleted) as the service's copy has the item, None when it has none."""
    t = LIST_ITEMS
    async with app.state.runtime.session_factory() as session:
        row = (
            await session.execute(
                select(t.c.name, t.c.deleted).where(t.c.kind == kind, t.c.key == key)
            )
        ).first()
        return tuple(row) if row else None


async def item_is(app, kind: str, key: str, expected: tuple[str, bool]) -> bool:
    return await stored_item(app, kind, key) == expected


async def known_item(app, kind: str, key: str, name: str) -> None:
    """Add the item as customers would, and wait until the service knows it."""
    await list_item_changed(app, kind, key, name, "created")
    await eventually(lambda: item_is(app, kind, key, (name, False)))
