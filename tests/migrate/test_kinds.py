"""Migrations that add, change and remove collations, text search objects, range types,
casts, rules, grants, owners and default privileges, run on databases that hold rows.

Each case is two versions of a small schema, imported (confined) into designs. The up script,
run on a database built from the old design and filled, must give the catalog a fresh build
of the new design has and keep every row; the down script must give back the old catalog."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import psycopg
import pytest

from pgarch_kit.db.apply import apply_sql
from pgarch_kit.db.catalog import FIELDS, catalog_snapshot, diff_snapshots
from pgarch_kit.db.importer import import_schema
from pgarch_kit.db.run_script import run_script
from pgarch_kit.ddl import to_sql
from pgarch_kit.migrate import migration_plan

_POS = FIELDS["columns"].index("position")
_ROLES = ("DO $$ BEGIN CREATE ROLE kinds_m_reader NOLOGIN; "
          "EXCEPTION WHEN duplicate_object THEN NULL; END $$;\n")


@dataclass(frozen=True)
class Case:
    id: str
    old: str
    new: str
    rows: str          # INSERTs run on the old database before migrating
    counts: tuple[str, ...]
    steps: tuple[str, ...]  # words the plan's step titles must show


CASES = (
    Case("collation", """
CREATE TABLE item (id int PRIMARY KEY, name text, code text);
CREATE INDEX item_name ON item (name);
""", """
CREATE COLLATION kinds_c (locale = 'C');
COMMENT ON COLLATION kinds_c IS 'byte order';
CREATE TABLE item (id int PRIMARY KEY, name text COLLATE kinds_c, code text);
CREATE INDEX item_name ON item (name);
""", "INSERT INTO item SELECT g, 'n' || g, 'c' FROM generate_series(1, 500) g;",
         ("item",), ("collation kinds_c", "collation of item.name")),
    Case("text_search", """
CREATE TEXT SEARCH DICTIONARY en (TEMPLATE = snowball, language = english);
CREATE TEXT SEARCH CONFIGURATION cfg (PARSER = pg_catalog."default");
ALTER TEXT SEARCH CONFIGURATION cfg ADD MAPPING FOR asciiword WITH en;
ALTER TEXT SEARCH CONFIGURATION cfg ADD MAPPING FOR numword WITH simple;
CREATE TEXT SEARCH CONFIGURATION gone (PARSER = pg_catalog."default");
CREATE TABLE doc (id int PRIMARY KEY, body text);
""", """
CREATE TEXT SEARCH DICTIONARY en (TEMPLATE = snowball, language = english,
                                  stopwords = english);
CREATE TEXT SEARCH CONFIGURATION cfg (PARSER = pg_catalog."default");
ALTER TEXT SEARCH CONFIGURATION cfg ADD MAPPING FOR asciiword WITH simple;
ALTER TEXT SEARCH CONFIGURATION cfg ADD MAPPING FOR word WITH en, simple;
CREATE TEXT SEARCH CONFIGURATION cfg2 (COPY = cfg);
CREATE TABLE doc (id int PRIMARY KEY, body text);
CREATE INDEX doc_fts ON doc USING gin (to_tsvector('cfg2'::regconfig, body));
""", "INSERT INTO doc SELECT g, 'the running dogs ' || g FROM generate_series(1, 300) g;",
         ("doc",), ("options of text search dictionary en", "mappings of text search "
                    "configuration cfg", "text search configuration cfg2",
                    "drop text search configuration gone")),
    Case("range", """
CREATE TABLE slot (id int PRIMARY KEY);
""", """
CREATE TYPE uuidrange AS RANGE (subtype = uuid);
COMMENT ON TYPE uuidrange IS 'blocks of ids';
CREATE TABLE slot (id int PRIMARY KEY, ids uuidrange);
CREATE TABLE block (ids uuidrange NOT NULL, EXCLUDE USING gist (ids WITH &&));
""", "INSERT INTO slot SELECT g FROM generate_series(1, 200) g;", ("slot",),
         ("range type uuidrange", "create table block")),
    Case("casts_rules", """
CREATE TYPE placement AS ENUM ('club', 'daycare');
CREATE TYPE study AS ENUM ('club', 'daycare');
CREATE FUNCTION as_study(placement) RETURNS study LANGUAGE sql IMMUTABLE
    RETURN $1::text::study;
CREATE CAST (study AS placement) WITH INOUT;
CREATE TABLE attachment (id int, kind int);
CREATE TABLE attachment_a (id int, kind int);
CREATE RULE keep AS ON DELETE TO attachment_a DO INSTEAD NOTHING;
""", """
CREATE TYPE placement AS ENUM ('club', 'daycare');
CREATE TYPE study AS ENUM ('club', 'daycare');
CREATE FUNCTION as_study(placement) RETURNS study LANGUAGE sql IMMUTABLE
    RETURN $1::text::study;
CREATE CAST (placement AS study) WITH FUNCTION as_study(placement) AS ASSIGNMENT;
CREATE CAST (study AS placement) WITH INOUT AS IMPLICIT;
CREATE TABLE attachment (id int, kind int);
CREATE TABLE attachment_a (id int, kind int);
CREATE RULE to_a AS ON INSERT TO attachment WHERE new.kind = 1
    DO INSTEAD INSERT INTO attachment_a VALUES (new.id, new.kind);
