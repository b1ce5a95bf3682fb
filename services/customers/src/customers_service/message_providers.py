"""Where bulk messages go: an SMTP server for e-mail, an SMS provider behind an interface.

Providers raise DeliveryError for a refusal that concerns this one recipient (the campaign
records it and goes on); anything else stops the batch and is retried on the next pass.
"""

from __future__ import annotations

from typing import Protocol

import structlog

from customers_service.settings import CustomersSettings
from suite_shared.mail import DeliveryError, SmtpMailer

__all__ = ["DeliveryError", "Provider", "providers"]

log = structlog.get_logger(__name__)


class Provider(Protocol):
    async def send(self, to: str, subject: str | None, body: str) -> None: ...


class LoggingSms:
    """Development SMS provider: the message goes to the log, nowhere else."""

    async def send(self, to: str, subject: str | None, body: str) -> None:
        log.info("sms", to=to, body=body)


def providers(settings: CustomersSettings) -> dict[str, Provider]:
    sms = {"logging": LoggingSms}.get(settings.sms_provider)
    if sms is None:
        raise ValueError(f"unknown SMS provider {settings.sms_provider!r}")
    return {"email": SmtpMailer.from_settings(settings), "sms": sms()}
