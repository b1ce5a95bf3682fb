"""A real SMTP server for tests (aiosmtpd), keeping what it receives: the e-mails a service
sends are read back as the recipient would get them."""

from __future__ import annotations

import contextlib
import email
from collections.abc import Iterator
from email import policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller

from suite_shared.testing.servers import free_port


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((envelope.rcpt_tos, message))
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for rcpt, m in self.messages if address in rcpt]


@contextlib.contextmanager
def smtp_server() -> Iterator[tuple[Controller, Inbox]]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller, inbox
    finally:
        controller.stop()
