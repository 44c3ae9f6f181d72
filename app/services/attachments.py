"""材料附件 of a case (issue 15 §3): scanned materials checked by content, stored, served, retired.

An upload is trusted for nothing — not its name, not its declared type:

* size: at most ``ATTACHMENT_MAX_BYTES`` (default 10 MB) are read (``MAX_CONTENT_LENGTH``
  refuses a bigger request with the Chinese 413 page before this);
* type by content: a JPEG or PNG must start with its signature *and* pass Pillow's
  ``verify()`` in the same format (a JPEG must also end with its EOI marker); a PDF must start
  with ``%PDF-`` and end with ``%%EOF`` (a broken or truncated upload is refused). The extension decides nothing — HTML or an
  EXE renamed ``.jpg`` is refused;
* count: at most ``ATTACHMENT_MAX_PER_CASE`` (default 20) not-retired attachments per case;
* name: the original name is kept for display only (base name, control characters removed);
  the file is stored under a random key (``services/storage.py``).

Attachments are never deleted: 作废 (retire) records who, when and why (audit-logged) and keeps
the file. A voided case keeps its attachments as they are (no upload, no retire). Who may see a
case may see its attachments — village scoping of ``CaseAttachment`` is the ORM session's, as
for every village-owned row.
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import warnings
from collections.abc import Iterator
from urllib.parse import quote

from flask import current_app
from flask_babel import lazy_gettext as _l
from PIL import Image, UnidentifiedImageError
from sqlalchemy import func, select

from ..extensions import db
from ..models import Case, CaseAttachment
from ..models.attachment import ATTACHMENT_TYPES
from . import clock
from .audit import acting_account, actor_name
from .common import check_version
from .errors import Conflict, DomainError, NotFound, ValidationFailed, from_database_error
from .storage import StorageError, new_key, store

FIELD = "file"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
JPEG_SIGNATURE = b"\xff\xd8\xff"
PDF_HEADER = b"%PDF-"
JPEG_END = b"\xff\xd9"
#: How far from the end a PDF's ``%%EOF`` or a JPEG's end marker may sit (a scanner's padding).
TAIL = 1024
SUFFIXES = {"image/jpeg": (".jpg", ".jpeg", ".jpe"), "image/png": (".png",), "application/pdf": (".pdf",)}
MAX_NAME = 120
MAX_TITLE = 60
WRONG_TYPE = _l("只能上传 JPEG、PNG 格式的图片或 PDF 文件（按文件内容识别，改扩展名无效）")
BROKEN = _l("文件已损坏或不完整，无法识别为 JPEG、PNG 或 PDF，请重新扫描后上传")
VOIDED = _l("本事项已作废，材料附件只保留查看，不能再上传或作废")


class StorageUnavailable(DomainError):
    status = 503


def _fail(message, field: str = FIELD) -> ValidationFailed:
    return ValidationFailed(errors={field: [message]})


def max_bytes() -> int:
    return int(current_app.config.get("ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024))


def max_per_case() -> int:
    return int(current_app.config.get("ATTACHMENT_MAX_PER_CASE", 20))


def size_text(size: int) -> str:
    """1536 → "1.5 KB", 10485760 → "10 MB" (sizes as the list and the limits show them)."""
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{round(size / 1024, 1):g} KB"
    return f"{round(size / 1024 / 1024, 1):g} MB"


# --------------------------------------------------------------------------------------
# Checks (pure: bytes in, content type or ValidationFailed out)
# --------------------------------------------------------------------------------------
def _image_format(data: bytes) -> str | None:
    """Pillow's format of an image that verifies, else None."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as img:
                fmt = img.format
                img.verify()
        except (
            UnidentifiedImageError,
            OSError,
            SyntaxError,
            ValueError,
            Image.DecompressionBombWarning,
            Image.DecompressionBombError,
        ):
            return None
    return fmt


