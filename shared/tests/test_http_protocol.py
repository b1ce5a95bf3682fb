"""The HTTP protocol every service serves with: one write per response, and nothing lost.

Real uvicorn servers on loopback, real clients. The write count is read from the real socket
transport (a counter sits between it and the protocol), and the same count on uvicorn's own
httptools protocol shows what the test would see without coalescing.
"""

from __future__ import annotations

import asyncio

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import StreamingResponse
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from suite_shared.http_protocol import CoalescingHttpToolsProtocol
from suite_shared.testing.servers import serving


def _app() -> FastAPI:
    app = FastAPI()

    @app.get("/small")
    async def small():
        return {"ok": True}

    @app.get("/stream")
    async def stream():
        async def parts():
            for index in range(3):
                yield f"part {index};".encode()
                await asyncio.sleep(0.3)  # each part in its own loop turn

        return StreamingResponse(parts(), media_type="text/plain")

    @app.get("/large")
    async def large():
        return StreamingResponse(iter([b"x" * 1_000_000] * 4), media_type="text/plain")

    @app.get("/burst")
    async def burst():
        async def megabytes():
            for _ in range(4):
                yield b"x" * 1_000_000  # no await between parts: all in one loop turn

        return StreamingResponse(megabytes(), media_type="text/plain")

    @app.post("/echo")
    async def echo(request: Request):
        return {"size": len(await request.body())}

    return app


class _WriteCounter:
    """Stands between the socket transport and the protocol, counting writes that reach it."""

    def __init__(self, transport, writes: list[int]) -> None:
        self._transport = transport
        self._writes = writes

    def write(self, data: bytes) -> None:
        self._writes.append(len(data))
        self._transport.write(data)

    def __getattr__(self, name: str):
        return getattr(self._transport, name)


def _counting(protocol_class: type, writes: list[int]) -> type:
    class Counting(protocol_class):
        def connection_made(self, transport):
            super().connection_made(_WriteCounter(transport, writes))

    return Counting


@pytest.mark.parametrize(
    ("protocol_class", "writes_per_response"),
    [(CoalescingHttpToolsProtocol, 1), (HttpToolsProtocol, 2)],
    ids=["coalescing", "uvicorn-httptools"],
)
async def test_a_response_reaches_the_socket_in_one_write(protocol_class, writes_per_response):
    writes: list[int] = []
    async with (
        serving(_app(), http=_counting(protocol_class, writes)) as url,
        httpx.AsyncClient(base_url=url) as client,  # one keep-alive connection
    ):
        for _ in range(5):
            response = await client.get("/small")
            assert response.json() == {"ok": True}
    assert len(writes) == 5 * writes_per_response


async def test_a_large_body_is_written_as_it_comes_not_held():
    """Past FLUSH_AT nothing is held, so the transport's flow control sees every megabyte."""
    writes: list[int] = []
    async with (
        serving(_app(), http=_counting(CoalescingHttpToolsProtocol, writes)) as url,
        httpx.AsyncClient(base_url=url, timeout=10) as client,
    ):
        assert len((await client.get("/burst")).content) == 4_000_000
    assert len([size for size in writes if size >= 1_000_000]) == 4, writes


async def test_streamed_parts_large_bodies_and_uploads_arrive_whole():
    async with serving(_app()) as url, httpx.AsyncClient(base_url=url, timeout=10) as client:
        streamed = await client.get("/stream")
        assert streamed.text == "part 0;part 1;part 2;"
        large = await client.get("/large")
        assert len(large.content) == 4_000_000 and set(large.content) == {ord("x")}
        upload = await client.post(
            "/echo", content=b"y" * 300_000, headers={"Expect": "100-continue"}
        )
        assert upload.json() == {"size": 300_000}


async def test_a_streamed_part_is_sent_before_the_next_is_ready():
    """Holding writes must never hold them past the loop turn: the first part is readable while
    the app still sleeps before the second."""
    async with (
        serving(_app()) as url,
        httpx.AsyncClient(base_url=url) as client,
        client.stream("GET", "/stream") as response,
    ):
        first = await asyncio.wait_for(response.aiter_raw().__anext__(), timeout=0.25)
        assert first.startswith(b"part 0;")


async def test_connection_close_still_sends_the_response_first():
    """uvicorn closes the transport straight after the last write when the client asked to
    close: what is held must go out before the close."""
    async with serving(_app()) as url:
        host, port = url.removeprefix("http://").split(":")
        reader, writer = await asyncio.open_connection(host, int(port))
        writer.write(b"GET /small HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        await writer.drain()
        answer = await asyncio.wait_for(reader.read(), timeout=5)  # until the server closes
        writer.close()
    assert answer.startswith(b"HTTP/1.1 200 OK\r\n")
    assert answer.endswith(b'{"ok":true}')


async def test_a_client_that_half_closes_still_gets_its_response():
    """Some clients (nc -N, probes, proxies) close their sending side after the request.
    asyncio then closes the real transport itself, bypassing the wrapper: what the app wrote in
    that loop turn must go out first."""
    async with serving(_app()) as url:
        host, port = url.removeprefix("http://").split(":")
        for _ in range(20):
            reader, writer = await asyncio.open_connection(host, int(port))
            writer.write(b"GET /small HTTP/1.1\r\nHost: x\r\n\r\n")
            writer.write_eof()
            answer = await asyncio.wait_for(reader.read(), timeout=5)
            writer.close()
            assert answer.endswith(b'{"ok":true}'), answer
