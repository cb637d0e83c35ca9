"""Hostile designs at load time: each fragment is one well-formed expression or statement, so
validation accepts it, but it calls what only a superuser may call. Loading fires CHECKs (and
the routines they call), index expressions and materialized views; it runs them as the unprivileged ``pgarch_runner``,
so the server refuses and the load fails with the server's reason — nothing is read from or
run on the server's machine.

Every test here failed when loads ran as ``postgres``: the server file was read, the shell
command ran."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

import psycopg
import pytest

from pgarch_kit.datagen import plan
from pgarch_kit.db import drop_sandbox, server_dsn
from pgarch_kit.db.load import LoadError, load
from pgarch_kit.model.serde import loads_design

# postgresql.conf of the kit's cluster carries a line the kit wrote
SECRET = "pgarch_kit: query timings"


def _design(extra: str, name: str) -> object:
    return loads_design(
        f"name: {name}\ntables:\n  - name: t\n    columns:\n"
        f"      - {{name: id, type: bigint, nullable: false}}\n      - {{name: note, type: text}}\n"
        f"    primary_key: [id]\n{extra}", f"{name}.yaml")


def _load(design):
    return load(design, plan=plan(design, rows={"t": 20}), progress=False)


@pytest.fixture
def name(pg_dsn: str):
    name = f"hostile_{secrets.token_hex(3)}"
    yield name
    drop_sandbox(name, dsn=pg_dsn)


def test_a_check_cannot_read_server_files(name: str) -> None:
    design = _design("    checks:\n      - name: leak\n        expression: "
                     "\"pg_catalog.length(pg_catalog.pg_read_file('postgresql.conf')) > 0\"\n",
                     name)
    with pytest.raises(LoadError) as info:
        _load(design)
    assert "permission denied for function pg_read_file" in str(info.value)


def test_a_materialized_view_cannot_read_server_files(name: str, pg_dsn: str) -> None:
    design = _design("views:\n  - name: leaked\n    materialized: true\n    query: "
                     "\"SELECT pg_catalog.pg_read_file('postgresql.conf') AS body\"\n", name)
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="pg_read_file"):
        _load(design)
    with psycopg.connect(server_dsn(pg_dsn, f"pgarch_{name}")) as conn:
        filled = conn.execute("SELECT relispopulated FROM pg_class WHERE relname = 'leaked'"
                              ).fetchone()
    assert filled == (False,)  # never filled: the file was not read


def test_a_check_calling_a_routine_cannot_run_a_shell_command(name: str) -> None:
    marker = Path(f"/tmp/pgarch_hostile_{os.getpid()}_{name}")
    marker.unlink(missing_ok=True)
    definition = (
        "CREATE FUNCTION public.sneaky(v text) RETURNS text LANGUAGE plpgsql AS $$"
        f" BEGIN EXECUTE 'COPY (SELECT 1) TO PROGRAM ''touch {marker}'''; RETURN v; END $$")
    design = _design(
        "    checks:\n      - {name: t_sneaky, expression: public.sneaky(note) IS NOT NULL}\n"
        "routines:\n  - name: sneaky\n    signature: v text\n    definition: "
        f"\"{definition}\"\n", name)
    with pytest.raises(LoadError) as info:
        _load(design)
    message = str(info.value)
    assert "permission denied" in message and "pg_execute_server_program" in message, message
    assert not marker.exists()


def test_timing_a_query_pattern_runs_it_unprivileged(name: str) -> None:
    """A query pattern is one SELECT, so validation accepts it; timing it after a load runs
    it as the runner, which may not read server files (base: the timing returned the file)."""
    from pgarch_kit.bench.timing import time_pattern
    design = _design("queries:\n  - name: leak\n    sql: \"SELECT pg_catalog.pg_read_file("
                     "'postgresql.conf') AS body FROM t WHERE id = :id\"\n", name)
    _load(design)
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="pg_read_file"):
        time_pattern(design, "leak", runs=3, warmup=1)


def test_a_load_test_runs_the_patterns_unprivileged(name: str) -> None:
    from pgarch_kit.bench.loadtest import load_test
    from pgarch_kit.bench.target import BenchError
    design = _design("queries:\n  - name: leak\n    sql: \"SELECT pg_catalog.pg_read_file("
                     "'postgresql.conf') AS body FROM t WHERE id = :id\"\n", name)
    _load(design)
    with pytest.raises(BenchError, match="permission denied for function pg_read_file"):
        load_test(design, clients=(1,), duration=1, progress=False)


def test_after_a_load_test_timings_still_run_unprivileged(name: str) -> None:
    """The load test keeps parameter samples in the sandbox (``pgarch_bench``); they are the
    runner's too, so the sandbox still counts as one the kit loaded and a later timing does
    not fall back to the superuser (it did while the samples were made as the superuser)."""
    from pgarch_kit.bench.loadtest import load_test
    from pgarch_kit.bench.timing import time_pattern
    design = _design("queries:\n  - name: ok\n    sql: \"SELECT id FROM t WHERE note = :note\"\n"
                     "  - name: leak\n    sql: \"SELECT pg_catalog.pg_read_file("
                     "'postgresql.conf') AS body FROM t WHERE id = :id\"\n", name)
    _load(design)
    (run,) = load_test(design, queries=["ok"], clients=(1,), duration=1, progress=False).runs
    assert run.transactions > 0 and run.failed == 0
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="pg_read_file"):
        time_pattern(design, "leak", runs=3, warmup=1)
