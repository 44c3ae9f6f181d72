"""Security: the SecurityManager, the roles of SPEC §1 (and 县政务服务中心), and scoping.

Village scoping is ONE mechanism, applied at the ORM session so that every list, detail,
edit, action, related dropdown, filter, chart, export and REST call goes through it:

* reads — every ORM SELECT issued while a village user is handling a request gets
  ``with_loader_criteria(Model, Model.scope_clause(village_id))`` for every village-owned
  model (``VillageScoped``). Out-of-scope rows simply do not exist for that user, so FAB
  answers 404 for them and dropdowns never offer them;
* writes — ``before_flush`` refuses to create, change or delete a row outside the user's
  village, or to move a row out of it (``OutOfScope`` → 404);
* every 404 a village user gets is written to the audit log as an access attempt (by the web
  layer, ``app.web``: security asks no service).

Township scoping (issue 15 §1) is the same mechanism one level up: a township user
(乡便民中心, 乡纪检办 with ``township_id``) gets ``Model.township_scope_clause(township_id)`` for
every village-owned model and every township-owned one (``township_models()``: Township,
PayoutSheet, PayoutAction), and ``before_flush`` refuses writes outside the township.
Users tied to neither (Admin, 县政务服务中心) are not restricted.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache

from flask import g, has_request_context, request
from flask_appbuilder.exceptions import PasswordComplexityValidationError
from flask_appbuilder.fieldwidgets import BS3PasswordFieldWidget, BS3TextFieldWidget
from flask_appbuilder.forms import DynamicForm
from flask_appbuilder.security.sqla.manager import SecurityManager
from flask_appbuilder.security.views import (
    ResetMyPasswordView,
    ResetPasswordView,
    UserDBModelView,
    UserInfoEditView,
)
from flask_appbuilder.validators import PasswordComplexityValidator
from flask_babel import lazy_gettext as _l
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session, with_loader_criteria
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Optional

from .models import BmUser, scoped_models, township_models
from .policy.roles import (
    ROLE_ADMIN,
    ROLE_AGENT,
    ROLE_COUNTY,
    ROLE_DISCIPLINE,
    ROLE_SECRETARY,
    ROLE_TOWNSHIP,
    check_account_scope,
    is_village_user,
    role_names,
    township_of,
    village_of,
)

log = logging.getLogger(__name__)

# --------------------------------------------------------------------------------------
# Roles (SPEC §1), declared in code and enforced by FAB's builtin-role regex matching.
# --------------------------------------------------------------------------------------
# Resources (class_permission_name of views and APIs; menu items carry the same name).
TOWNSHIP_RESOURCES = (
    "Village",
    "Agent",
    "ServiceCategory",
    "ServiceItem",
    "Case",
    "CalendarDay",
    "Training",
    "Attendance",
    "SignIn",
    "Deduction",
    "MonthlyReport",
    "PayoutSheet",
    "PayoutLine",
    "Assessment",
    "Dashboard",
    "Export",
    "Document",
    "BadRating",  # 差评整改 (issue 14 §1)
    "Accountability",  # 追责问责 (issue 15 §3)
)
READABLE_BY_ALL_STAFF = TOWNSHIP_RESOURCES + ("Inspection", "Complaint", "AuditLog")
SECRETARY_RESOURCES = (
    "Assessment",  # 年度考核 of the village's agent (read only)
    "Village",
    "Agent",
    "ServiceItem",
    "ServiceCategory",
    "Case",
    "MonthlyReport",
    "Deduction",
    "PayoutLine",
    "SignIn",
    "Attendance",
    "Dashboard",
    "Document",
    "Export",
)
AGENT_READ_RESOURCES = SECRETARY_RESOURCES
# 全县汇总 (the county dashboard): 县政务服务中心 and Admin only
COUNTY_RESOURCES = ("CountyDashboard",)
# Only Admin (r".*") reaches these: a backup holds every record of every village.
ADMIN_ONLY_RESOURCES = ("Backup",)
MENU_CATEGORIES = ("Ledger", "Supervision", "Money", "Basics", "System")
# What every logged-in user may do with their own account and the menu API: 个人信息
# (/users/userinfo/ and its two buttons, which are FAB actions named without "can_"),
# 修改密码 (/resetmypassword/form) and editing their own name (/userinfoeditview/form).
SELF_SERVICE = [
    (r"^ResetMyPasswordView$", r"^can_this_form_(get|post)$"),
    (r"^UserInfoEditView$", r"^can_this_form_(get|post)$"),
    (r"^(Bm)?UserDBModelView$", r"^(can_userinfo|resetmypassword|userinfoedit)$"),
    (r"^MenuApi$", r"^can_get$"),
    (r"^OpenApi$", r"^can_get$"),
    # 我的提醒 and the navbar bell (issue 14 §3): every role reads its own notifications
    (r"^Notification$", r"^can_read$"),
]


def _any(names) -> str:
    return r"^(" + "|".join(re.escape(n) for n in names) + r")$"


def build_roles() -> dict[str, list[tuple[str, str]]]:
    """FAB_ROLES: (view regex, permission regex) pairs per role, exactly SPEC §1."""
    village_menus = _any(("Ledger", "Supervision", "Money", "Basics"))
    township_menus = village_menus
    discipline_menus = _any(MENU_CATEGORIES)
    return {
        ROLE_ADMIN: [(r".*", r".*")],
        ROLE_TOWNSHIP: [
            (
                _any(TOWNSHIP_RESOURCES),
                r"^(can_read|can_write|can_transition|can_review|can_approve|can_pay|can_reopen|can_compute|menu_access)$",
            ),
            (_any(("Inspection", "Complaint")), r"^(can_read|menu_access)$"),
            (township_menus, r"^menu_access$"),
            *SELF_SERVICE,
        ],
        ROLE_DISCIPLINE: [
            (_any(READABLE_BY_ALL_STAFF), r"^(can_read|menu_access)$"),
            (_any(("Inspection", "Complaint", "Accountability")), r"^(can_write|can_verify)$"),
            (discipline_menus, r"^menu_access$"),
            *SELF_SERVICE,
        ],
        # 县政务服务中心 (issue 15 §1): reads every township, writes nothing
        ROLE_COUNTY: [
            (_any(READABLE_BY_ALL_STAFF + COUNTY_RESOURCES), r"^(can_read|menu_access)$"),
            (discipline_menus, r"^menu_access$"),
            *SELF_SERVICE,
        ],
        ROLE_SECRETARY: [
            (_any(SECRETARY_RESOURCES), r"^(can_read|menu_access)$"),
            (village_menus, r"^menu_access$"),
            *SELF_SERVICE,
        ],
        ROLE_AGENT: [
            (_any(AGENT_READ_RESOURCES), r"^(can_read|menu_access)$"),
            (r"^Case$", r"^(can_write|can_transition)$"),
            (r"^SignIn$", r"^can_sign$"),
            (r"^MonthlyReport$", r"^(can_write|can_submit)$"),
            (village_menus, r"^menu_access$"),
            *SELF_SERVICE,
        ],
    }


# --------------------------------------------------------------------------------------
# Passwords
# --------------------------------------------------------------------------------------
def password_complexity(password: str) -> None:
    """Real accounts: at least 10 characters from at least three of the four classes."""
    classes = sum(bool(re.search(p, password or "")) for p in (r"[a-z]", r"[A-Z]", r"[0-9]", r"[^a-zA-Z0-9]"))
    if len(password or "") < 10 or classes < 3:
        raise PasswordComplexityValidationError(
            str(_l("密码至少10位，并包含大写字母、小写字母、数字、符号中的至少三类"))
        )


# --------------------------------------------------------------------------------------
# Village scoping
# --------------------------------------------------------------------------------------
class OutOfScope(Exception):
    """A village (or township) user tried to touch a row of another village (or township)."""


_bypass: ContextVar[bool] = ContextVar("village_scope_bypass", default=False)
_forced: ContextVar[int | None] = ContextVar("village_scope_forced", default=None)
_forced_township: ContextVar[int | None] = ContextVar("township_scope_forced", default=None)

SCOPE_VILLAGE = "village"
SCOPE_TOWNSHIP = "township"


@contextmanager
def unscoped() -> Iterator[None]:
    """Run system work (audit writes, scheduled jobs) without the request user's scope."""
    token = _bypass.set(True)
    try:
        yield
    finally:
        _bypass.reset(token)


