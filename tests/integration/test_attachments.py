"""材料附件 of a case (issue 15 §3): type by content, size and count limits, village scoping,
作废 that keeps the file, voided cases keep theirs, the S3 store (moto's server standing in for
MinIO), and the ledger export's 附件数."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import re

import pytest
from openpyxl import load_workbook
from PIL import Image
from sqlalchemy import select

from app.extensions import db
from app.models import AuditLog, Case, CaseAttachment
from app.security import unscoped
from app.services import attachments as service
from app.services import storage
from app.services.errors import ValidationFailed
from tests.factories import case_row

RECEIVED = dt.datetime(2026, 11, 23, 9, 30)


# --------------------------------------------------------------------------- file makers
def jpeg_bytes(size=(40, 30), color=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="JPEG")
    return out.getvalue()


def noisy_jpeg_bytes() -> bytes:
    """A scan-like JPEG (noise does not compress): tens of KB."""
    out = io.BytesIO()
    Image.effect_noise((300, 300), 64).convert("RGB").save(out, format="JPEG")
    return out.getvalue()


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (20, 20), (0, 128, 0, 200)).save(out, format="PNG")
    return out.getvalue()


def pdf_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (60, 80), (255, 255, 255)).save(out, format="PDF")
    return out.getvalue()


HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200 + b"This program cannot be run"


@pytest.fixture
def cases(app, world):
    """A case in 青山村 (A) and one in 石桥村 (B): {"a": id, "b": id}."""
    with app.app_context():
        a = case_row(world.village_a, world.agent_a, "QS2026-0101", RECEIVED)
        b = case_row(world.village_b, world.agent_b, "SQ2026-0101", RECEIVED)
        return {"a": a.id, "b": b.id}


def upload(client, case_id, data: bytes, name: str, title: str = ""):
    return client.post(
        f"/caseattach/upload/{case_id}",
        data={"file": (io.BytesIO(data), name), "title": title},
        content_type="multipart/form-data",
        follow_redirects=True,
    )


def rows(app, case_id=None) -> list[CaseAttachment]:
    with app.app_context(), unscoped():
        q = select(CaseAttachment).order_by(CaseAttachment.id)
        if case_id is not None:
            q = q.where(CaseAttachment.case_id == case_id)
        items = db.session.execute(q).scalars().all()
        db.session.expunge_all()
        return items


def stored_files(app) -> list[str]:
    root = os.path.join(app.config["UPLOAD_FOLDER"], "attachments")
    return sorted(f for _, _, files in os.walk(root) for f in files)


# --------------------------------------------------------------------------- accepted
def test_jpeg_png_pdf_are_accepted_listed_and_served_inline(app, login, cases):
    c = login("qs_daiban")
    files = {"户口簿首页.jpg": jpeg_bytes(), "身份证正面.png": png_bytes(), "土地承包合同.pdf": pdf_bytes()}
    for name, data in files.items():
        page = upload(c, cases["a"], data, name, title="户口簿" if name.endswith(".jpg") else "")
        assert page.status_code == 200
        assert f"已上传附件：{name}" in page.get_data(as_text=True)
    saved = rows(app, cases["a"])
    assert [(r.name, r.content_type) for r in saved] == [
        ("户口簿首页.jpg", "image/jpeg"),
        ("身份证正面.png", "image/png"),
        ("土地承包合同.pdf", "application/pdf"),
    ]
    assert all(r.uploaded_by == "王秀兰" and r.storage == "local" for r in saved)
    assert all(re.fullmatch(r"att-[0-9a-f]{32}", r.storage_key) for r in saved)  # never the user's name
    assert stored_files(app) == sorted(r.storage_key for r in saved)

    page = c.get(f"/case/show/{cases['a']}").get_data(as_text=True)
    assert "材料附件" in page and "3个" in page
    for name in files:
        assert name in page
    assert "JPEG" in page and "PNG" in page and "PDF" in page and "王秀兰" in page
    assert service.size_text(len(files["土地承包合同.pdf"])) in page

    jpeg = saved[0]
    r = c.get(f"/caseattach/file/{jpeg.id}")
    assert r.status_code == 200 and r.data == files["户口簿首页.jpg"]
    assert r.headers["Content-Type"] == "image/jpeg"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Content-Disposition"].startswith("inline;")
    assert "filename*=UTF-8''%E6%88%B7%E5%8F%A3%E7%B0%BF%E9%A6%96%E9%A1%B5.jpg" in r.headers["Content-Disposition"]
    assert r.headers["Content-Length"] == str(len(files["户口簿首页.jpg"]))
    assert jpeg.sha256 == hashlib.sha256(files["户口簿首页.jpg"]).hexdigest()
    pdf = c.get(f"/caseattach/file/{saved[2].id}?download=1")
    assert pdf.headers["Content-Type"] == "application/pdf" and pdf.data.startswith(b"%PDF-")
    assert pdf.headers["Content-Disposition"].startswith("attachment;")


def test_the_extension_decides_nothing(app, login, cases):
    """A PNG named .jpg is stored as PNG (and named so); a JPEG named .pdf as JPEG."""
    c = login("zhongxin")
    upload(c, cases["a"], png_bytes(), "scan.jpg")
    upload(c, cases["a"], jpeg_bytes(), "材料.pdf")
    saved = rows(app, cases["a"])
    assert [(r.name, r.content_type) for r in saved] == [("scan.jpg.png", "image/png"), ("材料.pdf.jpg", "image/jpeg")]
    assert saved[0].uploaded_by == "乡便民中心"


# --------------------------------------------------------------------------- refused
@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (HTML, "身份证.jpg", "只能上传 JPEG、PNG 格式的图片或 PDF 文件"),
        (EXE, "户口簿.jpg", "只能上传 JPEG、PNG 格式的图片或 PDF 文件"),
        (EXE, "合同.pdf", "只能上传 JPEG、PNG 格式的图片或 PDF 文件"),
        (b"GIF89a" + b"\x00" * 40, "a.png", "只能上传 JPEG、PNG 格式的图片或 PDF 文件"),
        (b"\xff\xd8\xff\xe0" + b"<html>" * 50, "假图片.jpg", "文件已损坏或不完整"),
        (pdf_bytes()[:-40], "截断.pdf", "文件已损坏或不完整"),
        (noisy_jpeg_bytes()[:-2000], "截断.jpg", "文件已损坏或不完整"),
        (png_bytes()[:-30], "截断.png", "文件已损坏或不完整"),
        (b"%PDF-1.4\n<script>alert(1)</script>", "x.pdf", "文件已损坏或不完整"),
        (b"", "空.jpg", "文件是空的"),
    ],
    ids=[
        "html-as-jpg",
        "exe-as-jpg",
        "exe-as-pdf",
        "gif",
        "jpeg-head-html-body",
        "pdf-cut",
        "jpeg-cut",
        "png-cut",
        "pdf-no-eof",
        "empty",
    ],
)
def test_files_that_are_not_what_they_claim_are_refused(app, login, cases, data, name, message):
    c = login("qs_daiban")
    page = upload(c, cases["a"], data, name).get_data(as_text=True)
    assert message in page
    assert rows(app) == [] and stored_files(app) == []


def test_upload_without_a_file_says_so(app, login, cases):
    c = login("qs_daiban")
    page = c.post(f"/caseattach/upload/{cases['a']}", data={"title": "户口簿"}, follow_redirects=True)
    assert "请选择要上传的文件" in page.get_data(as_text=True)
    assert rows(app) == []


def test_too_large_is_refused_by_the_service_and_by_the_request_limit(app, login, cases):
    assert app.config["ATTACHMENT_MAX_BYTES"] == 10 * 1024 * 1024
    assert app.config["MAX_CONTENT_LENGTH"] > app.config["ATTACHMENT_MAX_BYTES"]
    c = login("qs_daiban")
    # one byte over the attachment limit, within the request limit: the service's message
    big = b"\xff\xd8\xff\xe0" + b"\x00" * (10 * 1024 * 1024 - 3)
    page = upload(c, cases["a"], big, "扫描.jpg")
    assert page.status_code == 200 and "附件不能超过10 MB，请降低扫描分辨率或分页上传" in page.get_data(as_text=True)
    # over the request limit: the Chinese 413 page, nothing read
    huge = b"\xff\xd8\xff\xe0" + b"\x00" * (app.config["MAX_CONTENT_LENGTH"] + 10)
    r = c.post(
        f"/caseattach/upload/{cases['a']}",
        data={"file": (io.BytesIO(huge), "扫描.jpg")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 413 and "提交的内容过大" in r.get_data(as_text=True)
    assert rows(app) == [] and stored_files(app) == []


def test_size_limit_at_service_level_follows_the_setting(app, world, cases):
    app.config["ATTACHMENT_MAX_BYTES"] = 2000
    data = jpeg_bytes((400, 400), (10, 200, 90))
    assert len(data) > 2000

    class Upload(io.BytesIO):
        filename = "大图.jpg"

    with app.test_request_context():
        case = db.session.get(Case, cases["a"])
        with pytest.raises(ValidationFailed) as err:
            service.upload_attachment(case, Upload(data))
        assert err.value.errors["file"][0].startswith("附件不能超过2 KB")
    assert rows(app) == []


def test_count_limit_per_case_counts_only_current_attachments(app, login, cases):
    app.config["ATTACHMENT_MAX_PER_CASE"] = 2
    c = login("qs_daiban")
    upload(c, cases["a"], jpeg_bytes(), "1.jpg")
    upload(c, cases["a"], jpeg_bytes(), "2.jpg")
    page = upload(c, cases["a"], jpeg_bytes(), "3.jpg").get_data(as_text=True)
    assert "每件事项最多保留2个附件" in page and "已达每件事项2个附件的上限" in page
    assert len(rows(app, cases["a"])) == 2
    first = rows(app, cases["a"])[0]
    c.post(f"/caseattach/retire/{first.id}", data={"reason": "重复上传", "version": first.version})
    assert "已上传附件：3.jpg" in upload(c, cases["a"], jpeg_bytes(), "3.jpg").get_data(as_text=True)


# --------------------------------------------------------------------------- scoping
def test_village_b_never_reaches_village_a_attachments(app, login, cases):
    a = login("qs_daiban")
    upload(a, cases["a"], jpeg_bytes(), "户口簿.jpg")
    att = rows(app, cases["a"])[0]
    for username in ("sq_daiban", "sq_shuji"):
        b = login(username)
        assert b.get(f"/case/show/{cases['a']}").status_code == 404
        r = b.get(f"/caseattach/file/{att.id}")
        assert r.status_code == 404 and r.data != jpeg_bytes()
        assert b.get(f"/caseattach/file/{att.id}?download=1").status_code == 404
        r = b.post(
            f"/caseattach/upload/{cases['a']}",
            data={"file": (io.BytesIO(jpeg_bytes()), "x.jpg")},
            content_type="multipart/form-data",
        )
        assert r.status_code in (403, 404), (username, r.status_code)
        r = b.post(f"/caseattach/retire/{att.id}", data={"reason": "越权", "version": att.version})
        assert r.status_code in (403, 404), (username, r.status_code)
    assert len(rows(app, cases["a"])) == 1 and rows(app, cases["a"])[0].retired_at is None
    assert len(rows(app, cases["b"])) == 0
    # B's own case shows none of A's files
    page = login("sq_daiban").get(f"/case/show/{cases['b']}").get_data(as_text=True)
    assert "户口簿.jpg" not in page and "暂无材料附件" in page


def test_readers_of_the_case_may_open_but_not_upload(app, login, cases, client):
    upload(login("qs_daiban"), cases["a"], jpeg_bytes(), "户口簿.jpg")
    att = rows(app, cases["a"])[0]
    for username in ("qs_shuji", "jijian", "zhongxin", "admin"):
        assert login(username).get(f"/caseattach/file/{att.id}").status_code == 200, username
    secretary = login("qs_shuji")
    page = secretary.get(f"/case/show/{cases['a']}").get_data(as_text=True)
    assert "户口簿.jpg" in page and "上传附件" not in page and "确认作废" not in page
    secretary.post(
        f"/caseattach/upload/{cases['a']}",
        data={"file": (io.BytesIO(jpeg_bytes()), "x.jpg")},
        content_type="multipart/form-data",
    )
    assert len(rows(app)) == 1
    # anonymous: never the file
    r = client.get(f"/caseattach/file/{att.id}")
    assert r.status_code in (302, 401, 403, 404) and r.data != jpeg_bytes()


def test_public_pages_never_link_attachments(app, login, cases, client):
    upload(login("qs_daiban"), cases["a"], jpeg_bytes(), "户口簿.jpg")
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/public") and "GET" in rule.methods and not rule.arguments:
            body = client.get(rule.rule).get_data(as_text=True)
            assert "caseattach" not in body and "户口簿.jpg" not in body, rule.rule


# --------------------------------------------------------------------------- retire, void
def test_retire_needs_a_reason_keeps_the_file_and_is_audited(app, login, cases):
    c = login("qs_daiban")
    upload(c, cases["a"], jpeg_bytes(), "传错的.jpg")
    att = rows(app, cases["a"])[0]
    page = c.post(f"/caseattach/retire/{att.id}", data={"reason": " ", "version": att.version}, follow_redirects=True)
    assert "请写明作废原因" in page.get_data(as_text=True)
    assert rows(app)[0].retired_at is None
    page = c.post(
        f"/caseattach/retire/{att.id}", data={"reason": "上传错误", "version": att.version}, follow_redirects=True
    ).get_data(as_text=True)
    assert "附件已作废" in page and "已作废：上传错误" in page and "0个" in page
    retired = rows(app)[0]
    assert retired.retired_by == "王秀兰" and retired.retire_reason == "上传错误"
    assert stored_files(app) == [att.storage_key]  # the file stays
    assert c.get(f"/caseattach/file/{att.id}").data == jpeg_bytes()
    # the stale form (old version) is a conflict, not a second retirement
    page = c.post(
        f"/caseattach/retire/{att.id}", data={"reason": "再次", "version": att.version}, follow_redirects=True
    )
    assert "该记录已被其他人修改" in page.get_data(as_text=True)
    with app.app_context(), unscoped():
        logged = db.session.execute(
            select(AuditLog).where(AuditLog.table_name == "case_attachment", AuditLog.row_id == att.id)
        ).scalars()
        entries = {(e.action, e.user_name): e.changes for e in logged}
    assert ("create", "qs_daiban") in entries
    assert entries[("update", "qs_daiban")]["retire_reason"] == [None, "上传错误"]


def test_a_voided_case_keeps_its_attachments(app, login, cases):
    c = login("qs_daiban")
    upload(c, cases["a"], pdf_bytes(), "申请表.pdf")
    att = rows(app, cases["a"])[0]
    with app.app_context():
        version = db.session.get(Case, cases["a"]).version
    r = c.post(f"/case/step/{cases['a']}/voided", data={"reason": "重复登记", "version": version})
    assert r.status_code == 302
    with app.app_context():
        assert db.session.get(Case, cases["a"]).status == "voided"
    page = c.get(f"/case/show/{cases['a']}").get_data(as_text=True)
    assert "申请表.pdf" in page and "本事项已作废，材料附件只保留查看" in page and "上传附件" not in page
    assert c.get(f"/caseattach/file/{att.id}").data.startswith(b"%PDF-")
    page = upload(c, cases["a"], jpeg_bytes(), "补传.jpg").get_data(as_text=True)
    assert "本事项已作废" in page
    c.post(f"/caseattach/retire/{att.id}", data={"reason": "x", "version": att.version})
    assert [(r.name, r.retired_at) for r in rows(app, cases["a"])] == [("申请表.pdf", None)]


# --------------------------------------------------------------------------- storage
def test_storage_keys_never_become_paths(app):
    with app.app_context():
        local = storage.store("local")
        for bad in ("../../etc/passwd", "att-../../x", "ATT-" + "a" * 32, "att-" + "g" * 32, "户口簿.jpg", ""):
            with pytest.raises(storage.StorageError):
                local.path(bad)
        key = storage.new_key()
        assert os.path.dirname(local.path(key)).startswith(os.path.abspath(app.config["UPLOAD_FOLDER"]))
    assert service.clean_name("C:\\Users\\王\\..\\户口簿.JPG", "image/jpeg") == "户口簿.JPG"
    assert service.clean_name("../../etc/pass\x00wd", "application/pdf") == "passwd.pdf"
    assert service.clean_name("", "image/png") == "附件.png"
    assert len(service.clean_name("长" * 300 + ".pdf", "application/pdf")) == 120


@pytest.fixture
def moto_s3(app):
    """An S3 endpoint of moto's server (the agreed stand-in for MinIO) and a bucket."""
    import boto3
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    app.config.update(
        ATTACHMENT_STORAGE="s3",
        S3_ENDPOINT_URL=endpoint,
        S3_BUCKET="bm-attachments",
        S3_ACCESS_KEY_ID="minio-test",
        S3_SECRET_ACCESS_KEY="minio-test-secret",
        S3_REGION="us-east-1",
    )
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="minio-test",
        aws_secret_access_key="minio-test-secret",
    )
    client.create_bucket(Bucket="bm-attachments")
    yield client
    server.stop()


