"""Gateway settings: where each service lives, edge limits and timeouts."""

from suite_shared.settings import ServiceSettings

# The services behind /api/v1/<name>/...; each has a `<NAME>_URL` setting below: one URL (a
# Kubernetes Service balances its pods), or the replicas' URLs separated by commas, which the
# gateway round-robins itself (devrun's replicas).
SERVICE_NAMES = (
    "identity",
    "customers",
    "rules-engine",
    "catalog",
    "orders",
    "portal",
    "loyalty",
)


class GatewaySettings(ServiceSettings):
    service_name: str = "gateway"
    port: int = 8000

    # identity_url comes from ServiceSettings (it also gives the JWKS URL).
    customers_url: str = "http://127.0.0.1:8002"
    rules_engine_url: str = "http://127.0.0.1:8003"
    catalog_url: str = "http://127.0.0.1:8004"
    orders_url: str = "http://127.0.0.1:8005"
    loyalty_url: str = "http://127.0.0.1:8007"
    # portal_url comes from ServiceSettings (it also gives the portal's JWKS URL).

    # Per-client token bucket: a client is the token's subject, or the peer address when the
    # request carries no token (login). In memory, so per replica: N replicas allow N x this.
    rate_limit_per_second: float = 50.0
    rate_limit_burst: int = 100

    upstream_timeout_s: float = 30.0
    health_timeout_s: float = 2.0
    # Request/response bodies up to this size are buffered (one write each way); larger ones
    # are streamed (imports, exports).
    buffer_limit_bytes: int = 1 << 20

    def upstream_urls(self) -> dict[str, list[str]]:
        """Every service's replica URLs (one, or those listed with commas)."""
        return {
            name: split_urls(getattr(self, name.replace("-", "_") + "_url"))
            for name in SERVICE_NAMES
        }

    @property
    def jwks_url(self) -> str:
        return split_urls(self.identity_url)[0] + "/.well-known/jwks.json"


def split_urls(value: str) -> list[str]:
    urls = [url.strip().rstrip("/") for url in value.split(",") if url.strip()]
    if not urls:
        raise ValueError(f"no URL in {value!r}")
    return urls
