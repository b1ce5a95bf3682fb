"""What the gateway hop costs on a trivial endpoint: req/s direct vs through the gateway.

Starts the trivial FastAPI app and a gateway in front of it (both uvicorn + uvloop + httptools
sending each response in one write, one process each, as in production), then loads each at
the same concurrency, alternating direct and gateway rounds so drift on the machine hits both
alike. The gateway verifies a real EdDSA token on every request (from its cache).

Two load generators, because on 2 shared cores the generator decides the figure:
- ``wrk`` (C, epoll; Debian package ``wrk``): costs a few µs per request, so the gateway and the
  upstream each get about a core, as they would as separate pods. This is the hop's real cost.
- the Python aiohttp client the other benches use: it spends about as much CPU per request as
  the upstream itself, so through the gateway three busy processes share two cores and the
  ratio is bounded by CPU arithmetic, not by the hop (research/baseline.md).
Each round also reads the processes' CPU time (from /proc, and the generator's own): µs of CPU
per request for the gateway, the upstream and the load generator, which is steadier than
throughput on a shared machine and shows where the two cores went.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from suite_shared.auth import SigningKey, jwks_document
from suite_shared.testing.plugin import TokenFactory
from suite_shared.testing.servers import free_port

HERE = Path(__file__).resolve().parent
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
SERVICE_HTTP = "suite_shared.http_protocol:CoalescingHttpToolsProtocol"  # as services serve


@dataclass
class Round:
    rate: float  # requests per second
    p50_ms: float
    p99_ms: float
    cpu_us: dict[str, float] = field(default_factory=dict)  # process → CPU µs per request


@dataclass
class Comparison:
    generator: str
    direct: list[Round]
    gateway: list[Round]

    def median(self, rounds: list[Round], attribute: str) -> float:
        return statistics.median(getattr(r, attribute) for r in rounds)

    def ratio(self) -> float:
        return self.median(self.gateway, "rate") / self.median(self.direct, "rate")

    def cpu_per_request(self, process: str) -> float:
        return statistics.median(r.cpu_us[process] for r in self.gateway)


def _start(args: list[str], env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, *args],
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _generator_cpu_seconds() -> float:
    """CPU time of the load generator so far: this process (the aiohttp client) and its
    finished children (wrk, reaped when each round ends)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


