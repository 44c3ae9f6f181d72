"""Write tests/fixtures/rev<REV>.sql.gz: the demo township at Alembic revision REV.

    python scripts/make_migration_fixture.py 0009

Run it in a checkout whose newest migration is REV (right after adding a migration, in the
same commit), so that ``flask demo`` of that code fills the schema of that revision. For an
older revision, check out the commit where it was the newest into a scratch worktree
(``git worktree add /tmp/rev0003 <commit>``), run the script there and copy the file back.
tests/integration/test_migrations_data.py then upgrades every fixture to the head and checks
that no row is lost and the frozen payout sheets and submitted monthly reports stay the same.
"""

from __future__ import annotations

import argparse
import gzip
import os
import sys
import tempfile
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("revision", help="the Alembic revision (must be the newest of this checkout)")
    parser.add_argument("-o", "--output", type=Path, default=None, help="default tests/fixtures/rev<REV>.sql.gz")
    args = parser.parse_args()

    from tests.migration_fixtures import dump_sql, fixture_path

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["INSTANCE_PATH"] = tmp
        from flask_migrate import upgrade

        from app import create_app
        from app.extensions import db
        from app.services.backup import code_head

        app = create_app(
            "config.Config",
            SQLALCHEMY_DATABASE_URI=f"sqlite:///{Path(tmp) / 'fixture.sqlite3'}",
            SECRET_KEY=uuid.uuid4().hex,
            UPLOAD_FOLDER=str(Path(tmp) / "uploads"),
            IMG_UPLOAD_FOLDER=str(Path(tmp) / "photos"),
        )
        with app.app_context():
            head = code_head()
            if head != args.revision:
                print(
                    f"this checkout's newest revision is {head}, not {args.revision}: run the script in a "
                    f"checkout of the commit that added {args.revision} (see --help)",
                    file=sys.stderr,
                )
                return 2
            upgrade()
        result = app.test_cli_runner().invoke(args=["demo"])
        if result.exit_code != 0:
            print(result.output, file=sys.stderr)
            return 1
        with app.app_context():
            with db.engine.connect() as conn:
                sql = dump_sql(conn)
            db.engine.dispose()
    out = args.output or fixture_path(args.revision)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(gzip.compress(sql.encode("utf-8"), mtime=0))
    print(f"{out}: {out.stat().st_size // 1024} KB ({sql.count(chr(10))} lines)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
