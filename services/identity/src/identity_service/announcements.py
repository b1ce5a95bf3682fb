"""Staff and departments told to a service that starts consuming them after identity has been
running (suite_shared.messaging.announce): each as its ordinary "updated" event with its current
version, so a consumer that already has it ignores it and a new one gets everything."""

from __future__ import annotations

from sqlalchemy import select

from identity_service.departments import emit_department, members_of, out_with
from identity_service.models import ANNOUNCED_TO, Department, User
from identity_service.repository import emit_user
from suite_shared.events.identity import DepartmentUpdated, UserUpdated
from suite_shared.messaging.announce import announce_to_new_consumers
from suite_shared.service import Runtime
from suite_shared.uow import UnitOfWork


async def _every_user(uow: UnitOfWork) -> int:
    # FOR SHARE: a change made meanwhile waits, so its event (a newer version) comes after.
    users = (
        await uow.session.scalars(select(User).order_by(User.id).with_for_update(read=True))
    ).all()
    for user in users:
        emit_user(uow, user)
    return len(users)


async def _every_department(uow: UnitOfWork) -> int:
    departments = (
        await uow.session.scalars(
            select(Department).order_by(Department.id).with_for_update(read=True)
        )
    ).all()
    members = await members_of(uow.session, [d.id for d in departments])
    for department in departments:
        emit_department(uow, out_with(department, members[department.id]))
    return len(departments)


async def announce(runtime: Runtime) -> None:
    """After the first admin exists (bootstrap), so a new consumer learns it too."""
    for event_type, announcer in (
        (UserUpdated.event_type, _every_user),
        (DepartmentUpdated.event_type, _every_department),
    ):
        async with runtime.uow() as uow:
            await announce_to_new_consumers(uow, ANNOUNCED_TO, event_type, announcer)
