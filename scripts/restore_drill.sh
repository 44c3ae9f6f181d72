#!/usr/bin/env bash
# Restore drill (issue 16 §4), through the real commands: demo database → flask backup →
# drop the database → flask restore → same row counts, payout lines and audit log.
#   scripts/restore_drill.sh                      # SQLite in a scratch instance/
#   scripts/restore_drill.sh postgresql://…/db    # PostgreSQL (the database is dropped and re-created)
set -euo pipefail
cd "$(dirname "$0")/.."
FLASK="${FLASK:-.venv/bin/flask} --app run.py"
PY="${PY:-.venv/bin/python}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export INSTANCE_PATH="$work/instance" BACKUP_DIR="$work/backups" APP_ENV=development
url="${1:-sqlite:///$work/drill.sqlite3}"
export DATABASE_URL="$url"

if [[ "$url" == postgresql* ]]; then
  admin="${url%/*}/postgres"; name="${url##*/}"
  psql "$admin" -qc "DROP DATABASE IF EXISTS \"$name\"" >/dev/null
  psql "$admin" -qc "CREATE DATABASE \"$name\"" >/dev/null
fi

snapshot() {  # row counts of every table, the payout lines and the audit log, as text
  "$PY" - <<'PY'
import hashlib
import os

from sqlalchemy import create_engine, inspect, text

engine = create_engine(os.environ["DATABASE_URL"])
with engine.connect() as conn:
    for t in sorted(inspect(conn).get_table_names()):
        print(t, conn.execute(text(f'SELECT count(*) FROM "{t}"')).scalar())
    for label, sql in (
        ("payout lines", "SELECT * FROM payout_line ORDER BY id"),
        ("audit log", "SELECT id, at, user_name, action, table_name, row_id, CAST(changes AS TEXT) FROM audit_log ORDER BY id"),
    ):
        rows = [str(r) for r in conn.execute(text(sql))]
        print(label, len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest())
engine.dispose()
PY
}

$FLASK db upgrade >/dev/null 2>&1
$FLASK demo >/dev/null
snapshot >"$work/before.txt"
$FLASK backup
archive=$(ls "$BACKUP_DIR"/bmdb-*.tar.gz)

if [[ "$url" == postgresql* ]]; then
  psql "$admin" -qc "DROP DATABASE \"$name\"" >/dev/null
  psql "$admin" -qc "CREATE DATABASE \"$name\"" >/dev/null
else
  rm -f "$work/drill.sqlite3"
fi
$FLASK restore "$archive"
snapshot >"$work/after.txt"
if ! diff -u "$work/before.txt" "$work/after.txt"; then
  echo "恢复演练失败：恢复后的数据与备份前不一致" >&2
  exit 1
fi
echo "恢复演练通过：$(wc -l <"$work/before.txt") 项一致（$url）"
