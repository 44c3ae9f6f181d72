"""Accounts and their village (SPEC §1): village roles need a village, township roles none."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from .errors import ValidationFailed


def validate_user_village(role_names: set[str], village_id: int | None) -> None:
    from ..security import VILLAGE_ROLES

    village_roles = role_names & set(VILLAGE_ROLES)
    if village_roles and not village_id:
        raise ValidationFailed(errors={"village": [_l("村支书、村代办员账号必须选择所属村")]})
    if village_id and role_names - set(VILLAGE_ROLES):
        raise ValidationFailed(errors={"village": [_l("乡级角色的账号不能指定所属村（否则只能看到该村数据）")]})
