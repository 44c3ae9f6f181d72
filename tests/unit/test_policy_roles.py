"""Who is who (SPEC §1): the role names, the user–village question, the account's village."""

from __future__ import annotations

from types import SimpleNamespace

from app.policy.roles import (
    ROLE_ADMIN,
    ROLE_AGENT,
    ROLE_DISCIPLINE,
    ROLE_SECRETARY,
    ROLE_TOWNSHIP,
    check_account_village,
    has_role,
    is_village_user,
    role_names,
    village_of,
)


def _user(village_id=None, *roles):
    return SimpleNamespace(village_id=village_id, roles=[SimpleNamespace(name=r) for r in roles])


def test_village_of_and_is_village_user():
    assert village_of(_user(7, ROLE_AGENT)) == 7 and is_village_user(_user(7, ROLE_AGENT))
    assert village_of(_user(None, ROLE_TOWNSHIP)) is None and not is_village_user(_user(None, ROLE_TOWNSHIP))
    assert village_of(None) is None and not is_village_user(None)  # a command-line run acts for the township
    assert not is_village_user(SimpleNamespace())  # anonymous: no village


def test_role_names_and_has_role():
    user = _user(None, ROLE_TOWNSHIP, ROLE_DISCIPLINE)
    assert role_names(user) == {ROLE_TOWNSHIP, ROLE_DISCIPLINE} and role_names(None) == set()
    assert has_role(user, ROLE_ADMIN, ROLE_TOWNSHIP) and not has_role(user, ROLE_ADMIN)


def test_village_roles_need_a_village():
    (problem,) = check_account_village({ROLE_SECRETARY}, None)
    assert problem.field == "village" and problem.code == "village_missing"
    assert str(problem) == "村支书、村代办员账号必须选择所属村"
    assert check_account_village({ROLE_AGENT}, 3) == []


def test_township_roles_have_no_village():
    (problem,) = check_account_village({ROLE_TOWNSHIP}, 3)
    assert problem.field == "village" and problem.code == "village_not_allowed"
    assert str(problem) == "乡级角色的账号不能指定所属村（否则只能看到该村数据）"
    (problem,) = check_account_village({ROLE_AGENT, ROLE_ADMIN}, 3)  # a mixed account is a township one
    assert problem.code == "village_not_allowed"
    assert check_account_village({ROLE_ADMIN}, None) == [] and check_account_village(set(), None) == []
