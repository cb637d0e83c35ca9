"""schema.sql applies to an empty database in one psql run — for every sample design and every
real-world schema — and builds exactly what the kit's DDL builds; a failure leaves nothing."""
from __future__ import annotations

import subprocess
from pathlib import Path

import psycopg
import pytest
from corpus import REALWORLD_FILES, load_original

import pgarch_kit as pk
from pgarch_kit.db.apply import apply_sql
from pgarch_kit.db.catalog import catalog_snapshot, diff_snapshots
from pgarch_kit.db.server import embedded_bin_dir
from pgarch_kit.ddl import design_fingerprint, schema_file, to_sql

DESIGNS = sorted((Path(__file__).resolve().parents[2] / "data" / "designs").glob("*.yaml"))


def psql(dsn: str, path: Path) -> subprocess.CompletedProcess:
    """psql from the embedded wheel, as a user would run the file (stop at the first error)."""
    return subprocess.run([str(embedded_bin_dir() / "psql"), "-X", "-q", "-v",
                           "ON_ERROR_STOP=1", "-d", dsn, "-f", str(path)],
                          capture_output=True, text=True, check=False, timeout=300)


def _snapshot(dsn: str) -> dict:
    with psycopg.connect(dsn) as conn:
        return catalog_snapshot(conn)


@pytest.mark.parametrize("path", DESIGNS, ids=[p.stem for p in DESIGNS])
def test_sample_schema_file_applies_in_one_psql_run(path: Path, fresh_db_any: str,
                                                    tmp_path: Path, make_db) -> None:
    design = pk.load_design(path)
    with psycopg.connect(fresh_db_any) as conn:
        version = conn.info.server_version
    text = schema_file(design, version="1.0", server_version=version)
    assert text.splitlines()[0] == (f"-- schema.sql for design {design.name!r} (version 1.0, "
                                    f"design sha256 {design_fingerprint(design)})")
    f = tmp_path / "schema.sql"
    f.write_text(text, encoding="utf-8")
    r = psql(fresh_db_any, f)
    assert r.returncode == 0, r.stderr
    other = make_db(fresh_db_any)
    with psycopg.connect(other, autocommit=True) as conn:
        apply_sql(conn, to_sql(design, server_version=version))
    assert diff_snapshots(_snapshot(fresh_db_any), _snapshot(other)) == []


@pytest.mark.parametrize("path", REALWORLD_FILES, ids=[p.stem for p in REALWORLD_FILES])
def test_realworld_schema_file_applies_in_one_psql_run(path: Path, fresh_db: str,
                                                       tmp_path: Path, make_db) -> None:
    """Import the schema (PostgreSQL parses it), write schema.sql, run it with psql on an
    empty database: the catalog equals the original's."""
    original = make_db(fresh_db)
    load_original(original, path)
    with psycopg.connect(original, autocommit=True) as conn:
        from pgarch_kit.db.introspect import introspect
        design = introspect(conn, name=path.stem)
        version = conn.info.server_version
    f = tmp_path / "schema.sql"
    f.write_text(schema_file(design, server_version=version), encoding="utf-8")
    r = psql(fresh_db, f)
    assert r.returncode == 0, r.stderr
    assert diff_snapshots(_snapshot(fresh_db), _snapshot(original)) == []


def test_a_failing_schema_file_leaves_the_database_empty(fresh_db: str, tmp_path: Path) -> None:
    design = pk.load_design(DESIGNS[0])
    text = schema_file(design).replace("\nCOMMIT;", "\nSELECT 1 / 0;\nCOMMIT;")
    f = tmp_path / "schema.sql"
    f.write_text(text, encoding="utf-8")
    r = psql(fresh_db, f)
    assert r.returncode != 0 and "division by zero" in r.stderr
    with psycopg.connect(fresh_db) as conn:
        assert conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
                            ).fetchone()[0] == 0
