"""Run the whole suite as local processes (``make run`` without Docker; the e2e tests too).

Every service starts with its own entry point (``python -m <package>``), which creates its
database, migrates it and declares its broker queues; the gateway starts last. Ctrl-C (or
SIGTERM) stops every process.

Replicas (``LocalSuite(replicas=2)``, or ``SUITE_REPLICAS=2``): N processes of every service and
of the gateway, as Kubernetes runs them. Replica r listens on the service's port + 10·r; the
replicas of a service share its database and its queue. Each gateway is given every replica of
each service (a comma-separated ``<NAME>_URL``, which it round-robins); a service calling another
(orders → catalog, JWKS from identity) is given the peer replica of its own index.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field

import httpx


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    module: str
    port: int
    has_database: bool = True


SERVICES = [
    ServiceSpec("identity", "identity_service", 8001),
    ServiceSpec("customers", "customers_service", 8002),
    ServiceSpec("rules-engine", "rules_engine_service", 8003),
    ServiceSpec("catalog", "catalog_service", 8004),
    ServiceSpec("orders", "orders_service", 8005),
    ServiceSpec("portal", "portal_service", 8006),
    ServiceSpec("loyalty", "loyalty_service", 8007),
]
GATEWAY = ServiceSpec("gateway", "gateway_service", 8000, has_database=False)
# Replica r of a service listens on its port + REPLICA_PORT_STEP·r: the ports of one suite stay
# within its hundred (the port offsets of suites started side by side are multiples of 100).
REPLICA_PORT_STEP = 10
MAX_REPLICAS = 10


def env_name(service: str) -> str:
    return service.upper().replace("-", "_")


@dataclass
class LocalSuite:
    postgres_url: str = os.environ.get(
        "POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
    )
    amqp_url: str = os.environ.get("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
    namespace: str = os.environ.get("BROKER_NAMESPACE", "suite")
    port_offset: int = 0
    # When set, each service's database is suite_<service>_<suffix> (tests use a fresh one).
    database_suffix: str | None = None
    extra_env: dict[str, str] = field(default_factory=dict)
    log_dir: str | None = None
    replicas: int = int(os.environ.get("SUITE_REPLICAS", "1"))
    # By process name: the service's name for its first replica, "<name>.<r+1>" for the others.
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not 1 <= self.replicas <= MAX_REPLICAS:
            raise ValueError(f"replicas must be 1..{MAX_REPLICAS}, not {self.replicas}")

    def port(self, spec: ServiceSpec, replica: int = 0) -> int:
        return spec.port + self.port_offset + REPLICA_PORT_STEP * replica

    def url(self, spec: ServiceSpec, replica: int = 0) -> str:
        return f"http://127.0.0.1:{self.port(spec, replica)}"

    def urls(self, spec: ServiceSpec) -> list[str]:
        return [self.url(spec, r) for r in range(self.replicas)]

    @staticmethod
    def process_name(spec: ServiceSpec, replica: int = 0) -> str:
        return spec.name if replica == 0 else f"{spec.name}.{replica + 1}"

    @property
    def gateway_url(self) -> str:
        return self.url(GATEWAY)

    @property
    def gateway_urls(self) -> list[str]:
        return self.urls(GATEWAY)

    def database_url(self, spec: ServiceSpec) -> str:
        name = "suite_" + spec.name.replace("-", "_")
        if self.database_suffix:
            name += "_" + self.database_suffix
        return self.postgres_url.rsplit("/", 1)[0] + "/" + name

    def environment(self, spec: ServiceSpec, replica: int = 0) -> dict[str, str]:
        if spec is GATEWAY:
            peers = {s.name: ",".join(self.urls(s)) for s in SERVICES}
        else:
            peers = {s.name: self.url(s, replica) for s in SERVICES}
        env = {
            **os.environ,
            "POSTGRES_URL": self.postgres_url,
            "AMQP_URL": self.amqp_url,
            "BROKER_NAMESPACE": self.namespace,
            "HOST": "127.0.0.1",
            "PORT": str(self.port(spec, replica)),
            **{f"{env_name(name)}_URL": url for name, url in peers.items()},
            **self.extra_env,
        }
        if spec.has_database:
            env["DATABASE_URL"] = self.database_url(spec)
        return env

    def start_one(self, spec: ServiceSpec, replica: int = 0) -> None:
        """Start (or start again, after it died) one replica of a service."""
        name = self.process_name(spec, replica)
        output = None
        if self.log_dir:
            os.makedirs(self.log_dir, exist_ok=True)
            output = open(os.path.join(self.log_dir, f"{name}.log"), "ab")  # noqa: SIM115
        self.processes[name] = subprocess.Popen(
            [sys.executable, "-m", spec.module],
            env=self.environment(spec, replica),
            stdout=output,
            stderr=subprocess.STDOUT if output else None,
            start_new_session=True,  # Ctrl-C in the terminal reaches us, and we stop them
        )
        if output is not None:
            output.close()  # the child has its own copy

    async def wait_ready(self, spec: ServiceSpec, timeout: float = 90.0, replica: int = 0) -> None:
        path = "/health" if spec is GATEWAY else "/ready"
        name = self.process_name(spec, replica)
        deadline = time.monotonic() + timeout
        async with httpx.AsyncClient(timeout=2.0) as client:
            while time.monotonic() < deadline:
                process = self.processes[name]
                if process.poll() is not None:
                    raise RuntimeError(f"{name} exited with code {process.returncode}")
                with contextlib.suppress(httpx.HTTPError):
                    if (await client.get(self.url(spec, replica) + path)).status_code == 200:
                        return
                await asyncio.sleep(0.2)
        raise TimeoutError(f"{name} did not become ready in {timeout:.0f} s")

    async def start(self) -> None:
        try:
            # The first replica of each service creates and migrates its database alone; the
            # others start once it is ready (two migrating one database at once would race).
            for spec in SERVICES:
                self.start_one(spec)
            await asyncio.gather(*(self.wait_ready(s) for s in SERVICES))
            for replica in range(1, self.replicas):
                for spec in SERVICES:
                    self.start_one(spec, replica)
            await asyncio.gather(
                *(self.wait_ready(s, replica=r) for s in SERVICES for r in range(1, self.replicas))
            )
            for replica in range(self.replicas):
                self.start_one(GATEWAY, replica)
            await asyncio.gather(
                *(self.wait_ready(GATEWAY, replica=r) for r in range(self.replicas))
            )
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 15
        for process in self.processes.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            if process.poll() is None:
                process.kill()
        self.processes.clear()


def main() -> None:
    suite = LocalSuite(log_dir=os.environ.get("SUITE_LOG_DIR"))
    asyncio.run(suite.start())
    print(f"\nThe suite is up. Gateway: {suite.gateway_url}  (API docs: {suite.gateway_url}/docs)")
    print("Press Ctrl-C to stop.\n", flush=True)
    stopping = False

    def on_signal(*_):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        while not stopping:
            for name, process in suite.processes.items():
                if process.poll() is not None:
                    print(f"{name} exited with code {process.returncode}; stopping the suite")
                    stopping = True
            time.sleep(0.5)
    finally:
        suite.stop()
        print("Stopped.")


if __name__ == "__main__":
    main()
