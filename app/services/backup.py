"""Backups that restore (issue 16): one dated archive of the database and the uploads.

An archive ``bmdb-YYYYMMDD-HHMMSS.tar.gz`` holds

* ``database.sqlite3`` — an SQLite copy made through the online backup API (a consistent
  snapshot while the app is serving, never a file copy of a live database), or
  ``database.dump`` — ``pg_dump --format=custom`` of the app's schema, taken in the same
  snapshot as the row counts (``pg_export_snapshot`` / ``pg_dump --snapshot``);
* ``uploads/…`` — every file under ``UPLOAD_FOLDER`` (agents' photos, documents);
* ``manifest.json`` — app version, database kind, Alembic revision, row counts per table and
  the SHA-256 and size of each part.

Restoring checks everything before touching the target: the manifest, every checksum, the
revision (an archive newer than the code is refused), the database copy's row counts; then
swaps in one step (SQLite: the backup API into the target, one write transaction; PostgreSQL:
the whole restore and a row-count check in one transaction, rolled back on any error), moves
the uploads in, and upgrades the schema when the archive is older than the code.

Retention (``BACKUP_KEEP_DAILY``, ``BACKUP_KEEP_MONTHLY``) is applied after each backup.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import tomllib
import uuid
import zlib
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import create_engine, inspect, make_url, text

from . import clock
from .errors import DomainError

ARCHIVE_FORMAT = "bmdb-backup"
FORMAT_VERSION = 1
NAME_RE = re.compile(r"^bmdb-(\d{8})-(\d{6})(?:-(\d+))?\.tar\.gz$")
SQLITE_PART = "database.sqlite3"
PG_PART = "database.dump"
UPLOADS_PREFIX = "uploads/"
CHUNK = 1024 * 1024


class BackupError(DomainError):
    """A backup or restore that cannot go ahead; ``str(exc)`` is the Chinese message."""


@dataclass(frozen=True)
class BackupFile:
    name: str
    path: Path
    size: int
    taken_at: dt.datetime


@dataclass
class RestoreResult:
    archive: Path
    revision: str
    upgraded_to: str | None
    rows: int
    uploads: int
    safety_backup: Path | None


# ----------------------------------------------------------------------------------------
# small helpers
# ----------------------------------------------------------------------------------------
def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def app_version() -> str:
    pyproject = Path(current_app.root_path).parent / "pyproject.toml"
    try:
        return tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["version"]
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "unknown"


def backup_dir() -> Path:
    return Path(current_app.config.get("BACKUP_DIR") or Path(current_app.instance_path) / "backups")


def uploads_dir() -> Path:
    return Path(current_app.config["UPLOAD_FOLDER"])


def _engine():
    from ..extensions import db

    return db.engine


def database_kind(url=None) -> str:
    url = make_url(str(url)) if url is not None else _engine().url
    backend = url.get_backend_name()
    if backend == "sqlite":
        return "sqlite"
    if backend == "postgresql":
        return "postgresql"
    raise BackupError(_l("不支持的数据库类型：%(kind)s（只支持 SQLite 和 PostgreSQL）", kind=backend))


def _sqlite_path(url) -> Path:
    database = make_url(str(url)).database
    if not database or database == ":memory:":
        raise BackupError(_l("内存数据库无法备份或恢复"))
    return Path(database)


def code_head() -> str:
    """The Alembic head revision of this code (migrations/)."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(current_app.extensions["migrate"].migrate.get_config())
    return script.get_current_head()


def _known_revisions() -> dict[str, object]:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(current_app.extensions["migrate"].migrate.get_config())
    return {rev.revision: rev for rev in script.walk_revisions()}


def _count_rows(conn, schema: str | None = None) -> tuple[dict[str, int], str | None]:
    """Row counts of every table (alembic_version apart) and the Alembic revision."""
    names = sorted(inspect(conn).get_table_names(schema=schema))
    prefix = f'"{schema}".' if schema else ""
    counts = {}
    revision = None
    for name in names:
        if name == "alembic_version":
            revision = conn.execute(text(f'SELECT version_num FROM {prefix}"alembic_version"')).scalar()
            continue
        counts[name] = conn.execute(text(f'SELECT count(*) FROM {prefix}"{name}"')).scalar()
    return counts, revision