@contextmanager
def scoped_to(village_id: int | None) -> Iterator[None]:
    """Apply one village's scope outside a request (CLI exports for one village, tests)."""
    token = _forced.set(village_id)
    try:
        yield
    finally:
        _forced.reset(token)


@contextmanager
def scoped_to_township(township_id: int | None) -> Iterator[None]:
    """Apply one township's scope outside a request (CLI imports into one township, tests)."""
    token = _forced_township.set(township_id)
    try:
        yield
    finally:
        _forced_township.reset(token)


_resolving: ContextVar[bool] = ContextVar("village_scope_resolving", default=False)


def _user_and_scope():
    """(user, (level, id) or None) of the request, read with scoping switched off: loading or
    refreshing the user runs queries, which must not recurse into scoping."""
    if not has_request_context() or _resolving.get():
        return None, None
    token = _resolving.set(True)
    try:
        user = g.get("user")
        if user is None or not getattr(user, "is_authenticated", False):
            return None, None
        if hasattr(user, "_get_current_object"):
            user = user._get_current_object()
        village_id = village_of(user)
        if village_id is not None:
            return user, (SCOPE_VILLAGE, village_id)
        township_id = township_of(user)
        if township_id is not None:
            return user, (SCOPE_TOWNSHIP, township_id)
        return user, None
    finally:
        _resolving.reset(token)


