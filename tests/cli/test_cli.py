"""The pgarch command as a user runs it: real subprocesses, a real server, exit codes."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SUBCOMMANDS = ["server", "validate", "ddl", "import", "diagram", "dbml", "lint", "seed", "time",
               "bench", "plan", "migrate", "export", "demo"]


def pgarch(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PGARCH_HOME": os.environ.get("PGARCH_HOME", str(ROOT / ".pgarch"))}
    return subprocess.run([sys.executable, "-m", "pgarch_kit.cli", *args], capture_output=True,
                          text=True, cwd=cwd or ROOT, env=env, timeout=300)


@pytest.mark.parametrize("sub", SUBCOMMANDS)
def test_every_subcommand_has_help(sub: str) -> None:
    r = pgarch(sub, "--help")
    assert r.returncode == 0
    assert f"usage: pgarch {sub}" in r.stdout


def test_usage_errors_exit_2() -> None:
    assert pgarch().returncode == 2
    assert pgarch("nonsense").returncode == 2
    assert pgarch("ddl").returncode == 2                      # missing argument
    r = pgarch("ddl", "design.txt")
    assert r.returncode == 2 and "no such file" in r.stderr
    r = pgarch("import")
    assert r.returncode == 2 and "nothing to import" in r.stderr


def test_server_status_json(pg_dsn: str) -> None:
    r = pgarch("server", "status", "--format", "json")
    assert r.returncode == 0, r.stderr
    status = json.loads(r.stdout)
    assert status["running"] is True and status["pid"] > 0
    assert status["version"].startswith("18")
    url = pgarch("server", "url").stdout.strip()
    assert "host=" in url and "pg18" in url


def test_ddl_of_a_sample_design() -> None:
    r = pgarch("ddl", "data/designs/ecommerce.yaml")
    assert r.returncode == 0, r.stderr
    assert "CREATE TABLE customers" in r.stdout and "FOREIGN KEY" in r.stdout


def test_import_sql_then_validate_then_ddl(tmp_path: Path, pg_dsn: str) -> None:
    sql = tmp_path / "shop.sql"
    sql.write_text("CREATE TABLE shop (id bigint PRIMARY KEY, name text NOT NULL);\n"
                   "CREATE INDEX shop_name ON shop (lower(name));\n")
    out = tmp_path / "shop.yaml"
    r = pgarch("import", str(sql), "-o", str(out))
    assert r.returncode == 0, r.stderr
    assert "name: shop" in out.read_text()
    assert pgarch("validate", str(out)).returncode == 0
    r = pgarch("ddl", str(sql))                               # a .sql schema, imported on the fly
    assert r.returncode == 0 and "CREATE INDEX shop_name" in r.stdout
    ddl_file = tmp_path / "out.sql"
    assert pgarch("ddl", str(out), "-o", str(ddl_file)).returncode == 0
    assert "CREATE TABLE shop" in ddl_file.read_text()


def test_import_reports_server_error_with_line(tmp_path: Path, pg_dsn: str) -> None:
    sql = tmp_path / "bad.sql"
    sql.write_text("CREATE TABLE a (id int);\n\nCREATE TABLE b (id int REFERENCES nope(id));\n")
    out = tmp_path / "bad.yaml"
    r = pgarch("import", str(sql), "-o", str(out))
    assert r.returncode == 1
    assert "line 3" in r.stderr and 'relation "nope" does not exist' in r.stderr
    assert not out.exists()


def test_import_refuses_psql_meta_commands(tmp_path: Path, pg_dsn: str) -> None:
    sql = tmp_path / "meta.sql"
    sql.write_text("CREATE TABLE a (id int);\n\\c otherdb\nCREATE TABLE b (id int);\n")
    r = pgarch("import", str(sql))
    assert r.returncode == 1
    assert "line 2" in r.stderr and "\\c" in r.stderr


def test_validate_reports_problems_with_exit_1(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: shop\ntables:\n  - name: orders\n    columns:\n"
                   "      - {name: id, type: bigint}\n"
                   "      - {name: customer_id, type: bigint}\n"
                   "    foreign_keys:\n      - columns: [customer_id]\n"
                   "        references: {table: customers, columns: [id]}\n")
    before = bad.read_bytes()
    r = pgarch("validate", str(bad))
    assert r.returncode == 1
    assert "customers" in r.stdout and "line" in r.stdout
    r = pgarch("validate", str(bad), "--format", "json")
    assert r.returncode == 1
    problems = json.loads(r.stdout)
    assert problems and all({"path", "message", "fix", "line"} <= set(p) for p in problems)
    assert bad.read_bytes() == before


def test_dbml_export_and_import(tmp_path: Path) -> None:
    out = tmp_path / "saas.dbml"
    r = pgarch("dbml", "data/designs/saas.yaml", "-o", str(out))
    assert r.returncode == 0, r.stderr
    assert "Table tenants" in out.read_text() and "row-level security" in r.stderr
    design = tmp_path / "back.yaml"
    r = pgarch("import", str(out), "-o", str(design))
    assert r.returncode == 0, r.stderr
    assert "name: tasks" in design.read_text()
    r = pgarch("ddl", str(out))
    assert r.returncode == 0 and "CREATE TABLE tasks" in r.stdout


def test_lint_command(tmp_path: Path) -> None:
    r = pgarch("lint", "data/designs/ecommerce.yaml", "--format", "json")
    assert r.returncode in (0, 1), r.stderr
    out = json.loads(r.stdout)
    findings = out["findings"]
    assert all({"code", "rule", "severity", "table", "column", "message", "fix"} <= set(f)
               for f in findings)
    assert r.returncode == (1 if any(f["severity"] == "error" for f in findings) else 0)
    # the summary counts every flagged object, per severity and per rule
    summary = out["summary"]
    assert summary["warnings"] == sum(f["severity"] == "warning" for f in findings)
    assert sum(summary["rules"].values()) == len(findings) and summary["rules_run"] >= 100
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\ntables:\n  - name: p\n    columns: [{name: id, type: bigint, identity: always}]\n"
                   "    primary_key: [id]\n    partition_by: {strategy: range, keys: [id]}\n"
                   "    uniques: [{columns: [id]}]\n    rls_enabled: true\n"
                   "    policies: [{name: all_rows, command: DELETE, using: 'true'}]\n")
    r = pgarch("lint", str(bad), "--select", "rls-policy-always-true")
    assert r.returncode == 1 and "rls-policy-always-true" in r.stdout
    r = pgarch("lint", str(bad), "--select", "rls-policy-always-true", "--ignore", "security/RLS")
    assert r.returncode == 0 and "no findings" in r.stdout
    r = pgarch("lint", str(bad), "--select", "fk-without-indx")
    assert r.returncode == 2 and "did you mean fk-without-index" in r.stderr
    listing = pgarch("lint", "--list").stdout.splitlines()
    assert len(listing) >= 100 and listing[0].startswith("PGA001")


def test_plan_command() -> None:
    r = pgarch("plan", "data/designs/saas.yaml", "--ram", "32GB", "--cores", "8",
               "--format", "json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["settings"]["shared_buffers"] == "8GB" and out["pooling"]["mode"] == "transaction"
    r = pgarch("plan", "data/designs/saas.yaml", "--runbook")
    assert r.returncode == 0 and "# Operations runbook — saas" in r.stdout
    r = pgarch("plan", "data/designs/saas.yaml", "--ram", "lots")
    assert r.returncode == 2 and "memory in GB" in r.stderr
