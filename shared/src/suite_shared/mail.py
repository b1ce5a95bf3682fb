"""Sending e-mail through an SMTP server: customers' bulk messages (CUS-9) and the portal's
notifications (POR-7). smtplib blocks, so each message is sent in a thread.

``DeliveryError`` is a refusal that concerns this one recipient (the caller records it and goes
on); anything else (the server down, a timeout) is the caller's to retry later."""

from __future__ import annotations

import asyncio
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage


class DeliveryError(Exception):
    pass


@dataclass(frozen=True)
class SmtpMailer:
    host: str
    port: int
    sender: str
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    timeout_s: float = 30.0

    @classmethod
    def from_settings(cls, settings) -> SmtpMailer:
        """From a service's ``smtp_*`` settings."""
        return cls(
            settings.smtp_host,
            settings.smtp_port,
            settings.smtp_sender,
            settings.smtp_username,
            settings.smtp_password,
            settings.smtp_starttls,
        )

    def _send(self, message: EmailMessage) -> None:
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout_s) as smtp:
            if self.starttls:
                smtp.starttls()
            if self.username:
                smtp.login(self.username, self.password or "")
            try:
                smtp.send_message(message)
            except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError) as error:
                raise DeliveryError(str(error)) from None

    async def send(self, to: str, subject: str | None, body: str) -> None:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = to
        message["Subject"] = subject or ""
        message.set_content(body)
        await asyncio.to_thread(self._send, message)