async def _wait(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as session:
        while True:
            try:
                async with session.get(url) as response:
                    if response.status < 500:
                        return
            except aiohttp.ClientError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{url} did not come up")
            await asyncio.sleep(0.1)


async def _aiohttp_load(url: str, headers: dict, duration_s: float, concurrency: int):
    """(requests/s, p50 ms, p99 ms) from the Python client."""
    latencies: list[float] = []
    stop_at = time.perf_counter() + duration_s
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:

        async def worker():
            while time.perf_counter() < stop_at:
                started = time.perf_counter()
                async with session.get(url, headers=headers) as response:
                    await response.read()
                    assert response.status == 200, response.status
                latencies.append((time.perf_counter() - started) * 1000)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        rate = len(latencies) / (time.perf_counter() - started)
    latencies.sort()
    return rate, latencies[len(latencies) // 2], latencies[int(len(latencies) * 0.99)]


_WRK_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


async def _wrk_load(url: str, headers: dict, duration_s: float, concurrency: int):
    """(requests/s, p50 ms, p99 ms) from wrk; any non-2xx answer fails the run."""
    args = ["wrk", "-t1", f"-c{concurrency}", f"-d{duration_s:.0f}s", "--latency"]
    for name, value in headers.items():
        args += ["-H", f"{name}: {value}"]
    process = await asyncio.create_subprocess_exec(
        *args, url, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await process.communicate()
    text = out.decode()
    if process.returncode != 0 or "Non-2xx" in text or "Socket errors" in text:
        raise RuntimeError(f"wrk failed against {url}:\n{text}{err.decode()}")
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))

    def percentile(label: str) -> float:
        value, unit = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$", text, re.M).groups()
        return float(value) * _WRK_UNITS_MS[unit]

    return rate, percentile("50"), percentile("99")


GENERATORS = {"wrk": _wrk_load, "aiohttp": _aiohttp_load}


def available_generators() -> list[str]:
    return [name for name in GENERATORS if name != "wrk" or shutil.which("wrk")]


async def _round(generator, url, headers, duration_s, concurrency, pids: dict[str, int]) -> Round:
    readers = {name: (lambda pid=pid: cpu_seconds(pid)) for name, pid in pids.items()}
    readers["generator"] = _generator_cpu_seconds
    before = {name: read() for name, read in readers.items()}
    rate, p50, p99 = await generator(url, headers, duration_s, concurrency)
    requests = rate * duration_s
    cpu = {name: (read() - before[name]) / requests * 1e6 for name, read in readers.items()}
    return Round(rate, p50, p99, cpu)


async def measure_proxy_ratio(
    *, duration_s: float = 10.0, concurrency: int = 64, rounds: int = 3, generators=None
) -> list[Comparison]:
    """Direct vs gateway on the trivial endpoint, ``rounds`` alternating rounds per generator."""
    key = SigningKey.generate()
    token = TokenFactory(key)(ttl=3600)
    upstream_port, gateway_port = free_port(), free_port()
    upstream = f"http://127.0.0.1:{upstream_port}"
    processes = {
        "upstream": _start(
            ["-m", "uvicorn", "trivial_app:app", "--app-dir", str(HERE), "--port",
             str(upstream_port), "--loop", "uvloop", "--http", SERVICE_HTTP, "--no-access-log",
             "--log-level", "warning"],
            {},
        ),
        "gateway": _start(
            ["-m", "gateway_service"],
            {"PORT": str(gateway_port), "CUSTOMERS_URL": upstream, "IDENTITY_URL": upstream,
             "RULES_ENGINE_URL": upstream, "JWT_PUBLIC_JWKS": json.dumps(jwks_document([key])),
             "RATE_LIMIT_PER_SECOND": "1000000", "RATE_LIMIT_BURST": "1000000",
             "LOG_LEVEL": "WARNING"},
        ),
    }  # fmt: skip
    pids = {name: process.pid for name, process in processes.items()}
    gateway = f"http://127.0.0.1:{gateway_port}"
    targets = {"direct": upstream + "/ping", "gateway": gateway + "/api/v1/customers/ping"}
    try:
        await _wait(upstream + "/ready")
        await _wait(gateway + "/ready")
        headers = {"Authorization": f"Bearer {token}"}
        comparisons = []
        for name in generators or available_generators():
            generator = GENERATORS[name]
            found: dict[str, list[Round]] = {"direct": [], "gateway": []}
            for target in targets.values():
                await generator(target, headers, 2.0, concurrency)  # warm up
            for _ in range(rounds):
                for kind, target in targets.items():
                    found[kind].append(
                        await _round(generator, target, headers, duration_s, concurrency, pids)
                    )
            comparisons.append(Comparison(name, found["direct"], found["gateway"]))
        return comparisons
    finally:
        for process in processes.values():
            process.terminate()
        for process in processes.values():
            process.wait(timeout=10)


def describe(comparison: Comparison) -> str:
    direct = [f"{r.rate:,.0f}" for r in comparison.direct]
    via = [f"{r.rate:,.0f}" for r in comparison.gateway]
    return (
        f"{comparison.generator}: direct {'/'.join(direct)} req/s, gateway {'/'.join(via)} req/s,"
        f" median ratio {comparison.ratio():.0%}; CPU per proxied request: gateway "
        f"{comparison.cpu_per_request('gateway'):.0f} µs, upstream "
        f"{comparison.cpu_per_request('upstream'):.0f} µs, load generator "
        f"{comparison.cpu_per_request('generator'):.0f} µs"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--generator", action="append", choices=sorted(GENERATORS))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per round")
    parser.add_argument("--concurrency", type=int, default=64)
    args = parser.parse_args()
    comparisons = asyncio.run(
        measure_proxy_ratio(
            duration_s=args.duration,
            concurrency=args.concurrency,
            rounds=args.rounds,
            generators=args.generator,
        )
    )
    for found in comparisons:
        print(describe(found))