def test_s3_store_round_trip(app, login, cases, moto_s3):
    c = login("qs_daiban")
    data = jpeg_bytes((300, 200))
    assert "已上传附件：户口簿.jpg" in upload(c, cases["a"], data, "户口簿.jpg").get_data(as_text=True)
    att = rows(app, cases["a"])[0]
    assert att.storage == "s3" and stored_files(app) == []
    obj = moto_s3.get_object(Bucket="bm-attachments", Key=att.storage_key)
    assert obj["Body"].read() == data and obj["ContentType"] == "image/jpeg"
    r = c.get(f"/caseattach/file/{att.id}")
    assert r.status_code == 200 and r.data == data and r.headers["X-Content-Type-Options"] == "nosniff"
    # files stored before a switch stay readable where they are
    app.config["ATTACHMENT_STORAGE"] = "local"
    assert c.get(f"/caseattach/file/{att.id}").data == data
    upload(c, cases["a"], png_bytes(), "b.png")
    assert rows(app, cases["a"])[1].storage == "local" and len(stored_files(app)) == 1


def test_s3_unreachable_is_a_clear_message_and_saves_nothing(app, login, cases):
    app.config.update(ATTACHMENT_STORAGE="s3", S3_ENDPOINT_URL="http://127.0.0.1:9", S3_BUCKET="none")
    page = upload(login("qs_daiban"), cases["a"], jpeg_bytes(), "a.jpg").get_data(as_text=True)
    assert "附件保存失败（存储服务不可用）" in page
    assert rows(app) == []


