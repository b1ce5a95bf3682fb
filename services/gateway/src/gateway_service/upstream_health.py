"""/health over every service: each one's /ready, asked concurrently with a short timeout."""

from __future__ import annotations

import asyncio

import aiohttp


async def probe(session: aiohttp.ClientSession, base: str, timeout_s: float) -> str:
    try:
        async with session.get(
            base + "/ready", timeout=aiohttp.ClientTimeout(total=timeout_s)
        ) as response:
            return "up" if response.status == 200 else "down"
    except (aiohttp.ClientError, TimeoutError):
        return "down"


async def check_all(
    session: aiohttp.ClientSession, upstreams: dict[str, str], timeout_s: float
) -> dict[str, str]:
    names = list(upstreams)
    states = await asyncio.gather(*(probe(session, upstreams[n], timeout_s) for n in names))
    return dict(zip(names, states, strict=True))
