"""A provider-neutral SMS gateway adapter: one HTTP POST per message.

Body (JSON): ``{"phone": "139…", "template_id": "…", "params": {…}, "text": "…"}`` with the key
in the ``Authorization: Bearer <key>`` header. Most providers (or a small relay in front of
them) accept this shape; the text is there for gateways without templates. Any HTTP status
below 400 counts as accepted.
"""

from __future__ import annotations

from .base import DeliveryError, Outgoing, post_json


class SmsGateway:
    name = "sms"

    def __init__(self, url: str, key: str = "", template_id: str = "", timeout: float = 10) -> None:
        self.url, self.key, self.template_id, self.timeout = url, key, template_id, timeout

    def accepts(self, address: str) -> bool:
        digits = (address or "").strip()
        return digits.isdigit() and len(digits) == 11 and digits.startswith("1")

    def send(self, message: Outgoing) -> None:
        if not self.accepts(message.address):
            raise DeliveryError("不是有效的手机号码")
        body = {
            "phone": message.address,
            "template_id": self.template_id,
            "params": dict(message.params),
            "text": message.text,
        }
        headers = {"Authorization": f"Bearer {self.key}"} if self.key else {}
        post_json(self.url, body, headers=headers, timeout=self.timeout)
