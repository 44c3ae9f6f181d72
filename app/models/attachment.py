"""材料附件 — scanned materials of a case (policy 第二条（三）: 妥善保管办事群众提供的各种证件和资料).

One row per stored file: what the user's device called it (display only, never a path), the
type detected from its content, its size and SHA-256, and the random key it is stored under
(``services/storage.py``). Never deleted: a wrong upload is 作废 (retired) with a reason and
stays on record (audit-logged); the file itself is kept.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Model, VillageScoped
from .case import Case

#: Content types an attachment may have (detected, never taken from the upload).
ATTACHMENT_TYPES = {"image/jpeg": "JPEG", "image/png": "PNG", "application/pdf": "PDF"}


class CaseAttachment(VillageScoped, Model):
    __tablename__ = "case_attachment"
    __audited__ = True
    __table_args__ = (Index("ix_case_attachment_case_retired", "case_id", "retired_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("service_case.id"), nullable=False)
    case: Mapped[Case] = relationship(Case)
    village_id: Mapped[int] = mapped_column(ForeignKey("village.id"), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(120), nullable=False)  # the original file name, cleaned
    title: Mapped[str | None] = mapped_column(String(60))  # 材料名称, e.g. 户口簿首页
    content_type: Mapped[str] = mapped_column(String(40), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    storage: Mapped[str] = mapped_column(String(10), nullable=False)  # local | s3: where the file is
    storage_key: Mapped[str] = mapped_column(String(80), nullable=False, unique=True)
    uploaded_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False)  # township time
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    uploaded_by: Mapped[str | None] = mapped_column(String(64))  # 姓名
    retired_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    retired_by: Mapped[str | None] = mapped_column(String(64))
    retire_reason: Mapped[str | None] = mapped_column(Text)

    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    __mapper_args__ = {"version_id_col": version}

    @property
    def is_retired(self) -> bool:
        return self.retired_at is not None

    @property
    def type_label(self) -> str:
        return ATTACHMENT_TYPES.get(self.content_type, self.content_type)

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


__all__ = ["ATTACHMENT_TYPES", "CaseAttachment"]
