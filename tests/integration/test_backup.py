"""Backups that restore (issue 16): flask backup / restore, retention, the Admin page, the drill.

Runs on SQLite and, with TEST_DATABASE_URL, on PostgreSQL (each test in its own schema; the
restore target is a second, empty schema). Tests marked ``postgres`` check PostgreSQL specifics.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import io
import json
import shutil
import sqlite3
import tarfile
import threading
import time
import uuid
from pathlib import Path

import pytest
from flask_migrate import stamp, upgrade
from sqlalchemy import inspect, text

from app.services import backup as svc
from tests.conftest import TEST_DATABASE_URL

PINNED = dt.datetime(2026, 12, 1, 3, 15, 0)
PHOTO = b"\xff\xd8\xff\xe0 photo of an agent \x00\x01"
on_sqlite_only = pytest.mark.skipif(bool(TEST_DATABASE_URL), reason="SQLite 专用（在线备份 API）")


# --- helpers -------------------------------------------------------------------------------
def _stamp(app) -> None:
    """The test schema comes from create_all: record the head revision like `db upgrade` does."""
    with app.app_context():
        stamp()


def _put_upload(app, rel="photos/agent-1.jpg", data=PHOTO) -> Path:
    path = Path(app.config["UPLOAD_FOLDER"]) / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def _counts(app) -> dict[str, int]:
    from app.extensions import db

    with app.app_context(), db.engine.connect() as conn:
        return {
            t: conn.execute(text(f'SELECT count(*) FROM "{t}"')).scalar()
            for t in sorted(inspect(conn).get_table_names())
            if t != "alembic_version"
        }


def _revision(app):
    from app.extensions import db

    with app.app_context(), db.engine.connect() as conn:
        if "alembic_version" not in inspect(conn).get_table_names():
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _target_app(db_url, tmp_path, name="target"):
    """A second app on an empty database, with its own uploads and backup folders."""
    from app import create_app

    root = tmp_path / name
    return create_app(
        "config.Config",
        SQLALCHEMY_DATABASE_URI=db_url,
        SQLALCHEMY_ENGINE_OPTIONS={},
        TESTING=True,
        SECRET_KEY=uuid.uuid4().hex,
        UPLOAD_FOLDER=str(root / "uploads"),
        IMG_UPLOAD_FOLDER=str(root / "photos"),
        BACKUP_DIR=str(root / "backups"),
    )


def _backup(app, **kw) -> Path:
    with app.app_context():
        return svc.create_backup(**kw)


def _manifest(archive: Path) -> dict:
    with tarfile.open(archive, "r:gz") as tar:
        return json.loads(tar.extractfile("manifest.json").read())


def _rewrite(archive: Path, out: Path, change) -> Path:
    """Copy an archive, letting ``change(name, bytes) -> bytes`` alter members."""
    with tarfile.open(archive, "r:gz") as src, tarfile.open(out, "w:gz") as dst:
        for member in src.getmembers():
            data = change(member.name, src.extractfile(member).read())
            info = tarfile.TarInfo(member.name)
            info.size = len(data)
            dst.addfile(info, io.BytesIO(data))
    return out


def _restore_cli(app, *args):
    return app.test_cli_runner().invoke(args=["restore", *map(str, args)])


# --- 1. backup -----------------------------------------------------------------------------
@on_sqlite_only
def test_backup_of_a_live_sqlite_database_while_another_connection_writes(app, world):
    _stamp(app)
    db_path = Path(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"))
    stop, written, errors = threading.Event(), [], []

    def writer():
        conn = sqlite3.connect(db_path, timeout=30)
        try:
            while not stop.is_set():
                conn.execute(
                    "INSERT INTO audit_log (at, action, table_name, changes) VALUES (?, 'create', 'probe', '{}')",
                    (dt.datetime(2026, 12, 1).isoformat(sep=" "),),
                )
                conn.commit()
                written.append(1)
        except Exception as exc:  # pragma: no cover - shown by the assertion below
            errors.append(exc)
        finally:
            conn.close()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        archives = []
        for i in range(3):
            while len(written) < 20 * (i + 1):
                time.sleep(0.01)
            archives.append(_backup(app, now=PINNED + dt.timedelta(seconds=i), prune=False))
    finally:
        stop.set()
        thread.join()
    assert not errors and len(written) >= 60
    seen = []
    for archive in archives:
        manifest = _manifest(archive)
        with tarfile.open(archive, "r:gz") as tar:
            copy = tar.extractfile("database.sqlite3").read()
        assert hashlib.sha256(copy).hexdigest() == manifest["parts"]["database.sqlite3"]["sha256"]
        path = Path(str(archive) + ".db")
        path.write_bytes(copy)
        conn = sqlite3.connect(path)
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        n = conn.execute("SELECT count(*) FROM audit_log").fetchone()[0]
        conn.close()
        assert n == manifest["row_counts"]["audit_log"]  # the counts are those of the copy itself
        seen.append(n)
    assert seen == sorted(seen) and seen[0] < seen[-1]  # taken while the writer went on


def test_manifest_has_version_revision_row_counts_and_checksums(app, world):
    _stamp(app)
    _put_upload(app)
    _put_upload(app, "documents/通知.pdf", b"%PDF-1.4 x")
    archive = _backup(app, now=PINNED)
    assert archive.name == "bmdb-20261201-031500.tar.gz"
    assert archive.parent == Path(app.config["BACKUP_DIR"])
    m = _manifest(archive)
    assert m["format"] == "bmdb-backup" and m["app_version"] == "0.1.0"
    assert m["created_at"] == "2026-12-01T03:15:00"
    with app.app_context():
        assert m["database"]["alembic_revision"] == svc.code_head()
    assert m["database"]["kind"] == ("postgresql" if TEST_DATABASE_URL else "sqlite")
    assert m["row_counts"] == _counts(app)
    assert m["row_counts"]["village"] == 2 and m["row_counts"]["ab_user"] >= 7
    db_part = "database.dump" if TEST_DATABASE_URL else "database.sqlite3"
    assert set(m["parts"]) == {db_part, "uploads/photos/agent-1.jpg", "uploads/documents/通知.pdf"}
    assert m["parts"]["uploads/photos/agent-1.jpg"] == {
        "sha256": hashlib.sha256(PHOTO).hexdigest(),
        "bytes": len(PHOTO),
    }
    with tarfile.open(archive, "r:gz") as tar:
        for name, info in m["parts"].items():
            assert hashlib.sha256(tar.extractfile(name).read()).hexdigest() == info["sha256"], name
    # a second backup in the same second does not overwrite the first
    assert _backup(app, now=PINNED).name == "bmdb-20261201-031500-1.tar.gz"


def test_backup_command_writes_into_the_given_directory(app, world, tmp_path):
    _stamp(app)
    out = tmp_path / "elsewhere"
    result = app.test_cli_runner().invoke(args=["backup", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "已备份：" in result.output
    assert [b.name for b in svc.list_backups(out)] and not Path(app.config["BACKUP_DIR"]).exists()


# --- retention -----------------------------------------------------------------------------
def _stamps(*days: str) -> list[tuple[str, dt.datetime]]:
    out = []
    for d in days:
        stamp_ = dt.datetime.strptime(d, "%Y-%m-%d %H:%M")
        out.append((f"bmdb-{stamp_:%Y%m%d-%H%M%S}.tar.gz", stamp_))
    return out


def test_retention_keeps_the_newest_of_each_recent_day_and_month():
    stamps = _stamps(
        "2026-12-01 03:00",
        "2026-12-01 12:00",
        "2026-11-30 03:00",
        "2026-11-29 03:00",
        "2026-10-31 03:00",
        "2026-10-01 03:00",
        "2026-09-15 03:00",
        "2025-12-31 03:00",
    )
    keep = svc.retained(stamps, keep_daily=2, keep_monthly=3)
    assert keep == {
        "bmdb-20261201-120000.tar.gz",  # newest of 12-01 (day 1, month 1)
        "bmdb-20261130-030000.tar.gz",  # day 2; newest of November (month 2)
        "bmdb-20261031-030000.tar.gz",  # newest of October (month 3)
    }
    assert svc.retained(stamps, 0, 0) == set()
    assert len(svc.retained(stamps, 14, 12)) == 7  # 12-01 twice → one


def test_each_backup_prunes_by_the_retention(app, world):
    _stamp(app)
    app.config.update(BACKUP_KEEP_DAILY=3, BACKUP_KEEP_MONTHLY=3)
    directory = Path(app.config["BACKUP_DIR"])
    directory.mkdir(parents=True)
    start = dt.datetime(2026, 10, 20, 3, 0)
    for i in range(40):  # 40 nightly archives: 2026-10-20 … 2026-11-28
        (directory / f"bmdb-{start + dt.timedelta(days=i):%Y%m%d-%H%M%S}.tar.gz").write_bytes(b"x")
    (directory / "notes.txt").write_text("not a backup")
    new = _backup(app, now=dt.datetime(2026, 12, 1, 3, 15))
    names = sorted(b.name for b in svc.list_backups(directory))
    assert names == [
        "bmdb-20261031-030000.tar.gz",  # newest of October (month 3)
        "bmdb-20261127-030000.tar.gz",  # day 3
        "bmdb-20261128-030000.tar.gz",  # day 2, newest of November
        new.name,  # day 1, newest of December
    ]
    assert (directory / "notes.txt").exists()


# --- 2. restore ----------------------------------------------------------------------------
def test_restore_onto_an_empty_database_brings_back_every_row_and_upload(app, world, empty_db_url, tmp_path):
    _stamp(app)
    _put_upload(app)
    archive = _backup(app, now=PINNED)
    expected = _counts(app)
    target = _target_app(empty_db_url, tmp_path)
    result = _restore_cli(target, archive)
    assert result.exit_code == 0, result.output
    assert "已恢复：" in result.output and "1 个上传文件" in result.output
    assert _counts(target) == expected
    with target.app_context():
        assert _revision(target) == svc.code_head()
    assert (Path(target.config["UPLOAD_FOLDER"]) / "photos/agent-1.jpg").read_bytes() == PHOTO
    assert not list(Path(target.config["UPLOAD_FOLDER"]).parent.glob(".uploads.*"))  # no staging left


def test_restore_refuses_a_non_empty_database_without_force(app, world):
    _stamp(app)
    archive = _backup(app, now=PINNED)
    from app.extensions import db
    from tests.factories import make_village

    with app.app_context():
        make_village("新村", "XC", township_id=1)  # the demo has two townships: say which
        db.session.commit()
    before = _counts(app)
    result = _restore_cli(app, archive)
    assert result.exit_code == 1
    assert "当前数据库不是空的，拒绝恢复" in result.output and "--force" in result.output
    assert _counts(app) == before and before["village"] == 3


def test_restore_force_backs_up_what_is_there_first(app, world):
    _stamp(app)
    archive = _backup(app, now=PINNED)
    from app.extensions import db
    from tests.factories import make_village

    with app.app_context():
        make_village("新村", "XC", township_id=1)  # the demo has two townships: say which
        db.session.commit()
    result = _restore_cli(app, archive, "--force")
    assert result.exit_code == 0, result.output
    assert "恢复前已备份现有数据" in result.output
    assert _counts(app)["village"] == 2
    safety = [b for b in svc.list_backups(app.config["BACKUP_DIR"]) if b.name != archive.name]
    assert len(safety) == 1 and _manifest(safety[0].path)["row_counts"]["village"] == 3


def _flip_byte(archive: Path, out: Path) -> Path:
    data = bytearray(archive.read_bytes())
    data[len(data) // 2] ^= 0xFF
    out.write_bytes(bytes(data))
    return out


def _damaged_part(archive: Path, out: Path) -> Path:
    """The database part altered by one byte inside, the manifest left as it was."""

    def change(name, data):
        if name.startswith("database."):
            data = bytearray(data)
            data[len(data) // 2] ^= 0x01
            return bytes(data)
        return data

    return _rewrite(archive, out, change)


@pytest.mark.parametrize("damage", [_flip_byte, _damaged_part])
def test_damaged_archive_is_refused_in_chinese_and_nothing_changes(app, world, empty_db_url, tmp_path, damage):
    _stamp(app)
    _put_upload(app)
    archive = damage(_backup(app, now=PINNED), tmp_path / "damaged.tar.gz")
    target = _target_app(empty_db_url, tmp_path)
    marker = _put_upload(target, "keep.txt", b"still here")
    result = _restore_cli(target, archive)
    assert result.exit_code == 1
    assert "备份文件已损坏，无法恢复" in result.output
    assert _counts(target) == {} or not any(_counts(target).values())
    assert marker.read_bytes() == b"still here"
    assert sorted(p.name for p in Path(target.config["UPLOAD_FOLDER"]).iterdir()) == ["keep.txt"]


def test_manifest_row_counts_that_do_not_match_refuse_and_change_nothing(app, world, empty_db_url, tmp_path):
    _stamp(app)
    archive = _backup(app, now=PINNED)

    def change(name, data):
        if name == "manifest.json":
            m = json.loads(data)
            m["row_counts"]["village"] += 1
            return json.dumps(m).encode()
        return data

    forged = _rewrite(archive, tmp_path / "forged.tar.gz", change)
    target = _target_app(empty_db_url, tmp_path)
    with target.app_context():
        upgrade()  # an empty database with the schema: still “empty”
    result = _restore_cli(target, forged)
    assert result.exit_code == 1
    assert "备份文件已损坏" in result.output and "行数" in result.output
    counts = _counts(target)
    assert counts.pop("township") == 1  # the one township migration 0015 writes: not data
    assert counts and not any(counts.values())  # the upgraded empty schema is still there, empty
    assert _revision(target) is not None


@pytest.mark.parametrize("kind", ["tar", "text"])
def test_foreign_archive_is_refused_in_chinese(app, world, tmp_path, kind):
    path = tmp_path / "foreign.tar.gz"
    if kind == "tar":
        with tarfile.open(path, "w:gz") as tar:
            info = tarfile.TarInfo("database.sqlite3")
            info.size = 5
            tar.addfile(info, io.BytesIO(b"hello"))
    else:
        path.write_text("这不是备份", encoding="utf-8")
    before = _counts(app)
    result = _restore_cli(app, path, "--force")
    assert result.exit_code == 1
    assert "这不是本系统的备份文件" in result.output
    assert _counts(app) == before
    assert not Path(app.config["BACKUP_DIR"]).exists()  # refused before the safety backup


def test_missing_archive_file(app, world, tmp_path):
    result = _restore_cli(app, tmp_path / "nope.tar.gz")
    assert result.exit_code == 1 and "备份文件不存在" in result.output


PROBE = """
import sqlalchemy as sa
from alembic import op

