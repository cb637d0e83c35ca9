"""`pgarch seed` as a user runs it: a real subprocess, a real server, exit codes."""
from __future__ import annotations

import json
import secrets
from pathlib import Path

import psycopg
import pytest

from pgarch_kit.db import drop_sandbox, server_dsn

from .test_cli import ROOT, pgarch


@pytest.fixture
def design_file(tmp_path: Path, pg_dsn: str):
    """The saas sample under a unique name, so its sandbox is this test's alone."""
    name = f"test_seed_{secrets.token_hex(3)}"
    text = (ROOT / "data" / "designs" / "saas.yaml").read_text()
    path = tmp_path / "saas.yaml"
    path.write_text(text.replace("name: saas", f"name: {name}", 1))
    yield path, name
    drop_sandbox(name, dsn=pg_dsn)


def test_seed_json(design_file, pg_dsn: str) -> None:
    path, name = design_file
    r = pgarch("seed", str(path), "--scale", "0.01", "--rows", "tasks=123", "--seed", "3",
               "--format", "json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert set(out) == {"database", "dsn", "rows", "seconds", "rows_per_second"}
    assert out["database"] == f"pgarch_{name}" and out["rows"]["tasks"] == 123
    assert out["rows_per_second"] > 0
    with psycopg.connect(server_dsn(pg_dsn, out["database"])) as conn:
        assert conn.execute("SELECT count(*) FROM tasks").fetchone()[0] == 123
    # run again: the sandbox is reset, not appended to
    r = pgarch("seed", str(path), "--scale", "0.01", "--rows", "tasks=50")
    assert r.returncode == 0, r.stderr
    assert "verification: OK" in r.stdout
    with psycopg.connect(server_dsn(pg_dsn, out["database"])) as conn:
        assert conn.execute("SELECT count(*) FROM tasks").fetchone()[0] == 50


def test_seed_usage_errors(design_file) -> None:
    path, _ = design_file
    r = pgarch("seed", str(path), "--rows", "tasks")
    assert r.returncode == 2 and "TABLE=N" in r.stderr
    r = pgarch("seed", str(path), "--rows", "nope=3")
    assert r.returncode == 2 and "no table nope" in r.stderr


def test_seed_failure_exits_1(tmp_path: Path, pg_dsn: str) -> None:
    name = f"test_seed_{secrets.token_hex(3)}"
    path = tmp_path / "bad.yaml"
    # a CHECK the generator cannot honour (a back reference): it warns, the server rejects,
    # exit 1
    path.write_text(f"name: {name}\ntables:\n- name: answers\n  columns:\n  - name: reply\n"
                    "    type: text\n    nullable: false\n"
                    "  checks:\n  - expression: \"reply ~ '^(ab)\\\\1$'\"\n")
    try:
        r = pgarch("seed", str(path), "--rows", "answers=5")
        assert r.returncode == 1, r.stdout + r.stderr
        assert "pgarch seed: error:" in r.stderr
    finally:
        drop_sandbox(name, dsn=pg_dsn)
