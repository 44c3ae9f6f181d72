"""check_account_scope (issue 15 §1): village roles a village, township roles a township,
县政务服务中心 and Admin neither."""

from __future__ import annotations

from types import SimpleNamespace

from app.policy.roles import (
    ROLE_ADMIN,
    ROLE_AGENT,
    ROLE_COUNTY,
    ROLE_DISCIPLINE,
    ROLE_SECRETARY,
    ROLE_TOWNSHIP,
    ROLES,
    check_account_scope,
    township_of,
)


def test_village_roles_need_a_village_and_no_township():
    (p,) = check_account_scope({ROLE_SECRETARY}, None, None)
    assert p.code == "village_missing"
    (p,) = check_account_scope({ROLE_AGENT}, 3, 1)
    assert p.field == "township" and p.code == "township_not_allowed"
    assert check_account_scope({ROLE_AGENT}, 3, None) == []


def test_township_roles_need_a_township_and_no_village():
    for role in (ROLE_TOWNSHIP, ROLE_DISCIPLINE):
        (p,) = check_account_scope({role}, None, None)
        assert p.code == "township_missing" and str(p) == "乡便民中心、乡纪检办账号必须选择所属乡镇"
        (p,) = check_account_scope({role}, 3, 1)
        assert p.code == "village_not_allowed"
        assert check_account_scope({role}, None, 1) == []


def test_county_roles_have_neither():
    assert ROLE_COUNTY in ROLES
    for role in (ROLE_ADMIN, ROLE_COUNTY):
        assert check_account_scope({role}, None, None) == []
        (p,) = check_account_scope({role}, None, 2)
        assert p.code == "township_not_allowed"
        (p,) = check_account_scope({role}, 4, None)
        assert p.code == "village_not_allowed"
    # a mixed county + township account counts as county: no township
    assert check_account_scope({ROLE_ADMIN, ROLE_TOWNSHIP}, None, None) == []


def test_township_of():
    user = SimpleNamespace(village_id=None, township_id=2, roles=[])
    assert township_of(user) == 2
    assert township_of(SimpleNamespace(village_id=5, township_id=2, roles=[])) is None  # village scope wins
    assert township_of(None) is None and township_of(SimpleNamespace(village_id=None)) is None
