"""Excel import of 行政村, 代办员 and 账号 (issue 15 §2).

One flow for the web page and ``flask import``:

1. :func:`check_upload` — the bytes are an xlsx file (zip magic, size, unpacked size, openpyxl
   opens it), else a Chinese message;
2. :func:`dry_run` — every data row is read (openpyxl, read-only, formulas as their text: never
   evaluated), turned into the same input a form sends, and validated by the same service
   functions the forms use (``villages.SPEC``, ``agents.validate_agent``, the password rule and
   ``policy.roles.check_account_village`` of ``flask users add``), plus duplicates against the
   database and inside the file. Nothing is saved;
3. :func:`import_file` — the same check again; when every row is good all rows are saved in one
   transaction and audit-logged, else (or when the database refuses one) nothing is.

The column headers are the sheet's wording (Chinese, not translated): the header row is found
by them. The villages a row may name come from :func:`_village_lookup` — the one place a
township filter (``--township CODE``, issue 15 §1) would go.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import secrets
import time
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from flask import current_app
from flask_appbuilder.exceptions import PasswordComplexityValidationError
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.security import generate_password_hash

from ..exports.import_templates import TemplateColumn, write_template
from ..models import Agent, BmUser, Township, Village
from ..models.enums import AGENT_LEVELS, AGENT_STATUSES, APPOINTMENT_KINDS, EDUCATION, GENDERS
from ..policy.idcard import id_check_digit
from ..policy.roles import COUNTY_ROLES, ROLE_TOWNSHIP, ROLES, TOWNSHIP_ROLES, check_account_scope
from ..security import current_township_scope, current_village_scope, password_complexity
from . import agents as agent_service
from . import clock
from . import villages as village_service
from .audit import record_event
from .common import session
from .errors import Conflict, DomainError, Forbidden, NotFound, ValidationFailed
from .fields import Field, parse, to_str
from .townships import township_for_new

KIND_VILLAGES, KIND_AGENTS, KIND_USERS = "villages", "agents", "users"
KINDS = (KIND_VILLAGES, KIND_AGENTS, KIND_USERS)
KIND_NAMES = {KIND_VILLAGES: _l("行政村"), KIND_AGENTS: _l("代办员"), KIND_USERS: _l("用户账号")}
XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old .xls (and password-protected .xlsx)
#: How far below the top the header row may be (a title line or two above it is fine).
HEADER_SEARCH_ROWS = 10
#: An xlsx file unpacks to at most this many times its upload limit (a zip bomb does not).
UNPACK_FACTOR = 20
WHOLE_ROW = _l("整行")
YES, NO = "是", "否"
_TOKEN = re.compile(r"[0-9a-f]{32}")


# --------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------
@dataclass
class RowResult:
    row: int  # the row number Excel shows
    label: str  # what the row is about (村名、姓名、用户名 …)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (column header, message)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class ImportResult:
    kind: str
    rows: list[RowResult]
    ignored_headers: list[str] = field(default_factory=list)
    saved: int = 0

    @property
    def bad_rows(self) -> list[RowResult]:
        return [r for r in self.rows if not r.ok]

    @property
    def ok(self) -> bool:
        return bool(self.rows) and not self.bad_rows

    def error_lines(self) -> list[str]:
        """``第3行 身份证号：身份证号校验位不正确…`` for every message."""
        return [
            str(_l("第%(row)s行 %(col)s：%(m)s", row=r.row, col=header, m=message))
            for r in self.bad_rows
            for header, message in r.errors
        ]


# --------------------------------------------------------------------------------------
# Columns
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ImportColumn:
    key: str  # the service's input field
    header: str  # the sheet's header (Chinese)
    required: bool = False
    kind: str = "text"  # text | date | number | flag | choice | village
    choices: Mapping[str, Any] | None = None  # sheet label → stored code (choice)
    note: str = ""
    example: Any = None
    width: float = 14
    default: Any = None  # a blank cell's value
    fields: tuple[str, ...] = ()  # the service fields whose messages this column shows

    def template_column(self) -> TemplateColumn:
        kind = {"flag": "choice", "village": "text"}.get(self.kind, self.kind)
        return TemplateColumn(self.header, self.required, kind, tuple(self.choices or ()), self.note, self.width)


def _labels(mapping: Mapping) -> dict[str, Any]:
    """Sheet label → code: the Chinese labels whatever the user's language (the sheet is Chinese)."""
    with force_locale("zh"):
        return {str(text): code for code, text in mapping.items()}


_FLAG = {YES: True, NO: False}


def _flag(header: str, note: str = "", example: Any = YES, default: Any = None, **kw) -> ImportColumn:
    return ImportColumn(
        kw.pop("key"), header, kind="flag", choices=_FLAG, note=note, example=example, default=default, width=10, **kw
    )