# ----------------------------------------------------------------------------------------
# backup
# ----------------------------------------------------------------------------------------
def archive_name(now: dt.datetime, directory: Path) -> str:
    base = f"bmdb-{now:%Y%m%d-%H%M%S}"
    name, n = f"{base}.tar.gz", 1
    while (directory / name).exists():
        name, n = f"{base}-{n}.tar.gz", n + 1
    return name


def _snapshot_sqlite(work: Path) -> tuple[Path, dict[str, int], str | None]:
    source_path = _sqlite_path(_engine().url)
    if not source_path.exists():
        raise BackupError(_l("数据库文件不存在：%(path)s", path=source_path))
    target = work / SQLITE_PART
    src = sqlite3.connect(source_path, timeout=30)
    dst = sqlite3.connect(target)
    try:
        with dst:
            src.backup(dst)  # the online backup API: a consistent snapshot, writers may go on
    finally:
        dst.close()
        src.close()
    engine = create_engine(f"sqlite:///{target}")
    try:
        with engine.connect() as conn:
            counts, revision = _count_rows(conn)
    finally:
        engine.dispose()
    return target, counts, revision


def _libpq_args(url) -> tuple[str, dict[str, str]]:
    """A libpq URI without the password (passed in PGPASSWORD instead)."""
    url = make_url(str(url)).set(drivername="postgresql")
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return url.set(password=None).render_as_string(hide_password=False), env


def _run(cmd: list[str], env: dict[str, str], what) -> subprocess.CompletedProcess:
    try:
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise BackupError(
            _l("找不到 %(cmd)s：请安装 PostgreSQL 客户端（Debian：apt-get install postgresql-client）", cmd=cmd[0])
        ) from None
    if proc.returncode != 0:
        raise BackupError(_l("%(what)s失败：%(err)s", what=what, err=(proc.stderr or proc.stdout).strip()[-800:]))
    return proc


def _snapshot_postgres(work: Path) -> tuple[Path, dict[str, int], str | None, str]:
    target = work / PG_PART
    uri, env = _libpq_args(_engine().url)
    engine = create_engine(_engine().url, isolation_level="REPEATABLE READ")
    try:
        with engine.connect() as conn:
            conn.execute(text("SET TRANSACTION READ ONLY"))
            snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar()
            schema = conn.execute(text("SELECT current_schema()")).scalar()
            counts, revision = _count_rows(conn, schema)
            extensions = _extensions(conn)
            # pg_dump reads the very snapshot the counts were taken in.
            _run(
                [
                    "pg_dump",
                    "--format=custom",
                    "--no-owner",
                    "--no-privileges",
                    f"--schema={schema}",
                    f"--snapshot={snapshot}",
                    f"--file={target}",
                    uri,
                ],
                env,
                _l("pg_dump 备份"),
            )
            conn.rollback()
    finally:
        engine.dispose()
    return target, counts, revision, schema, extensions


def _extensions(conn) -> list[dict[str, str]]:
    """The database's extensions and their schemas (pg_trgm in ``public`` for the name index):
    ``pg_dump --schema`` leaves them out, a restore into a new database creates them first."""
    rows = conn.execute(
        text(
            "SELECT e.extname, n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
            "WHERE e.extname <> 'plpgsql' ORDER BY e.extname"
        )
    )
    return [{"name": name, "schema": schema} for name, schema in rows]


def _create_extensions(manifest: dict, body: str, source_schema: str, target_schema: str) -> str:
    """``CREATE EXTENSION IF NOT EXISTS`` of the archive's extensions (an archive from before
    the list was kept: pg_trgm when its index is in the dump)."""
    listed = manifest["database"].get("extensions")
    if listed is None:
        listed = [{"name": "pg_trgm", "schema": "public"}] if "gin_trgm_ops" in body else []

    def quoted(name: str) -> str:
        return '"' + name.replace('"', '""') + '"'

    lines = []
    for ext in listed:
        schema = target_schema if ext["schema"] == source_schema else ext["schema"]
        lines.append(f"CREATE EXTENSION IF NOT EXISTS {quoted(ext['name'])} SCHEMA {quoted(schema)};")
    return "\n".join(lines) + "\n"


