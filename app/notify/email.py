"""E-mail over SMTP (smtplib): plain text, UTF-8, to a user's address."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.utils import formataddr

from .base import DeliveryError, Outgoing


class SmtpMail:
    name = "email"

    def __init__(
        self,
        host: str,
        port: int = 25,
        sender: str = "",
        user: str = "",
        password: str = "",
        starttls: bool = False,
        ssl: bool = False,
        timeout: float = 10,
        sender_name: str = "",
    ) -> None:
        self.host, self.port, self.sender = host, port, sender or f"noreply@{host}"
        self.user, self.password, self.starttls, self.ssl = user, password, starttls, ssl
        self.timeout, self.sender_name = timeout, sender_name

    def accepts(self, address: str) -> bool:
        return "@" in (address or "") and not address.endswith(".invalid")

    def send(self, message: Outgoing) -> None:
        mail = EmailMessage()
        mail["From"] = formataddr((self.sender_name, self.sender)) if self.sender_name else self.sender
        mail["To"] = message.address
        mail["Subject"] = message.subject or message.text[:30]
        mail.set_content(message.text, charset="utf-8")
        smtp_class = smtplib.SMTP_SSL if self.ssl else smtplib.SMTP
        try:
            with smtp_class(self.host, self.port, timeout=self.timeout) as smtp:
                if self.starttls and not self.ssl:
                    smtp.starttls()
                if self.user:
                    smtp.login(self.user, self.password)
                smtp.send_message(mail)
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryError(f"邮件发送失败：{type(exc).__name__}") from None
