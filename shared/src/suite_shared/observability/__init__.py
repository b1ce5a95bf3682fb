"""Structured logs, correlation ids over HTTP, Prometheus metrics."""
