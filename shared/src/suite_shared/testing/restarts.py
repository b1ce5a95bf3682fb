"""Stopping and starting the machine's PostgreSQL and RabbitMQ for tests that survive their
restarts (the chaos gate, the broker-restart test). Whatever a test does, it leaves them running:
call the ``ensure_*`` functions in a ``finally``."""

from __future__ import annotations

import os
import subprocess

from suite_shared.testing.e2e import rabbitmqctl


def postgres_cluster() -> str:
    versions = sorted(os.listdir("/etc/postgresql"))
    assert versions, "no PostgreSQL cluster in /etc/postgresql to restart"
    return versions[-1]


def pg_ctlcluster(action: str, *options: str) -> None:
    subprocess.run(
        [
            "pg_ctlcluster",
            "--skip-systemctl-redirect",
            *options,
            postgres_cluster(),
            "main",
            action,
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )


def postgres_online() -> bool:
    out = subprocess.run(["pg_lsclusters", "--no-header"], capture_output=True, text=True).stdout
    return any(line.split()[:2] == [postgres_cluster(), "main"] and "online" in line
               for line in out.splitlines())  # fmt: skip


def ensure_postgres_running() -> None:
    """Whatever happened, PostgreSQL is left running (the other tests need it)."""
    if not postgres_online():
        pg_ctlcluster("start")


def ensure_broker_running() -> None:
    rabbitmqctl("start_app")
    rabbitmqctl("await_startup")