def create_backup(out_dir: Path | str | None = None, now: dt.datetime | None = None, prune: bool = True) -> Path:
    """Take a backup into ``out_dir`` (default ``BACKUP_DIR``); returns the archive path."""
    now = now or clock.now_local()
    directory = Path(out_dir) if out_dir else backup_dir()
    directory.mkdir(parents=True, exist_ok=True)
    kind = database_kind()
    with tempfile.TemporaryDirectory(prefix="bmdb-backup-", dir=directory) as tmp:
        work = Path(tmp)
        schema, extensions = None, None
        if kind == "sqlite":
            db_file, counts, revision = _snapshot_sqlite(work)
        else:
            db_file, counts, revision, schema, extensions = _snapshot_postgres(work)
        parts = {db_file.name: {"sha256": sha256_file(db_file), "bytes": db_file.stat().st_size}}
        uploads = _upload_files()
        for rel, path in uploads:
            parts[UPLOADS_PREFIX + rel] = {"sha256": sha256_file(path), "bytes": path.stat().st_size}
        manifest = {
            "format": ARCHIVE_FORMAT,
            "format_version": FORMAT_VERSION,
            "app_version": app_version(),
            "created_at": now.isoformat(timespec="seconds"),
            "township": current_app.config.get("TOWNSHIP_NAME"),
            "database": {"kind": kind, "schema": schema, "alembic_revision": revision, "extensions": extensions},
            "row_counts": counts,
            "parts": parts,
        }
        name = archive_name(now, directory)
        partial = work / (name + ".part")
        with tarfile.open(partial, "w:gz") as tar:
            data = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8")
            info = tarfile.TarInfo("manifest.json")
            info.size, info.mtime = len(data), int(now.timestamp())
            tar.addfile(info, io.BytesIO(data))
            tar.add(db_file, arcname=db_file.name)
            for rel, path in uploads:
                tar.add(path, arcname=UPLOADS_PREFIX + rel, recursive=False)
        final = directory / name
        os.replace(partial, final)  # appears complete or not at all
    if prune:
        prune_backups(directory)
    return final


def _upload_files() -> list[tuple[str, Path]]:
    root = uploads_dir()
    if not root.is_dir():
        return []
    skip = backup_dir().resolve()
    out = []
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink() and skip not in path.resolve().parents:
            out.append((path.relative_to(root).as_posix(), path))
    return out


# ----------------------------------------------------------------------------------------
# listing and retention
# ----------------------------------------------------------------------------------------
def parse_stamp(name: str) -> dt.datetime | None:
    match = NAME_RE.match(name)
    if not match:
        return None
    try:
        return dt.datetime.strptime(match.group(1) + match.group(2), "%Y%m%d%H%M%S")
    except ValueError:
        return None


def list_backups(directory: Path | str | None = None) -> list[BackupFile]:
    """The archives in the backup directory, newest first."""
    directory = Path(directory) if directory else backup_dir()
    if not directory.is_dir():
        return []
    out = []
    for path in directory.iterdir():
        stamp = parse_stamp(path.name)
        if stamp is not None and path.is_file():
            out.append(BackupFile(path.name, path, path.stat().st_size, stamp))
    return sorted(out, key=lambda b: (b.taken_at, b.name), reverse=True)


def retained(stamps: list[tuple[str, dt.datetime]], keep_daily: int, keep_monthly: int) -> set[str]:
    """Which backups a daily/monthly retention keeps: the newest backup of each of the
    ``keep_daily`` most recent days that have one, and of each of the ``keep_monthly`` most
    recent months. Pure (no clock): the dates are the archives' own."""
    newest_first = sorted(stamps, key=lambda s: (s[1], s[0]), reverse=True)
    keep: set[str] = set()
    for size, key in ((keep_daily, lambda d: d.date()), (keep_monthly, lambda d: (d.year, d.month))):
        seen = []
        for name, stamp in newest_first:
            period = key(stamp)
            if period in seen:
                continue
            if len(seen) >= size:
                break
            seen.append(period)
            keep.add(name)
    return keep