def current_user_or_none():
    """The logged-in user (session or JWT), or None."""
    return _user_and_scope()[0]


def current_scope() -> tuple[str, int] | None:
    """("village", id), ("township", id) or None (Admin, 县政务服务中心, the system)."""
    if _bypass.get():
        return None
    forced = _forced.get()
    if forced is not None:
        return (SCOPE_VILLAGE, forced)
    forced_township = _forced_township.get()
    if forced_township is not None:
        return (SCOPE_TOWNSHIP, forced_township)
    return _user_and_scope()[1]


def current_village_scope() -> int | None:
    """The village the current user is confined to, or None for users not tied to a village."""
    scope = current_scope()
    return scope[1] if scope and scope[0] == SCOPE_VILLAGE else None


def current_township_scope() -> int | None:
    """The township a township user (乡便民中心, 乡纪检办) is confined to, else None."""
    scope = current_scope()
    return scope[1] if scope and scope[0] == SCOPE_TOWNSHIP else None


# The scope's loader criteria are SQL expressions of the user's village or township id only, the
# same for every statement: built once per id (and scoping is on every ORM statement — the
# township dashboard runs 27, each with the criteria of ~28 models). They are lambdas
# (SQLAlchemy's own form for this): a statement's cache key then holds each criterion's code
# and the id, not a walk of its whole expression — that walk cost a township's page 25–30 ms
# at 400 villages. ``plain_scope_options`` builds the same criteria as expressions: the tests
# hold the two to the same SQL and parameters for every model.
@lru_cache(maxsize=1024)
def scope_options(village_id: int) -> tuple:
    return tuple(
        with_loader_criteria(model, lambda cls: cls.scope_clause(village_id), include_aliases=True)
        for model in (*scoped_models(), *township_models())
    )


@lru_cache(maxsize=256)
def township_scope_options(township_id: int) -> tuple:
    from .models import AuditLog

    return tuple(
        with_loader_criteria(model, lambda cls: cls.township_scope_clause(township_id), include_aliases=True)
        for model in (*scoped_models(), *township_models())
    ) + (with_loader_criteria(AuditLog, lambda cls: _audit_log_clause(township_id), include_aliases=True),)


def plain_scope_options(level: str, ident: int) -> tuple:
    """The criteria of :func:`scope_options` / :func:`township_scope_options` as plain
    expressions (the reference of the tests)."""
    from .models import AuditLog

    models = (*scoped_models(), *township_models())
    if level == SCOPE_VILLAGE:
        return tuple(with_loader_criteria(m, m.scope_clause(ident), include_aliases=True) for m in models)
    return tuple(with_loader_criteria(m, m.township_scope_clause(ident), include_aliases=True) for m in models) + (
        with_loader_criteria(AuditLog, _audit_log_clause(ident), include_aliases=True),
    )


def _audit_log_clause(township_id: int):
    """The audit log of a township user: rows about its villages' records, and the rows about
    no village (catalog, trainings, accounts …: the audit log records no township — see the
    report of issue 15 §1)."""
    from .models import AuditLog
    from .models.base import township_villages

    return AuditLog.village_id.in_(township_villages(township_id)) | (
        AuditLog.village_id.is_(None) & (AuditLog.township_id.is_(None) | (AuditLog.township_id == township_id))
    )