def detect_type(data: bytes) -> str:
    """The content type of ``data`` judged by its content alone (or ``ValidationFailed``)."""
    if data.startswith(JPEG_SIGNATURE) or data.startswith(PNG_SIGNATURE):
        expected = "JPEG" if data.startswith(JPEG_SIGNATURE) else "PNG"
        # Pillow's verify() checks a PNG's chunks; a JPEG must also end (EOI) — not cut short
        if _image_format(data) != expected or (expected == "JPEG" and JPEG_END not in data[-TAIL:]):
            raise _fail(BROKEN)
        return "image/jpeg" if expected == "JPEG" else "image/png"
    if data.startswith(PDF_HEADER):
        if b"%%EOF" not in data[-TAIL:]:
            raise _fail(BROKEN)
        return "application/pdf"
    raise _fail(WRONG_TYPE)


def clean_name(raw, content_type: str) -> str:
    """The original file name for display: its base name, printable, at most 120 characters,
    ending in an extension of the detected type (``证件.jpg`` that is a PNG → ``证件.jpg.png``)."""
    name = re.split(r"[\\/]", str(raw or ""))[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip().strip(".")
    match = next((s for s in SUFFIXES[content_type] if name.lower().endswith(s)), None)
    stem, ext = (name[: -len(match)], name[-len(match) :]) if match else (name, SUFFIXES[content_type][0])
    stem = stem[: MAX_NAME - len(ext)].strip() or "附件"  # stored data, not a message
    return stem + ext


def _read_limited(upload, limit: int) -> bytes:
    stream = getattr(upload, "stream", upload)
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise _fail(_l("附件不能超过%(size)s，请降低扫描分辨率或分页上传", size=size_text(limit)))
    if not data:
        raise _fail(_l("文件是空的，请重新选择"))
    return data


def is_upload(value) -> bool:
    """A file the user actually chose (an empty file input sends a part without a name)."""
    return value is not None and hasattr(value, "read") and bool(getattr(value, "filename", None))


# --------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------
def attachments_of(case: Case) -> list[CaseAttachment]:
    """Every attachment of ``case``, current ones first, each group oldest first."""
    rows = db.session.execute(
        select(CaseAttachment)
        .where(CaseAttachment.case_id == case.id)
        .order_by(CaseAttachment.retired_at.is_not(None), CaseAttachment.uploaded_at, CaseAttachment.id)
    ).scalars()
    return list(rows)


def active_count(case_id: int) -> int:
    return db.session.execute(
        select(func.count())
        .select_from(CaseAttachment)
        .where(CaseAttachment.case_id == case_id, CaseAttachment.retired_at.is_(None))
    ).scalar_one()


def count_subquery():
    """(case_id, n) of every case's not-retired attachments — for one outer join (no N+1)."""
    return (
        select(CaseAttachment.case_id.label("case_id"), func.count().label("n"))
        .where(CaseAttachment.retired_at.is_(None))
        .group_by(CaseAttachment.case_id)
        .subquery("attachment_counts")
    )


def get_attachment(pk) -> CaseAttachment:
    """An attachment the acting user may see (village scoping), else ``NotFound``."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound(_l("附件不存在")) from None
    row = db.session.execute(select(CaseAttachment).where(CaseAttachment.id == pk)).scalar()
    if row is None:
        raise NotFound(_l("附件不存在"))
    return row


def panel(case: Case, *, can_write: bool) -> dict:
    """What the case page's 材料附件 section shows."""
    items = attachments_of(case)
    active = sum(1 for a in items if not a.is_retired)
    limit = max_per_case()
    voided = case.status == "voided"
    return {
        "items": [(a, size_text(a.size)) for a in items],
        "active": active,
        "limit": limit,
        "max_size": size_text(max_bytes()),
        "can_upload": can_write and not voided and active < limit,
        "can_retire": can_write and not voided,
        "full": active >= limit,
        "voided": voided,
    }


def content_disposition(att: CaseAttachment, *, inline: bool = True) -> str:
    """``inline`` (images, PDF open in the browser) or ``attachment``, with the Chinese name
    (RFC 6266 ``filename*``) and an ASCII fallback."""
    kind = "inline" if inline else "attachment"
    fallback = "".join(ch for ch in att.name if 32 <= ord(ch) < 127 and ch not in '"\\;') or "attachment"
    if fallback.startswith("."):
        fallback = "attachment" + fallback
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(att.name, safe='')}"


