"""Loyalty's background jobs (expiring holds, maturing and expiring points): placeholder."""

from suite_shared.service import Runtime


async def start(runtime: Runtime) -> None:
    return None


async def stop(runtime: Runtime) -> None:
    return None
