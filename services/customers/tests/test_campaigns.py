"""CUS-9 bulk messages: real SMTP (aiosmtpd started here), per-recipient status, timeline
entries, and resuming after a restart without sending anyone the same campaign twice."""

import uuid

import pytest
from sqlalchemy import update

from customers_service.app import create_app
from customers_service.models import CampaignRecipient
from suite_shared.testing.apps import app_client
from suite_shared.testing.assertions import assert_problem
from suite_shared.testing.infra import eventually
from suite_shared.testing.mail import smtp_server
from suite_shared.testing.servers import free_port


@pytest.fixture
def smtp():
    with smtp_server() as server:
        yield server


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def mail_settings(settings, controller, **overrides):
    return settings.model_copy(
        update={
            "smtp_host": "127.0.0.1",
            "smtp_port": controller.port,
            "campaign_poll_interval_s": 0.05,
            **overrides,
        }
    )


async def customers(client, token, *emails) -> list[str]:
    ids = []
    for i, address in enumerate(emails):
        response = await client.post(
            "/customers",
            headers=auth(token),
            json={"name": f"Khách {i}", "email": address, "phone": f"09120000{i:02d}"},
        )
        ids.append(response.json()["id"])
    return ids


async def finished(client, token, campaign_id):
    async def done():
        body = (await client.get(f"/campaigns/{campaign_id}", headers=auth(token))).json()
        return body if body["status"] == "done" else None

    return await eventually(done, timeout=20)


async def test_email_campaign_reaches_each_recipient_once(settings, smtp, make_token):
    controller, inbox = smtp
    token = make_token(uuid.uuid4())
    async with app_client(create_app(mail_settings(settings, controller))) as client:
        ids = await customers(client, token, "an@example.vn", "binh@example.vn", None)
        response = await client.post(
            "/campaigns",
            headers=auth(token),
            json={
                "channel": "email",
                "subject": "Khuyến mãi tháng 12",
                "body": "Giảm 10% đơn sỉ",
                "customer_ids": ids,
            },
        )
        assert response.status_code == 202, response.text
        campaign = await finished(client, token, response.json()["id"])
        assert campaign["counts"] == {"sent": 2, "skipped": 1}
        assert sorted(m[0][0] for m in inbox.messages) == ["an@example.vn", "binh@example.vn"]
        assert inbox.messages[0][1]["Subject"] == "Khuyến mãi tháng 12"
        recipients = await client.get(
            f"/campaigns/{campaign['id']}/recipients",
            headers=auth(token),
            params={"status": "skipped"},
        )
        (skipped,) = recipients.json()["items"]
        assert skipped["customer_id"] == ids[2] and "no email" in skipped["error"]
        timeline = await client.get(f"/customers/{ids[0]}/timeline", headers=auth(token))
        (entry,) = timeline.json()["items"]
        assert entry["kind"] == "message" and entry["details"]["status"] == "sent"


async def test_sms_campaign_by_filter_and_visibility(settings, smtp, make_token):
    controller, _ = smtp
    me, other = make_token(uuid.uuid4()), make_token(uuid.uuid4())
    async with app_client(create_app(mail_settings(settings, controller))) as client:
        mine = await customers(client, me, "a@x.vn", "b@x.vn")
        theirs = await customers(client, other, "c@x.vn")
        response = await client.post(
            "/campaigns",
            headers=auth(me),
            json={"channel": "sms", "body": "Hàng mới về", "filter": {}},
        )
        campaign = await finished(client, me, response.json()["id"])
        assert campaign["counts"] == {"sent": 2}  # only the sender's own customers
        refused = await client.post(
            "/campaigns",
            headers=auth(me),
            json={"channel": "sms", "body": "x", "customer_ids": mine + theirs},
        )
        assert_problem(refused, 404, "not-found")
        assert (
            await client.get(f"/campaigns/{campaign['id']}", headers=auth(other))
        ).status_code == 404
        no_subject = await client.post(
            "/campaigns",
            headers=auth(me),
            json={"channel": "email", "body": "x", "customer_ids": mine},
        )
        assert no_subject.status_code == 422


async def test_a_restart_resumes_pending_and_never_resends(settings, smtp, make_token):
    controller, inbox = smtp
    token = make_token(uuid.uuid4())
    staged = create_app(mail_settings(settings, controller, campaign_sender_enabled=False))
    async with app_client(staged) as client:
        ids = await customers(client, token, "a@x.vn", "b@x.vn", "c@x.vn")
        response = await client.post(
            "/campaigns",
            headers=auth(token),
            json={"channel": "email", "subject": "S", "body": "B", "customer_ids": ids},
        )
        campaign_id = response.json()["id"]
        # The first recipient was being sent when the process died.
        async with staged.state.runtime.uow() as uow:
            await uow.session.execute(
                update(CampaignRecipient)
                .where(CampaignRecipient.customer_id == ids[0])
                .values(status="sending")
            )
            await uow.commit()
    assert inbox.messages == []
    async with app_client(create_app(mail_settings(settings, controller))) as client:
        campaign = await finished(client, token, campaign_id)
        assert campaign["counts"] == {"sent": 2, "failed": 1}
        assert sorted(m[0][0] for m in inbox.messages) == ["b@x.vn", "c@x.vn"]
    # A third start finds nothing left to send.
    async with app_client(create_app(mail_settings(settings, controller))) as client:
        assert (await client.get(f"/campaigns/{campaign_id}", headers=auth(token))).json()[
            "counts"
        ] == {"sent": 2, "failed": 1}
    assert len(inbox.messages) == 2


async def test_smtp_down_marks_recipients_failed(settings, make_token):
    token = make_token(uuid.uuid4())
    dead = settings.model_copy(update={"smtp_port": free_port(), "campaign_poll_interval_s": 0.05})
    async with app_client(create_app(dead)) as client:
        ids = await customers(client, token, "a@x.vn")
        response = await client.post(
            "/campaigns",
            headers=auth(token),
            json={"channel": "email", "subject": "S", "body": "B", "customer_ids": ids},
        )
        campaign = await finished(client, token, response.json()["id"])
        assert campaign["counts"] == {"failed": 1}
