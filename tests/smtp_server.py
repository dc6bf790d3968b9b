"""A mail server on loopback that misbehaves on request (aiosmtpd in a thread of the test).

    server = MailServer()          # listening on a free port on 127.0.0.1
    server.refuse_with("451 4.3.0 Try again later")   # every MAIL FROM: a 4xx outage
    server.refuse_address("bad@x", "550 5.1.1 No such user")  # one recipient for good
    server.slow = 1.5              # seconds before each answer
    server.hold_rcpt = True        # RCPT waits until release() (server.held tells when)
    server.drop = "after-data"     # hang up after the message, before answering it
    server.drop = "after-250"      # accept the message, then hang up instead of "221 Bye"
    server.stop(); server.start()  # refuse connections, then take them again (same port)
    server.messages                # what it accepted: email.message.Message objects

A server that accepts connections and never answers is tests.services.SilentServer.
"""

from __future__ import annotations

import asyncio
import email
import threading

from aiosmtpd.controller import Controller

from tests.services import free_port


def send_mail_to(settings, port: int) -> None:
    """Point Django's SMTP settings (pytest-django's `settings`) at a port on loopback."""
    settings.EMAIL_BACKEND = "enigma.mail.SMTPBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""


class MailServer:
    def __init__(self):
        self.port = free_port()
        self.messages: list[email.message.Message] = []
        self.refusal = ""  # answer to MAIL FROM instead of 250
        self.refused_addresses: dict[str, str] = {}
        self.slow = 0.0
        self.hold_rcpt = False
        self.held = threading.Event()  # a RCPT is being held
        self._release = threading.Event()
        self.drop = ""
        self.conversations = 0  # MAIL FROM commands seen
        self._lock = threading.Lock()
        self._controller = None
        self.start()

    def configure(self, settings) -> None:
        send_mail_to(settings, self.port)

    def start(self) -> None:
        self._controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self.release()
            self._controller.stop()
            self._controller = None

    def refuse_with(self, reply: str) -> None:
        self.refusal = reply

    def refuse_address(self, address: str, reply: str) -> None:
        self.refused_addresses[address] = reply

    def behave(self) -> None:
        """Back to a well-behaved server."""
        self.refusal, self.refused_addresses, self.slow, self.drop = "", {}, 0.0, ""
        self.hold_rcpt = False
        self.release()

    def release(self) -> None:
        self._release.set()

    def recipients(self) -> list[str]:
        with self._lock:
            return [m["To"] for m in self.messages]

    def _accepted(self, content: bytes) -> None:
        with self._lock:
            self.messages.append(email.message_from_bytes(content))


class _Handler:
    def __init__(self, server: MailServer):
        self.server = server

    async def _pause(self) -> None:
        if self.server.slow:
            await asyncio.sleep(self.server.slow)

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        await self._pause()
        session.host_name = hostname
        return responses

    async def handle_MAIL(self, server, session, envelope, address, options):
        await self._pause()
        self.server.conversations += 1
        if self.server.refusal:
            return self.server.refusal
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, options):
        await self._pause()
        if self.server.hold_rcpt:
            self.server.hold_rcpt = False  # the first conversation only
            self.server.held.set()
            while not self.server._release.is_set():
                await asyncio.sleep(0.02)
        if address in self.server.refused_addresses:
            return self.server.refused_addresses[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        await self._pause()
        if self.server.drop == "after-data":
            server.transport.close()  # the whole message arrived; no answer, nothing kept
            return "421 gone"
        self.server._accepted(envelope.content)
        return "250 OK: queued"

    async def handle_QUIT(self, server, session, envelope):
        if self.server.drop == "after-250":
            server.transport.close()
        return "221 Bye"