# --------------------------------------------------------------------------------------
# Reading the file
# --------------------------------------------------------------------------------------
def max_bytes() -> int:
    return int(current_app.config.get("IMPORT_MAX_BYTES", 5 * 1024 * 1024))


def max_size_text() -> str:
    """The upload limit as written on the page, e.g. ``5 MB``."""
    return _mb(max_bytes())


def _mb(n: int) -> str:
    """``5 MB``, ``1.5 MB``, ``800 KB``."""
    if n >= 1024 * 1024:
        return f"{n / 1024 / 1024:.1f}".rstrip("0").rstrip(".") + " MB"
    return f"{max(n, 1) / 1024:.0f} KB"


def _refuse(message) -> ValidationFailed:
    return ValidationFailed(errors={"file": [message]})


def check_size(size: int) -> None:
    if size > max_bytes():
        raise _refuse(
            _l(
                "文件过大：导入文件不能超过 %(max)s（本文件 %(size)s），请分成几个文件导入",
                max=_mb(max_bytes()),
                size=_mb(size),
            )
        )


def check_upload(data: bytes, *, open_book: bool = True) -> None:
    """The bytes are an xlsx workbook openpyxl can open, within the limits; else a message.
    ``open_book=False`` leaves the opening to the reader that follows (it refuses alike)."""
    if not data:
        raise _refuse(_l("文件是空的，请选择填好的 Excel（.xlsx）文件"))
    check_size(len(data))
    if data.startswith(OLE_MAGIC):
        raise _refuse(_l("这是旧版 Excel（.xls）或加密的文件：请在 Excel 中“另存为” .xlsx 格式（不设密码）后再上传"))
    if not data.startswith(XLSX_MAGIC):
        raise _refuse(_l("不是 Excel（.xlsx）文件：请上传用本系统导入模板填写的 .xlsx 文件"))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        raise _refuse(_l("文件已损坏，无法读取：请重新保存为 .xlsx 后再上传")) from None
    if unpacked > max_bytes() * UNPACK_FACTOR:
        raise _refuse(
            _l("文件内容过大（解压后超过 %(max)s），请分成几个文件导入", max=_mb(max_bytes() * UNPACK_FACTOR))
        )
    if open_book:
        _open(data).close()


def _open(data: bytes):
    import openpyxl

    try:
        return openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook
        raise _refuse(
            _l("无法读取该文件：它不是有效的 Excel（.xlsx）工作簿，请用 Excel 或 WPS 另存为 .xlsx 后再上传")
        ) from None


def _header_text(value) -> str:
    text = re.sub(r"\s+", "", str(value or ""))
    return text.replace("（必填）", "").replace("(必填)", "").strip("*＊")


def _find_header(rows: list[tuple], columns: Sequence[ImportColumn]) -> tuple[int, dict[int, ImportColumn], list[str]]:
    """(index of the header row, column index → column, ignored headers)."""
    by_header = {c.header: c for c in columns}
    required = [c.header for c in columns if c.required]
    best_missing = required
    for index, row in enumerate(rows):
        texts = [_header_text(v) for v in row]
        missing = [h for h in required if h not in texts]
        if len(missing) < len(best_missing):
            best_missing = missing
        if missing:
            continue
        mapping: dict[int, ImportColumn] = {}
        for col, text in enumerate(texts):
            if text in by_header:
                if by_header[text] in mapping.values():
                    raise _refuse(_l("表头“%(h)s”出现了不止一次，请删除多余的列", h=text))
                mapping[col] = by_header[text]
        ignored = [t for t in texts if t and t not in by_header]
        return index, mapping, ignored
    raise _refuse(
        _l(
            "表头不符：缺少%(cols)s列。请使用本系统下载的导入模板，表头行保持不变",
            cols="、".join(f"“{h}”" for h in best_missing),
        )
    )


def _cell(value):
    """A cell's value as read: text stripped; a formula (text starting with “=”) stays text."""
    if value is None or isinstance(value, (bool, int, Decimal, dt.date)):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else value
    if isinstance(value, str):
        return value.strip()
    return str(getattr(value, "text", value))  # an array formula, a time … as text


def read_rows(
    data: bytes, columns: Sequence[ImportColumn], sheet_name: str | None = None
) -> tuple[list[tuple[int, dict]], list[str]]:
    """([(Excel row number, {column key: cell value})], ignored headers) of the sheet named
    ``sheet_name`` (the template's), else the first one; blank rows skipped."""
    book = _open(data)
    try:
        sheet = book[sheet_name] if sheet_name in book.sheetnames else book.worksheets[0]
        sheet.reset_dimensions()  # some writers record wrong dimensions: read every cell there is
        rows = sheet.iter_rows(values_only=True)
        top = [r for _, r in zip(range(HEADER_SEARCH_ROWS), rows, strict=False)]
        index, mapping, ignored = _find_header(top, columns)
        limit = int(current_app.config.get("IMPORT_MAX_ROWS", 20_000))
        found: list[tuple[int, dict]] = []
        for number, row in enumerate(_rows_after(top, index, rows), start=index + 2):
            values = {mapping[c].key: _cell(v) for c, v in enumerate(row) if c in mapping}
            if all(v is None or v == "" for v in values.values()):
                continue
            if len(found) >= limit:
                raise _refuse(_l("数据行过多：一个文件最多 %(n)s 行，请分成几个文件导入", n=limit))
            found.append((number, values))
        return found, ignored
    finally:
        book.close()


