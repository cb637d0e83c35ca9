"""Relationship (#28–#36) and index (#37–#48) rules against the catalog's example schemas
(RULES.md section 3: fixtures A, B, E and F, imported through a real server), plus the
predicate parsing and shape comparison those rules rely on.

Each example asserts the exact set of this section's rules that fire, so a false positive
shows up as clearly as a miss.
"""
from __future__ import annotations

import time

import pytest

from pgarch_kit.lint import lint
from pgarch_kit.lint.rules.indexes._shared import conjuncts, not_null_column
from pgarch_kit.model import Column, Design, ForeignKey, Index, IndexKey, PrimaryKey, Table

MINE = [
    "fk-without-index", "fk-type-mismatch", "redundant-fk", "composite-fk-nullable-column",
    "self-fk-without-delete-action", "fk-action-policy", "fk-crosses-schema-boundary",
    "degenerate-table", "repeating-column-group",
    "duplicate-index", "overlapping-index", "unused-index", "invalid-index", "bloat",
    "index-on-boolean", "btree-on-array", "index-includes-nulls", "timestamp-mid-index",
    "redundant-partial-predicate", "wide-non-unique-index", "missing-index-seq-scans",
]

FIXTURE_A = """
CREATE TABLE customers (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL);
CREATE TABLE "Orders" (
    "OrderID"     serial,
    customer_id   integer REFERENCES customers (id),
    status        varchar(20),
    total         money,
    created       timestamp(0),
    country_code  char(2),
    payload       json,
    phone1 text, phone2 text, phone3 text
);
"""

# Fixture B references accounts, which the catalog leaves out: created first.
FIXTURE_B = """
CREATE TABLE accounts (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY);
CREATE TABLE events (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id   bigint NOT NULL REFERENCES accounts (id),
    occurred_at  timestamptz NOT NULL,
    kind         text NOT NULL,
    is_archived  boolean NOT NULL DEFAULT false,
    tags         text[],
    note         text
);
CREATE INDEX events_account_idx       ON events (account_id);
CREATE INDEX events_account_idx_copy  ON events (account_id);
CREATE INDEX events_account_kind_idx  ON events (account_id, kind);
CREATE INDEX events_archived_idx      ON events (is_archived);
CREATE INDEX events_tags_idx          ON events (tags);
CREATE INDEX events_acct_time_kind    ON events (account_id, occurred_at, kind);
CREATE INDEX events_note_idx          ON events (note);
CREATE INDEX events_kind_nn_idx       ON events (kind) WHERE kind IS NOT NULL;
CREATE INDEX events_wide_idx          ON events (account_id, kind, occurred_at, note);
"""

# Fixture E's tables only (its policies need Supabase's auth functions).
FIXTURE_E_TABLES = """
CREATE TABLE public.profiles (id uuid PRIMARY KEY, user_id uuid NOT NULL, ssn text, password_hash text);
CREATE TABLE public.notes (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, owner uuid, body text);
CREATE TABLE public.secrets (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, v text);
"""

FIXTURE_F = """
CREATE TABLE department (id integer, site integer, name text, PRIMARY KEY (id, site));
CREATE TABLE employee (
    email          varchar(255) PRIMARY KEY,
    manager_email  varchar(255) REFERENCES employee (email),
    dept_id        integer,
    dept_site      integer,
    badge          smallint,
    FOREIGN KEY (dept_id, dept_site) REFERENCES department (id, site),
    CONSTRAINT employee_dept_fk2 FOREIGN KEY (dept_id, dept_site) REFERENCES department (id, site)
);
CREATE TABLE attachment (payload oid);
CREATE TABLE tag_link (a bigint, b bigint, c bigint, d bigint, e bigint, PRIMARY KEY (a, b, c, d, e));
CREATE TABLE account_flags (is_active boolean, account_id bigint PRIMARY KEY, tier smallint, balance bigint);
"""


def _findings(sql: str, pg_dsn: str):
    from pgarch_kit.db.importer import import_sql
    design = import_sql(sql, name="fixture", dsn=pg_dsn)
    return lint(design, select=MINE, ignore=[]).findings


def _where(findings, rule: str) -> set[tuple[str | None, str | None]]:
    return {(f.table, f.column) for f in findings if f.rule == rule}


def test_fixture_a(pg_dsn: str) -> None:
    found = _findings(FIXTURE_A, pg_dsn)
    assert {f.rule for f in found} == {"fk-without-index", "fk-type-mismatch",
                                       "repeating-column-group"}
    assert _where(found, "fk-type-mismatch") == {("Orders", "customer_id")}
    assert _where(found, "repeating-column-group") == {("Orders", "phone1")}


