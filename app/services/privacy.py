"""Who sees full ID numbers and phones (SPEC §12)."""

from __future__ import annotations

from ..policy.idcard import mask_id_number
from ..policy.phone import mask_phone
from ..security import current_user_or_none


def sees_full_numbers(owner_agent_user_id: int | None = None) -> bool:
    """Township staff, and the record's own agent, see full numbers on detail pages."""
    user = current_user_or_none()
    if user is None:
        return False
    if getattr(user, "village_id", None) is None:
        return True
    return owner_agent_user_id is not None and owner_agent_user_id == user.id


def id_for_detail(value, owner_agent_user_id: int | None = None) -> str:
    return (value or "") if sees_full_numbers(owner_agent_user_id) else mask_id_number(value)


def phone_for_detail(value, owner_agent_user_id: int | None = None) -> str:
    return (value or "") if sees_full_numbers(owner_agent_user_id) else mask_phone(value)
