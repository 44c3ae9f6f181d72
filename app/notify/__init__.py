"""Delivery channels of the notification outbox (issue 14 §3) — adapters to the outside world.

Each channel is optional and configured from the environment (``config.py``, block “定时任务与
提醒”): in-app is always on (it is the outbox row itself); a 企业微信 group robot webhook
(:mod:`.wecom`), e-mail over SMTP (:mod:`.email`), an SMS gateway (:mod:`.sms`). A channel
receives a plain :class:`Outgoing` (address, text, template parameters) and either returns or
raises :class:`DeliveryError` — it knows nothing of models or the database; the service
``app.services.notifications`` decides what to send and records each attempt.

Like ``app/exports``, this room imports no other room of ``app/`` (policy at most).
"""

from __future__ import annotations

from .base import Channel, DeliveryError, Outgoing, backoff_delay
from .config import channels_from_config

__all__ = ["Channel", "DeliveryError", "Outgoing", "backoff_delay", "channels_from_config"]