def scoped_where(stmt, model):
    """``stmt`` — a SELECT of ``model``'s columns only: no other mapped entity in it, joined or
    in a subquery, and no entities loaded — with the current user's scope written into its WHERE
    (the very criteria ``_apply_village_scope`` adds through ``with_loader_criteria``), marked so
    the ~20 loader options are not added to it as well. For the dashboards' grouped counts: the
    options cost more to key than such a statement costs to run. Unscoped users: unchanged."""
    scope = current_scope()
    if scope is None:
        return stmt
    level, ident = scope
    clause = model.scope_clause(ident) if level == SCOPE_VILLAGE else model.township_scope_clause(ident)
    return stmt.where(clause).execution_options(skip_village_scope=True)


@event.listens_for(Session, "do_orm_execute")
def _apply_village_scope(state) -> None:
    if not state.is_select or state.execution_options.get("skip_village_scope"):
        return
    scope = current_scope()
    if scope is None:
        return
    level, ident = scope
    options = scope_options(ident) if level == SCOPE_VILLAGE else township_scope_options(ident)
    state.statement = state.statement.options(*options)


@event.listens_for(Session, "before_flush")
def _guard_village_writes(session, flush_context, instances) -> None:
    scope = current_scope()
    if scope is None:
        return
    if scope[0] == SCOPE_TOWNSHIP:
        _guard_township_writes(session, scope[1])
        return
    village_id = scope[1]
    scoped_types = tuple(scoped_models())
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        if not isinstance(obj, scoped_types):
            continue
        if obj in session.deleted or obj.scope_village_id() != village_id:
            raise OutOfScope(f"{type(obj).__name__} outside village {village_id}")
        state = inspect(obj)
        for attr in ("village_id", "id") if isinstance(obj, scoped_types) else ():
            if attr in state.attrs and state.attrs[attr].history.deleted:
                old = state.attrs[attr].history.deleted[0]
                if attr == "village_id" and old is not None and old != village_id:
                    raise OutOfScope(f"{type(obj).__name__} moved from village {old}")


def _guard_township_writes(session, township_id: int) -> None:
    """A township user creates, changes and removes rows of their own township only, and moves
    none out of it (to a village or a township of another)."""
    from .models import BmUser, Township
    from .models.base import township_villages

    types = tuple(scoped_models()) + tuple(township_models())
    objects = [o for o in list(session.new) + list(session.dirty) + list(session.deleted) if isinstance(o, types)]
    if not objects:
        return
    with session.no_autoflush:
        villages = set(
            session.execute(township_villages(township_id).execution_options(skip_village_scope=True)).scalars()
        )
    for obj in objects:
        own = obj.scope_township_id()
        village = obj.scope_village_id() if hasattr(obj, "scope_village_id") else None
        if own is not None:
            ok = own == township_id
        elif village is not None:
            ok = village in villages
        else:
            # an account tied to nothing is a county account: not a township's to make
            ok = not isinstance(obj, (BmUser, Township))
        if not ok:
            raise OutOfScope(f"{type(obj).__name__} outside township {township_id}")
        state = inspect(obj)
        for attr in ("village_id", "township_id"):
            if attr in state.attrs and state.attrs[attr].history.deleted:
                old = state.attrs[attr].history.deleted[0]
                if old is None:
                    continue
                if (attr == "village_id" and old not in villages) or (attr == "township_id" and old != township_id):
                    raise OutOfScope(f"{type(obj).__name__} moved from another township")


# --------------------------------------------------------------------------------------
# Own account: 修改密码 and 个人信息 for every role, with the password policy
# --------------------------------------------------------------------------------------
PASSWORD_POLICY_TEXT = _l("至少10位，并包含大写字母、小写字母、数字、符号中的至少三类")


class BmResetPasswordForm(DynamicForm):
    password = PasswordField(
        _l("新密码"),
        description=PASSWORD_POLICY_TEXT,
        validators=[DataRequired(), PasswordComplexityValidator()],
        widget=BS3PasswordFieldWidget(),
    )
    conf_password = PasswordField(
        _l("确认新密码"),
        description=_l("请再输入一次新密码"),
        validators=[EqualTo("password", message=_l("两次输入的密码不一致"))],
        widget=BS3PasswordFieldWidget(),
    )


class BmUserInfoEditForm(DynamicForm):
    first_name = StringField(_l("姓名"), validators=[DataRequired()], widget=BS3TextFieldWidget())
    last_name = StringField(
        _l("备注名"), validators=[Optional()], widget=BS3TextFieldWidget(), filters=[lambda v: v or ""]
    )


class BmResetMyPasswordView(ResetMyPasswordView):
    class_permission_name = "ResetMyPasswordView"
    form = BmResetPasswordForm
    form_title = _l("修改我的密码")
    message = _l("密码已修改，下次登录请使用新密码")


