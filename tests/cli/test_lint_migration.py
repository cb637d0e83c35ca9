"""`pgarch lint --migration` as CI runs it: every output format, exit codes, the prior state
from a design file, a .sql schema or a live database, and hostile names in annotations."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from pgarch_kit import cli

ROOT = Path(__file__).resolve().parents[2]

PRIOR = """\
name: shop
tables:
  - name: orders
    primary_key: [id]
    columns:
      - {name: id, type: bigint, nullable: false}
      - {name: total, type: numeric}
      - {name: placed_at, type: timestamptz, nullable: false}
"""

UNSAFE = """\
-- add a note and an index
ALTER TABLE orders ADD COLUMN note text;
CREATE INDEX orders_total_idx ON orders (total);
"""

SAFE = """\
SET lock_timeout = '2s';
SET statement_timeout = '10min';
ALTER TABLE orders ADD COLUMN IF NOT EXISTS note text;
"""


def pgarch(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PGARCH_HOME": os.environ.get("PGARCH_HOME", str(ROOT / ".pgarch"))}
    return subprocess.run([sys.executable, "-m", "pgarch_kit.cli", *args], capture_output=True,
                          text=True, cwd=ROOT, env=env, timeout=300, input=stdin)


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    out = {"prior": tmp_path / "shop.yaml", "unsafe": tmp_path / "V3__note.sql",
           "safe": tmp_path / "V4__safe.sql"}
    out["prior"].write_text(PRIOR, encoding="utf-8")
    out["unsafe"].write_text(UNSAFE, encoding="utf-8")
    out["safe"].write_text(SAFE, encoding="utf-8")
    return out


def _findings(text: str) -> list[dict]:
    doc = json.loads(text)
    return doc["findings"] if isinstance(doc, dict) else doc


def test_text_json_and_github_name_the_file_and_line(files, capsys) -> None:
    args = ("lint", "--migration", str(files["unsafe"]), "--against", str(files["prior"]))
    code, out, _ = run(capsys, *args)
    assert code == 1
    assert f"{files['unsafe']}:3: warning create-index-non-concurrently (PGA070)" in out
    assert "fix: CREATE INDEX CONCURRENTLY" in out and "finding(s) in 1 file(s)" in out
    code, out, _ = run(capsys, *args, "--format", "json")
    found = _findings(out)
    assert code == 1 and found
    assert all(f["file"] == str(files["unsafe"]) and f["line"] in (2, 3) for f in found)
    assert {"create-index-non-concurrently", "missing-lock-and-statement-timeout"} <= {
        f["rule"] for f in found}
    code, out, _ = run(capsys, *args, "--format", "github")
    lines = out.splitlines()
    assert code == 1 and len(lines) == len(found)
    pattern = re.compile(r"^::(error|warning|notice) file=[^,:]+,line=\d+,title=pgarch [a-z-]+ "
                         r"\(PGA\d{3}\)::.+$")
    assert all(pattern.match(line) for line in lines), lines
    assert any(line.startswith("::warning ") and ",line=3," in line
               and "create-index-non-concurrently" in line for line in lines)
    assert all("%0Afix: " in line for line in lines)  # the fix on the message's second line


def _check_sarif(log: dict) -> list[dict]:
    """The SARIF 2.1.0 properties that are required, or that code scanning needs, by hand
    (the schema is not fetched: tests run offline)."""
    assert log["version"] == "2.1.0" and isinstance(log["$schema"], str)
    [run_] = log["runs"]
    driver = run_["tool"]["driver"]
    assert driver["name"] == "pgarch"
    ids = [r["id"] for r in driver["rules"]]
    assert len(ids) == len(set(ids)) and all(re.fullmatch(r"PGA\d{3}", i) for i in ids)
    for r in driver["rules"]:
        assert r["shortDescription"]["text"] and r["fullDescription"]["text"]
        assert r["defaultConfiguration"]["level"] in ("note", "warning", "error")
    for inv in run_["invocations"]:
        assert isinstance(inv["executionSuccessful"], bool)
        for n in inv.get("toolExecutionNotifications", []):
            assert n["message"]["text"]
    for res in run_["results"]:
        assert res["message"]["text"] and res["level"] in ("none", "note", "warning", "error")
        assert driver["rules"][res["ruleIndex"]]["id"] == res["ruleId"]
        [loc] = res["locations"]
        phys = loc["physicalLocation"]
        assert phys["artifactLocation"]["uri"] and phys["region"]["startLine"] >= 1
        assert re.fullmatch(r"[0-9a-f]{64}", res["partialFingerprints"]["pgarchFinding/v1"])
    return run_["results"]


def test_sarif_is_a_valid_2_1_0_log(files, capsys) -> None:
    code, out, _ = run(capsys, "lint", "--migration", str(files["unsafe"]), str(files["safe"]),
                       "--against", str(files["prior"]), "--format", "sarif")
    results = _check_sarif(json.loads(out))
    assert code == 1
    lines = {(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].rsplit("/", 1)[-1],
              r["locations"][0]["physicalLocation"]["region"]["startLine"], r["ruleId"])
             for r in results}
    assert ("V3__note.sql", 3, "PGA070") in lines
    assert not [x for x in lines if x[0] == "V4__safe.sql"]


def test_exit_codes(files, tmp_path: Path) -> None:
    prior = ("--against", str(files["prior"]))
    assert pgarch("lint", "--migration", str(files["safe"]), *prior).returncode == 0
    assert pgarch("lint", "--migration", str(files["unsafe"]), *prior).returncode == 1
    # only info left once the warnings are fixed: passes by default, fails when asked
    info_only = tmp_path / "V5__info.sql"
    info_only.write_text(SAFE.replace("IF NOT EXISTS ", ""), encoding="utf-8")
    assert pgarch("lint", "--migration", str(info_only), *prior).returncode == 0
    assert pgarch("lint", "--migration", str(info_only), *prior,
                  "--fail-on", "info").returncode == 1
    assert pgarch("lint", "--migration", str(files["unsafe"]), *prior,
                  "--fail-on", "error").returncode == 0
    # a script that does not parse: exit 2, its file and line named, the others still linted
    bad = tmp_path / "V6__bad.sql"
    bad.write_text("SELECT 1;\n\nALTER TABLE orders ADD COLUM x int;\n", encoding="utf-8")
    r = pgarch("lint", "--migration", str(files["unsafe"]), str(bad), *prior)
    assert r.returncode == 2 and f"{bad}:3: cannot lint" in r.stderr
    assert "create-index-non-concurrently" in r.stdout
    for wrong in (("lint", "--migration", str(tmp_path / "nope.sql")),
                  ("lint", str(files["prior"]), "--migration", str(files["safe"])),
                  ("lint", "--migration", str(files["safe"]), *prior, "--dsn", "dbname=x"),
                  ("lint", "--migration", str(files["safe"]), "--select", "no-such-rule"),
                  ("lint", str(files["prior"]), "--against", str(files["prior"]))):
        assert pgarch(*wrong).returncode == 2, wrong


def test_stdin_and_an_empty_prior_design(capsys, monkeypatch) -> None:
    import io
    monkeypatch.setattr(sys, "stdin", io.StringIO("CREATE INDEX i ON invoices (x);\n"))
    code, out, err = run(capsys, "lint", "--migration", "-", "--format", "json")
    assert code == 1 and "empty design" in err
    found = _findings(out)
    assert {f["file"] for f in found} == {"stdin"}
    [note] = [f for f in found if f["rule"] == "unknown-table"]
    assert note["severity"] == "info" and "invoices" in note["message"]


def test_assume_in_transaction_reads_the_file_as_one_transaction(tmp_path: Path, capsys) -> None:
    f = tmp_path / "V7__idx.sql"
    f.write_text("SET lock_timeout = '2s';\nSET statement_timeout = '5min';\n"
                 "CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON invoices (x);\n", encoding="utf-8")
    code, out, _ = run(capsys, "lint", "--migration", str(f), "--format", "json")
    assert "concurrently-in-transaction" not in {x["rule"] for x in _findings(out)}
    code, out, _ = run(capsys, "lint", "--migration", str(f), "--format", "json",
                       "--assume-in-transaction")
    [err] = [x for x in _findings(out) if x["rule"] == "concurrently-in-transaction"]
    assert code == 1 and err["line"] == 3 and err["severity"] == "error"


def test_hostile_names_stay_inside_their_annotation(tmp_path: Path, capsys) -> None:
    f = tmp_path / "V8__we,ird:na%me.sql"
    f.write_text('CREATE INDEX "i" ON "a,b:c%25\nd" (x);\n::error::forged\n;', encoding="utf-8")
    code, out, _ = run(capsys, "lint", "--migration", str(f), "--format", "github")
    # the forged workflow command is not SQL: one syntax-error annotation names its line, and
    # the file name's % , : are escaped in the property
    assert code == 2
    assert out.splitlines() == ["::error file=" + str(tmp_path).replace("%", "%25").replace(
        ":", "%3A").replace(",", "%2C") + "/V8__we%2Cird%3Ana%25me.sql,line=3,title=pgarch "
        "syntax error::PostgreSQL's parser rejects it: syntax error at or near \"::\""]
    f.write_text('CREATE INDEX "i" ON "a,b:c%25\nd" (x);\n', encoding="utf-8")
    code, out, _ = run(capsys, "lint", "--migration", str(f), "--format", "github")
    [lock] = [x for x in out.splitlines() if "missing-lock" in x]
    assert "a,b:c%2525%0Ad" in lock  # % first, then the newline: data escaping


def test_design_lint_speaks_the_same_formats(tmp_path: Path, capsys) -> None:
    design = tmp_path / "clock.yaml"
    design.write_text("name: clock\ntables:\n  - name: ticks\n    primary_key: [id]\n"
                      "    columns:\n      - {name: id, type: bigint, nullable: false}\n"
                      "      - {name: at, type: timestamp}\n"
                      "      - {name: created_at, type: timestamptz}\n", encoding="utf-8")
    args = ("lint", str(design), "--select", "timestamp-without-tz")
    code, out, _ = run(capsys, *args, "--format", "github")
    assert code == 0  # a design fails on errors unless told otherwise
    assert out.startswith(f"::warning file={design},title=pgarch timestamp-without-tz (PGA001)")
    assert run(capsys, *args, "--fail-on", "warning")[0] == 1
    code, out, _ = run(capsys, *args, "--format", "sarif")
    [res] = _check_sarif(json.loads(out))
    assert res["properties"] == {"table": "ticks", "column": "at"}


def test_prior_state_from_a_sql_schema_and_from_a_live_database(tmp_path: Path, fresh_db: str,
                                                              capsys) -> None:
    schema = tmp_path / "schema.sql"
    schema.write_text("CREATE TABLE orders (id bigint PRIMARY KEY, total numeric,\n"
                      "  CONSTRAINT orders_total_nn CHECK (total IS NOT NULL));\n",
                      encoding="utf-8")
    migration = tmp_path / "V9__nn.sql"
    migration.write_text("SET lock_timeout = '2s';\nSET statement_timeout = '5min';\n"
                         "ALTER TABLE orders ALTER COLUMN total SET NOT NULL;\n"
                         "DROP TABLE refunds;\n", encoding="utf-8")
    code, out, _ = run(capsys, "lint", "--migration", str(migration), "--against", str(schema),
                       "--format", "json")
    by_rule = {f["rule"]: f for f in _findings(out)}
    assert code == 1 and "set-not-null-scan" not in by_rule  # the schema's validated check proves it
    assert by_rule["unknown-table"]["message"].startswith("line 4: refunds")
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute("CREATE TABLE orders (id bigint PRIMARY KEY, total numeric)")
        conn.execute("CREATE TABLE refunds (id bigint)")
    _, out, _ = run(capsys, "lint", "--migration", str(migration), "--dsn", fresh_db,
                    "--format", "json")
    by_rule = {f["rule"]: f for f in _findings(out)}
    assert "unknown-table" not in by_rule and "set-not-null-scan" in by_rule
    assert by_rule["drop-table-schema-or-database"]["table"] == "refunds"
    with psycopg.connect(fresh_db) as conn:  # linting ran nothing on the database
        assert conn.execute("SELECT to_regclass('refunds') IS NOT NULL").fetchone()[0]


def test_several_files_are_read_in_migration_order(files, tmp_path: Path, capsys) -> None:
    """A table an earlier file of the batch creates is known to a later one (V10 after V9,
    whatever order the files are given in)."""
    later = tmp_path / "V10__refund_note.sql"
    later.write_text("ALTER TABLE refunds ADD COLUMN note text;\n", encoding="utf-8")
    earlier = tmp_path / "V9__refunds.sql"
    earlier.write_text("CREATE TABLE refunds (id bigint PRIMARY KEY, order_id bigint);\n",
                       encoding="utf-8")
    args = ("lint", "--migration", str(later), str(earlier), "--against", str(files["prior"]),
            "--format", "json")
    _, out, _ = run(capsys, *args)
    assert "unknown-table" not in {f["rule"] for f in _findings(out)}
    _, out, _ = run(capsys, *args[:3], *args[4:])  # the later file alone
    [f] = [f for f in _findings(out) if f["rule"] == "unknown-table"]
    assert f["table"] == "refunds" and f["file"] == str(later)
