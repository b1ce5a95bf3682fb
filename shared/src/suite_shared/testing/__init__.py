"""Test fixtures and helpers: real PostgreSQL and RabbitMQ, clean per test."""
