"""Hostile schema files: an imported script runs confined, so nothing it says acts outside the
import's own scratch database — no shell command, no server file, no role or database left,
no setting changed — and the user is told which statement was refused, on which line.

Every test here failed before the import was confined (the script ran as ``postgres``)."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import psycopg
import pytest
from psycopg.conninfo import make_conninfo

from pgarch_kit.cli import main
from pgarch_kit.db.importer import import_schema
from pgarch_kit.errors import ImportRefusedError, ImportTimeoutError

from .conftest import server_state

ROOT = Path(__file__).resolve().parents[2]
BASE = "CREATE TABLE account (id bigint PRIMARY KEY, email text NOT NULL);\n"


def _leftover_imports(dsn: str) -> list[str]:
    with psycopg.connect(make_conninfo(dsn, dbname="postgres"), autocommit=True) as conn:
        return [r[0] for r in conn.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE 'pgarch\\_import\\_%'"
            " UNION ALL SELECT rolname FROM pg_roles WHERE rolname LIKE 'pgarch\\_import\\_%'"
            " UNION ALL SELECT 'backend ' || usename FROM pg_stat_activity"
            " WHERE usename LIKE 'pgarch\\_import\\_%'").fetchall()]


def _server_program_ran(marker: Path) -> bool:
    return marker.exists()


def test_copy_from_program_runs_no_shell_command(tmp_path: Path, pg_dsn: str,
                                                 unchanged_server, capsys) -> None:
    marker = Path(f"/tmp/pgarch_hostile_{os.getpid()}_program")
    marker.unlink(missing_ok=True)
    schema = tmp_path / "schema.sql"
    schema.write_text(BASE + "CREATE TABLE sink (line text);\n"
                      f"COPY sink FROM PROGRAM 'touch {marker}; echo pwned';\n"
                      f"COPY (SELECT 1) TO PROGRAM 'touch {marker}';\n")
    out = tmp_path / "design.yaml"
    assert main(["import", str(schema), "-o", str(out)]) == 0  # partial import: exit 0
    err = capsys.readouterr().err
    assert not _server_program_ran(marker)
    assert "line 3" in err and "PROGRAM runs a shell command" in err and "line 4" in err
    text = out.read_text()
    assert "account" in text and "sink" in text and "pwned" not in text
    assert _leftover_imports(pg_dsn) == []
    unchanged_server()


def test_server_files_are_not_read_into_the_design(pg_dsn: str, unchanged_server) -> None:
    # postgresql.conf of the kit's cluster carries a line the kit wrote: if any of these
    # statements read it, that text would end up in the design's comments or rows.
    secret = "pgarch_kit: query timings"
    sql = BASE + textwrap.dedent("""\
        DO $$ BEGIN EXECUTE format('COMMENT ON TABLE account IS %L',
            pg_read_file('postgresql.conf')); END $$;
        CREATE TABLE stolen AS SELECT pg_read_file('postgresql.conf') AS body;
        CREATE TABLE copied (body text);
        COPY copied FROM '/etc/passwd';
        SELECT lo_import('/etc/passwd');
        """)
    result = import_schema(sql, name="leak", dsn=pg_dsn)
    design = result.design
    assert secret not in repr(design) and "root:" not in repr(design)
    assert design.table("account").comment is None
    assert "stolen" not in [t.name for t in design.tables]
    lines = {s.line: s.reason for s in result.refused}
    assert set(lines) == {2, 4, 6, 7}, result.report()
    assert "permission denied" in lines[2] and "server file" in lines[6]
    assert _leftover_imports(pg_dsn) == []
    unchanged_server()


def test_roles_made_by_the_script_do_not_outlive_the_import(pg_dsn: str,
                                                            unchanged_server) -> None:
    sql = BASE + textwrap.dedent("""\
        CREATE ROLE intruder SUPERUSER LOGIN PASSWORD 'x';
        CREATE ROLE app_user;
        ALTER TABLE account ENABLE ROW LEVEL SECURITY;
        CREATE POLICY own ON account TO app_user USING (email = current_user);
        GRANT pg_read_server_files TO CURRENT_USER;
        GRANT ALL ON account TO intruder;
        """)
    result = import_schema(sql, name="roles", dsn=pg_dsn)
    # the policy still imports, with its role: a placeholder stood in for app_user
    (policy,) = result.design.table("account").policies
    assert policy.roles == ("app_user",) and result.design.roles == ("app_user",)
    assert {s.line for s in result.notes} >= {2, 3, 6, 7}
    assert _leftover_imports(pg_dsn) == []
    unchanged_server()  # no intruder, no app_user, no membership left


def test_other_databases_and_server_settings_are_out_of_reach(pg_dsn: str, make_db) -> None:
    victim = psycopg.conninfo.conninfo_to_dict(make_db())["dbname"]
    before = server_state(pg_dsn)
    params = psycopg.conninfo.conninfo_to_dict(pg_dsn)
    target = f"host={params['host']} port={params.get('port', 5432)} user=postgres dbname=postgres"
    sql = BASE + textwrap.dedent(f"""\
        CREATE EXTENSION dblink;
        SELECT dblink_exec('{target}', 'ALTER SYSTEM SET work_mem = ''77MB''');
        ALTER SYSTEM SET work_mem = '77MB';
        DROP DATABASE {victim};
        ALTER DATABASE {victim} SET search_path = nowhere;
        CREATE EXTENSION file_fdw;
        CREATE EXTENSION plpython3u;
        LOAD 'auto_explain';
        SET ROLE postgres;
        """)
    result = import_schema(sql, name="reach", dsn=pg_dsn)
    refused = {s.line: s.reason for s in result.refused}
    assert set(refused) == {2, 3, 4, 5, 6, 7, 8, 9, 10}, result.report()
    assert "allow-list" in refused[2] and "ALTER SYSTEM" in refused[4]
    assert "drops a database" in refused[5] and "another role" in refused[10]
    with psycopg.connect(make_conninfo(pg_dsn, dbname=victim)) as conn:
        assert conn.execute("SHOW search_path").fetchone()[0] != "nowhere"
    assert server_state(pg_dsn) == before


def test_strict_mode_fails_and_writes_nothing(tmp_path: Path, pg_dsn: str, capsys) -> None:
    schema = tmp_path / "schema.sql"
    schema.write_text(BASE + "ALTER SYSTEM SET fsync = off;\n")
    out = tmp_path / "design.yaml"
    assert main(["import", str(schema), "-o", str(out), "--strict"]) == 1
    err = capsys.readouterr().err
    assert "line 2" in err and "ALTER SYSTEM" in err and "without --strict" in err
    assert not out.exists()
    with pytest.raises(ImportRefusedError, match="line 2"):
        import_schema(schema.read_text(), dsn=pg_dsn, strict=True)
    assert _leftover_imports(pg_dsn) == []


def test_an_endless_loop_is_stopped_and_cleaned_up(pg_dsn: str, unchanged_server) -> None:
    sql = BASE + textwrap.dedent("""\
        SET statement_timeout = 0;
        DO $$ BEGIN LOOP PERFORM 1; END LOOP; END $$;
        """)
    with pytest.raises(ImportTimeoutError) as info:
        import_schema(sql, name="loop", dsn=pg_dsn, timeout=2)
    message = str(info.value)
    assert "line 3" in message and "--timeout" in message and "DO $$" in message
    assert _leftover_imports(pg_dsn) == []  # database, role and busy backend all gone
    unchanged_server()


_PAUSED_IMPORT = """
import sys, pathlib
from pgarch_kit.db import confine
from pgarch_kit.db.importer import import_schema
def pause(name):
    pathlib.Path(sys.argv[1]).write_text(name)
    sys.stdin.read()  # blocks until the test kills us
