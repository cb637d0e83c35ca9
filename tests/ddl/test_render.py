"""Renderer rules checked one at a time (no server needed)."""
from __future__ import annotations

import pytest

from pgarch_kit.ddl import DdlError, literal, sections, statements, table_sql, to_sql
from pgarch_kit.ddl._common import wrap
from pgarch_kit.model import (
    Column,
    Design,
    ForeignKey,
    Index,
    IndexKey,
    PrimaryKey,
    Routine,
    Table,
    Unique,
)

from .cases import cycles, hostile, virtual


def _section(design: Design, title: str) -> tuple[str, ...]:
    return next(s.statements for s in sections(design) if s.title == title)


def test_hostile_names_are_quoted() -> None:
    sql = to_sql(hostile())
    assert 'CREATE SCHEMA IF NOT EXISTS "My Schema";' in sql
    assert 'CREATE TABLE "My Schema"."Odd ""Table""" (' in sql
    for col in ('"select" integer NOT NULL', '"Mixed Case" text', '"naïve ñame" text',
                '"quote\'in" text', '"user" integer', '"日本語" integer'):
        assert col in sql
    assert 'CONSTRAINT "pk ""odd""" PRIMARY KEY ("select")' in sql
    assert 'CREATE TABLE "My Schema"."order" (' in sql
    assert 'REFERENCES "My Schema"."Odd ""Table""" ("select")' in sql
    assert 'CREATE ROLE "Role ""x""" NOLOGIN;' in sql
    assert 'CREATE INDEX "idx ""q""" ON' in sql
    assert """ENUM ('hap''py', E'sad\\\\ish')""" in sql
    assert 'COMMENT ON COLUMN "My Schema"."Odd ""Table"""."naïve ñame" IS' in sql
    # the design name cannot break out of its comment line
    assert sql.startswith("-- pgarch_kit DDL for design: hostile names\n")


def test_literal() -> None:
    assert literal("it's") == "'it''s'"
    assert literal("a\\b") == "E'a\\\\b'"
    assert literal("two\nlines") == "'two\nlines'"
    with pytest.raises(DdlError):
        literal("nul\x00")


def test_wrap_does_not_double_parentheses() -> None:
    assert wrap("a > 0") == "(a > 0)"
    assert wrap("(a > 0)") == "(a > 0)"
    assert wrap("(a) > (b)") == "((a) > (b))"
    assert wrap("(')' = x)") == "(')' = x)"


def test_two_cycle_becomes_alter_after_tables() -> None:
    sql = to_sql(cycles())
    tables_at = sql.index("-- tables")
    alter_at = sql.index("-- foreign keys (cycles and forward references)")
    assert tables_at < alter_at < sql.index("-- indexes")
    deferred = _section(cycles(), "foreign keys (cycles and forward references)")
    assert deferred == (
        "ALTER TABLE a\n    ADD CONSTRAINT a_b_fk FOREIGN KEY (b_id) REFERENCES b (id);",
        "ALTER TABLE x\n    ADD CONSTRAINT x_y_fk FOREIGN KEY (y_id) REFERENCES y (id);")
    # the other members of each cycle keep their keys inline
    assert "CONSTRAINT b_a_fk FOREIGN KEY (a_id) REFERENCES a (id)" in sql[:alter_at]
    assert "CONSTRAINT z_x_fk" in sql[:alter_at] and "CONSTRAINT y_z_fk" in sql[:alter_at]


def test_self_reference_stays_inline() -> None:
    tables = _section(cycles(), "tables")
    node = next(s for s in tables if s.startswith("CREATE TABLE node"))
    assert "FOREIGN KEY (parent) REFERENCES node (id)" in node


def test_fk_to_unique_index_waits_for_indexes() -> None:
    secs = [s.title for s in sections(cycles()) if s.statements]
    assert secs.index("indexes") < secs.index("foreign keys needing unique indexes")
    assert _section(cycles(), "foreign keys needing unique indexes") == (
        ("ALTER TABLE by_code\n    ADD CONSTRAINT by_code_code_fk FOREIGN KEY (code) "
        "REFERENCES keyed (code);"),)


def test_forward_reference_without_cycle_is_reordered_not_deferred() -> None:
    child = Table("child", (Column("p", "integer"),),
                  foreign_keys=(ForeignKey(("p",), "parent", ("id",)),))
    parent = Table("parent", (Column("id", "integer", False),), primary_key=PrimaryKey(("id",)))
    design = Design("fwd", tables=(child, parent))
    assert _section(design, "foreign keys (cycles and forward references)") == ()
    tables = _section(design, "tables")
    assert tables[0].startswith("CREATE TABLE parent") and "REFERENCES parent" in tables[1]


def test_unnamed_constraints_get_no_name() -> None:
    t = Table("t", (Column("a", "int", False), Column("b", "text")),
              primary_key=PrimaryKey(("a",)), uniques=(Unique(("b",)),))
    sql = table_sql(Design("d", tables=(t,)), t)
    assert "    PRIMARY KEY (a),\n    UNIQUE (b)\n" in sql
    assert "CONSTRAINT" not in sql


def test_virtual_needs_18() -> None:
    assert "GENERATED ALWAYS AS (w * h) VIRTUAL" in to_sql(virtual())
    with pytest.raises(DdlError, match=r"rects\.area.*VIRTUAL.*18"):
        to_sql(virtual(), server_version=170000)


def test_nulls_not_distinct_needs_15() -> None:
    t = Table("t", (Column("a", "int"),), uniques=(Unique(("a",), nulls_not_distinct=True),))
    assert "UNIQUE NULLS NOT DISTINCT (a)" in to_sql(Design("d", tables=(t,)),
                                                     server_version=150000)
    with pytest.raises(DdlError, match="NULLS NOT DISTINCT"):
        to_sql(Design("d", tables=(t,)), server_version=140000)
    i = Table("t", (Column("a", "int"),),
              indexes=(Index("t_a", (IndexKey("a"),), unique=True, nulls_not_distinct=True),))
    with pytest.raises(DdlError, match="t_a"):
        to_sql(Design("d", tables=(i,)), server_version=140000)


def test_routine_order_and_semicolons() -> None:
    t = Table("t", (Column("a", "int"),))
    early = Routine("f", "", "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT a "
                    "FROM t $$")
    late = Routine("g", "t", "CREATE FUNCTION g(r t) RETURNS int LANGUAGE sql "
                   "AS $$ SELECT 1 $$;")
    agg = Routine("agg", "integer", "CREATE AGGREGATE agg(integer) (SFUNC = int4pl, "
                  "STYPE = integer)", kind="aggregate")
    design = Design("r", tables=(t,), routines=(agg, late, early))
    assert _section(design, "functions and procedures") == (
        early.definition + ";", agg.definition + ";")
    assert _section(design, "routines using table row types") == (late.definition,)


def test_statements_start_with_preamble() -> None:
    stmts = statements(cycles())
    assert stmts[:2] == ["SET check_function_bodies = false;", "SET search_path = public;"]
    assert all(s.endswith(";") for s in stmts)


def test_table_sql_preview_inlines_all_keys() -> None:
    design = cycles()
    a = design.table("a")
    assert a is not None
    sql = table_sql(design, a)
    assert "CONSTRAINT a_b_fk FOREIGN KEY (b_id) REFERENCES b (id)" in sql