def open_stream(att: CaseAttachment) -> Iterator[bytes]:
    """The stored file in chunks (``StorageUnavailable`` when the store cannot give it)."""
    try:
        return store(att.storage).iter_chunks(att.storage_key)
    except StorageError as exc:
        current_app.logger.error("attachment %s unreadable: %s", att.id, exc)
        raise StorageUnavailable(_l("附件文件暂时无法读取，请稍后重试或联系乡便民服务中心")) from None


# --------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------
def _check_case_open_for_materials(case: Case) -> None:
    if case.status == "voided":
        raise _fail(VOIDED, "__all__")


def upload_attachment(case: Case, upload, data: dict | None = None) -> CaseAttachment:
    """Check and store one uploaded file on ``case``; commits. ``data`` may carry a 材料名称
    (``title``). Nothing is stored when a check fails."""
    data = data or {}
    _check_case_open_for_materials(case)
    if not is_upload(upload):
        raise _fail(_l("请选择要上传的文件"))
    limit = max_per_case()
    if active_count(case.id) >= limit:
        raise _fail(_l("每件事项最多保留%(n)s个附件（已作废的不计），请先作废不需要的附件", n=limit))
    title = str(data.get("title") or "").strip()
    if len(title) > MAX_TITLE:
        raise _fail(_l("材料名称不能超过%(n)s个字", n=MAX_TITLE), "title")
    body = _read_limited(upload, max_bytes())
    content_type = detect_type(body)
    key = new_key()
    try:
        backend = store()
        backend.put(key, body, content_type)
    except StorageError as exc:
        current_app.logger.error("attachment store failed: %s", exc)
        raise StorageUnavailable(_l("附件保存失败（存储服务不可用），请稍后重试")) from None
    user_id, account = acting_account()
    row = CaseAttachment(
        case_id=case.id,
        village_id=case.village_id,
        name=clean_name(getattr(upload, "filename", ""), content_type),
        title=title or None,
        content_type=content_type,
        size=len(body),
        sha256=hashlib.sha256(body).hexdigest(),
        storage=backend.name,
        storage_key=key,
        uploaded_at=clock.now_local().replace(microsecond=0),
        uploaded_by_id=user_id,
        uploaded_by=actor_name(default=account),
    )
    try:
        db.session.add(row)
        db.session.commit()
    except Exception as exc:
        db.session.rollback()
        _forget(backend, key)
        _reraise(exc)
    return row


def _reraise(exc: Exception):
    domain = from_database_error(exc)
    if domain is None:
        raise exc
    raise domain from exc


def _forget(backend, key: str) -> None:
    """Remove a file whose record was not saved (no orphan files)."""
    try:
        backend.remove(key)
    except StorageError:
        current_app.logger.warning("orphan attachment file %s left in %s", key, backend.name)


def retire_attachment(att: CaseAttachment, data: dict) -> CaseAttachment:
    """作废 one attachment with a reason (the file and the row are kept); commits."""
    _check_case_open_for_materials(att.case)
    check_version(att, data.get("version"))
    if att.is_retired:
        raise Conflict(_l("该附件已作废"))
    reason = str(data.get("reason") or "").strip()
    if not reason:
        raise _fail(_l("请写明作废原因（如：上传错误、重复上传）"), "reason")
    if len(reason) > 500:
        raise _fail(_l("作废原因不能超过500个字"), "reason")
    att.retired_at = clock.now_local().replace(microsecond=0)
    att.retired_by = actor_name(default=acting_account()[1])
    att.retire_reason = reason
    try:
        db.session.commit()
    except Exception as exc:
        db.session.rollback()
        _reraise(exc)
    return att


__all__ = [
    "ATTACHMENT_TYPES",
    "StorageUnavailable",
    "active_count",
    "attachments_of",
    "clean_name",
    "content_disposition",
    "count_subquery",
    "detect_type",
    "get_attachment",
    "is_upload",
    "open_stream",
    "panel",
    "retire_attachment",
    "size_text",
    "upload_attachment",
]
