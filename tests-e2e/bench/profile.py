"""`make profile`: where each process spends its CPU under the bench's load, by py-spy.

Starts the whole suite (as the benches do), then for each flow samples every service process
with ``py-spy record`` (idle excluded, so the samples are CPU) while the flow runs at a steady
rate the pipeline keeps up with:

- ``customers``: customers created through the gateway (the rules engine assigns an owner,
  customers applies it, orders keeps its copy);
- ``orders``: orders of 3 lines placed through the gateway (the catalog's quote over HTTP, the
  reservation from the "placed" event, customers' timeline, loyalty's consumer).

For each flow and process it prints the share of samples by package (the leaf frame's: where
the CPU actually is) and the top frames, inclusive and self, as markdown for
docs/performance.md. The raw collapsed stacks stay in ``--out`` for flame graphs.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import shutil
import sys
from pathlib import Path

import aiohttp
from foundation import paced_creates
from foundation import setup as customers_setup
from harness import whole_suite
from orders import order_body, paced
from orders import setup as orders_setup

PACKAGES = (
    "sqlalchemy",
    "asyncpg",
    "aio_pika",
    "aiormq",
    "pamqp",
    "pydantic",
    "pydantic_core",
    "fastapi",
    "starlette",
    "uvicorn",
    "structlog",
    "httpx",
    "httpcore",
    "prometheus_client",
    "jwt",
    "cryptography",
    "json",
    "asyncio",
    "logging",
    "uuid",
    "typing",
    "inspect",
    "enum",
)


def py_spy() -> str:
    found = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(found).exists():
        raise SystemExit("py-spy is not installed: uv sync --frozen (it is a dev dependency)")
    return found


def package_of(frame: str) -> str:
    """'handle (suite_shared/messaging/consumer.py)' → 'suite_shared'; site-packages and the
    standard library by their top-level module; our services by their package."""
    location = frame[frame.rfind("(") + 1 : -1] if frame.endswith(")") else ""
    parts = Path(location).parts
    for marker in ("site-packages", "src"):
        if marker in parts:
            rest = parts[parts.index(marker) + 1 :]
            return rest[0].removesuffix(".py") if rest else "?"
    for name in PACKAGES:
        if name in parts or f"{name}.py" in parts:
            return name
    return (
        parts[-2]
        if len(parts) >= 2 and parts[-1] == "__init__.py"
        else (Path(location).stem or "?")
    )


def read_stacks(path: Path) -> list[tuple[list[str], int]]:
    stacks = []
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit():
            # py-spy's first frame is the thread ("process 1:..."/"thread ..."): drop it.
            frames = [f for f in stack.split(";") if not f.startswith(("process ", "thread "))]
            stacks.append((frames, int(count)))
    return stacks


def summarise(stacks: list[tuple[list[str], int]], top: int) -> list[str]:
    total = sum(count for _, count in stacks) or 1
    by_package: collections.Counter[str] = collections.Counter()
    own: collections.Counter[str] = collections.Counter()
    inclusive: collections.Counter[str] = collections.Counter()
    for frames, count in stacks:
        if not frames:
            continue
        by_package[package_of(frames[-1])] += count
        own[frames[-1]] += count
        for frame in set(frames):
            inclusive[frame] += count
    # SQLAlchemy's async API runs the ORM in greenlets, whose stacks py-spy sees apart from the
    # coroutine that awaits them: those samples have no server frame at their root.
    in_greenlets = sum(count for frames, count in stacks if not any("serve (" in f for f in frames))
    lines = [
        f"{total:,} samples, {in_greenlets * 100 / total:.0f}% of them inside SQLAlchemy's "
        "greenlets. By package (leaf frame): "
        + ", ".join(
            f"{name} {count * 100 / total:.0f}%" for name, count in by_package.most_common(12)
        )
    ]
    lines.append("")
    lines.append("| inclusive | frame | self | frame |")
    lines.append("|---|---|---|---|")
    for (frame_in, count_in), (frame_self, count_self) in zip(
        (item for item in inclusive.most_common() if not item[0].startswith("<module>")),
        own.most_common(top),
        strict=False,
    ):
        lines.append(
            f"| {count_in * 100 / total:.0f}% | `{frame_in}` "
            f"| {count_self * 100 / total:.1f}% | `{frame_self}` |"
        )
        if len(lines) >= top + 3:
            break
    return lines


async def sample(suite, flow: str, seconds: float, out: Path, load) -> dict[str, Path]:
    """Run ``load`` while py-spy samples every service for ``seconds``; the files written."""
    files, spies = {}, []
    for name, process in suite.processes.items():
        files[name] = out / f"{flow}-{name}.txt"
        spies.append(
            await asyncio.create_subprocess_exec(
                *[
                    py_spy(),
                    "record",
                    "--pid",
                    str(process.pid),
                    "--duration",
                    str(int(seconds)),
                    "--rate",
                    "250",
                    "--nonblocking",
                    "--format",
                    "raw",
                    "--nolineno",
                    "--output",
                    str(files[name]),
                ],
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.DEVNULL,
            )
        )
    await asyncio.sleep(1)  # py-spy attached
    await load()
    for spy in spies:
        await spy.wait()
    return {name: path for name, path in files.items() if path.exists()}


async def main(seconds: float, rate: float, out: Path, top: int) -> None:
    reports: dict[str, dict[str, Path]] = {}
    async with (
        whole_suite(port_offset=2600) as suite,
        aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session,
    ):
        base = suite.gateway_url + "/api/v1"
        token = await customers_setup(session, base)
        headers = {"Authorization": f"Bearer {token}"}
        url = base + "/customers/customers"
        await paced_creates(session, url, headers, rate=rate, total=50)  # warm up
        count = int(rate * (seconds - 2))
        reports["customers"] = await sample(
            suite,
            "customers",
            seconds,
            out,
            lambda: paced_creates(session, url, headers, rate=rate, total=count),
        )
        order_headers, customer, products = await orders_setup(session, base)
        order_url = base + "/orders/orders"

        def body():
            return order_body(customer, products)

        await paced(session, order_url, order_headers, body, rate=rate, total=50)  # warm up
        reports["orders"] = await sample(
            suite,
            "orders",
            seconds,
            out,
            lambda: paced(session, order_url, order_headers, body, rate=rate, total=count),
        )
    for flow, files in reports.items():
        print(f"\n### {flow}: {rate:g}/s for {seconds:g} s\n")
        for name, path in sorted(files.items()):
            stacks = read_stacks(path)
            if not stacks:
                continue
            print(f"#### {name}\n")
            print("\n".join(summarise(stacks, top)))
            print()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--rate", type=float, default=20)
    parser.add_argument("--top", type=int, default=12)
    parser.add_argument("--out", type=Path, default=Path("/tmp/suite-profile"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    asyncio.run(main(args.seconds, args.rate, args.out, args.top))