confine.after_setup = pause
import_schema("CREATE TABLE t (id int); DO $$ BEGIN LOOP PERFORM 1; END LOOP; END $$;")
"""


def _paused_import(tmp_path: Path, tag: str) -> tuple[subprocess.Popen, str]:
    ready = tmp_path / f"ready_{tag}"
    proc = subprocess.Popen([sys.executable, "-c", _PAUSED_IMPORT, str(ready)], cwd=ROOT,
                            stdin=subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(ROOT)})
    for _ in range(600):  # the barrier: the child writes the file once its database exists
        if ready.exists() and ready.read_text():
            return proc, ready.read_text()
        try:
            proc.wait(timeout=0.1)
            raise AssertionError(f"the import process ended early ({proc.returncode})")
        except subprocess.TimeoutExpired:
            pass
    proc.kill()
    raise AssertionError("the import process never reached its pause")


def test_a_killed_import_is_cleaned_up_by_the_next_one_never_a_live_one(
        tmp_path: Path, pg_dsn: str) -> None:
    from pgarch_kit.db.confine import cleanup_dead_imports
    live, live_db = _paused_import(tmp_path, "live")
    dead, dead_db = _paused_import(tmp_path, "dead")
    try:
        dead.kill()  # SIGKILL: no finally block runs
        dead.wait()
        assert dead_db in _leftover_imports(pg_dsn)
        # the next import's start drops the dead one's database and role...
        import_schema(BASE, name="next", dsn=pg_dsn)
        left = _leftover_imports(pg_dsn)
        assert dead_db not in left
        # ...and never the one a live import is using
        assert live_db in left
        assert cleanup_dead_imports(pg_dsn) == [] and live_db in _leftover_imports(pg_dsn)
    finally:
        live.terminate()  # SIGTERM: the library's finally blocks are skipped too
        live.wait()
    assert cleanup_dead_imports(pg_dsn) == [live_db]
    assert _leftover_imports(pg_dsn) == []


def test_sigterm_to_the_cli_drops_the_scratch_database(tmp_path: Path, pg_dsn: str) -> None:
    schema = tmp_path / "loop.sql"
    schema.write_text("CREATE TABLE t (id int);\nDO $$ BEGIN LOOP PERFORM 1; END LOOP; END $$;\n")
    ready = tmp_path / "ready"
    code = ("import sys, pathlib\nfrom pgarch_kit.db import confine\nfrom pgarch_kit.cli import"
            " main\nconfine.after_setup = lambda n: pathlib.Path(sys.argv[1]).write_text(n)\n"
            "sys.exit(main(['import', sys.argv[2]]))\n")
    proc = subprocess.Popen([sys.executable, "-c", code, str(ready), str(schema)], cwd=ROOT,
                            env={**os.environ, "PYTHONPATH": str(ROOT)},
                            stderr=subprocess.PIPE)
    for _ in range(600):
        if ready.exists() and ready.read_text():
            break
        try:
            proc.wait(timeout=0.1)
        except subprocess.TimeoutExpired:
            continue
        raise AssertionError(proc.stderr.read())
    proc.terminate()
    assert proc.wait(timeout=60) == 128 + 15
    assert _leftover_imports(pg_dsn) == []


def test_role_making_blocks_are_skipped_others_run_confined(pg_dsn: str,
                                                            unchanged_server) -> None:
    """Supabase-style migrations make their roles in DO blocks: skipped with a note (a
    placeholder stands in), so a policy TO them still imports. A block that does anything
    else besides runs confined, and the server refuses what the role may not do."""
    sql = BASE + textwrap.dedent("""\
        DO $$ BEGIN CREATE ROLE anon NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
        DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'authenticated')
          THEN CREATE ROLE authenticated; END IF; END $$;
        DO $$ BEGIN CREATE ROLE sneaky SUPERUSER; PERFORM pg_catalog.pg_reload_conf(); END $$;
        ALTER TABLE account ENABLE ROW LEVEL SECURITY;
        CREATE POLICY reads ON account FOR SELECT TO anon, authenticated USING (true);
        """)
    result = import_schema(sql, name="supabase", dsn=pg_dsn)
    assert {s.line for s in result.notes} == {2, 3}
    assert {s.line: s.reason for s in result.refused}.keys() == {5}, result.report()
    assert "permission denied to create role" in result.refused[0].reason
    assert result.design.table("account").policies[0].roles == ("anon", "authenticated")
    assert _leftover_imports(pg_dsn) == []
    unchanged_server()
