"""Whatever goes wrong talking to the catalog (nothing listening, a connection dropped in the
middle, no answer in time, an answer that is no HTTP, no JSON or no quote, a 5xx), placing an
order answers 503 catalog-unavailable with Retry-After, and places nothing. Each fault is a real
server on a loopback port doing exactly that."""

import asyncio
import contextlib

import pytest

from orders_service.app import create_app
from suite_shared.testing.apps import app_client
from suite_shared.testing.assertions import assert_problem, outbox_events
from suite_shared.testing.servers import free_port


async def _read_request(reader: asyncio.StreamReader) -> None:
    head = await reader.readuntil(b"\r\n\r\n")
    length = next(
        (
            int(line.split(b":", 1)[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        ),
        0,
    )
    await reader.readexactly(length)


def _http(status: str, body: bytes, content_type=b"application/json") -> bytes:
    return (
        f"HTTP/1.1 {status}\r\nContent-Length: {len(body)}\r\n".encode()
        + b"Content-Type: "
        + content_type
        + b"\r\n\r\n"
        + body
    )


async def _drop_at_once(reader, writer):
    writer.transport.abort()  # reset before a byte is read: the catalog died mid-connect


async def _drop_mid_request(reader, writer):
    await reader.read(10)  # part of the request, then the process is gone
    writer.transport.abort()


async def _drop_mid_response(reader, writer):
    await _read_request(reader)
    writer.write(b'HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n{"at": ')
    await writer.drain()
    writer.transport.abort()


async def _never_answer(reader, writer):
    await _read_request(reader)
    await asyncio.sleep(30)


def _answer(raw: bytes):
    async def serve(reader, writer):
        await _read_request(reader)
        writer.write(raw)
        await writer.drain()
        writer.close()

    return serve


FAULTS = {
    "reset-on-connect": _drop_at_once,
    "dropped-mid-request": _drop_mid_request,
    "dropped-mid-response": _drop_mid_response,
    "no-answer-in-time": _never_answer,
    "not-http": _answer(b"SSH-2.0-OpenSSH_9.6\r\n\r\n"),
    "not-json": _answer(_http("200 OK", b"<html>Bad gateway</html>", b"text/html")),
    "json-but-no-quote": _answer(_http("200 OK", b'{"lines": "none"}')),
    "a-422-that-is-not-json": _answer(_http("422 Unprocessable Entity", b"nope", b"text/plain")),
    "a-502": _answer(_http("502 Bad Gateway", b'{"error": "upstream"}')),
}


@contextlib.asynccontextmanager
async def faulty_catalog(handler):
    server = await asyncio.start_server(handler, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(server.wait_closed(), 1)


async def _place_through(settings, shop, catalog_url: str):
    customer = await shop.customer()
    beer = await shop.product("Bia", 12_000)
    cut_off = create_app(
        settings.model_copy(update={"catalog_url": catalog_url, "catalog_timeout_s": 0.5})
    )
    async with app_client(cut_off) as client:
        answer = await client.post(
            "/orders",
            headers=shop.auth(),
            json={
                "customer_id": str(customer),
                "lines": [{"product_id": beer["id"], "quantity": 1}],
            },
        )
        assert (await client.get("/orders", headers=shop.auth())).json()["total"] == 0
    return answer


@pytest.mark.parametrize("fault", list(FAULTS))
async def test_a_failing_catalog_is_a_503_with_retry_after(settings, shop, app, fault):
    async with faulty_catalog(FAULTS[fault]) as url:
        answer = await _place_through(settings, shop, url)
    assert_problem(answer, 503, "catalog-unavailable")
    assert int(answer.headers["Retry-After"]) >= 1
    assert await outbox_events(app, "orders.order") == []


async def test_nothing_listening_is_a_503_with_retry_after(settings, shop):
    answer = await _place_through(settings, shop, f"http://127.0.0.1:{free_port()}")
    assert_problem(answer, 503, "catalog-unavailable")
    assert int(answer.headers["Retry-After"]) >= 1
