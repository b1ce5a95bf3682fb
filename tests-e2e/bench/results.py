"""The benches' figures, gathered for one summary table (summary.py, the last step of
`make bench`): each bench records its flows here as JSON lines, the primitive first."""

from __future__ import annotations

import json
import os
from pathlib import Path

RESULTS = Path(os.environ.get("BENCH_RESULTS", "/tmp/suite-bench/results.jsonl"))
PRIMITIVE = "primitive: FastAPI + one asyncpg INSERT"


def record(
    flow: str,
    *,
    unit: str,
    rate: float | None = None,
    p50: float | None = None,
    p99: float | None = None,
    cpu_ms: dict[str, float] | None = None,
    goal: str = "",
    note: str = "",
) -> None:
    """One flow's figures: ``rate`` in units/s, latencies in ms, ``cpu_ms`` the CPU per unit
    of each process (the load generator excluded). A flow recorded twice is merged, the later
    figures winning."""
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    line = {
        "flow": flow,
        "unit": unit,
        "rate": rate,
        "p50": p50,
        "p99": p99,
        "cpu_ms": cpu_ms,
        "goal": goal,
        "note": note,
    }
    with RESULTS.open("a") as out:
        out.write(json.dumps({k: v for k, v in line.items() if v not in (None, "")}) + "\n")


def read() -> dict[str, dict]:
    flows: dict[str, dict] = {}
    if RESULTS.exists():
        for line in RESULTS.read_text().splitlines():
            found = json.loads(line)
            flows.setdefault(found["flow"], {}).update(found)
    return flows


def clear() -> None:
    RESULTS.unlink(missing_ok=True)
