"""Run a migration script as psql does: statement by statement in autocommit, the script's
own ``BEGIN``/``COMMIT`` delimiting its transactions.

:func:`pgarch_kit.db.apply.apply_sql` wraps a whole script in one transaction, which is right
for a schema and wrong for a migration: ``CREATE INDEX CONCURRENTLY`` and ``DO`` blocks that
commit per batch must run outside any transaction. Here a failing statement rolls back the
open transaction and the error names its line; the steps before it stay applied (as with
``psql -v ON_ERROR_STOP=1``), so the migration resumes from the failed step.
"""
from __future__ import annotations

from pathlib import Path

from pgarch_kit.db.apply import _scan
from pgarch_kit.db.connect import server_dsn
from pgarch_kit.db.sandbox import guard_destructive
from pgarch_kit.errors import SqlApplyError

__all__ = ["run_psql", "run_script"]


def run_script(database: str, sql_text: str, *, source: str = "migration",
               dsn: str | None = None, allow_destructive: str | None = None) -> int:
    """Run ``sql_text`` in ``database``, one statement at a time; returns the number run.
    The database must be a kit sandbox unless ``allow_destructive`` repeats its name."""
    import psycopg
    with psycopg.connect(server_dsn(dsn, database), autocommit=True) as conn:
        guard_destructive(conn.info.dbname, f"run {source}", allow_destructive, conn=conn)
        done = 0
        for a, b in _scan(sql_text).statements:
            stmt = sql_text[a:b]
            try:
                conn.execute(stmt, prepare=False)
            except psycopg.Error as exc:
                if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                    conn.execute("ROLLBACK")
                line = sql_text.count("\n", 0, a) + 1
                raise SqlApplyError(
                    f"{exc.diag.message_primary or exc}"
                    + (f"\nDETAIL: {exc.diag.message_detail}" if exc.diag.message_detail else "")
                    + f"\n{done} statement(s) before it were applied and stay applied; the "
                      f"failing step's open transaction (if any) was rolled back — fix the "
                      f"cause and resume from that step",
                    source=source, statement=stmt, line=line) from exc
            done += 1
        return done


def run_psql(database: str, path: str | Path, *, dsn: str | None = None,
             allow_destructive: str | None = None) -> str:
    """Run a SQL file with ``psql -v ON_ERROR_STOP=1`` (the embedded wheel's psql), as a
    deploy would; returns psql's output. A failure raises SqlApplyError with psql's message
    (which names the file and line)."""
    import subprocess

    import psycopg

    from pgarch_kit.db.server import embedded_bin_dir
    target = server_dsn(dsn, database)
    with psycopg.connect(target, autocommit=True) as conn:
        guard_destructive(conn.info.dbname, f"run {Path(path).name}", allow_destructive,
                          conn=conn)
    r = subprocess.run([str(embedded_bin_dir() / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1",
                        "-d", target, "-f", str(path)], capture_output=True, text=True,
                       check=False)
    if r.returncode != 0:
        raise SqlApplyError(r.stderr.strip() or f"psql exited with {r.returncode}",
                            source=Path(path).name)
    return r.stdout
