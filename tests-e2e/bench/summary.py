"""`make bench`, last: one table of every flow the benches recorded (results.py): its rate,
p50/p99 latency, CPU per unit of work (all processes, and the three that spend most), and that
CPU as a multiple of the primitive measured in the same run."""

from __future__ import annotations

import os
import platform
from datetime import UTC, datetime

from results import PRIMITIVE, RESULTS, read


def _number(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def lines(flows: dict[str, dict]) -> list[str]:
    primitive = sum((flows.get(PRIMITIVE, {}).get("cpu_ms") or {}).values()) or None
    out = [
        "| flow | rate | p50 / p99 ms | CPU ms per unit (all) | × primitive | most CPU per unit "
        "(ms) | goal |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, flow in flows.items():
        cpu = flow.get("cpu_ms") or {}
        total = sum(cpu.values()) if cpu else None
        ratio = f"{total / primitive:.1f}×" if total and primitive else "—"
        top = ", ".join(
            f"{process} {ms:.1f}" for process, ms in sorted(cpu.items(), key=lambda i: -i[1])[:3]
        )
        rate = flow.get("rate")
        rate_text = f"{rate:,.0f} {flow['unit']}s/s" if rate else "—"
        latency = (
            f"{_number(flow.get('p50'))} / {_number(flow.get('p99'))}"
            if flow.get("p50") is not None
            else "—"
        )
        goal = flow.get("goal", "")
        note = flow.get("note", "")
        out.append(
            f"| {name} | {rate_text} | {latency} "
            f"| {f'{total:.2f} per ' + flow['unit'] if total else '—'} "
            f"| {ratio} | {top or '—'} | {goal}{'; ' if goal and note else ''}{note} |"
        )
    return out


def main() -> None:
    flows = read()
    if not flows:
        raise SystemExit(f"no figures in {RESULTS}: run the benches first")
    print(
        f"\n## make bench summary, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.node()} "
        f"({platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()})\n"
    )
    print("\n".join(lines(flows)))


if __name__ == "__main__":
    main()