def _rows_after(top: list[tuple], index: int, rest: Iterator[tuple]) -> Iterator[tuple]:
    yield from top[index + 1 :]
    yield from rest


# --------------------------------------------------------------------------------------
# Cells → the service's input
# --------------------------------------------------------------------------------------
@dataclass
class VillageLookup:
    """The villages a row may name: by 村代码 (unique in the county) or by 村名 (unique only
    within a township: a name several townships have needs the code)."""

    codes: dict[str, int] = field(default_factory=dict)  # upper-case code → id
    names: dict[str, list[int]] = field(default_factory=dict)  # name → ids (one per township)

    def find(self, text: str) -> tuple[int | None, Any]:
        """(village id, None) or (None, the row's message)."""
        found = self.codes.get(text.upper())
        if found is not None:
            return found, None
        ids = self.names.get(text, [])
        if len(ids) > 1:
            return None, _l("多个乡镇都有“%(v)s”：请填写村代码", v=text)
        if ids:
            return ids[0], None
        return None, _l("找不到村“%(v)s”：请填写已有的村代码或村名", v=text)


def _village_lookup() -> VillageLookup:
    """The villages a row may name: those of the township imported into (``--township``, a
    township user), else every township's."""
    lookup = VillageLookup()
    stmt = select(Village.id, Village.code, Village.name).execution_options(skip_village_scope=True)
    township_id = current_township_scope()
    if township_id is not None:  # importing into one township (--township, a township user)
        stmt = stmt.where(Village.township_id == township_id)
    for vid, code, name in session().execute(stmt.order_by(Village.id)):
        lookup.codes[code.upper()] = vid
        lookup.names.setdefault(name, []).append(vid)
    return lookup


def _convert(column: ImportColumn, value, villages: VillageLookup):
    """(value for the service, error message or None)."""
    if value is None or value == "":
        return column.default, None
    if column.kind in ("choice", "flag"):
        text = str(value).strip() if not isinstance(value, bool) else (YES if value else NO)
        if text in column.choices:
            return column.choices[text], None
        codes = {str(code): code for code in column.choices.values()}
        if text in codes and column.kind == "choice":
            return codes[text], None
        return None, _l("“%(v)s”不是可选值，可选：%(c)s", v=text, c="、".join(column.choices))
    if column.kind == "village":
        return villages.find(str(value).strip())
    if column.kind == "text" and not isinstance(value, str):
        return str(value), None
    return value, None


def _row_input(
    columns: Sequence[ImportColumn], cells: Mapping, villages: VillageLookup
) -> tuple[dict, dict[str, list[str]]]:
    data: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for column in columns:
        value, error = _convert(column, cells.get(column.key), villages)
        target = column.fields[0] if column.fields else column.key
        if error is not None:
            errors.setdefault(target, []).append(str(error))
        else:
            data[target] = value
    return data, errors


# --------------------------------------------------------------------------------------
# The kinds
# --------------------------------------------------------------------------------------
class ImportKind:
    """One kind of import: its columns, its checks (the forms'), and how a row is saved."""

    name: str
    table: str
    sheet: str
    filename: str
    notes: tuple[str, ...] = ()

    def columns(self) -> list[ImportColumn]:
        raise NotImplementedError

    def start(self, today: dt.date) -> dict:
        """What the checks of every row share (existing keys, lookups), loaded once."""
        return {"today": today, "villages": _village_lookup(), "township_id": current_township_scope()}

    def check(self, data: dict, state: dict, row: int) -> dict:
        """The values to save, or ``ValidationFailed``."""
        raise NotImplementedError

    def build(self, values: dict, state: dict):
        raise NotImplementedError

    def label(self, data: Mapping) -> str:
        raise NotImplementedError

    def key(self, values: dict) -> str:
        return self.label(values)


def _seen(state: dict, what: str, value: str, row: int) -> int | None:
    """The earlier row of the file with the same ``value`` (else None; this row is noted)."""
    seen = state.setdefault(f"seen_{what}", {})
    earlier = seen.get(value)
    if earlier is None:
        seen[value] = row
    return earlier


