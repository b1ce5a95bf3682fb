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
