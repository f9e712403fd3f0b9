"""The embedded default (SQLite) must take concurrent writers, as `make run` has several
web threads, a worker and beat on one file: gcapi uploads many files at once."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

SCRIPT = textwrap.dedent(
    """
    import os, threading
    import django
    django.setup()
    from django.db import connection, transaction

    with connection.cursor() as c:
        c.execute("CREATE TABLE t (n integer)")
    errors = []

    def writer():
        try:
            for _ in range(25):
                with transaction.atomic():
                    with connection.cursor() as c:
                        c.execute("SELECT count(*) FROM t")  # read first, then write
                        c.execute("INSERT INTO t VALUES (1)")
        except Exception as e:
            errors.append(repr(e))
        finally:
            connection.close()

    threads = [threading.Thread(target=writer) for _ in range(8)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    with connection.cursor() as c:
        c.execute("SELECT count(*) FROM t")
        print(c.fetchone()[0], errors[:1])
    """
)


def test_concurrent_transactions_on_the_embedded_sqlite_wait_instead_of_failing(tmp_path: Path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "app.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "TESSERA_VAR_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[0] == "200", result.stdout