def prune_backups(
    directory: Path | str | None = None, keep_daily: int | None = None, keep_monthly: int | None = None
) -> list[str]:
    """Delete the archives the retention does not keep; returns their names."""
    directory = Path(directory) if directory else backup_dir()
    keep_daily = current_app.config.get("BACKUP_KEEP_DAILY", 14) if keep_daily is None else keep_daily
    keep_monthly = current_app.config.get("BACKUP_KEEP_MONTHLY", 12) if keep_monthly is None else keep_monthly
    backups = list_backups(directory)
    if not backups:
        return []
    keep = retained([(b.name, b.taken_at) for b in backups], keep_daily, keep_monthly)
    keep.add(backups[0].name)  # never the one just taken
    removed = []
    for b in backups:
        if b.name not in keep:
            b.path.unlink(missing_ok=True)
            removed.append(b.name)
    return removed


# ----------------------------------------------------------------------------------------
# reading and verifying an archive
# ----------------------------------------------------------------------------------------
def _damaged(detail=None) -> BackupError:
    msg = _l("备份文件已损坏，无法恢复")
    return BackupError(f"{msg}：{detail}" if detail else msg)


def _foreign() -> BackupError:
    return BackupError(_l("这不是本系统的备份文件（缺少 manifest.json 或格式不符），无法恢复"))


def read_manifest(archive: Path) -> dict:
    try:
        with tarfile.open(archive, "r:gz") as tar:
            try:
                member = tar.getmember("manifest.json")
            except KeyError:
                raise _foreign() from None
            manifest = json.loads(tar.extractfile(member).read().decode("utf-8"))
    except BackupError:
        raise
    except (tarfile.TarError, OSError, EOFError, ValueError, UnicodeDecodeError, zlib.error) as exc:
        if isinstance(exc, FileNotFoundError):
            raise BackupError(_l("备份文件不存在：%(path)s", path=archive)) from None
        if isinstance(exc, tarfile.ReadError) and not _looks_gzip(archive):
            raise _foreign() from None
        raise _damaged(type(exc).__name__) from None
    if not isinstance(manifest, dict) or manifest.get("format") != ARCHIVE_FORMAT:
        raise _foreign()
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(_l("备份文件格式版本 %(v)s 不受本程序支持", v=manifest.get("format_version")))
    return manifest


