"""The agent's photo (issue 10 §7, SPEC §3, §10): checked by content, re-encoded, stored under a
generated name, served through village scoping; the 公示牌 and public page get the on-duty
agent's photo through their own route."""

from __future__ import annotations

import io
import os
import struct
import zlib

from PIL import Image
from sqlalchemy import select

from app.extensions import db
from app.models import Agent
from app.security import unscoped
from tests.integration.test_agents import _form

WRONG_TYPE = "照片须为 JPEG、PNG 或 WebP 格式的图片文件"


def image_bytes(fmt: str = "PNG", size=(1200, 1600), exif: bool = False) -> bytes:
    img = Image.new("RGB", size, (200, 30, 30))
    out = io.BytesIO()
    if exif:
        info = Image.Exif()
        info[0x010F] = "PhoneMaker"  # Make
        info[0x8825] = {1: "N"}  # GPS IFD
        img.save(out, format=fmt, exif=info)
    else:
        img.save(out, format=fmt)
    return out.getvalue()


def huge_png(width: int = 20000, height: int = 20000) -> bytes:
    """A valid 1-bit PNG of 20000 × 20000 in about 60 KB: a decompression bomb."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    row = b"\0" * (1 + (width + 7) // 8)
    packer = zlib.compressobj(9)
    idat = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def _agent(app, pk):
    with app.app_context(), unscoped():
        agent = db.session.get(Agent, pk)
        db.session.expunge(agent)
        return agent


def post_photo(app, client, world, body: bytes, filename: str, **extra):
    agent = _agent(app, world.agent_a)
    form = _form(world, version=str(agent.version), **extra)
    form["photo"] = (io.BytesIO(body), filename)
    return client.post(f"/agent/edit/{world.agent_a}", data=form, content_type="multipart/form-data")


def photo_dir(app) -> str:
    return os.path.join(app.config["UPLOAD_FOLDER"], "photos")


def test_a_png_is_stored_reencoded_and_served_to_the_village_and_township(app, login, world):
    township = login("zhongxin")
    r = post_photo(app, township, world, image_bytes("PNG"), "王秀兰.png")
    assert r.status_code == 302, r.get_data(as_text=True)
    name = _agent(app, world.agent_a).photo
    assert name and len(name) == 36 and name.endswith(".jpg")
    assert os.listdir(photo_dir(app)) == [name]
    with Image.open(os.path.join(photo_dir(app), name)) as stored:
        assert stored.format == "JPEG" and stored.size == (600, 800)  # shrunk to fit 600 × 800

    page = township.get(f"/agent/show/{world.agent_a}").get_data(as_text=True)
    assert f'src="/agent/photo/{name}"' in page
    for user in ("zhongxin", "jijian", "qs_shuji", "qs_daiban"):
        r = login(user).get(f"/agent/photo/{name}")
        assert r.status_code == 200, user
        assert r.mimetype == "image/jpeg" and r.data[:2] == b"\xff\xd8"
    # another village's users get 404, anonymous visitors are sent to the login
    assert login("sq_shuji").get(f"/agent/photo/{name}").status_code == 404
    assert login("sq_daiban").get(f"/agent/photo/{name}").status_code == 404
    assert app.test_client().get(f"/agent/photo/{name}").status_code in (302, 401)
    assert township.get("/agent/photo/../secret_key").status_code == 404
    assert township.get("/agent/photo/0123456789abcdef0123456789abcdef.jpg").status_code == 404


def test_the_public_page_and_notice_board_get_the_on_duty_agents_photo(app, login, world):
    assert post_photo(app, login("zhongxin"), world, image_bytes("WEBP", (300, 400)), "a.webp").status_code == 302
    name = _agent(app, world.agent_a).photo
    anonymous = app.test_client()
    body = anonymous.get("/public/QS").get_data(as_text=True)
    assert f'src="/public/QS/photo.jpg?v={name[:8]}"' in body
    r = anonymous.get("/public/QS/photo.jpg")
    assert r.status_code == 200 and r.mimetype == "image/jpeg"
    with open(os.path.join(photo_dir(app), name), "rb") as fh:
        assert r.data == fh.read()
    assert anonymous.get("/public/SQ/photo.jpg").status_code == 404  # no photo there
    assert anonymous.get("/public/ZZ/photo.jpg").status_code == 404
    board = login("zhongxin").get("/notices/board/QS")  # the printable 公示牌
    assert board.status_code == 200
    assert f'src="/public/QS/photo.jpg?v={name[:8]}"' in board.get_data(as_text=True)
    with app.app_context(), unscoped():
        db.session.get(Agent, world.agent_a).status = "candidate"
        db.session.commit()
    assert anonymous.get("/public/QS/photo.jpg").status_code == 404  # only the on-duty agent's


def test_metadata_is_stripped(app, login, world):
    assert (
        post_photo(app, login("zhongxin"), world, image_bytes("JPEG", (400, 300), exif=True), "gps.jpg").status_code
        == 302
    )
    name = _agent(app, world.agent_a).photo
    with Image.open(os.path.join(photo_dir(app), name)) as stored:
        assert dict(stored.getexif()) == {}


def _refused(app, login, world, body: bytes, filename: str, message: str):
    before = _agent(app, world.agent_a)
    r = post_photo(app, login("zhongxin"), world, body, filename, phone="13973100066")
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert message in html and "未保存" in html
    after = _agent(app, world.agent_a)
    assert (after.photo, after.phone, after.version) == (before.photo, before.phone, before.version)  # nothing changed
    assert not os.path.isdir(photo_dir(app)) or os.listdir(photo_dir(app)) == []


def test_a_text_file_renamed_jpg_is_refused(app, login, world):
    _refused(app, login, world, "这不是图片，是一段文字。\n".encode() * 20, "photo.jpg", WRONG_TYPE)


def test_an_svg_is_refused(app, login, world):
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>'
    _refused(app, login, world, svg, "photo.svg", WRONG_TYPE)


def test_a_gif_is_refused_although_it_is_an_image(app, login, world):
    _refused(app, login, world, image_bytes("GIF", (20, 20)), "photo.gif", WRONG_TYPE)


def test_a_decompression_bomb_is_refused_before_decoding(app, login, world):
    body = huge_png()
    assert len(body) < 200_000
    _refused(app, login, world, body, "big.png", "图片像素过多（超过4000万像素），请缩小后再上传")


def test_the_pixel_limit_is_a_setting(app, login, world):
    app.config["PHOTO_MAX_PIXELS"] = 1000 * 1000
    _refused(app, login, world, image_bytes("PNG", (1200, 1000)), "a.png", "图片像素过多（超过100万像素）")


def test_a_file_over_the_size_limit_is_refused(app, login, world):
    app.config["PHOTO_MAX_BYTES"] = 10_000
    body = image_bytes("PNG", (400, 400)) + b"\0" * 20_000
    _refused(app, login, world, body, "a.png", "照片文件不能超过")


def test_the_client_file_name_is_never_used(app, login, world, tmp_path):
    r = post_photo(app, login("zhongxin"), world, image_bytes("PNG", (60, 80)), "../../../evil.png")
    assert r.status_code == 302
    name = _agent(app, world.agent_a).photo
    assert "evil" not in name and "/" not in name and ".." not in name
    assert os.listdir(photo_dir(app)) == [name]
    assert not any("evil" in f for _, _, files in os.walk(tmp_path) for f in files)


def test_no_file_chosen_keeps_the_photo(app, login, world):
    township = login("zhongxin")
    assert post_photo(app, township, world, image_bytes("PNG", (60, 80)), "a.png").status_code == 302
    name = _agent(app, world.agent_a).photo
    agent = _agent(app, world.agent_a)
    form = _form(world, version=str(agent.version), phone="13973100044")
    form["photo"] = (io.BytesIO(b""), "")
    r = township.post(f"/agent/edit/{world.agent_a}", data=form, content_type="multipart/form-data")
    assert r.status_code == 302
    after = _agent(app, world.agent_a)
    assert after.photo == name and after.phone == "13973100044"
    with app.app_context():
        assert db.session.execute(select(Agent.photo).where(Agent.id == world.agent_a)).scalar() == name