class VillageImport(ImportKind):
    name = KIND_VILLAGES
    table = "village"
    sheet = "行政村"
    filename = "行政村导入模板.xlsx"
    notes = (
        "第一行为表头（请勿修改），第二行是示例行（云湖村，演示数据中没有这个村，可直接导入试用；正式导入前请改成本乡的村或删除）。",
        "村名不能与本乡镇已有的村或本文件其他行重复，村代码不能与全县已有的村或本文件其他行重复；村代码为2至6位英文字母，用于受理编号。",
        "“启用”不填视为“是”；“六个一”各项不填视为“否”。日期格式为 YYYY-MM-DD，如 2026-01-15。",
        "导入前系统会逐行检查并列出全部问题，全部无误后点“确认导入”一次保存所有行；有任何一行不合格则一行也不保存。",
    )

    def columns(self) -> list[ImportColumn]:
        from ..models import SIX_ONES

        cols = [
            ImportColumn("name", "村名", True, note="如：青山村，最多50个字", example="云湖村", width=12),
            ImportColumn(
                "code", "村代码", True, note="2至6位英文字母，如 QS；用于受理编号 QS2026-0042", example="YH", width=10
            ),
            ImportColumn(
                "address", "代办点地址", note="最多200个字", example="建宁乡云湖村村民委员会便民服务代办点", width=30
            ),
            ImportColumn(
                "service_phone",
                "服务电话",
                note="代办点对外公布的电话，如 0731-84562099 或手机号",
                example="0731-84562099",
                width=16,
            ),
            ImportColumn("secretary_name", "村党支部书记", note="姓名", example="谭建华", width=12),
            _flag("启用", "不填视为“是”", key="active", default=True),
            ImportColumn(
                "supplement_per_year",
                "村级补助（元/年）",
                kind="number",
                note="由非副职干部担任代办员的村另行给予的村级补助（第二条（四）1），不填为0",
                example=Decimal("1200.00"),
                width=12,
            ),
        ]
        with force_locale("zh"):
            for attr, label in SIX_ONES:
                text = str(label)
                cols.append(
                    _flag(text, "六个一标准化配置（第六条（二）），不填视为“否”", key=attr, example=YES, default=False)
                )
                cols.append(
                    ImportColumn(
                        f"{attr}_checked_on",
                        f"{text}检查日期",
                        kind="date",
                        note="YYYY-MM-DD",
                        example=dt.date(2026, 1, 15),
                        width=12,
                    )
                )
        return cols

    def start(self, today: dt.date) -> dict:
        state = super().start(today)
        state["township_id"] = township_for_new(state["township_id"], field="township").id
        stmt = select(Village.name, Village.code, Village.township_id).execution_options(skip_village_scope=True)
        rows = session().execute(stmt).all()
        # 村名 within the township imported into (issue 15 §1); 村代码 in the whole county
        state["existing_name"] = {n.upper() for n, _, t in rows if t == state["township_id"]}
        state["existing_code"] = {c.upper() for _, c, _ in rows}
        return state

    def check(self, data: dict, state: dict, row: int) -> dict:
        values = {k: v for k, v in parse(data, village_service.SPEC).items() if v is not None}
        errors: dict[str, list] = {}
        for key, label in (("name", _l("村名")), ("code", _l("村代码"))):
            text = values[key]
            earlier = _seen(state, key, text.upper(), row)
            if text.upper() in state[f"existing_{key}"]:
                errors[key] = [_l("%(label)s“%(v)s”已存在", label=label, v=text)]
            elif earlier is not None:
                errors[key] = [_l("%(label)s“%(v)s”与第%(row)s行重复", label=label, v=text, row=earlier)]
        if errors:
            raise ValidationFailed(errors=errors)
        return values

    def build(self, values: dict, state: dict):
        return Village(**values, township_id=state["township_id"])

    def label(self, data: Mapping) -> str:
        name, code = data.get("name") or "", data.get("code") or ""
        return f"{name}（{code}）" if code else str(name)


def _example_id() -> str:
    first17 = "430123199604180026"[:17]
    return first17 + id_check_digit(first17)


