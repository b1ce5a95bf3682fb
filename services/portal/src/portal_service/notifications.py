"""The portal's e-mails to customers (POR-7): written in the same transaction as what they
tell, at most one per (kind, order) or account grant however often an event arrives, for the
events the settings tick and customers with a live account and an e-mail address; then sent by
``MailSender`` in the background. A restart resumes what is pending; a message interrupted
mid-send is marked failed and never sent twice (the SMTP server may have taken it)."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from datetime import UTC, datetime

import structlog
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert

from portal_service import settings_store
from portal_service.domain import mail_templates as mails
from portal_service.models import CUSTOMERS, Account, Notification, OrderCopy
from portal_service.models.accounts import ACTIVE
from portal_service.models.notifications import FAILED, PENDING, SENDING, SENT
from suite_shared.events.envelope import Envelope
from suite_shared.events.loyalty import TierChanged
from suite_shared.events.orders import OrderSnapshot
from suite_shared.mail import DeliveryError, SmtpMailer
from suite_shared.service import Runtime
from suite_shared.uow import UnitOfWork

log = structlog.get_logger(__name__)
SENDER_KEY = "portal_mail_sender"
MAX_ATTEMPTS = 5


def portal_url(settings, row) -> str:
    return f"{settings.public_base_url.rstrip('/')}/p/{row.access_path or ''}"


def order_link(settings, token: str) -> str:
    return f"{settings.public_base_url.rstrip('/')}/api/v1/portal/orders/link/{token}"


async def enqueue(session, key: str, kind: str, customer_id, to: str, mail: mails.Mail) -> None:
    await session.execute(
        insert(Notification)
        .values(
            id=uuid.uuid4(),
            dedupe_key=key,
            kind=kind,
            customer_id=customer_id,
            to_address=to,
            subject=mail.subject,
            body=mail.body,
            status=PENDING,
            attempts=0,
        )
        .on_conflict_do_nothing(index_elements=[Notification.dedupe_key])
    )


async def _recipient(session, row, kind: str, customer_id) -> str | None:
    """The customer's e-mail when the portal mails this kind and they have a live account."""
    if not row.enabled or kind not in row.notify:
        return None
    status = await session.scalar(select(Account.status).where(Account.customer_id == customer_id))
    if status != ACTIVE:
        return None
    customer = await CUSTOMERS.get(session, customer_id)
    return customer.email if customer and customer.email else None


async def on_order_event(uow: UnitOfWork, envelope: Envelope, order: OrderSnapshot, settings):
    kind = mails.ORDER_KINDS.get(envelope.type.rsplit(".", 1)[-1])
    if kind is None:
        return
    row = await settings_store.load(uow.session)
    to = await _recipient(uow.session, row, kind, order.customer_id)
    if to is None:
        return
    token = await uow.session.scalar(
        select(OrderCopy.link_token).where(OrderCopy.id == order.order_id)
    )
    mail = mails.order_event(
        kind,
        row.display_name,
        row.hotline,
        order.number,
        order.total,
        order_link(settings, token or ""),
        getattr(order, "reason", "") or "",
    )
    await enqueue(uow.session, f"{kind}:{order.order_id}", kind, order.customer_id, to, mail)


async def on_tier_changed(uow: UnitOfWork, envelope: Envelope, event: TierChanged) -> None:
    row = await settings_store.load(uow.session)
    to = await _recipient(uow.session, row, "tier_changed", event.customer_id)
    if to is None or not event.to_tier:
        return
    mail = mails.tier_changed(row.display_name, row.hotline, event.to_tier, event.direction)
    await enqueue(
        uow.session, f"tier_changed:{envelope.id}", "tier_changed", event.customer_id, to, mail
    )


async def on_account_granted(session, settings, account: Account, password: str) -> None:
    """The login and first password (a grant, or a reset), once per grant."""
    row = await settings_store.load(session)
    if not row.enabled or "account_granted" not in row.notify:
        return
    customer = await CUSTOMERS.get(session, account.customer_id)
    if customer is None or not customer.email:
        return
    mail = mails.account_granted(
        row.display_name, row.hotline, account.login, password, portal_url(settings, row)
    )
    key = f"account_granted:{account.id}:{account.version}"
    await enqueue(session, key, "account_granted", account.customer_id, customer.email, mail)


class MailSender:
    """Sends pending e-mails a batch at a time; woken after a commit that wrote some."""

    def __init__(self, runtime: Runtime, mailer: SmtpMailer, poll_interval_s: float, batch=20):
        self.runtime, self.mailer = runtime, mailer
        self.poll_interval_s, self.batch = poll_interval_s, batch
        self.wake = asyncio.Event()
        self._task: asyncio.Task | None = None

    async def start(self) -> None:
        await self._fail_interrupted()
        self._task = asyncio.create_task(self._run(), name="portal-mail-sender")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _fail_interrupted(self) -> None:
        async with self.runtime.uow() as uow:
            await uow.session.execute(
                update(Notification)
                .where(Notification.status == SENDING)
                .values(status=FAILED, error="interrupted while sending; not sent again")
            )
            await uow.commit()

    async def _run(self) -> None:
        while True:
            try:
                sent = await self.send_batch()
            except Exception:  # the database is down: try again later
                log.exception("portal mail pass failed")
                sent = 0
            if sent < self.batch:
                self.wake.clear()
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self.poll_interval_s):
                        await self.wake.wait()

    async def send_batch(self) -> int:
        """How many were sent; fewer than a batch makes the loop wait (also while the SMTP
        server is down, so a retry is not a busy loop)."""
        claimed = await self._claim()
        sent = 0
        for row in claimed:
            sent += await self._deliver(row)
        return sent

    async def _claim(self) -> list[Notification]:
        async with self.runtime.uow() as uow:
            rows = list(
                await uow.session.scalars(
                    select(Notification)
                    .where(Notification.status == PENDING)
                    .order_by(Notification.created_at)
                    .limit(self.batch)
                    .with_for_update(skip_locked=True)
                )
            )
            for row in rows:
                row.status, row.attempts = SENDING, row.attempts + 1
            await uow.commit()
            uow.session.expunge_all()
            return rows

    async def _deliver(self, row: Notification) -> int:
        status, error, sent_at = SENT, None, None
        try:
            await self.mailer.send(row.to_address, row.subject, row.body)
            sent_at = datetime.now(UTC)
        except DeliveryError as refused:  # this address: recorded, never retried
            status, error = FAILED, str(refused)[:500]
        except Exception as failed:  # the server: tried again later, a few times
            status = PENDING if row.attempts < MAX_ATTEMPTS else FAILED
            error = repr(failed)[:500]
        async with self.runtime.uow() as uow:
            values = {"status": status, "error": error, "sent_at": sent_at}
            if row.kind == "account_granted" and status == SENT:
                values["body"] = "(sent; the first password is not kept)"
            await uow.session.execute(
                update(Notification).where(Notification.id == row.id).values(**values)
            )
            await uow.commit()
        return 1 if status == SENT else 0