def test_fixture_b(pg_dsn: str) -> None:
    found = _findings(FIXTURE_B, pg_dsn)
    assert {f.rule for f in found} == {
        "duplicate-index", "overlapping-index", "index-on-boolean", "btree-on-array",
        "timestamp-mid-index", "index-includes-nulls", "redundant-partial-predicate",
        "wide-non-unique-index"}
    by_rule = {r: [f for f in found if f.rule == r] for r in {f.rule for f in found}}
    [dup] = by_rule["duplicate-index"]
    assert "events_account_idx_copy duplicates events_account_idx" in dup.message
    assert dup.fix == "DROP INDEX CONCURRENTLY events_account_idx_copy;"
    overlapping = {f.message.split()[1] for f in by_rule["overlapping-index"]}
    assert overlapping == {"events_account_idx", "events_account_idx_copy",
                           "events_account_kind_idx"}
    # no query patterns: the key order of events_acct_time_kind cannot be judged
    [mid] = by_rule["timestamp-mid-index"]
    assert mid.table is None and mid.message.startswith("needs information")
    assert ("events", "note") in _where(found, "index-includes-nulls")
    assert _where(found, "redundant-partial-predicate") == {("events", "kind")}
    assert _where(found, "index-on-boolean") == {("events", "is_archived")}
    assert _where(found, "btree-on-array") == {("events", "tags")}
    [wide] = by_rule["wide-non-unique-index"]
    assert "events_wide_idx" in wide.message and "INCLUDE (note)" in wide.fix


def test_fixture_e_tables_are_degenerate(pg_dsn: str) -> None:
    """Three tables and no foreign key at all: the design links nothing by FK, so one
    design-wide note replaces a "leftover" finding per table (issue 17)."""
    found = _findings(FIXTURE_E_TABLES, pg_dsn)
    assert _where(found, "degenerate-table") == {(None, None)}
    [note] = [f for f in found if f.rule == "degenerate-table"]
    assert "3 of 3 tables take part in no foreign key" in note.message


def test_fixture_f(pg_dsn: str) -> None:
    found = _findings(FIXTURE_F, pg_dsn)
    assert {f.rule for f in found} == {
        "self-fk-without-delete-action", "fk-without-index", "composite-fk-nullable-column",
        "redundant-fk", "degenerate-table"}
    assert _where(found, "self-fk-without-delete-action") == {("employee", "manager_email")}
    assert ("employee", "manager_email") in _where(found, "fk-without-index")
    assert _where(found, "composite-fk-nullable-column") == {("employee", None)}
    assert len([f for f in found if f.rule == "redundant-fk"]) == 1
    assert _where(found, "degenerate-table") == {("attachment", None), ("tag_link", None),
                                                 ("account_flags", None)}


@pytest.mark.parametrize(("where", "parts"), [
    ("kind IS NOT NULL", ["kind IS NOT NULL"]),
    ("((kind IS NOT NULL) AND (note IS NOT NULL))", ["kind IS NOT NULL", "note IS NOT NULL"]),
    ("(a > 1) AND (b = 'x and y')", ["a > 1", "b = 'x and y'"]),
    ("(a IS NOT NULL) OR (b > 2)", None),
    ("(a IS NOT NULL OR b > 2) AND c IS NOT NULL", ["a IS NOT NULL OR b > 2", "c IS NOT NULL"]),
    (None, []),
])
def test_conjuncts(where, parts) -> None:
    assert conjuncts(where) == parts


def test_not_null_column() -> None:
    assert not_null_column("kind IS NOT NULL") == "kind"
    assert not_null_column('"Kind" is not null') == "Kind"
    assert not_null_column("lower(kind) IS NOT NULL") is None
    assert not_null_column("kind IS NULL") is None


def test_constraint_index_beats_plain_copy() -> None:
    """A plain index shaped like the PK's index is the duplicate, whatever its name."""
    t = Table("t", (Column("id", "bigint", nullable=False),), primary_key=PrimaryKey(("id",)),
              indexes=(Index("a_first_by_name", (IndexKey("id"),)),))
    [f] = lint(Design("d", tables=(t,)), select=["duplicate-index"], ignore=[]).findings
    assert "a_first_by_name duplicates t_pkey" in f.message


def test_rules_stay_linear_on_a_large_design() -> None:
    """Thousands of tables with FKs and indexes lint in well under a few seconds."""
    tables = [Table("t0", (Column("id", "bigint", nullable=False),),
                    primary_key=PrimaryKey(("id",)))]
    for i in range(1, 3000):
        cols = tuple(Column(n, "bigint") for n in ("id", "parent_id", "a", "b", "c"))
        tables.append(Table(
            f"t{i}", cols, primary_key=PrimaryKey(("id",)),
            foreign_keys=(ForeignKey(("parent_id",), f"t{i - 1}", ("id",)),),
            indexes=(Index(f"t{i}_a", (IndexKey("a"),)),
                     Index(f"t{i}_ab", (IndexKey("a"), IndexKey("b"))),
                     Index(f"t{i}_abc", (IndexKey("a"), IndexKey("b"), IndexKey("c"))))))
    started = time.perf_counter()
    report = lint(Design("big", tables=tuple(tables)), select=MINE, ignore=[])
    assert time.perf_counter() - started < 10
    assert len([f for f in report.findings if f.rule == "overlapping-index"]) == 2 * 2999