class AgentImport(ImportKind):
    name = KIND_AGENTS
    table = "agent"
    sheet = "代办员"
    filename = "代办员导入模板.xlsx"
    notes = (
        "第一行为表头（请勿修改），第二行是示例行（青山村 QS 的一名拟任代办员，演示数据中可直接导入试用；正式导入前请改成本乡的人员或删除）。",
        "与新增代办员页面的检查相同：身份证号校验位、任职条件（本村长期居住、高中或中专以上文化、不得为全科网格员、年龄原则上50周岁以下，超过须写破格聘任理由）、产生程序的日期先后，以及每村只能有一名在岗村级代办员（含本文件中的其他行）。",
        "身份证号、手机号码请按文本填写（模板中这两列已设为文本格式），以免 Excel 把身份证号变成科学计数法。",
        "村级代办员填写“所在村”（村代码或村名；几个乡镇都有的村名请填村代码）；乡级代办员不填所在村，填写“乡级窗口单位”和“党委（扩大）会议研究决定日期”。",
        "导入前系统会逐行检查并列出全部问题，全部无误后点“确认导入”一次保存所有行；有任何一行不合格则一行也不保存。",
    )

    def columns(self) -> list[ImportColumn]:
        return [
            ImportColumn("name", "姓名", True, example="罗晓婷", width=10),
            ImportColumn(
                "gender",
                "性别",
                kind="choice",
                choices=_labels(GENDERS),
                note="可不填，按身份证号自动识别",
                example="女",
                width=8,
            ),
            ImportColumn(
                "id_number", "身份证号", True, note="18位居民身份证号（按文本填写）", example=_example_id(), width=21
            ),
            ImportColumn("phone", "手机号码", True, note="11位手机号（按文本填写）", example="13973109901", width=14),
            ImportColumn(
                "education",
                "文化程度",
                True,
                kind="choice",
                choices=_labels(EDUCATION),
                note="村级代办员须高中、中专及以上（第二条（一）3）",
                example="大专",
                width=10,
            ),
            ImportColumn(
                "level", "代办员级别", True, kind="choice", choices=_labels(AGENT_LEVELS), example="村级", width=10
            ),
            ImportColumn(
                "village_id",
                "所在村",
                kind="village",
                note="村级代办员必填：村代码（如 QS）或村名",
                example="QS",
                width=10,
            ),
            ImportColumn("window_unit", "乡级窗口单位", note="乡级代办员必填", width=16),
            ImportColumn(
                "appointment_kind",
                "产生方式",
                True,
                kind="choice",
                choices=_labels(APPOINTMENT_KINDS),
                example="自聘",
                width=16,
            ),
            _flag(
                "本村长期居住",
                "村级代办员必须在本村长期居住（第二条（一）1）；不填视为“否”",
                key="long_term_resident",
                example=YES,
                default=False,
            ),
            _flag(
                "是否全科网格员",
                "村级代办员不得为全科网格员（第二条（一）5）；不填视为“否”",
                key="is_grid_worker",
                example=NO,
                default=False,
            ),
            ImportColumn("age_override_reason", "破格聘任理由", note="年龄超过50周岁时必填", width=20),
            ImportColumn(
                "nominated_on",
                "两委会议提名日期",
                kind="date",
                note="村级：YYYY-MM-DD",
                example=dt.date(2026, 3, 2),
                width=12,
            ),
            ImportColumn(
                "approved_on",
                "党员、村民代表会议通过日期",
                kind="date",
                note="村级：YYYY-MM-DD",
                example=dt.date(2026, 3, 16),
                width=14,
            ),
            ImportColumn("filed_on", "乡政府审核备案日期", kind="date", note="村级：YYYY-MM-DD", width=12),
            ImportColumn(
                "committee_decided_on", "党委（扩大）会议研究决定日期", kind="date", note="乡级：YYYY-MM-DD", width=14
            ),
            ImportColumn("hired_on", "聘任日期", kind="date", note="在岗代办员必填", width=12),
            ImportColumn(
                "status",
                "状态",
                True,
                kind="choice",
                choices=_labels(AGENT_STATUSES),
                note="村级“在岗”须填齐提名、通过、备案、聘任日期",
                example="拟任",
                width=8,
            ),
            ImportColumn("dismissed_on", "解聘日期", kind="date", note="已解聘时必填", width=12),
            ImportColumn("dismissal_reason", "解聘原因", note="已解聘时必填", width=16),
        ]

    def start(self, today: dt.date) -> dict:
        state = super().start(today)
        stmt = select(Agent.id_number, Agent.name).execution_options(skip_village_scope=True)
        state["existing_id"] = {number.upper(): name for number, name in session().execute(stmt)}
        return state

    def check(self, data: dict, state: dict, row: int) -> dict:
        parsed = parse(data, agent_service.SPEC)
        values = {**agent_service.DEFAULTS, **{k: v for k, v in parsed.items() if v is not None}}
        errors: dict[str, list] = {}
        try:
            values = agent_service.validate_agent(values, None, state["today"])
        except ValidationFailed as exc:
            errors = {k: list(v) for k, v in exc.errors.items()}
        if "id_number" not in errors:
            self._check_id_number(values["id_number"], state, row, errors)
        if values["status"] == "active" and values["level"] == "village" and values.get("village_id"):
            earlier = _seen(state, "on_duty", values["village_id"], row)
            if earlier is not None:
                errors.setdefault("status", []).append(
                    str(_l("每村只能有一名在岗村级代办员：本文件第%(row)s行已是该村的在岗代办员", row=earlier))
                )
        if errors:
            raise ValidationFailed(errors=errors)
        return values

    @staticmethod
    def _check_id_number(number: str, state: dict, row: int, errors: dict) -> None:
        earlier = _seen(state, "id", number.upper(), row)
        if number.upper() in state["existing_id"]:
            name = state["existing_id"][number.upper()]
            errors["id_number"] = [str(_l("系统中已有该身份证号的代办员（%(name)s），请在代办员页面修改", name=name))]
        elif earlier is not None:
            errors["id_number"] = [str(_l("身份证号与第%(row)s行重复", row=earlier))]

    def build(self, values: dict, state: dict):
        return Agent(**values)

    def label(self, data: Mapping) -> str:
        return str(data.get("name") or "")


