"""Who is who (SPEC §1): the role names, and the one answer to "is this user tied to a village?".

Pure: a ``user`` is anything with ``village_id`` (and ``township_id``) and ``roles`` (each with a ``name``), or None
(a command-line run, which acts for the whole deployment).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from .errors import PolicyViolation

ROLE_ADMIN = "Admin"
ROLE_TOWNSHIP = "乡便民中心"
ROLE_DISCIPLINE = "乡纪检办"
ROLE_SECRETARY = "村支书"
ROLE_AGENT = "村代办员"
ROLE_COUNTY = "县政务服务中心"
ROLES = (ROLE_ADMIN, ROLE_TOWNSHIP, ROLE_DISCIPLINE, ROLE_SECRETARY, ROLE_AGENT, ROLE_COUNTY)
VILLAGE_ROLES = (ROLE_SECRETARY, ROLE_AGENT)
#: tied to one township (issue 15 §1): they see that township's villages only
TOWNSHIP_ROLES = (ROLE_TOWNSHIP, ROLE_DISCIPLINE)
#: tied to nothing: every township of the county
COUNTY_ROLES = (ROLE_ADMIN, ROLE_COUNTY)

ROLE_DESCRIPTIONS = {
    ROLE_ADMIN: _l("系统管理员：全部功能，含用户与角色管理"),
    ROLE_TOWNSHIP: _l(
        "乡便民服务中心及窗口工作人员：管理全乡村、代办员、事项目录、受理登记、培训、月报审核、扣款、补助发放和工作日历"
    ),
    ROLE_DISCIPLINE: _l("乡纪检办：录入督查检查和群众反映/举报并核实，查看其余全部数据，不能审核补助"),
    ROLE_SECRETARY: _l("村党支部书记：只读查看本村的村情、代办员、受理登记、月报、扣款、补助和考勤"),
    ROLE_AGENT: _l("村级便民代办员：本村受理登记、每日签到、填报月汇总表，查看本人扣款"),
    ROLE_COUNTY: _l("县政务服务中心：查看全县各乡镇的全部数据和全县汇总看板，不能修改"),
}


def village_of(user) -> int | None:
    """The id of the village a user is tied to (村支书, 村代办员), else None."""
    return getattr(user, "village_id", None) if user is not None else None


def township_of(user) -> int | None:
    """The id of the township a township-level user (乡便民中心, 乡纪检办) is tied to, else None.
    A village user's township is their village's (scoping uses the village)."""
    if user is None or village_of(user) is not None:
        return None
    return getattr(user, "township_id", None)


def is_village_user(user) -> bool:
    """Tied to one village: sees and changes that village's rows only."""
    return village_of(user) is not None


def role_names(user) -> set[str]:
    """The names of a user's roles (empty for None)."""
    return {getattr(r, "name", None) for r in getattr(user, "roles", None) or []} - {None}


def has_role(user, *names: str) -> bool:
    return bool(role_names(user) & set(names))


def check_account_village(roles: set[str], village_id: int | None) -> list[PolicyViolation]:
    """An account's village matches its roles (SPEC §1): 村支书 and 村代办员 need one, and a
    township role has none (it would see only that village's data)."""
    if roles & set(VILLAGE_ROLES) and not village_id:
        return [PolicyViolation(_l("村支书、村代办员账号必须选择所属村"), "village", "village_missing")]
    if village_id and roles - set(VILLAGE_ROLES):
        return [
            PolicyViolation(
                _l("乡级角色的账号不能指定所属村（否则只能看到该村数据）"), "village", "village_not_allowed"
            )
        ]
    return []


def check_account_scope(roles: set[str], village_id: int | None, township_id: int | None) -> list[PolicyViolation]:
    """An account's place matches its roles (issue 15 §1): 村支书/村代办员 have a village (and no
    township: theirs is the village's); 乡便民中心/乡纪检办 a township and no village;
    Admin and 县政务服务中心 neither (they see every township). A mixed account counts at its
    widest role (a county role wins over a township role)."""
    problems = check_account_village(roles, village_id)
    if problems:
        return problems
    if roles & set(VILLAGE_ROLES):
        if township_id:
            return [
                PolicyViolation(_l("村级角色的账号不选所属乡镇（由所属村决定）"), "township", "township_not_allowed")
            ]
        return []
    if roles & set(COUNTY_ROLES):
        if township_id:
            return [
                PolicyViolation(
                    _l("Admin、县政务服务中心账号不能指定所属乡镇（否则只能看到该乡镇数据）"),
                    "township",
                    "township_not_allowed",
                )
            ]
        return []
    if roles & set(TOWNSHIP_ROLES) and not township_id:
        return [PolicyViolation(_l("乡便民中心、乡纪检办账号必须选择所属乡镇"), "township", "township_missing")]
    return []
