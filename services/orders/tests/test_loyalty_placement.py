"""LOY-3 and LOY-8 at placement, without the loyalty service: an order without points, a voucher
or an affiliate code never asks loyalty (it places with loyalty's port closed); one with them
and loyalty unreachable, or answering what is no hold, is a 503 loyalty-unavailable with
Retry-After that writes nothing; the loyalty fields are checked before anything is asked; and
with an Idempotency-Key the order's id is derived from the caller and the key, so a retry
re-asks the same hold. (The full path against the real loyalty service is the end-to-end
suite's.)"""

import asyncio
import contextlib
import uuid

import pytest

from orders_service.app import create_app
from orders_service.placement import ORDER_ID_NAMESPACE
from suite_shared.testing.apps import app_client
from suite_shared.testing.assertions import assert_problem, outbox_events
from suite_shared.testing.servers import free_port


def _answer(raw: bytes):
    async def serve(reader, writer):
        await reader.readuntil(b"\r\n\r\n")
        writer.write(raw)
        await writer.drain()
        writer.transport.abort()

    return serve


def _http(status: str, body: bytes) -> bytes:
    return f"HTTP/1.1 {status}\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body


FAULTS = {
    "dropped-mid-response": _answer(b"HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n{"),
    "not-json": _answer(_http("200 OK", b"<html>Bad gateway</html>")),
    "json-but-no-hold": _answer(_http("200 OK", b'{"points": "many"}')),
    "a-422-that-is-not-json": _answer(_http("422 Unprocessable Entity", b"nope")),
    "a-502": _answer(_http("502 Bad Gateway", b"{}")),
}


@contextlib.asynccontextmanager
async def faulty_loyalty(handler):
    """A loopback server that fails the way ``handler`` does (as test_catalog_failures')."""
    server = await asyncio.start_server(handler, "127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    finally:
        server.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(server.wait_closed(), 1)


def _without_loyalty(settings, url=None):
    url = url or f"http://127.0.0.1:{free_port()}"
    return create_app(settings.model_copy(update={"loyalty_url": url, "loyalty_timeout_s": 0.5}))


async def test_an_order_without_points_never_asks_loyalty(settings, shop):
    customer = await shop.customer()
    beer = await shop.product("Bia", 12_000)
    app = _without_loyalty(settings)
    async with app_client(app) as client:
        answer = await client.post(
            "/orders",
            headers={**shop.auth(), "Idempotency-Key": "k-1"},
            json={
                "customer_id": str(customer),
                "lines": [{"product_id": beer["id"], "quantity": 2}],
                "points": 0,
            },
        )
        assert answer.status_code == 201, answer.text
        order = answer.json()
        assert (order["points_redeemed"], order["points_value"], order["voucher_discount"]) == (
            0,
            0,
            0,
        )
        assert order["voucher_code"] is None and order["loyalty_tier"] is None
        assert order["total"] == 24_000 and order["return_state"] == "none"
        # The id a retry re-asks loyalty's hold with: the caller's and the key's.
        assert order["id"] == str(uuid.uuid5(ORDER_ID_NAMESPACE, f"{shop.seller}:k-1"))
        (event,) = await outbox_events(app, "orders.order.placed")
        assert event["data"]["points_value"] == 0 and event["data"]["voucher_code"] is None


async def _place_with_loyalty(settings, shop, loyalty_url=None, **loyalty):
    customer = await shop.customer()
    beer = await shop.product("Bia", 12_000)
    app = _without_loyalty(settings, loyalty_url)
    async with app_client(app) as client:
        answer = await client.post(
            "/orders",
            headers=shop.auth(),
            json={
                "customer_id": str(customer),
                "lines": [{"product_id": beer["id"], "quantity": 2}],
                **loyalty,
            },
        )
        assert (await client.get("/orders", headers=shop.auth())).json()["total"] == 0
        assert await outbox_events(app, "orders.order") == []
    return answer


@pytest.mark.parametrize(
    "loyalty", [{"points": 100}, {"voucher_code": "TET2027"}, {"affiliate_code": "CTVABC123"}]
)
async def test_loyalty_unreachable_is_a_503_and_nothing_is_written(settings, shop, loyalty):
    answer = await _place_with_loyalty(settings, shop, **loyalty)
    assert_problem(answer, 503, "loyalty-unavailable")
    assert int(answer.headers["Retry-After"]) >= 1


@pytest.mark.parametrize("fault", list(FAULTS))
async def test_loyalty_failing_is_a_503_and_nothing_is_written(settings, shop, fault):
    async with faulty_loyalty(FAULTS[fault]) as url:
        answer = await _place_with_loyalty(settings, shop, url, points=10)
    assert_problem(answer, 503, "loyalty-unavailable")


@pytest.mark.parametrize(
    ("loyalty", "field"),
    [
        ({"points": -1}, "points"),
        ({"points": "10"}, "points"),
        ({"points": 1.5}, "points"),
        ({"voucher_code": "   "}, "voucher_code"),
        ({"voucher_code": "X" * 41}, "voucher_code"),
        ({"voucher_code": 12}, "voucher_code"),
        ({"affiliate_code": ""}, "affiliate_code"),
        ({"affiliate_code": "C" * 41}, "affiliate_code"),
    ],
)
async def test_loyalty_fields_are_checked_before_anything_is_asked(settings, shop, loyalty, field):
    answer = await _place_with_loyalty(settings, shop, **loyalty)
    assert_problem(answer, 422, field=field)
