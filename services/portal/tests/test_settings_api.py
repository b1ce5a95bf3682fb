"""POR-1, POR-2: the portal's settings, only with portal.configure; every refusal names its
field and changes nothing; the logo and banners are checked from their bytes."""

import uuid

import pytest

from suite_shared.testing.assertions import assert_problem, outbox_events

from .images import image

CONFIGURE = ["portal.configure"]
VCB = "970436"


def settings_body(**overrides) -> dict:
    body = {
        "enabled": True,
        "access_path": "TapDoanABC",
        "display_name": "Tập đoàn ABC",
        "hotline": "1900 1234",
        "support_email": "hotro@abc.vn",
        "default_password": "ChaoMung2026",
        "notify": ["account_granted", "order_placed"],
        "products": {"mode": "all", "conditions": []},
        "stock": {"show": True, "basis": "available"},
        "payment": {
            "enabled": True,
            "bank_bin": VCB,
            "account_number": "0011001234567",
            "account_holder": "CONG TY ABC",
        },
        "receiver": {"kind": "user", "user_id": str(uuid.uuid4())},
    }
    body.update(overrides)
    return body


@pytest.fixture
def admin(make_token):
    return make_token.headers(permissions=CONFIGURE)


async def test_only_portal_configure_reads_and_changes_settings(client, make_token):
    assert (await client.get("/settings")).status_code == 401
    sales = make_token.headers()
    assert (await client.get("/settings", headers=sales)).status_code == 403
    assert (await client.put("/settings", json=settings_body(), headers=sales)).status_code == 403
    customer = make_token.headers(kind="customer")
    assert (await client.get("/settings", headers=customer)).status_code == 403


async def test_saving_settings_keeps_the_default_password_secret_and_tells_the_rules_engine(
    app, client, admin
):
    saved = await client.put("/settings", json=settings_body(), headers=admin)
    assert saved.status_code == 200, saved.text
    body = saved.json()
    assert body["version"] == 1 and body["access_path"] == "TapDoanABC"
    assert body["default_password_set"] is True and "default_password" not in body
    assert body["bank"]["short_name"] == "Vietcombank"
    events = await outbox_events(app, "portal.settings.changed")
    assert [e["data"]["receiver_kind"] for e in events] == ["user"]
    assert "default_password" not in events[0]["data"]

    # Left out, the default password stays; null clears it.
    again = settings_body(version=1)
    del again["default_password"]
    kept = await client.put("/settings", json=again, headers=admin)
    assert kept.json()["default_password_set"] is True
    cleared = await client.put(
        "/settings", json=settings_body(default_password=None, version=2), headers=admin
    )
    assert cleared.json()["default_password_set"] is False


async def test_a_change_made_on_an_old_version_is_refused(client, admin):
    await client.put("/settings", json=settings_body(), headers=admin)
    stale = await client.put(
        "/settings", json=settings_body(display_name="Khác", version=0), headers=admin
    )
    assert_problem(stale, 409, "version-conflict")
    assert (await client.get("/settings", headers=admin)).json()["display_name"] == "Tập đoàn ABC"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"access_path": "tập-đoàn"}, "access_path"),
        ({"access_path": "tap doan"}, "access_path"),
        ({"access_path": "ab"}, "access_path"),
        ({"access_path": "API"}, "access_path"),
        ({"display_name": ""}, "display_name"),
        ({"display_name": "x" * 51}, "display_name"),
        ({"hotline": "gọi em"}, "hotline"),
        ({"support_email": "not-an-email"}, "support_email"),
        ({"default_password": "short7!"}, "default_password"),
        ({"default_password": "x" * 101}, "default_password"),
        ({"notify": ["order_placed", "order_placed"]}, "notify"),
        ({"notify": ["birthday"]}, "notify.0"),
        (
            {
                "payment": {
                    "enabled": True,
                    "bank_bin": "123456",
                    "account_number": "1",
                    "account_holder": "A",
                }
            },
            "payment.bank_bin",
        ),
        (
            {"payment": {"enabled": True, "bank_bin": VCB, "account_holder": "A"}},
            "payment.account_number",
        ),
        ({"receiver": {"kind": "user"}}, "receiver"),
        ({"products": {"mode": "conditions", "conditions": []}}, "products"),
        (
            {"products": {"mode": "conditions", "conditions": [{"min_price": 5, "max_price": 1}]}},
            "products.conditions.0",
        ),
        ({"enabled": "yes"}, "enabled"),
        ({"surprise": 1}, "surprise"),
    ],
)
async def test_bad_settings_name_the_field_and_change_nothing(client, admin, overrides, field):
    answer = await client.put("/settings", json=settings_body(**overrides), headers=admin)
    assert answer.status_code == 422, answer.text
    assert answer.json()["field"] == field
    assert (await client.get("/settings", headers=admin)).json()["version"] == 0