revision = "zz_probe"
down_revision = {head!r}
branch_labels = None
depends_on = None


def upgrade():
    op.create_table("bm_probe", sa.Column("id", sa.Integer, primary_key=True))


def downgrade():
    op.drop_table("bm_probe")
"""


def test_an_older_archive_is_restored_then_upgraded(app, world, empty_db_url, tmp_path, monkeypatch):
    _stamp(app)
    with app.app_context():
        old_head = svc.code_head()
    archive = _backup(app, now=PINNED)
    # the code moves on by one migration
    directory = tmp_path / "migrations"
    shutil.copytree(
        Path(__file__).resolve().parents[2] / "migrations", directory, ignore=shutil.ignore_patterns("__pycache__")
    )
    (directory / "versions" / "zz_probe.py").write_text(PROBE.format(head=old_head), encoding="utf-8")
    target = _target_app(empty_db_url, tmp_path)
    monkeypatch.setattr(target.extensions["migrate"].migrate, "directory", str(directory))
    result = _restore_cli(target, archive)
    assert result.exit_code == 0, result.output
    assert "已升级数据库到版本 zz_probe" in result.output
    assert _revision(target) == "zz_probe"
    counts = _counts(target)
    assert counts.pop("bm_probe") == 0
    assert counts == _manifest(archive)["row_counts"]


def test_a_newer_archive_is_refused(app, world, empty_db_url, tmp_path):
    _stamp(app)
    from app.extensions import db

    with app.app_context(), db.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
    archive = _backup(app, now=PINNED)
    target = _target_app(empty_db_url, tmp_path)
    result = _restore_cli(target, archive)
    assert result.exit_code == 1
    assert "比本程序新" in result.output
    assert not _counts(target)


# --- the Admin page ------------------------------------------------------------------------
def test_admin_page_takes_and_lists_backups(app, login):
    _stamp(app)
    c = login("admin")
    assert "/backups/" in c.get("/").get_data(as_text=True)  # in the System menu
    page = c.get("/backups/").get_data(as_text=True)
    assert "备份与恢复" in page and "立即备份" in page and "还没有备份" in page
    r = c.post("/backups/create")
    assert r.status_code == 302
    [made] = svc.list_backups(app.config["BACKUP_DIR"])
    page = c.get("/backups/").get_data(as_text=True)
    assert "已备份：" in page and made.name in page
    assert made.taken_at.strftime("%Y-%m-%d %H:%M:%S") in page and " KB" in page
    r = c.get(f"/backups/download/{made.name}")
    assert r.status_code == 200 and r.data[:2] == b"\x1f\x8b"
    assert r.data == made.path.read_bytes()
    assert c.get("/backups/download/..%2Fsecret_key").status_code == 404
    assert c.get("/backups/download/bmdb-20000101-000000.tar.gz").status_code == 404


@pytest.mark.parametrize("username", ["zhongxin", "jijian", "qs_shuji", "qs_daiban"])
def test_only_admin_reaches_backups(app, login, username):
    _stamp(app)
    made = _backup(app, now=PINNED)
    c = login(username)
    for method, url in [("GET", "/backups/"), ("POST", "/backups/create"), ("GET", f"/backups/download/{made.name}")]:
        r = c.open(url, method=method)
        assert r.status_code in (403, 404), (username, url, r.status_code)
        assert made.name not in r.get_data(as_text=True)
    assert [b.name for b in svc.list_backups(app.config["BACKUP_DIR"])] == [made.name]
    assert "/backups/" not in c.get("/").get_data(as_text=True)  # not in their menu


def test_no_role_but_admin_has_the_backup_resource():
    import re

    from app.policy.roles import ROLE_ADMIN
    from app.security import ADMIN_ONLY_RESOURCES, build_roles

    for role, pairs in build_roles().items():
        reached = any(re.match(view, res) for res in ADMIN_ONLY_RESOURCES for view, _ in pairs)
        assert reached is (role == ROLE_ADMIN), role


# --- 4. the restore drill ------------------------------------------------------------------
def _ledger(app) -> dict:
    from app.extensions import db

    with app.app_context(), db.engine.connect() as conn:

        def rows(sql):
            return [tuple(map(str, r)) for r in conn.execute(text(sql))]

        cols = [c["name"] for c in inspect(conn).get_columns("payout_line")]
        return {
            "counts": {
                t: conn.execute(text(f'SELECT count(*) FROM "{t}"')).scalar() for t in inspect(conn).get_table_names()
            },
            "payout_lines": rows(f"SELECT {', '.join(cols)} FROM payout_line ORDER BY id"),
            "audit_log": rows(
                "SELECT id, at, user_name, action, table_name, row_id, village_id, "
                "CAST(changes AS TEXT), summary FROM audit_log ORDER BY id"
            ),
            "reports": rows("SELECT id, status, CAST(figures AS TEXT) FROM monthly_report ORDER BY id"),
        }


def _drop_everything(app) -> None:
    from app.extensions import db

    with app.app_context():
        url = db.engine.url
        db.session.remove()
        db.engine.dispose()
        if url.get_backend_name() == "sqlite":
            Path(url.database).unlink()
        else:
            with db.engine.begin() as conn:
                schema = conn.execute(text("SELECT current_schema()")).scalar()
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
                conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        shutil.rmtree(app.config["UPLOAD_FOLDER"], ignore_errors=True)


def test_restore_drill_on_the_demo_township(empty_db_url, tmp_path):
    """Back up the demo database, drop it, restore it, compare every table, the payout lines,
    the monthly reports and the audit log."""
    app = _target_app(empty_db_url, tmp_path, "drill")
    with app.app_context():
        upgrade()
    assert app.test_cli_runner().invoke(args=["demo"]).exit_code == 0
    _put_upload(app)
    before = _ledger(app)
    assert before["payout_lines"] and len(before["audit_log"]) > 50
    result = app.test_cli_runner().invoke(args=["backup"])
    assert result.exit_code == 0, result.output
    [archive] = svc.list_backups(app.config["BACKUP_DIR"])

    _drop_everything(app)
    assert not _counts(app)

    result = _restore_cli(app, archive.path)
    assert result.exit_code == 0, result.output
    after = _ledger(app)
    assert after == before
    assert (Path(app.config["UPLOAD_FOLDER"]) / "photos/agent-1.jpg").read_bytes() == PHOTO
    # the restored database works: the app writes to it (sequences/ids moved on)
    from app.extensions import db
    from tests.factories import make_village

    with app.app_context():
        make_village("新村", "XC", township_id=1)  # the demo has two townships: say which
        db.session.commit()
    assert _counts(app)["village"] == before["counts"]["village"] + 1


# --- PostgreSQL specifics ------------------------------------------------------------------
@pytest.mark.postgres
def test_postgres_backup_is_a_pg_dump_custom_archive_of_the_app_schema(app, world):
    _stamp(app)
    archive = _backup(app, now=PINNED)
    m = _manifest(archive)
    assert m["database"]["kind"] == "postgresql"
    from app.extensions import db

    with app.app_context(), db.engine.connect() as conn:
        assert m["database"]["schema"] == conn.execute(text("SELECT current_schema()")).scalar()
    with tarfile.open(archive, "r:gz") as tar:
        assert tar.extractfile("database.dump").read(5) == b"PGDMP"


@pytest.mark.postgres
def test_postgres_manifest_lists_the_extensions_a_new_database_needs(app, world):
    """``pg_dump --schema`` leaves pg_trgm (in ``public``) out: the manifest names it, and the
    restore creates it before the name index that uses its operator class."""
    _stamp(app)
    m = _manifest(_backup(app, now=PINNED))
    assert {"name": "pg_trgm", "schema": "public"} in m["database"]["extensions"]
    sql = svc._create_extensions(m, "", "app", "app")
    assert 'CREATE EXTENSION IF NOT EXISTS "pg_trgm" SCHEMA "public";' in sql


def test_restore_of_an_archive_without_the_extension_list_creates_pg_trgm_for_its_index():
    old = {"database": {"kind": "postgresql", "schema": "public"}}
    body = "CREATE INDEX ix_case_name_trgm ON public.service_case USING gin (applicant_name_key public.gin_trgm_ops);"
    assert (
        svc._create_extensions(old, body, "app", "app") == 'CREATE EXTENSION IF NOT EXISTS "pg_trgm" SCHEMA "public";\n'
    )
    assert svc._create_extensions(old, "CREATE TABLE x ();", "app", "app") == "\n"
    # an archive of the ``public`` schema restored into another: the body's ``public.`` names
    # are re-qualified to the target, and so is the extension
    assert (
        svc._create_extensions(old, body, "public", "t1") == 'CREATE EXTENSION IF NOT EXISTS "pg_trgm" SCHEMA "t1";\n'
    )
    own = {"database": {"extensions": [{"name": "hstore", "schema": "app"}]}}
    assert svc._create_extensions(own, "", "app", "t1") == 'CREATE EXTENSION IF NOT EXISTS "hstore" SCHEMA "t1";\n'


@pytest.mark.postgres
def test_postgres_restore_over_data_with_force_is_one_transaction(app, world, tmp_path):
    """A failing restore (the counts check at its end) leaves the old rows in place."""
    _stamp(app)
    archive = _backup(app, now=PINNED)

    def change(name, data):
        if name == "manifest.json":
            m = json.loads(data)
            m["row_counts"]["village"] += 1
            return json.dumps(m).encode()
        return data

    forged = _rewrite(archive, tmp_path / "forged.tar.gz", change)
    before = _counts(app)
    result = _restore_cli(app, forged, "--force")
    assert result.exit_code == 1 and "已全部撤销" in result.output
    assert _counts(app) == before


def test_archive_is_gzip_tar_with_manifest_first(app, world):
    _stamp(app)
    archive = _backup(app, now=PINNED)
    with gzip.open(archive) as fh:
        head = fh.read(512)
    assert head.startswith(b"manifest.json")