def _password(value):
    if value is None or value == "":
        return None
    text = str(value)
    if "\x00" in text or len(text) > 128:
        raise ValueError(_l("密码不能超过128个字符"))
    return text


USER_SPEC = {
    "username": Field(lambda v: to_str(v, 64), _l("用户名"), required=True),
    "first_name": Field(lambda v: to_str(v, 64), _l("姓名"), required=True),
    "role": Field(lambda v: to_str(v, 64), _l("角色"), required=True),
    "village_id": Field(lambda v: v, _l("所属村")),
    "password": Field(_password, _l("初始密码"), required=True),
    "email": Field(lambda v: to_str(v, 256), _l("邮箱")),
}


class UserImport(ImportKind):
    name = KIND_USERS
    table = "ab_user"
    sheet = "用户账号"
    filename = "用户账号导入模板.xlsx"
    notes = (
        "第一行为表头（请勿修改），第二行是示例行（乡便民中心账号 ck_wangli，演示数据中没有这个账号，可直接导入试用；正式导入前请改成实际人员或删除）。",
        "与 flask users add 和用户管理页面的检查相同：用户名不能重复，村支书、村代办员须填写所属村（村代码或村名），乡级角色不填所属村；初始密码至少10位，并包含大写字母、小写字母、数字、符号中的至少三类。",
        "请通知每个人首次登录后立即修改密码；导入后请删除或妥善保管本文件（其中有初始密码）。",
        "邮箱可不填（系统生成“用户名@jianning.invalid”）；填写时不能与已有账号重复。",
        "导入前系统会逐行检查并列出全部问题，全部无误后点“确认导入”一次保存所有行；有任何一行不合格则一行也不保存。",
    )

    def columns(self) -> list[ImportColumn]:
        return [
            ImportColumn(
                "username",
                "用户名",
                True,
                note="登录用的账号名，不能含空格，最多64个字符",
                example="ck_wangli",
                width=14,
            ),
            ImportColumn("first_name", "姓名", True, example="王丽", width=10),
            ImportColumn(
                "role",
                "角色",
                True,
                kind="choice",
                choices={r: r for r in ROLES},
                note="从下拉列表中选择；Admin 为系统管理员（全部权限），请谨慎导入",
                example=ROLE_TOWNSHIP,
                width=12,
            ),
            ImportColumn(
                "village_id",
                "所属村",
                kind="village",
                note="村级角色必填：村代码（如 QS）或村名；乡级角色不填",
                width=10,
            ),
            ImportColumn(
                "password",
                "初始密码",
                True,
                note="至少10位，并包含大写字母、小写字母、数字、符号中的至少三类",
                example="Jianning#2027",
                width=16,
            ),
            ImportColumn("email", "邮箱", note="可不填", width=22),
        ]

    def start(self, today: dt.date) -> dict:
        state = super().start(today)
        stmt = select(func.lower(BmUser.username), func.lower(BmUser.email)).execution_options(skip_village_scope=True)
        rows = session().execute(stmt).all()
        state["existing_username"] = {u for u, _ in rows}
        state["existing_email"] = {e for _, e in rows if e}
        sm = current_app.appbuilder.sm
        state["roles"] = {name: sm.find_role(name) for name in ROLES}
        state["scoped"] = state["township_id"] is not None
        if state["township_id"] is None:  # a single-township deployment: its township staff
            only = session().execute(select(Township.id).limit(2)).scalars().all()
            state["township_id"] = only[0] if len(only) == 1 else None
        return state

    def check(self, data: dict, state: dict, row: int) -> dict:
        values = parse(data, USER_SPEC)
        errors: dict[str, list] = {}
        username = values["username"]
        if re.search(r"\s", username):
            errors["username"] = [str(_l("用户名不能含空格"))]
        earlier = _seen(state, "username", username.lower(), row)
        if username.lower() in state["existing_username"]:
            errors["username"] = [str(_l("用户名“%(u)s”已存在", u=username))]
        elif earlier is not None:
            errors["username"] = [str(_l("用户名“%(u)s”与第%(row)s行重复", u=username, row=earlier))]
        if state["roles"].get(values["role"]) is None:
            errors["role"] = [str(_l("角色“%(r)s”不存在，请先运行 flask seed 初始化角色", r=values["role"]))]
        township_id = state["township_id"] if values["role"] in TOWNSHIP_ROLES else None
        for problem in check_account_scope({values["role"]}, values.get("village_id"), township_id):
            key = "village_id" if problem.field == "village" else "role"
            errors.setdefault(key, []).append(str(problem.message))
        if state["scoped"] and values["role"] in COUNTY_ROLES:
            errors.setdefault("role", []).append(str(_l("乡镇账号不能导入Admin、县政务服务中心账号")))
        try:
            password_complexity(values["password"])
        except PasswordComplexityValidationError as exc:
            errors["password"] = [str(exc)]
        if "username" not in errors or values.get("email"):
            self._check_email(values, state, row, errors)
        if errors:
            raise ValidationFailed(errors=errors)
        return values

    @staticmethod
    def _check_email(values: dict, state: dict, row: int, errors: dict) -> None:
        given = bool(values.get("email"))
        email = values.get("email") or f"{values['username']}@jianning.invalid"
        values["email"] = email
        if not re.fullmatch(r"[^@\s]+@[^@\s]+", email):
            errors["email"] = [str(_l("邮箱格式不正确"))]
            return
        earlier = _seen(state, "email", email.lower(), row)
        if email.lower() in state["existing_email"]:
            errors["email"] = [str(_l("邮箱“%(e)s”已被其他账号使用", e=email))]
        elif earlier is not None and given:
            errors["email"] = [str(_l("邮箱“%(e)s”与第%(row)s行重复", e=email, row=earlier))]

    def build(self, values: dict, state: dict):
        config = current_app.config
        return BmUser(
            username=values["username"],
            first_name=values["first_name"],
            last_name="",
            email=values["email"],
            active=True,
            roles=[state["roles"][values["role"]]],
            village_id=values.get("village_id"),
            township_id=state["township_id"] if values["role"] in TOWNSHIP_ROLES else None,
            password=generate_password_hash(
                values["password"],
                method=config.get("FAB_PASSWORD_HASH_METHOD", "scrypt"),
                salt_length=config.get("FAB_PASSWORD_HASH_SALT_LENGTH", 16),
            ),
        )

    def label(self, data: Mapping) -> str:
        return f"{data.get('username') or ''} {data.get('first_name') or ''}".strip()

    def key(self, values: dict) -> str:
        return values["username"]


