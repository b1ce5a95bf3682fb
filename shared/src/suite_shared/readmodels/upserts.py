"""Statements that keep a copy of another service's records from its events, built once.

A read model's handler runs for every event, so its statement is built when the service starts
and executed with the event's values as parameters: building the same ``INSERT … ON CONFLICT``
with its ``CASE`` expressions for each event cost ~0.4 ms of CPU, more than executing it
(docs/performance.md)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sqlalchemy import Table, bindparam, case
from sqlalchemy.dialects.postgresql import Insert, insert


def newer_wins_upsert(
    table: Table, columns: Iterable[str], guarded: Mapping[str, Iterable[str]]
) -> Insert:
    """``INSERT (columns) … ON CONFLICT (id) DO UPDATE``, where each group of columns in
    ``guarded`` (keyed by its version column, which belongs to the group) takes the incoming
    values only when the stored version is older. Execute it with a dict of every column."""
    statement = insert(table).values({c: bindparam(c, type_=table.c[c].type) for c in columns})
    changes = {}
    for version, group in guarded.items():
        newer = table.c[version] < statement.excluded[version]
        for column in group:
            changes[column] = case((newer, statement.excluded[column]), else_=table.c[column])
    return statement.on_conflict_do_update(index_elements=[table.c.id], set_=changes)


def newer_only_upsert(
    table: Table, columns: Iterable[str], version: str, updated: Iterable[str]
) -> Insert:
    """``INSERT (columns) … ON CONFLICT (id) DO UPDATE`` of the ``updated`` columns only where
    the stored ``version`` is older than the incoming one (an owner change: it may come first,
    and then the row holds only what it brought until the snapshot arrives)."""
    statement = insert(table).values({c: bindparam(c, type_=table.c[c].type) for c in columns})
    return statement.on_conflict_do_update(
        index_elements=[table.c.id],
        set_={c: statement.excluded[c] for c in updated},
        where=table.c[version] < statement.excluded[version],
    )
