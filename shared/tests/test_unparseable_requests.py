"""A request the HTTP parser refuses before any app sees it is answered as problem+json, like
every other error of the suite (uvicorn said text/plain; the fuzz gate's 130 kB query got it)."""

from __future__ import annotations

import asyncio

from fastapi import FastAPI

from suite_shared.testing.servers import serving


async def test_an_unparseable_request_gets_a_problem():
    app = FastAPI()

    @app.get("/")
    async def root() -> dict:
        return {}

    async with serving(app) as url:
        host, port = url.removeprefix("http://").split(":")
        reader, writer = await asyncio.open_connection(host, int(port))
        writer.write(b"GET /\x00bad HTTP/1.1\r\nHost: x\r\n\r\n")
        await writer.drain()
        answer = await asyncio.wait_for(reader.read(), timeout=5)
        writer.close()
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400"), answer
    assert b"content-type: application/problem+json" in head.lower()
    assert b'"type": "/problems/bad-request"' in body
    assert int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0]) == len(body)
