"""/health over every service: each replica's /ready, asked concurrently with a short timeout.

A service is "up" when all its replicas are ready, "degraded" when some are (it still serves:
the gateway sends requests to the others), "down" when none is."""

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
    client: httpx.AsyncClient, upstreams: dict[str, list[str]], timeout_s: float
) -> dict[str, str]:
    pairs = [(name, url) for name, urls in upstreams.items() for url in urls]
    states = await asyncio.gather(*(probe(client, url, timeout_s) for _, url in pairs))
    replicas: dict[str, list[str]] = {name: [] for name in upstreams}
    for (name, _), state in zip(pairs, states, strict=True):
        replicas[name].append(state)
    return {name: _overall(found) for name, found in replicas.items()}


def _overall(states: list[str]) -> str:
    if all(state == "up" for state in states):
        return "up"
    return "degraded" if "up" in states else "down"