async def test_the_logo_is_checked_from_its_bytes(client, admin):
    ok = await client.put(
        "/settings/logo", content=image(48, 48), headers={**admin, "content-type": "image/png"}
    )
    assert ok.status_code == 200, ok.text
    assert (ok.json()["width"], ok.json()["height"]) == (48, 48)
    refusals = [
        (image(47, 200), "image/png"),  # too small
        (image(64, 64, "GIF"), "image/gif"),  # not JPG or PNG
        (image(64, 64), "image/jpeg"),  # a PNG sent as a JPEG
        (b"<svg onload=alert(1)>", "image/png"),  # not an image at all
        (b"\x89PNG" + b"0" * (5 * 1024 * 1024), "image/png"),  # over 5 MB
    ]
    for data, content_type in refusals:
        answer = await client.put(
            "/settings/logo", content=data, headers={**admin, "content-type": content_type}
        )
        assert answer.status_code == 422, (content_type, answer.text)
        assert answer.json()["field"] == "body"
    logo = (await client.get("/settings", headers=admin)).json()["logo"]
    assert logo["id"] == ok.json()["id"]  # the refusals changed nothing
    served = await client.get(logo["url"])
    assert served.status_code == 200 and served.headers["content-type"] == "image/png"
    assert served.content == image(48, 48)


async def upload_banner(client, admin, data=None, **link):
    return await client.post(
        "/settings/banners",
        params=link,
        content=data or image(1372, 480, "JPEG"),
        headers={**admin, "content-type": "image/jpeg"},
    )


async def test_at_most_five_banners_each_big_enough_and_linked_as_set(client, admin):
    category = str(uuid.uuid4())
    first = await upload_banner(client, admin, link_kind="category", link_category_id=category)
    assert first.status_code == 201, first.text
    assert first.json()["link_category_id"] == category
    small = await upload_banner(client, admin, data=image(1371, 480, "JPEG"))
    assert small.status_code == 422 and small.json()["field"] == "body"
    no_url = await upload_banner(client, admin, link_kind="url")
    assert no_url.status_code == 422
    for _ in range(4):
        assert (
            await upload_banner(
                client, admin, link_kind="url", link_url="https://abc.vn/khuyen-mai"
            )
        ).status_code == 201
    assert_problem(await upload_banner(client, admin), 409, "too-many-banners")
    banners = (await client.get("/settings", headers=admin)).json()["banners"]
    assert [b["position"] for b in banners] == [0, 1, 2, 3, 4]

    moved = await client.patch(
        f"/settings/banners/{first.json()['id']}",
        json={"link_kind": "none", "position": 4},
        headers=admin,
    )
    assert moved.status_code == 200 and moved.json()["link_kind"] == "none"
    banners = (await client.get("/settings", headers=admin)).json()["banners"]
    assert banners[-1]["id"] == first.json()["id"]
    deleted = await client.delete(f"/settings/banners/{banners[0]['id']}", headers=admin)
    assert deleted.status_code == 204
    banners = (await client.get("/settings", headers=admin)).json()["banners"]
    assert [b["position"] for b in banners] == [0, 1, 2, 3]
    missing = await client.delete(f"/settings/banners/{uuid.uuid4()}", headers=admin)
    assert missing.status_code == 404


async def test_the_public_page_of_a_path_shows_no_secrets(client, admin):
    assert (await client.get("/public/TapDoanABC")).status_code == 404
    await client.put("/settings", json=settings_body(), headers=admin)
    public = await client.get("/public/tapdoanabc")  # any case
    assert public.status_code == 200
    body = public.json()
    assert body["display_name"] == "Tập đoàn ABC" and body["hotline"] == "1900 1234"
    assert "default_password" not in body and "receiver" not in body and "payment" not in body
    await client.put("/settings", json=settings_body(enabled=False, version=1), headers=admin)
    assert (await client.get("/public/TapDoanABC")).json()["enabled"] is False
    assert (await client.get("/public/Other")).status_code == 404
