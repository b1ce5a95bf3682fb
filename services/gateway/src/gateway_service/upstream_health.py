"""/health over every service: each one's /ready, asked concurrently with a short timeout."""

from __future__ import annotations

import asyncio

import httpx


async def probe(client: httpx.AsyncClient, base: str, timeout_s: float) -> str:
    try:
        response = await client.get(base + "/ready", timeout=timeout_s)
    except httpx.HTTPError:
        return "down"
    return "up" if response.status_code == 200 else "down"


async def check_all(
    client: httpx.AsyncClient, upstreams: dict[str, str], timeout_s: float
) -> dict[str, str]:
    names = list(upstreams)
    states = await asyncio.gather(*(probe(client, upstreams[n], timeout_s) for n in names))
    return dict(zip(names, states, strict=True))
