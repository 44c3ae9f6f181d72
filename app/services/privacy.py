"""Who sees full ID numbers and phones (SPEC §12).

The one home of "may this viewer see a record's full numbers?"; the masking itself is pure
(``policy.idcard.mask_id_number``, ``policy.phone.mask_phone``). Models never ask it (they
do not know the viewer): the pages and the API that show a record apply it."""

from __future__ import annotations

from ..policy.idcard import mask_id_number
from ..policy.phone import mask_phone
from ..policy.roles import is_village_user
from ..security import current_user_or_none


def sees_full_numbers(owner_agent_user_id: int | None = None) -> bool:
    """Township staff, and the record's own agent, see full numbers on detail pages."""
    user = current_user_or_none()
    if user is None:
        return False
    if not is_village_user(user):
        return True
    return owner_agent_user_id is not None and owner_agent_user_id == user.id


def id_for_detail(value, owner_agent_user_id: int | None = None) -> str:
    return (value or "") if sees_full_numbers(owner_agent_user_id) else mask_id_number(value)


def phone_for_detail(value, owner_agent_user_id: int | None = None) -> str:
    return (value or "") if sees_full_numbers(owner_agent_user_id) else mask_phone(value)


def agent_id_number(agent) -> str:
    """An agent's ID number on its own page: full for township staff and the agent, else masked."""
    return id_for_detail(agent.id_number, agent.user_id)


def agent_phone(agent) -> str:
    """An agent's phone on its own page: full for township staff and the agent, else masked."""
    return phone_for_detail(agent.phone, agent.user_id)


#: The numbers on an agent's own page (view and API), as this viewer may see them.
AGENT_DETAIL_COLUMNS = {"id_number_detail": agent_id_number, "phone_detail": agent_phone}