def _looks_gzip(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            return fh.read(2) == b"\x1f\x8b"
    except OSError:
        return False


def extract_verified(archive: Path, work: Path) -> dict:
    """Extract into ``work`` and check every part against the manifest."""
    manifest = read_manifest(archive)
    parts = manifest.get("parts") or {}
    try:
        with tarfile.open(archive, "r:gz") as tar:
            members = {m.name: m for m in tar.getmembers()}
            for name in parts:
                member = members.get(name)
                if member is None or not member.isfile() or name.startswith("/") or ".." in Path(name).parts:
                    raise _damaged(_l("缺少 %(name)s", name=name))
                tar.extract(member, work, filter="data")
    except BackupError:
        raise
    except (tarfile.TarError, OSError, EOFError, ValueError, zlib.error) as exc:
        raise _damaged(type(exc).__name__) from None
    for name, info in parts.items():
        path = work / name
        if path.stat().st_size != info.get("bytes") or sha256_file(path) != info.get("sha256"):
            raise _damaged(_l("%(name)s 的校验值不符", name=name))
    return manifest


def _check_revision(manifest: dict) -> str | None:
    """None when the archive is at the code's head, else the head to upgrade to."""
    revision = (manifest.get("database") or {}).get("alembic_revision")
    head = code_head()
    if not revision:
        raise BackupError(_l("备份中没有数据库版本记录（alembic_version），不能恢复"))
    if revision == head:
        return None
    known = _known_revisions()
    if revision not in known:
        raise BackupError(
            _l(
                "备份的数据库版本 %(rev)s 比本程序新（或不属于本程序），不能恢复；请先把程序升级到制作备份时的版本",
                rev=revision,
            )
        )
    return head


def _check_counts(expected: dict, actual: dict) -> None:
    if actual != expected:
        diff = sorted(t for t in set(expected) | set(actual) if expected.get(t) != actual.get(t))
        raise _damaged(_l("表 %(t)s 的行数与清单不符", t="、".join(diff[:5])))


# ----------------------------------------------------------------------------------------
# restore
# ----------------------------------------------------------------------------------------
def database_is_empty() -> bool:
    """No rows in any table (an upgraded schema without data counts as empty: the one township
    migration 0015 writes into an empty schema is not data while no village belongs to it)."""
    with _engine().connect() as conn:
        schema = conn.execute(text("SELECT current_schema()")).scalar() if database_kind() == "postgresql" else None
        counts, _ = _count_rows(conn, schema)
    if not counts.get("village") and counts.get("township", 0) <= 1:
        counts.pop("township", None)
    return not any(counts.values())


def restore_backup(archive: Path | str, force: bool = False, now: dt.datetime | None = None) -> RestoreResult:
    from ..extensions import db

    archive = Path(archive)
    if not archive.is_file():
        raise BackupError(_l("备份文件不存在：%(path)s", path=archive))
    kind = database_kind()
    with tempfile.TemporaryDirectory(prefix="bmdb-restore-") as tmp:
        work = Path(tmp)
        manifest = extract_verified(archive, work)
        source_kind = (manifest.get("database") or {}).get("kind")
        if source_kind != kind:
            raise BackupError(_l("备份是 %(a)s 数据库，当前数据库是 %(b)s，不能直接恢复", a=source_kind, b=kind))
        upgrade_to = _check_revision(manifest)
        expected = manifest.get("row_counts") or {}
        revision = manifest["database"]["alembic_revision"]
        db.session.remove()
        safety = None
        if not database_is_empty():
            if not force:
                raise BackupError(_l("当前数据库不是空的，拒绝恢复。确需覆盖请加 --force（会先备份现有数据）"))
            safety = create_backup(now=now, prune=False)
        staged = _stage_uploads(work)
        try:
            if kind == "sqlite":
                _restore_sqlite(work / SQLITE_PART, expected, revision)
            else:
                _restore_postgres(work / PG_PART, manifest, expected, revision)
        except BaseException:
            shutil.rmtree(staged, ignore_errors=True)
            raise
        finally:
            db.session.remove()
            db.engine.dispose()
        n_uploads = _swap_uploads(staged)
    if upgrade_to:
        from flask_migrate import upgrade

        upgrade()
        db.session.remove()
    return RestoreResult(archive, revision, upgrade_to, sum(expected.values()), n_uploads, safety)


def _restore_sqlite(source: Path, expected: dict, revision: str) -> None:
    engine = create_engine(f"sqlite:///{source}")
    try:
        with engine.connect() as conn:
            if conn.execute(text("PRAGMA integrity_check")).scalar() != "ok":
                raise _damaged(_l("数据库副本完整性检查未通过"))
            counts, rev = _count_rows(conn)
    except BackupError:
        raise
    except Exception as exc:  # not a database at all
        raise _damaged(type(exc).__name__) from None
    finally:
        engine.dispose()
    _check_counts(expected, counts)
    if rev != revision:
        raise _damaged(_l("数据库版本与清单不符"))
    target = _sqlite_path(_engine().url)
    target.parent.mkdir(parents=True, exist_ok=True)  # a fresh machine
    _engine().dispose()
    src = sqlite3.connect(source)
    dst = sqlite3.connect(target, timeout=30)
    try:
        src.backup(dst)  # one write transaction on the target: all or nothing
    finally:
        dst.close()
        src.close()


_COPY_RE = re.compile(r"^COPY ")


def _restore_sql(dump: Path, source_schema: str, target_schema: str, env: dict[str, str]) -> str:
    """The dump as SQL for the target schema (statements outside COPY data re-qualified)."""
    proc = _run(["pg_restore", "--no-owner", "--no-privileges", "--file=-", str(dump)], env, _l("读取备份"))
    out, in_copy = [], False
    src_q = re.compile(r'(?<![\w"])("?)' + re.escape(source_schema) + r"\1\.")
    target = '"' + target_schema.replace('"', '""') + '".'
    for line in proc.stdout.splitlines():
        if in_copy:
            out.append(line)
            in_copy = line != "\\."
            continue
        if line.startswith(("CREATE SCHEMA ", "COMMENT ON SCHEMA ", "ALTER SCHEMA ")):
            continue
        if source_schema != target_schema:
            line = src_q.sub(target, line)
        in_copy = bool(_COPY_RE.match(line))
        out.append(line)
    return "\n".join(out) + "\n"


def _restore_postgres(dump: Path, manifest: dict, expected: dict, revision: str) -> None:
    uri, env = _libpq_args(_engine().url)
    with _engine().connect() as conn:
        schema = conn.execute(text("SELECT current_schema()")).scalar()
    source_schema = manifest["database"].get("schema") or "public"
    body = _restore_sql(dump, source_schema, schema, env)
    q = '"' + schema.replace('"', '""') + '"'
    lit = "'" + schema.replace("'", "''") + "'"
    prelude = f"""
DO $bm$ DECLARE r record; BEGIN
  FOR r IN SELECT tablename FROM pg_tables WHERE schemaname = {lit} LOOP
    EXECUTE 'DROP TABLE IF EXISTS ' || quote_ident({lit}) || '.' || quote_ident(r.tablename) || ' CASCADE';
  END LOOP;
  FOR r IN SELECT sequencename FROM pg_sequences WHERE schemaname = {lit} LOOP
    EXECUTE 'DROP SEQUENCE IF EXISTS ' || quote_ident({lit}) || '.' || quote_ident(r.sequencename) || ' CASCADE';
  END LOOP;
  -- the schema's own functions (bm_name_bigrams, migration 0021), not an extension's
  FOR r IN SELECT p.oid::regprocedure AS f FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
           WHERE n.nspname = {lit}
             AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e') LOOP
    EXECUTE 'DROP FUNCTION IF EXISTS ' || r.f::text || ' CASCADE';
  END LOOP;
END $bm$;
""" + _create_extensions(manifest, body, source_schema, schema)
    checks = [
        f"IF (SELECT version_num FROM {q}.alembic_version) IS DISTINCT FROM '{revision}' "
        f"THEN RAISE EXCEPTION 'bm-verify: alembic_version'; END IF;"
    ]
    for table, n in sorted(expected.items()):
        ident = '"' + table.replace('"', '""') + '"'
        checks.append(
            f"IF (SELECT count(*) FROM {q}.{ident}) <> {int(n)} THEN RAISE EXCEPTION 'bm-verify: {table}'; END IF;"
        )
    verify = "DO $bm$ BEGIN\n" + "\n".join(checks) + "\nEND $bm$;\n"
    with tempfile.TemporaryDirectory(prefix="bmdb-pg-") as tmp:
        files = []
        for i, sql in enumerate((prelude, body, verify)):
            path = Path(tmp) / f"{i}.sql"
            path.write_text(sql, encoding="utf-8")
            files += ["-f", str(path)]
        _engine().dispose()
        # One transaction: the old tables go, the archive's come in and are counted — or nothing.
        cmd = ["psql", "--no-psqlrc", "--quiet", "--single-transaction", "-v", "ON_ERROR_STOP=1", "-d", uri, *files]
        try:
            _run(cmd, env, _l("恢复数据库"))
        except BackupError as exc:
            if "bm-verify" in str(exc):
                raise _damaged(_l("恢复后的行数与清单不符，已全部撤销")) from None
            raise


def _stage_uploads(work: Path) -> Path:
    """The archive's uploads, extracted and verified, ready to be moved in place."""
    src = work / "uploads"
    if not src.is_dir():
        src.mkdir()
    target = uploads_dir()
    target.parent.mkdir(parents=True, exist_ok=True)
    staged = target.parent / f".{target.name}.restore-{uuid.uuid4().hex[:8]}"
    shutil.copytree(src, staged)
    return staged


def _swap_uploads(staged: Path) -> int:
    target = uploads_dir()
    old = target.parent / f".{target.name}.old-{uuid.uuid4().hex[:8]}"
    if target.exists():
        os.replace(target, old)
    os.replace(staged, target)
    shutil.rmtree(old, ignore_errors=True)
    return sum(1 for p in target.rglob("*") if p.is_file())
