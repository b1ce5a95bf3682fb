"""Service settings from environment variables (pydantic-settings).

Every service subclasses :class:`ServiceSettings`. A service's database URL defaults to the
shared server in ``POSTGRES_URL`` with a database of its own (``suite_<service>``), so one
variable points the whole suite at a PostgreSQL server.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    service_name: str = "service"
    host: str = "127.0.0.1"
    port: int = 8000

    postgres_url: str = "postgresql://postgres@127.0.0.1:5432/postgres"
    database_url: str | None = None
    # Connections per process: pool + overflow + the relay's LISTEN connection. PostgreSQL
    # allows 100 by default (3 reserved): the budget in docs/operations.md keeps two whole
    # suites (or one suite with two replicas of every service) under it. Work is CPU-bound on
    # few cores, so a request waits for a connection rather than the database thrashing.
    db_pool_size: int = 3
    db_max_overflow: int = 1
    # How long a request waits for a free connection before it is answered 503.
    db_pool_timeout_s: float = 10.0
    # A ping before every checkout costs a round trip per transaction (~0.25 ms of CPU). Off:
    # after a restart of PostgreSQL the first statement on each old connection fails (a 503,
    # or an event parked without using up an attempt), and the pool then replaces them all.
    db_pre_ping: bool = False

    amqp_url: str = "amqp://guest:guest@127.0.0.1:5672/"
    # Prefix of every exchange and queue name; tests use a fresh one per test.
    broker_namespace: str = "suite"
    consumer_prefetch: int = 50
    consumer_max_attempts: int = 4
    # Declare every consumer's queue at start (messaging.subscriptions); tests that run one
    # service in a throwaway namespace turn it off.
    declare_all_consumer_queues: bool = True
    # Delays between attempts of a failing handler; the last one repeats if attempts outnumber it.
    consumer_retry_delays_ms: list[int] = Field(default_factory=lambda: [1_000, 10_000, 60_000])
    relay_batch_size: int = 200
    relay_poll_interval_s: float = 1.0

    # Token verification: issuer, audience and where the issuer's public keys are.
    jwt_issuer: str = "suite-identity"
    jwt_audience: str = "suite"
    identity_url: str = "http://127.0.0.1:8001"
    # Behind an ingress, the client's address comes from X-Forwarded-For (the gateway
    # rate-limits requests without a token by it); only the peers listed here (addresses or
    # networks, or "*") are believed.
    trust_proxy_headers: bool = False
    forwarded_allow_ips: str = "127.0.0.1"
    # A JWKS document given directly (JSON); when set, keys are not fetched from identity.
    jwt_public_jwks: str | None = None
    # Customer tokens (kind "customer") are signed by the portal, never by identity: their
    # issuer, where the portal's keys are, or its JWKS given directly (POR-3).
    portal_issuer: str = "suite-portal"
    portal_url: str = "http://127.0.0.1:8006"
    portal_public_jwks: str | None = None

    log_level: str = "INFO"
    log_json: bool = True

    @property
    def database_name(self) -> str:
        return "suite_" + self.service_name.replace("-", "_")

    @property
    def effective_database_url(self) -> str:
        """The SQLAlchemy (asyncpg) URL of this service's own database."""
        if self.database_url:
            return to_asyncpg_url(self.database_url)
        base = self.postgres_url.rsplit("/", 1)[0]
        return to_asyncpg_url(f"{base}/{self.database_name}")

    @property
    def jwks_url(self) -> str:
        return self.identity_url.rstrip("/") + "/.well-known/jwks.json"

    @property
    def portal_jwks_url(self) -> str:
        return self.portal_url.split(",")[0].strip().rstrip("/") + "/.well-known/jwks.json"


def to_asyncpg_url(url: str) -> str:
    for prefix in ("postgresql+asyncpg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    raise ValueError(f"not a PostgreSQL URL: {url}")


def to_plain_postgres_url(url: str) -> str:
    """The libpq form of a URL, as asyncpg.connect wants it."""
    return "postgresql://" + to_asyncpg_url(url)[len("postgresql+asyncpg://") :]
