"""POR-7: e-mails for the events the settings tick, in Vietnamese, to customers with a live
account and an e-mail, each sent exactly once however often its event arrives, resumed after a
restart; tested against a real SMTP server (aiosmtpd)."""

import uuid

import pytest
from sqlalchemy import select, update

from portal_service.app import create_app
from portal_service.domain import mail_templates
from portal_service.models import CUSTOMERS, Notification
from suite_shared.events.loyalty import TierChanged
from suite_shared.events.orders import OrderConfirmed
from suite_shared.testing.apps import app_client
from suite_shared.testing.customers import announce_customer
from suite_shared.testing.events import handled, publish, redeliver
from suite_shared.testing.infra import eventually
from suite_shared.testing.mail import smtp_server

from .test_lookup import placed
from .test_settings_api import settings_body

EVERY = list(mail_templates.ORDER_KINDS.values()) + ["account_granted", "tier_changed"]


@pytest.fixture
def smtp():
    with smtp_server() as server:
        yield server


@pytest.fixture
def mail_settings(settings, smtp):
    controller, _ = smtp
    return settings.model_copy(
        update={
            "smtp_port": controller.port,
            "mail_poll_interval_s": 0.05,
            "public_base_url": "https://shop.abc.vn",
        }
    )


async def setup(app, client, make_token, notify=EVERY, email="lan@example.vn"):
    admin = make_token.headers(permissions=["portal.configure", "customers.view_all"])
    body = settings_body(notify=notify)
    assert (await client.put("/settings", json=body, headers=admin)).status_code == 200
    customer_id = await announce_customer(
        app, CUSTOMERS, phone="0912 345 678", email=email, name="Trần Thị Lan"
    )
    granted = await client.post("/accounts", json={"customer_id": str(customer_id)}, headers=admin)
    assert granted.status_code == 201, granted.text
    return customer_id, admin, granted.json()


def text_of(message) -> str:
    return message.get_body(("plain",)).get_content()


def test_money_is_written_the_vietnamese_way():
    assert mail_templates.money(1_250_000) == "1.250.000 ₫"
    assert mail_templates.money(0) == "0 ₫"


async def test_each_ticked_event_mails_the_customer_once(mail_settings, smtp, make_token):
    _, inbox = smtp
    app = create_app(mail_settings)
    async with app_client(app) as client:
        customer_id, admin, account = await setup(app, client, make_token)
        granted = await eventually(lambda: inbox.to("lan@example.vn") or None)
        assert granted[0]["Subject"] == "Tài khoản cổng thông tin Tập đoàn ABC"
        body = text_of(granted[0])
        assert "Tên đăng nhập: +84912345678" in body and "Mật khẩu lần đầu: ChaoMung2026" in body
        order = placed(customer_id=customer_id, total=1_250_000)
        first = await publish(app, "orders", "orders.order.placed", order, version=1)
        await eventually(lambda: handled(app, first))
        await redeliver(app, first)  # the same event again
        again = await publish(app, "orders", "orders.order.placed", order, version=1)  # a replay
        await eventually(lambda: handled(app, again))
        confirmed = OrderConfirmed(**{**order.model_dump(), "status": "confirmed"})
        done = await publish(app, "orders", "orders.order.confirmed", confirmed, version=2)
        await eventually(lambda: handled(app, done))
        tier = TierChanged(
            customer_id=customer_id,
            from_tier_id=None,
            from_tier=None,
            to_tier_id=uuid.uuid4(),
            to_tier="Vàng",
            direction="up",
            measure="spend",
            value=10_000_000,
            at=order.placed_at,
        )
        moved = await publish(app, "loyalty", "loyalty.tier.changed", tier, version=None)
        await eventually(lambda: handled(app, moved))
        mails = await eventually(lambda: m if len(m := inbox.to("lan@example.vn")) >= 4 else None)
        subjects = [m["Subject"] for m in mails]
        assert subjects == [
            "Tài khoản cổng thông tin Tập đoàn ABC",
            "Đơn hàng DH000042 đã được ghi nhận",
            "Đơn hàng DH000042 đã được xác nhận",
            "Hạng thành viên mới: Vàng",
        ]
        placed_body = text_of(mails[1])
        assert "Tổng tiền: 1.250.000 ₫" in placed_body
        assert "https://shop.abc.vn/api/v1/portal/orders/link/" in placed_body
        async with app.state.runtime.session_factory() as session:
            kept = await session.scalar(
                select(Notification.body).where(Notification.kind == "account_granted")
            )
        assert "ChaoMung2026" not in kept  # the first password is not kept once sent


async def test_unticked_events_and_customers_without_email_get_nothing(
    mail_settings, smtp, make_token
):
    _, inbox = smtp
    app = create_app(mail_settings)
    async with app_client(app) as client:
        customer_id, _, _ = await setup(app, client, make_token, notify=["order_confirmed"])
        event = placed(customer_id=customer_id)
        envelope = await publish(app, "orders", "orders.order.placed", event, version=1)
        await eventually(lambda: handled(app, envelope))
        async with app.state.runtime.session_factory() as session:
            assert (await session.scalars(select(Notification))).all() == []
    assert inbox.messages == []


async def test_a_restart_resumes_pending_mail_and_never_resends(mail_settings, smtp, make_token):
    _, inbox = smtp
    quiet = mail_settings.model_copy(update={"mail_sender_enabled": False})
    app = create_app(quiet)
    async with app_client(app) as client:
        customer_id, _, _ = await setup(app, client, make_token)
        for number in ("DH000101", "DH000102"):
            event = placed(number=number, customer_id=customer_id)
            envelope = await publish(app, "orders", "orders.order.placed", event, version=1)
            await eventually(lambda envelope=envelope: handled(app, envelope))
        async with app.state.runtime.session_factory() as session:
            # One was being sent when the process died: the server may have it already.
            await session.execute(
                update(Notification)
                .where(Notification.subject.contains("DH000101"))
                .values(status="sending")
            )
            await session.commit()
    assert inbox.messages == []
    app = create_app(mail_settings)  # the restart
    async with app_client(app):
        mails = await eventually(lambda: m if len(m := inbox.to("lan@example.vn")) >= 2 else None)
        subjects = sorted(m["Subject"] for m in mails)
        assert subjects == [
            "Tài khoản cổng thông tin Tập đoàn ABC",
            "Đơn hàng DH000102 đã được ghi nhận",
        ]
        async with app.state.runtime.session_factory() as session:
            status = await session.scalar(
                select(Notification.status).where(Notification.subject.contains("DH000101"))
            )
        assert status == "failed"
