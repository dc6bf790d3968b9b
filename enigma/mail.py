"""Sending email over SMTP without hanging, and knowing what happened.

Django's SMTP backend with three changes (settings.py puts it in place of Django's own
whenever EMAIL_URL names an SMTP server):
- every wait is bounded: each step by EMAIL_TIMEOUT, the conversation up to the end of
  the message by four times that, and the server's final answer by twice that;
- a message may carry `before_content`, asked after the server said "354 go ahead" and
  before the message is sent: if it answers False the connection is dropped mid-DATA,
  so the server discards what it never got the end of (the outbox uses it to check that
  its claim on the row still holds, notifications/delivery.py);
- once the server has accepted the message (250), a connection that then fails (QUIT
  unanswered, the server hanging up) no longer makes the send look failed, which used
  to send it again.
"""

from __future__ import annotations

import functools
import logging
import re
import smtplib
import time

from django.core.mail.backends.smtp import EmailBackend

log = logging.getLogger(__name__)

CRLF = b"\r\n"


class SendCancelled(smtplib.SMTPException):
    """The sender withdrew before the end of the message: the server has nothing to send."""


class ReplyUnknown(smtplib.SMTPException):
    """The whole message went and the server never answered: it may have been delivered."""


def bad_address(error: BaseException) -> bool:
    """Whether the server refused the address for good (5xx to RCPT TO): no retry helps."""
    return (
        isinstance(error, smtplib.SMTPRecipientsRefused)
        and bool(error.recipients)
        and all(500 <= code < 600 for code, _ in error.recipients.values())
    )


def describe(error: BaseException) -> str:
    """The error in words an admin can act on (stored on the row, shown on pages)."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return (
            "; ".join(
                f"{address}: {code} {_text(reply)}"
                for address, (code, reply) in error.recipients.items()
            )
            or "every recipient refused"
        )
    if isinstance(error, smtplib.SMTPResponseException):
        return f"{type(error).__name__}: {error.smtp_code} {_text(error.smtp_error)}"
    return f"{type(error).__name__}: {error}"


def _text(reply) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


class _Bounded:
    """Mixed into smtplib.SMTP: each wait is bounded by the step timeout and the deadline."""

    def __init__(self, *args, deadline: float, **kwargs):
        self.deadline = deadline
        self.before_content = None
        super().__init__(*args, **kwargs)

    def _bound(self) -> None:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            self.close()
            raise smtplib.SMTPServerDisconnected("the mail server took too long over the email")
        if self.sock is not None:
            self.sock.settimeout(min(self.timeout, remaining))

    def send(self, s):
        self._bound()
        return super().send(s)

    def getreply(self):
        self._bound()
        return super().getreply()

    def data(self, msg):
        self.putcmd("data")
        code, reply = self.getreply()
        if code != 354:
            raise smtplib.SMTPDataError(code, reply)
        if self.before_content is not None and not self.before_content():
            self.close()  # mid-DATA: the server discards a message whose end never came
            raise SendCancelled("withdrawn before the message was sent")
        body = re.sub(rb"(?m)^\.", b"..", msg)
        if not body.endswith(CRLF):
            body += CRLF
        self.send(body + b"." + CRLF)
        # The server now has the whole message: from here on, no answer is not a "no".
        self.sock.settimeout(self.timeout * 2)
        try:
            return smtplib.SMTP.getreply(self)
        except (OSError, smtplib.SMTPServerDisconnected) as error:
            raise ReplyUnknown(f"no answer after the message was sent ({error})") from error


class BoundedSMTP(_Bounded, smtplib.SMTP):
    pass


class BoundedSMTPSSL(_Bounded, smtplib.SMTP_SSL):
    pass


class SMTPBackend(EmailBackend):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.timeout = self.timeout or 30

    @property
    def connection_class(self):
        cls = BoundedSMTPSSL if self.use_ssl else BoundedSMTP
        return functools.partial(cls, deadline=time.monotonic() + self.timeout * 4)

    def _send(self, email_message):
        if self.connection is not None:
            self.connection.before_content = getattr(email_message, "before_content", None)
        return super()._send(email_message)

    def _close_connection(self, connection):
        # Called after the message has been accepted, or after an error already raised:
        # neither outcome may be changed by how the goodbye went.
        try:
            connection.quit()
        except (OSError, smtplib.SMTPException) as error:
            log.info("The mail server's connection did not close cleanly: %s", error)
            connection.close()