class BmResetPasswordView(ResetPasswordView):
    class_permission_name = "ResetPasswordView"
    form = BmResetPasswordForm
    form_title = _l("重设用户密码")
    message = _l("密码已重设")


class BmUserInfoEditView(UserInfoEditView):
    route_base = "/userinfoeditview"
    class_permission_name = "UserInfoEditView"
    form = BmUserInfoEditForm
    form_title = _l("编辑个人信息")
    message = _l("个人信息已保存")


# --------------------------------------------------------------------------------------
# The SecurityManager
# --------------------------------------------------------------------------------------
class BmUserDBModelView(UserDBModelView):
    # Chinese names are not split into first/last: 姓名 is first_name, last_name optional.
    add_form_extra_fields = {
        **UserDBModelView.add_form_extra_fields,
        "last_name": StringField(_l("备注名"), default="", filters=[lambda v: v or ""]),
    }
    edit_form_extra_fields = {"last_name": StringField(_l("备注名"), default="", filters=[lambda v: v or ""])}
    list_title = _l("用户列表")
    list_template = "imports/users_list.html"  # FAB's list with the Excel 导入 buttons (views/imports.py)
    show_title = _l("用户详情")
    add_title = _l("新增用户")
    edit_title = _l("编辑用户")
    list_columns = ["username", "first_name", "township", "village", "roles", "active", "last_login"]
    search_columns = ["username", "first_name", "last_name", "township", "village", "roles", "active"]
    add_columns = [
        "username",
        "first_name",
        "last_name",
        "township",
        "village",
        "active",
        "email",
        "roles",
        "password",
        "conf_password",
    ]
    edit_columns = ["username", "first_name", "last_name", "township", "village", "active", "email", "roles"]
    show_fieldsets = [
        (
            _l("账号"),
            {"fields": ["username", "first_name", "last_name", "township", "village", "active", "email", "roles"]},
        ),
        (_l("登录情况"), {"fields": ["last_login", "login_count", "fail_login_count", "created_on", "changed_on"]}),
    ]
    label_columns = {
        "username": _l("用户名"),
        "first_name": _l("姓名"),
        "last_name": _l("备注名"),
        "email": _l("邮箱"),
        "active": _l("启用"),
        "roles": _l("角色"),
        "village": _l("所属村"),
        "township": _l("所属乡镇"),
        "last_login": _l("最近登录"),
        "login_count": _l("登录次数"),
        "fail_login_count": _l("连续登录失败次数"),
        "created_on": _l("创建时间"),
        "changed_on": _l("修改时间"),
        "password": _l("密码"),
        "conf_password": _l("确认密码"),
    }
    description_columns = {
        "village": _l("村级角色选所属村；乡级角色不选"),
        "township": _l("乡便民中心、乡纪检办选所属乡镇；村级角色、县政务服务中心和Admin不选"),
        "roles": _l("Admin、县政务服务中心、乡便民中心、乡纪检办、村支书、村代办员"),
    }
    formatters_columns = {
        "active": lambda v: str(_l("是")) if v else str(_l("否")),
        "roles": lambda v: "、".join(r.name for r in v or []),
        "village": lambda v: v or "",
        "township": lambda v: v or "",
        "last_login": lambda v: f"{v:%Y-%m-%d %H:%M}" if v else "",
    }

    def pre_add(self, item):
        """FAB flashes the refusal and keeps the form (the rule: ``policy.roles.check_account_scope``)."""
        village_id = item.village.id if item.village else None
        township_id = item.township.id if item.township else None
        for problem in check_account_scope(role_names(item), village_id, township_id):
            raise problem

    pre_update = pre_add


class BmSecurityManager(SecurityManager):
    user_model = BmUser
    userdbmodelview = BmUserDBModelView
    resetmypasswordview = BmResetMyPasswordView
    resetpasswordview = BmResetPasswordView
    userinfoeditview = BmUserInfoEditView
    userstatschartview = None  # loads Google Charts from the internet
    # Called after every password check, form and API alike: (username, user or None, address).
    # The web layer sets it to the failed-login throttle (app.services.login_throttle).
    login_attempt_listener = None

    def auth_user_db(self, username, password):
        user = super().auth_user_db(username, password)
        if self.login_attempt_listener is not None:
            address = request.remote_addr if has_request_context() else None
            self.login_attempt_listener(username, user, address)
        return user

    def is_village_user(self, user) -> bool:
        return is_village_user(user)

    def role_names(self, user) -> set[str]:
        return role_names(user)