# --------------------------------------------------------------------------- ledger export
def _ledger(client) -> list[tuple]:
    r = client.get("/export/ledger")
    assert r.status_code == 200, r.status_code
    ws = load_workbook(io.BytesIO(r.data)).active
    return [tuple(c.value for c in row) for row in ws.iter_rows()]


def test_ledger_export_counts_current_attachments(app, login, cases):
    a = login("qs_daiban")
    for name in ("1.jpg", "2.jpg", "3.jpg"):
        upload(a, cases["a"], jpeg_bytes(), name)
    third = rows(app, cases["a"])[2]
    a.post(f"/caseattach/retire/{third.id}", data={"reason": "重复上传", "version": third.version})
    upload(login("sq_daiban"), cases["b"], pdf_bytes(), "b.pdf")

    table = _ledger(login("zhongxin"))
    header = next(r for r in table if "受理编号" in r)
    assert header[-3:] == ("附件数", "收据号", "备注")
    col, number = header.index("附件数"), header.index("受理编号")
    body = {r[number]: r[col] for r in table[table.index(header) + 1 :] if isinstance(r[0], int)}
    assert body == {"QS2026-0101": 2, "SQ2026-0101": 1}
    # the village's own export counts only its own cases' files
    own = _ledger(a)
    header = next(r for r in own if "受理编号" in r)
    body = {r[number]: r[col] for r in own[own.index(header) + 1 :] if isinstance(r[0], int)}
    assert body == {"QS2026-0101": 2}