_KINDS: dict[str, ImportKind] = {k.name: k for k in (VillageImport(), AgentImport(), UserImport())}


def kind_of(kind: str) -> ImportKind:
    try:
        return _KINDS[kind]
    except KeyError:
        raise NotFound(_l("没有这种导入：%(k)s", k=kind)) from None


# --------------------------------------------------------------------------------------
# Dry run and import
# --------------------------------------------------------------------------------------
def _field_headers(columns: Sequence[ImportColumn]) -> dict[str, str]:
    return {f: c.header for c in columns for f in (c.fields or (c.key,))}


def _check_all(kind: ImportKind, data: bytes, today: dt.date) -> tuple[ImportResult, list[dict], dict]:
    if current_village_scope() is not None:
        raise Forbidden(_l("村级账号不能导入"))
    check_upload(data, open_book=False)  # read_rows opens it (reading the shared strings once)
    columns = kind.columns()
    headers = _field_headers(columns)
    rows, ignored = read_rows(data, columns, kind.sheet)
    state = kind.start(today)
    result = ImportResult(kind.name, [], ignored_headers=ignored)
    good: list[dict] = []
    for number, cells in rows:
        data_in, cell_errors = _row_input(columns, cells, state["villages"])
        errors: dict[str, list] = {}
        values = None
        try:
            values = kind.check(data_in, state, number)
        except ValidationFailed as exc:
            errors = {k: list(v) for k, v in exc.errors.items() if k not in cell_errors}
        errors = {**cell_errors, **errors}
        row = RowResult(number, kind.label({**cells, **data_in}))
        for name, messages in errors.items():
            header = headers.get(name, str(WHOLE_ROW))
            row.errors.extend((header, _without_label(str(m), header)) for m in messages)
        result.rows.append(row)
        if not errors and values is not None:
            good.append(values)
    if not rows:
        raise _refuse(_l("文件中没有数据行：请在表头下面逐行填写后再上传"))
    return result, good, state


def _without_label(message: str, header: str) -> str:
    """``村代码：村代码应为…`` under the column 村代码 reads ``村代码应为…``."""
    prefix = f"{header}："
    return message[len(prefix) :] if message.startswith(prefix) else message


