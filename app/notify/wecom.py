"""企业微信 group robot (群机器人) webhook: ``{"msgtype": "text", "text": {"content": …}}``.

One webhook URL per group: the township's (address ``"township"``) and, optionally, one per
village (address = the village code). The robot answers HTTP 200 with ``{"errcode": 0}``; any
other errcode is a failure too.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from .base import DeliveryError, Outgoing, post_json

TOWNSHIP = "township"


class WeComRobot:
    name = "wecom"

    def __init__(self, urls: Mapping[str, str], timeout: float = 10) -> None:
        self.urls = {k.strip().upper() if k != TOWNSHIP else k: v for k, v in urls.items() if v}
        self.timeout = timeout

    def _url(self, address: str) -> str | None:
        return self.urls.get(address if address == TOWNSHIP else address.upper())

    def accepts(self, address: str) -> bool:
        return self._url(address) is not None

    def send(self, message: Outgoing) -> None:
        url = self._url(message.address)
        if url is None:
            raise DeliveryError("未配置该群的企业微信机器人")
        body = {"msgtype": "text", "text": {"content": message.text}}
        answer = post_json(url, body, timeout=self.timeout)
        try:
            code = json.loads(answer.decode("utf-8") or "{}").get("errcode", 0)
        except (ValueError, AttributeError):
            code = 0  # a gateway in front of the robot that answers plain text: HTTP 200 counts
        if code not in (0, None):
            raise DeliveryError(f"企业微信返回 errcode {code}")
