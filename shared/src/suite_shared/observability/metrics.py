"""Prometheus metrics shared by every service (one registry per process)."""

from prometheus_client import Counter, Histogram

http_requests = Counter(
    "http_requests_total", "HTTP requests handled", ["method", "route", "status"]
)
http_latency = Histogram(
    "http_request_duration_seconds", "HTTP request latency", ["method", "route"]
)
outbox_published = Counter("outbox_published_total", "Outbox rows published to the broker")
events_consumed = Counter(
    "events_consumed_total", "Events taken off the service queue, by outcome", ["type", "outcome"]
)

# labels() validates and locks on every call; a request's series are looked up once and kept.
_request_series: dict[tuple[str, str, str], tuple] = {}


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    """Count one HTTP request and its latency under (method, route, status)."""
    key = (method, route, str(status))
    series = _request_series.get(key)
    if series is None:
        series = (http_requests.labels(*key), http_latency.labels(method, route))
        _request_series[key] = series
    series[0].inc()
    series[1].observe(seconds)
