"""The configured channels, from the app's settings (which come from the environment)."""

from __future__ import annotations

from collections.abc import Mapping

from .email import SmtpMail
from .sms import SmsGateway
from .wecom import TOWNSHIP, WeComRobot


def parse_mapping(text: str) -> dict[str, str]:
    """``"QS=https://…;SQ=https://…"`` (``;`` or newlines between entries) → ``{"QS": …}``."""
    out = {}
    for part in (text or "").replace("\n", ";").split(";"):
        key, sep, value = part.partition("=")
        if sep and key.strip() and value.strip():
            out[key.strip()] = value.strip()
    return out


def channels_from_config(config: Mapping) -> dict:
    """{name: channel} for every outside channel whose settings are present."""
    timeout = float(config.get("NOTIFY_HTTP_TIMEOUT", 10))
    channels: dict = {}
    urls = dict(config.get("WECOM_WEBHOOK_URLS") or {})
    if config.get("WECOM_WEBHOOK_URL"):
        urls[TOWNSHIP] = config["WECOM_WEBHOOK_URL"]
    if urls:
        channels["wecom"] = WeComRobot(urls, timeout=timeout)
    if config.get("SMTP_HOST"):
        channels["email"] = SmtpMail(
            config["SMTP_HOST"],
            int(config.get("SMTP_PORT") or 25),
            sender=config.get("SMTP_FROM") or "",
            user=config.get("SMTP_USER") or "",
            password=config.get("SMTP_PASSWORD") or "",
            starttls=bool(config.get("SMTP_STARTTLS")),
            ssl=bool(config.get("SMTP_SSL")),
            timeout=timeout,
            sender_name=config.get("SMTP_FROM_NAME") or "",
        )
    if config.get("SMS_GATEWAY_URL"):
        channels["sms"] = SmsGateway(
            config["SMS_GATEWAY_URL"],
            key=config.get("SMS_GATEWAY_KEY") or "",
            template_id=config.get("SMS_TEMPLATE_CASE_COMPLETED") or "",
            timeout=timeout,
        )
    return channels