def dry_run(kind: str, data: bytes, today: dt.date | None = None) -> ImportResult:
    """Every row with its errors; nothing is saved."""
    result, _good, _state = _check_all(kind_of(kind), data, today or clock.today())
    session().rollback()
    return result


def import_file(kind: str, data: bytes, *, filename: str = "", today: dt.date | None = None) -> ImportResult:
    """All rows or none: the dry run again, then every row in one transaction (audit-logged)."""
    spec = kind_of(kind)
    result, good, state = _check_all(spec, data, today or clock.today())
    if not result.ok:
        session().rollback()
        return result
    try:
        objects = [spec.build(values, state) for values in good]
        session().add_all(objects)
        session().flush()
        keys = [spec.key(v) for v in good]
        record_event(
            "import",
            spec.table,
            summary=str(
                _l("Excel 导入%(what)s %(n)s 条（%(f)s）", what=KIND_NAMES[kind], n=len(objects), f=filename or "-")
            ),
            changes={"kind": kind, "rows": len(objects), "file": (filename or "")[:120], "keys": keys[:200]},
        )
        session().commit()
    except SQLAlchemyError as exc:
        session().rollback()
        from .errors import from_database_error

        mapped = from_database_error(exc)
        reason = mapped.message if mapped is not None else str(_l("数据库拒绝保存"))
        raise Conflict(_l("保存时出错（%(m)s）：本次导入已全部撤销，没有保存任何记录", m=reason)) from None
    except Exception:
        session().rollback()
        raise
    result.saved = len(objects)
    return result


# --------------------------------------------------------------------------------------
# Templates
# --------------------------------------------------------------------------------------
def template(kind: str) -> tuple[str, bytes]:
    """(file name, xlsx bytes) of the template of ``kind``: headers, a valid example row,
    drop-down lists for the choices, and a notes sheet."""
    spec = kind_of(kind)
    columns = spec.columns()
    out = io.BytesIO()
    example = [_example_text(c) for c in columns]
    with force_locale("zh"):
        title = str(_l("%(what)s导入模板 — 填写说明", what=KIND_NAMES[kind]))
    write_template(
        out,
        sheet_name=spec.sheet,
        title=title,
        columns=[c.template_column() for c in columns],
        example=example,
        notes=spec.notes,
    )
    return spec.filename, out.getvalue()


def _example_text(column: ImportColumn):
    if isinstance(column.example, bool):
        return YES if column.example else NO
    return column.example


# --------------------------------------------------------------------------------------
# The uploaded file between the dry run and “确认导入” (kept on the server, never the rows)
# --------------------------------------------------------------------------------------
def _folder() -> str:
    config = current_app.config
    folder = config.get("IMPORT_FOLDER") or os.path.join(config.get("UPLOAD_FOLDER") or "instance", "imports")
    os.makedirs(folder, exist_ok=True)
    return folder


def _upload_path(kind: str, owner: int | None, token: str) -> str:
    if kind not in _KINDS or not _TOKEN.fullmatch(token or ""):
        raise NotFound(_l("上传的文件已过期或不存在，请重新上传"))
    return os.path.join(_folder(), f"{kind}-{owner or 0}-{token}.xlsx")


def store_upload(kind: str, data: bytes, owner: int | None) -> str:
    """Keep a checked upload for the confirmation; returns its random token."""
    check_upload(data)
    _sweep()
    token = secrets.token_hex(16)
    with open(_upload_path(kind, owner, token), "wb") as fh:
        fh.write(data)
    return token


def claim_upload(kind: str, token: str, owner: int | None) -> bytes:
    """The kept file, taken away atomically: a second “确认导入” of the same upload (a double
    click, two tabs) finds nothing and saves nothing."""
    path = _upload_path(kind, owner, token)
    claimed = f"{path}.{secrets.token_hex(4)}.claimed"
    try:
        os.rename(path, claimed)
    except OSError:
        raise NotFound(_l("上传的文件已过期或不存在，请重新上传")) from None
    try:
        with open(claimed, "rb") as fh:
            return fh.read()
    finally:
        os.remove(claimed)


def discard_upload(kind: str, token: str, owner: int | None) -> None:
    try:
        os.remove(_upload_path(kind, owner, token))
    except (OSError, DomainError):
        pass


def _sweep() -> None:
    """Remove uploads older than IMPORT_KEEP_HOURS."""
    keep = float(current_app.config.get("IMPORT_KEEP_HOURS", 24)) * 3600
    folder = _folder()
    # housekeeping against the files' own mtimes, which the OS stamps from the wall clock: the
    # pinned business clock (services.clock) would compare a test's fresh upload with another day
    cutoff = time.time() - keep
    for name in os.listdir(folder):
        path = os.path.join(folder, name)
        try:
            if os.path.isfile(path) and os.path.getmtime(path) < cutoff:
                os.remove(path)
        except OSError:
            continue
