"""Starting one service process: database, migrations, then the HTTP server.

``python -m <service_package>`` calls :func:`serve`; ``make run``, docker-compose and the
Kubernetes manifests all use that same entry point.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import uvicorn

from suite_shared.db import create_database_if_missing
from suite_shared.http_protocol import CoalescingHttpToolsProtocol
from suite_shared.migrations import upgrade_to_head
from suite_shared.settings import ServiceSettings


def prepare_database(settings: ServiceSettings, migrations_dir: Path) -> None:
    asyncio.run(create_database_if_missing(settings.effective_database_url))
    upgrade_to_head(migrations_dir, settings.effective_database_url)


def server_options(settings: ServiceSettings) -> dict:
    """uvicorn's options for every service (also what tests serve an app with)."""
    return dict(
        host=settings.host,
        port=settings.port,
        loop="uvloop",
        http=CoalescingHttpToolsProtocol,  # httptools, each response in one write
        access_log=False,
        # Off unless a trusted proxy sits in front: otherwise any client could set its own
        # address with X-Forwarded-For (and the rewrite costs a little on every request). When
        # on, only peers in forwarded_allow_ips (an ingress) may name the client.
        proxy_headers=settings.trust_proxy_headers,
        forwarded_allow_ips=settings.forwarded_allow_ips,
        log_config=None,
        lifespan="on",
    )


def serve(settings: ServiceSettings, app_path: str, migrations_dir: Path | None) -> None:
    if migrations_dir is not None:
        prepare_database(settings, migrations_dir)
    uvicorn.run(app_path, factory=True, **server_options(settings))