COMMENT ON RULE to_a ON attachment IS 'kind 1 lives apart';
""", "INSERT INTO attachment SELECT g, g % 3 FROM generate_series(1, 300) g;"
         "INSERT INTO attachment_a VALUES (1, 1);", ("attachment", "attachment_a"),
         ("cast placement AS study", "cast study AS placement (recreated)",
          "drop rule keep", "rule to_a on attachment")),
    Case("privileges", _ROLES + """
CREATE SCHEMA api;
CREATE TABLE api.account (id int PRIMARY KEY, email text);
GRANT SELECT ON api.account TO kinds_m_reader;
CREATE FUNCTION api.answer() RETURNS int LANGUAGE sql AS 'SELECT 42';
CREATE VIEW api.account_ids AS SELECT id FROM api.account;
""", _ROLES + """
DO $$ BEGIN CREATE ROLE kinds_m_owner NOLOGIN;
EXCEPTION WHEN duplicate_object THEN NULL; END $$;
CREATE SCHEMA api;
GRANT USAGE ON SCHEMA api TO kinds_m_reader;
CREATE TABLE api.account (id int PRIMARY KEY, email text);
GRANT SELECT (id), UPDATE (email) ON api.account TO kinds_m_reader;
CREATE FUNCTION api.answer() RETURNS int LANGUAGE sql AS 'SELECT 42';
REVOKE EXECUTE ON FUNCTION api.answer() FROM PUBLIC;
CREATE VIEW api.account_ids AS SELECT id FROM api.account;
ALTER VIEW api.account_ids OWNER TO kinds_m_owner;
GRANT SELECT ON api.account_ids TO kinds_m_reader;
ALTER DEFAULT PRIVILEGES IN SCHEMA api GRANT SELECT ON TABLES TO kinds_m_reader;
ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
""", "INSERT INTO api.account SELECT g, g || '@x.org' FROM generate_series(1, 400) g;",
         ("api.account",), ("role kinds_m_owner", "undo grant SELECT on table api.account",
                            "revoke EXECUTE on routine api.answer from public",
                            "owner of view api.account_ids: kinds_m_owner",
                            "default privileges on functions")),
)


@pytest.fixture(params=["pg18", pytest.param("pg15", marks=pytest.mark.pg15)])
def server(request: pytest.FixtureRequest) -> Iterator[str]:
    yield request.getfixturevalue("pg_dsn" if request.param == "pg18" else "pg15_dsn")


def _snapshot(dsn: str) -> dict:
    with psycopg.connect(dsn) as conn:
        snap = catalog_snapshot(conn)
    snap["columns"] = sorted((*r[:_POS], None, *r[_POS + 1:]) for r in snap["columns"])
    return snap


def _build(dsn: str, design, version: int) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        apply_sql(conn, to_sql(design, server_version=version), source="design")


def _counts(dsn: str, tables: tuple[str, ...]) -> dict[str, int]:
    with psycopg.connect(dsn) as conn:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_kind_migrates_up_and_down_on_a_loaded_database(case: Case, server: str,
                                                        make_db) -> None:
    with psycopg.connect(server) as conn:
        version = conn.info.server_version
    old = import_schema(case.old, name="old", dsn=server)
    new = import_schema(case.new, name="new", dsn=server)
    assert old.refused == () and new.refused == ()
    plan = migration_plan(old.design, new.design, server_version=version)
    titles = " | ".join(s.title for s in plan.steps)
    assert all(word in titles for word in case.steps), titles

    fresh = make_db(server)
    _build(fresh, new.design, version)
    want_new = _snapshot(fresh)

    db = make_db(server)
    _build(db, old.design, version)
    with psycopg.connect(db, autocommit=True) as conn:
        conn.execute(case.rows)
    want_old, rows = _snapshot(db), _counts(db, case.counts)
    name = psycopg.conninfo.conninfo_to_dict(db)["dbname"]
    run_script(name, plan.up_sql(), dsn=db)
    assert diff_snapshots(_snapshot(db), want_new) == []
    assert _counts(db, case.counts) == rows
    run_script(name, plan.down_sql(), dsn=db)
    assert diff_snapshots(_snapshot(db), want_old) == []
    assert _counts(db, case.counts) == rows


def test_a_rule_over_a_changed_table_is_made_again_around_the_change(pg_dsn: str,
                                                                     make_db) -> None:
    old = import_schema(CASES[3].new, name="old", dsn=pg_dsn).design
    new_sql = CASES[3].new.replace("CREATE TABLE attachment_a (id int, kind int);",
                                   "CREATE TABLE attachment_a (id int, kind bigint);")
    new = import_schema(new_sql, name="new", dsn=pg_dsn).design
    plan = migration_plan(old, new)
    titles = [s.title for s in plan.steps]
    assert titles.index("drop rule to_a on attachment") < titles.index(
        "rule to_a on attachment")
    db = make_db()
    _build(db, old, 180000)
    name = psycopg.conninfo.conninfo_to_dict(db)["dbname"]
    run_script(name, plan.up_sql(), dsn=db)
    fresh = make_db()
    _build(fresh, new, 180000)
    assert diff_snapshots(_snapshot(db), _snapshot(fresh)) == []
