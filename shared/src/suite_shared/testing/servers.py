"""Serving an ASGI app over real HTTP inside a test: uvicorn on a free loopback port."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator

import uvicorn

from suite_shared.http_protocol import CoalescingHttpToolsProtocol


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.asynccontextmanager
async def serving(app, *, port: int | None = None, **options) -> AsyncIterator[str]:
    """Run ``app`` (with its lifespan) until the block ends; yields its base URL. ``options``
    are more uvicorn settings (suite_shared.runner.server_options gives a service's own)."""
    options = {
        "log_config": None,
        "access_log": False,
        "lifespan": "on",
        "http": CoalescingHttpToolsProtocol,  # as services serve (suite_shared.runner)
        **options,
    }
    options.update(host="127.0.0.1", port=port or free_port())
    config = uvicorn.Config(app, **options)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            if task.done():
                task.result()  # raises what stopped the server
                raise RuntimeError("the test server stopped before it started")
            await asyncio.sleep(0.01)
        yield f"http://127.0.0.1:{config.port}"
    finally:
        server.should_exit = True
        await task
