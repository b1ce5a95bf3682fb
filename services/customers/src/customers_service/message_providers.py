"""Where bulk messages go: an SMTP server for e-mail, an SMS provider behind an interface.

Providers raise DeliveryError for a refusal that concerns this one recipient (the campaign
records it and goes on); anything else stops the batch and is retried on the next pass.
"""

from __future__ import annotations

import asyncio
import smtplib
from email.message import EmailMessage
from typing import Protocol

import structlog

from customers_service.settings import CustomersSettings

log = structlog.get_logger(__name__)


class DeliveryError(Exception):
    pass


class Provider(Protocol):
    async def send(self, to: str, subject: str | None, body: str) -> None: ...


class SmtpEmail:
    def __init__(self, settings: CustomersSettings):
        self.settings = settings

    def _send(self, message: EmailMessage) -> None:
        s = self.settings
        with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=30) as smtp:
            if s.smtp_starttls:
                smtp.starttls()
            if s.smtp_username:
                smtp.login(s.smtp_username, s.smtp_password or "")
            try:
                smtp.send_message(message)
            except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError) as error:
                raise DeliveryError(str(error)) from None

    async def send(self, to: str, subject: str | None, body: str) -> None:
        message = EmailMessage()
        message["From"] = self.settings.smtp_sender
        message["To"] = to
        message["Subject"] = subject or ""
        message.set_content(body)
        await asyncio.to_thread(self._send, message)  # smtplib blocks: keep it off the loop


class LoggingSms:
    """Development SMS provider: the message goes to the log, nowhere else."""

    async def send(self, to: str, subject: str | None, body: str) -> None:
        log.info("sms", to=to, body=body)


def providers(settings: CustomersSettings) -> dict[str, Provider]:
    sms = {"logging": LoggingSms}.get(settings.sms_provider)
    if sms is None:
        raise ValueError(f"unknown SMS provider {settings.sms_provider!r}")
    return {"email": SmtpEmail(settings), "sms": sms()}
