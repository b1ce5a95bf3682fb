"""Where the CPU goes in the customer → owner pipeline: ms of CPU per customer, per process.

Starts the suite (as foundation.py does), creates customers at a steady rate the pipeline keeps
up with (so nothing queues and every event is handled while it is measured), and reads each
process's CPU time from /proc before and after: every service, and the PostgreSQL and RabbitMQ
servers (all their processes; nothing else uses them during the run). Per customer that is:
the create request through the gateway, the relay publishing "created", the rules engine's
decision, customers applying it and publishing "owner changed", and orders keeping its copy of
the customer from both events. The sum bounds the flow's throughput on this machine:
cores × 1000 / (ms per customer).
"""

from __future__ import annotations

import argparse
import asyncio
import os
from pathlib import Path

import aiohttp
from foundation import paced_creates, setup
from harness import whole_suite
from proxy_ratio import cpu_seconds
from results import record

SERVERS = {"postgresql": ("postgres",), "rabbitmq": ("beam.smp", "erl_child_setup")}


def server_pids(names: tuple[str, ...]) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() in names:
                    pids.append(int(entry.name))
            except OSError:
                continue  # gone meanwhile
    return pids


def cpu_now(services: dict[str, int]) -> dict[str, float]:
    """CPU seconds so far of each service process and of each server's processes together
    (a PostgreSQL backend that ends meanwhile takes its seconds with it: a slight undercount)."""
    found = {name: cpu_seconds(pid) for name, pid in services.items()}
    for server, names in SERVERS.items():
        total = 0.0
        for pid in server_pids(names):
            try:
                total += cpu_seconds(pid)
            except OSError:
                continue
        found[server] = total
    return found


async def main(rate: float, customers: int) -> None:
    async with (
        whole_suite(port_offset=2200) as suite,
        aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session,
    ):
        base = suite.gateway_url + "/api/v1"
        headers = {"Authorization": f"Bearer {await setup(session, base)}"}
        url = base + "/customers/customers"
        await paced_creates(session, url, headers, rate=rate, total=50)  # warm up
        await asyncio.sleep(2)
        pids = {name: process.pid for name, process in suite.processes.items()}
        before = cpu_now(pids)
        await paced_creates(session, url, headers, rate=rate, total=customers)
        await asyncio.sleep(3)  # the last decisions and copies
        after = cpu_now(pids)
    per_customer = {name: (after[name] - before[name]) / customers * 1000 for name in after}
    total = sum(per_customer.values())
    print(f"\n| process | ms CPU per customer (paced {rate:g}/s, {customers} customers) |")
    print("|---|---|")
    for name, ms in sorted(per_customer.items(), key=lambda item: -item[1]):
        print(f"| {name} | {ms:.1f} |")
    record(
        "customer create → owner applied",
        unit="customer",
        cpu_ms=per_customer,
        goal="CPU ≤ 12 ms (≤ 8× primitive); p99 ≤ 100 ms at 50/s",
    )
    cores = os.cpu_count() or 1
    print(f"| **all** | **{total:.1f}** (ceiling ≈ {cores * 1000 / total:.0f} customers/s) |")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rate", type=float, default=20)
    parser.add_argument("--customers", type=int, default=400)
    args = parser.parse_args()
    asyncio.run(main(args.rate, args.customers))
