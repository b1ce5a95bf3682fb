"""Outbox, relay, inbox, consumer and broker topology."""
