"""Bulk messages (CUS-9): a campaign's recipients are fixed when it is created, then a sender
works through them in the background — in this process, resuming after a restart from what the
database says is still pending.

Each recipient goes pending → sending (committed) → sent / failed; a row found in "sending" at
start was interrupted mid-send and is marked failed, never sent again.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from datetime import UTC, datetime

import structlog
from sqlalchemy import and_, exists, func, insert, select, update

from customers_service import timeline
from customers_service.message_providers import DeliveryError, Provider
from customers_service.models import Campaign, CampaignRecipient
from customers_service.schemas import CampaignCreate
from customers_service.selection import select_customers
from suite_shared.auth import Principal
from suite_shared.service import Runtime
from suite_shared.uow import UnitOfWork

log = structlog.get_logger(__name__)


async def create(uow: UnitOfWork, principal: Principal, body: CampaignCreate) -> uuid.UUID:
    customers = await select_customers(uow.session, principal, body, lock=False)
    campaign_id = uuid.uuid4()
    uow.session.add(
        Campaign(
            id=campaign_id,
            channel=body.channel,
            subject=body.subject,
            body=body.body,
            created_by=principal.id,
        )
    )
    await uow.session.flush()
    rows = []
    for customer in customers:
        address = customer.email if body.channel == "email" else customer.phone
        rows.append(
            {
                "campaign_id": campaign_id,
                "customer_id": customer.id,
                "address": address,
                "status": "pending" if address else "skipped",
                "error": None if address else f"no {body.channel} address",
            }
        )
    await uow.session.execute(insert(CampaignRecipient), rows)
    return campaign_id


class CampaignSender:
    def __init__(
        self,
        runtime: Runtime,
        providers: dict[str, Provider],
        batch_size: int,
        poll_interval_s: float,
    ):
        self.runtime = runtime
        self.providers = providers
        self.batch_size = batch_size
        self.poll_interval_s = poll_interval_s
        self.wake = asyncio.Event()
        self._task: asyncio.Task | None = None

    async def start(self) -> None:
        await self.fail_interrupted()
        self._task = asyncio.create_task(self._run(), name="campaign-sender")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def fail_interrupted(self) -> None:
        async with self.runtime.uow() as uow:
            await uow.session.execute(
                update(CampaignRecipient)
                .where(CampaignRecipient.status == "sending")
                .values(status="failed", error="interrupted while sending; not sent again")
            )
            await uow.commit()

    async def _run(self) -> None:
        while True:
            try:
                sent = await self.send_batch()
            except Exception:  # the database or a provider is down: try again later
                log.exception("campaign pass failed")
                sent = 0
            if sent < self.batch_size:
                self.wake.clear()
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self.poll_interval_s):
                        await self.wake.wait()

    async def send_batch(self) -> int:
        claimed = await self._claim()
        outcomes = []
        for row in claimed:
            outcomes.append(await self._deliver(row))
        if claimed:
            await self._record(outcomes)
        return len(claimed)

    async def _claim(self):
        async with self.runtime.uow() as uow:
            rows = (
                await uow.session.execute(
                    select(
                        CampaignRecipient.campaign_id,
                        CampaignRecipient.customer_id,
                        CampaignRecipient.address,
                        Campaign.channel,
                        Campaign.subject,
                        Campaign.body,
                    )
                    .join(Campaign, Campaign.id == CampaignRecipient.campaign_id)
                    .where(CampaignRecipient.status == "pending")
                    .order_by(Campaign.created_at, CampaignRecipient.customer_id)
                    .limit(self.batch_size)
                    .with_for_update(of=CampaignRecipient, skip_locked=True)
                )
            ).all()
            for row in rows:
                await uow.session.execute(
                    update(CampaignRecipient)
                    .where(
                        CampaignRecipient.campaign_id == row.campaign_id,
                        CampaignRecipient.customer_id == row.customer_id,
                    )
                    .values(status="sending")
                )
            await uow.commit()
        return rows

    async def _deliver(self, row) -> tuple:
        try:
            await self.providers[row.channel].send(row.address, row.subject, row.body)
            return row, "sent", None
        except DeliveryError as error:
            return row, "failed", str(error)[:500]
        except Exception as error:  # the provider itself failed: this one is not sent
            log.warning("message not sent", channel=row.channel, error=repr(error))
            return row, "failed", repr(error)[:500]

    async def _record(self, outcomes) -> None:
        now = datetime.now(UTC)
        async with self.runtime.uow() as uow:
            for row, status, error in outcomes:
                await uow.session.execute(
                    update(CampaignRecipient)
                    .where(
                        CampaignRecipient.campaign_id == row.campaign_id,
                        CampaignRecipient.customer_id == row.customer_id,
                    )
                    .values(status=status, error=error, sent_at=now if status == "sent" else None)
                )
                await timeline.record(
                    uow.session,
                    customer_id=row.customer_id,
                    kind="message",
                    at=now,
                    source_ref=f"{row.campaign_id}:{row.customer_id}",
                    subject=row.subject,
                    body=row.body,
                    details={
                        "channel": row.channel,
                        "address": row.address,
                        "status": status,
                        "campaign_id": str(row.campaign_id),
                        **({"error": error} if error else {}),
                    },
                )
            await self._finish_campaigns(uow, {row.campaign_id for row, _, _ in outcomes})
            await uow.commit()

    @staticmethod
    async def _finish_campaigns(uow, campaign_ids) -> None:
        open_rows = exists().where(
            and_(
                CampaignRecipient.campaign_id == Campaign.id,
                CampaignRecipient.status.in_(("pending", "sending")),
            )
        )
        await uow.session.execute(
            update(Campaign)
            .where(Campaign.id.in_(campaign_ids), ~open_rows)
            .values(status="done", finished_at=func.now())
        )
