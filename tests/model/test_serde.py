"""The design file: round trips over generated designs, shorthands, loading errors with lines,
and atomic, validated saving."""
from __future__ import annotations

import os
from dataclasses import fields, replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pgarch_kit.errors import DesignError, DesignFileError
from pgarch_kit.model.design import (
    FK_ACTIONS,
    INDEX_METHODS,
    Check,
    Column,
    CompositeType,
    Design,
    Domain,
    DomainCheck,
    EnumType,
    Exclusion,
    ExclusionElement,
    Extension,
    ForeignKey,
    Index,
    IndexKey,
    PartitionBy,
    Policy,
    PrimaryKey,
    QueryPattern,
    Routine,
    Schema,
    Sequence,
    Table,
    TableIntent,
    Trigger,
    Unique,
    View,
)
from pgarch_kit.model.names import qualified, quote_ident
from pgarch_kit.model.serde import dump_design, load_design, loads_design, save_design
from pgarch_kit.model.source import SourceFacts, SourceTable
from pgarch_kit.model.types import BUILTIN_TYPES, EXTENSION_TYPES
from pgarch_kit.model.validate import validate

# --------------------------------------------------------------------------- strategies

_TRICKY = ["select", "user", "order", "Order", "Mixed Case", 'say "hi"', "naïve", "表格",
           "a.b", "yes", "null", "123", "on", "-dash", "#hash", "x: y", "[br]", "{c}",
           "é" * 31 + "x", "表" * 21, "a" * 63, "ñ" * 30 + "abc"]
_PLAIN = st.from_regex(r"[a-z_][a-z0-9_]{0,15}", fullmatch=True)
_WEIRD = st.text(alphabet='abZ "é表_.$-\'#:,', min_size=1, max_size=24)


def _ok_name(name: str) -> bool:
    return (name == name.strip() and "  " not in name and 0 < len(name.encode()) <= 63)


NAMES = st.one_of(_PLAIN, st.sampled_from(_TRICKY), _WEIRD).filter(_ok_name)
# Type names must also survive parse_type: no parentheses/brackets, no built-in type names.
_TYPE_WORDS = BUILTIN_TYPES | set(EXTENSION_TYPES) | {
    "int", "int2", "int4", "int8", "float", "float4", "float8", "decimal", "varchar", "char",
    "bool", "timestamptz", "timetz", "varbit", "bpchar", "character", "time", "timestamp"}
TYPE_NAMES = NAMES.filter(lambda n: n.lower() not in _TYPE_WORDS and not any(
    c in n for c in "()[]"))
SQL = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
              min_size=1, max_size=40).filter(lambda s: s.strip() != "")
SQL_LINES = st.lists(st.text(alphabet="ab SELECT*,'\"():#-表\t", max_size=20), min_size=1,
                     max_size=4).map("\n".join).filter(lambda s: s.strip() != "")
TEXT = st.one_of(SQL, SQL_LINES)
BUILTIN = ["bigint", "integer", "smallint", "text", "varchar(40)", "numeric(12,2)", "numeric",
           "timestamptz", "timestamp(3) with time zone", "date", "boolean", "jsonb", "uuid",
           "int[]", "text[]", "char", "char(3)", "bit varying(5)", "double precision",
           "time with time zone", "interval", '"char"', "bytea", "inet"]


@st.composite
def designs(draw) -> Design:
    used: set[str] = set()

    def fresh(strategy=NAMES) -> str:
        name = draw(strategy.filter(lambda n: n not in used))
        used.add(name)
        return name

    def maybe(s):
        return draw(st.one_of(st.none(), s))
    schemas = tuple(Schema(fresh(), maybe(TEXT)) for _ in range(draw(st.integers(0, 1))))
    schema_names = ["public"] + [s.name for s in schemas]
    use_citext = draw(st.booleans())
    extensions = (Extension("citext", maybe(st.just("public"))),) if use_citext else ()
    roles = tuple(fresh() for _ in range(draw(st.integers(0, 2))))
    enums = tuple(
        EnumType(fresh(TYPE_NAMES), tuple(draw(st.lists(st.text(min_size=1, max_size=8).filter(
            lambda v: "\x00" not in v), min_size=1, max_size=4, unique=True))),
            draw(st.sampled_from(schema_names)), maybe(TEXT))
        for _ in range(draw(st.integers(0, 2))))
    domains = tuple(
        Domain(fresh(TYPE_NAMES), draw(st.sampled_from(BUILTIN)),
               draw(st.sampled_from(schema_names)), draw(st.booleans()), maybe(SQL),
               tuple(DomainCheck(draw(SQL), maybe(NAMES)) for _ in range(draw(st.integers(0, 2)))),
               comment=maybe(TEXT))
        for _ in range(draw(st.integers(0, 1))))
    composites = tuple(
        CompositeType(fresh(TYPE_NAMES), tuple((fresh(), draw(st.sampled_from(BUILTIN)))
                                               for _ in range(draw(st.integers(1, 3)))),
                      draw(st.sampled_from(schema_names)))
        for _ in range(draw(st.integers(0, 1))))

    def type_ref(obj) -> str:
        if obj.schema == "public" and draw(st.booleans()):
            return quote_ident(obj.name) + draw(st.sampled_from(["", "[]"]))
        return qualified(obj.schema, obj.name)

    col_types = list(BUILTIN) + [type_ref(t) for t in (*enums, *domains, *composites)]
    if use_citext:
        col_types.append("citext")

    tables: list[Table] = []
    for _ in range(draw(st.integers(1, 4))):
        schema = draw(st.sampled_from(schema_names))
        name = fresh()
        id_col = Column(fresh(), "bigint", nullable=False,
                        identity=draw(st.sampled_from(["always", "by default", None])))
        cols = [id_col]
        for _ in range(draw(st.integers(0, 4))):
            generated = maybe(SQL)
            identity_free_default = None if generated else maybe(SQL)
            cols.append(Column(fresh(), draw(st.sampled_from(col_types)), draw(st.booleans()),
                               identity_free_default, None, generated,
                               draw(st.sampled_from(["stored", "virtual"])),
                               maybe(st.sampled_from(["C", "en_US", "und-x-icu"])),
                               maybe(TEXT)))
        fks = []
        for target in tables:
            if target.schema == schema and draw(st.booleans()):
                ref = target.columns[0]
                col = Column(fresh(), "bigint", draw(st.booleans()))
                cols.append(col)
                fks.append(ForeignKey((col.name,), target.name, (ref.name,),
                                      maybe(st.just(schema)), maybe(st.just(fresh())),
                                      draw(st.sampled_from(FK_ACTIONS)),
                                      draw(st.sampled_from(FK_ACTIONS)),
                                      draw(st.sampled_from(["SIMPLE", "FULL"])),
                                      draw(st.booleans()), draw(st.booleans())))
        names = [c.name for c in cols]
        pk = PrimaryKey((id_col.name,), maybe(st.just(fresh())),
                        tuple(draw(st.lists(st.sampled_from(names[1:] or [id_col.name]),
                                            max_size=1, unique=True))) if len(names) > 1 else (),
                        draw(st.booleans()), draw(st.booleans()))
        uniques = tuple(Unique(tuple(draw(st.lists(st.sampled_from(names), min_size=1,
                                                   max_size=2, unique=True))),
                               fresh(), draw(st.booleans()))
                        for _ in range(draw(st.integers(0, 1))))

        def key(names: list[str] = names) -> IndexKey:
            if draw(st.booleans()):
                return IndexKey(draw(SQL), True, maybe(NAMES), maybe(NAMES))
            return IndexKey(draw(st.sampled_from(names)), False, maybe(NAMES), maybe(NAMES),
                            draw(st.booleans()), draw(st.sampled_from([None, True, False])))
        indexes = tuple(Index(fresh(), tuple(key() for _ in range(draw(st.integers(1, 3)))),
                              draw(st.sampled_from(INDEX_METHODS)), False, draw(st.booleans()),
                              tuple(draw(st.lists(st.sampled_from(names), max_size=2,
                                                  unique=True))),
                              maybe(SQL), tuple(draw(st.lists(SQL, max_size=2))), maybe(TEXT))
                        for _ in range(draw(st.integers(0, 2))))
        exclusions = tuple(
            Exclusion((ExclusionElement(draw(st.sampled_from(names)), "=", maybe(NAMES)),),
                      fresh(), "gist", (), maybe(SQL), draw(st.booleans()))
            for _ in range(draw(st.integers(0, 1))))
        policies = tuple(
            Policy(fresh(), draw(st.sampled_from(["ALL", "SELECT", "INSERT", "UPDATE",
                                                  "DELETE"])),
                   draw(st.booleans()),
                   tuple(draw(st.lists(st.sampled_from([*roles, "public"]), min_size=1,
                                       max_size=2, unique=True))),
                   maybe(SQL), maybe(SQL_LINES))
            for _ in range(draw(st.integers(0, 1))))
        intent = TableIntent(maybe(st.integers(0, 10**12)), maybe(st.integers(0, 10**9)),
                             maybe(st.sampled_from(names)), draw(st.booleans()),
                             maybe(st.sampled_from(names)), maybe(TEXT))
        tables.append(Table(
            name, tuple(cols), schema, pk, uniques,
            tuple(Check(draw(SQL), maybe(st.just(fresh())), draw(st.booleans()))
                  for _ in range(draw(st.integers(0, 2)))),
            tuple(fks), exclusions, indexes, None, None, None, draw(st.booleans()),
            draw(st.booleans()), policies, draw(st.booleans()),
            tuple(draw(st.lists(SQL, max_size=2))), maybe(TEXT), intent))
    if draw(st.booleans()):  # a partitioned table with one partition
        parent, key_col = fresh(), fresh()
        tables.append(Table(parent, (Column(key_col, "timestamptz", False),),
                            primary_key=PrimaryKey((key_col,)),
                            partition_by=PartitionBy("range", (key_col,))))
        tables.append(Table(fresh(), partition_of=parent, partition_bound=draw(SQL)))
    first = tables[0]
    views = tuple(
        View(fresh(), draw(TEXT), draw(st.sampled_from(schema_names)), materialized,
             None if materialized else maybe(st.sampled_from(["local", "cascaded"])),
             tuple(draw(st.lists(SQL, max_size=1))),
             (Index(fresh(), (IndexKey(draw(NAMES)),)),) if materialized else (), maybe(TEXT),
             tuple((fresh(), draw(TEXT)) for _ in range(draw(st.integers(0, 2)))))
        for materialized in draw(st.lists(st.booleans(), max_size=2)))
    return Design(
        draw(NAMES), maybe(TEXT), schemas, extensions, roles, enums, domains, composites,
        tuple(Sequence(fresh(), first.schema, draw(st.sampled_from(["bigint", "integer"])),
                       draw(st.integers(-5, 5).filter(bool)), draw(st.integers(1, 3)),
                       maybe(st.integers(-10, 0)), maybe(st.integers(10, 10**6)),
                       draw(st.integers(1, 5)), draw(st.booleans()),
                       maybe(st.just((first.name, first.columns[0].name))), maybe(TEXT))
              for _ in range(draw(st.integers(0, 1)))),
        tuple(tables), views,
        tuple(Routine(fresh(), draw(st.sampled_from(["", "integer", "a text, b integer"])),
                      draw(TEXT), draw(st.sampled_from(schema_names)),
                      draw(st.sampled_from(["function", "procedure", "aggregate"])),
                      maybe(TEXT))
              for _ in range(draw(st.integers(0, 1)))),
        tuple(Trigger(fresh(), first.name, draw(TEXT), first.schema,
                      draw(st.sampled_from(["O", "D", "R", "A"])), maybe(TEXT))
              for _ in range(draw(st.integers(0, 1)))),
        tuple(QueryPattern(fresh(), draw(TEXT),
                           maybe(st.one_of(st.integers(0, 10**6),
                                           st.floats(0, 1e6, allow_nan=False))),
                           tuple(draw(st.lists(NAMES, max_size=3))), draw(st.booleans()))
              for _ in range(draw(st.integers(0, 2)))),
    )


# --------------------------------------------------------------------------- round trips

@settings(max_examples=250, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                 HealthCheck.data_too_large])
@given(designs())
def test_generated_designs_are_valid_and_round_trip(design: Design) -> None:
    # The generated SQL fragments are arbitrary text, to stress the YAML writer; validation
    # rightly rejects most of them as SQL (model/fragments.py), so only those paths may fail.
    from pgarch_kit.model.fragments import fragments
    sql_paths = {path for path, *_ in fragments(design)}
    assert [p for p in validate(design) if p.path not in sql_paths] == []
    text = dump_design(design)
    assert loads_design(text, check=False) == design
    assert dump_design(loads_design(text, check=False)) == text


def test_every_model_field_has_a_key_in_the_file_format() -> None:
    """A field added to the model must be added to the design file too, or it would be lost."""
    from pgarch_kit.model import serde
    tables = {Column: serde._COLUMN, PrimaryKey: serde._PK, Unique: serde._UNIQUE,
              Check: serde._CHECK, Exclusion: serde._EXCLUSION, Index: serde._INDEX,
              ExclusionElement: serde._EXCL_ELEMENT, PartitionBy: serde._PARTITION_BY,
              Policy: serde._POLICY, TableIntent: serde._INTENT, Table: serde._TABLE,
              EnumType: serde._ENUM, DomainCheck: serde._DOMAIN_CHECK, Domain: serde._DOMAIN,
              CompositeType: serde._COMPOSITE, Sequence: serde._SEQUENCE,
              Extension: serde._EXTENSION, Schema: serde._SCHEMA, View: serde._VIEW,
              Routine: serde._ROUTINE, Trigger: serde._TRIGGER, QueryPattern: serde._QUERY,
              Design: serde._DESIGN, SourceFacts: serde._SOURCE,
              SourceTable: serde._SOURCE_TABLE}
    for cls, spec in tables.items():
        assert {f.attr or f.key for f in spec} == {f.name for f in fields(cls)}, cls
    fk = {f.key for f in serde._FK} - {"references"} | {"ref_table", "ref_columns",
                                                          "ref_schema"}
    assert fk == {f.name for f in fields(ForeignKey)}
    assert {f.name for f in fields(IndexKey)} == {"column", "expression", "opclass",
                                                  "collation", "descending", "nulls_first"}


def test_dump_omits_defaults_and_uses_short_forms() -> None:
    d = Design("shop", tables=(Table("t", (
        Column("id", "bigint", nullable=False, identity="always"),
        Column("at", "timestamp with time zone", default="now()"),
        Column("code", "character varying(40)", nullable=False),
    ), primary_key=PrimaryKey(("id",)), checks=(Check("code <> ''"),)),))
    text = dump_design(d)
    assert "  - {name: id, type: bigint, identity: always}\n" in text
    assert "type: timestamptz" in text and "type: varchar(40)" in text
    assert "primary_key: [id]" in text and "schema" not in text and "intent" not in text
    assert "- code <> ''" in text


def test_multiline_sql_is_a_block_literal_and_unicode_stays_readable() -> None:
    d = Design("ü", views=(View("straße", "SELECT 1\nFROM t\n"),))
    text = dump_design(d)
    assert "query: |\n      SELECT 1\n      FROM t\n" in text
    assert "straße" in text and "name: ü" in text


def test_shorthand_input_forms() -> None:
    d = loads_design("""
name: shop
extensions: [citext]
tables:
  - name: customers
    columns:
      - {name: id, type: int8, identity: always}
      - {name: email, type: citext, nullable: false}
    primary_key: {columns: id, name: customers_pk}
  - name: orders
    columns:
      - {name: id, type: bigint, identity: by_default}
      - {name: customer_id, type: bigint, nullable: false}
      - {name: created_at, type: timestamptz, nullable: false}
    primary_key: [id]
    foreign_keys:
      - {columns: [customer_id], references: {table: customers, columns: [id]}, on_delete: Set_Null}
    indexes:
      - name: orders_by_day
        keys: [customer_id, {column: created_at, order: DESC, nulls: last}, {expression: "date(created_at)"}]
    intent: {rows: 1000000, growth_per_month: 50000, audit: true}
queries:
  - {name: by_customer, sql: "SELECT * FROM orders WHERE customer_id = :c", per_second: 5, params: [c], critical: true}
""")
    orders = d.table("orders")
    assert orders.columns[0].identity == "by default" and not orders.columns[0].nullable
    assert orders.foreign_keys[0].on_delete == "SET NULL"
    assert orders.foreign_keys[0].ref_table == "customers"
    assert d.table("customers").primary_key == PrimaryKey(("id",), "customers_pk")
    assert d.table("customers").columns[0].type == "bigint"
    assert orders.indexes[0].keys == (
        IndexKey("customer_id"), IndexKey("created_at", descending=True, nulls_first=False),
        IndexKey("date(created_at)", expression=True))
    assert orders.intent == TableIntent(rows=1000000, growth_per_month=50000, audit=True)
    assert d.queries[0] == QueryPattern("by_customer", "SELECT * FROM orders WHERE "
                                        "customer_id = :c", 5, ("c",), True)


# --------------------------------------------------------------------------- loading errors

def _problems(text: str):
    with pytest.raises(DesignFileError) as info:
        loads_design(text)
    return info.value.problems


def test_yaml_syntax_error_reports_its_line() -> None:
    (p,) = _problems("name: shop\ntables:\n  - name: t\n    columns: [a, b\n  - name: u\n")
    assert p.line == 5 and "YAML syntax error" in p.message and p.fix
    assert "began on line 4" in p.message
    (p,) = _problems("name: shop\ntables:\n  - name: t\n     columns: []\n")
    assert p.line == 4


def test_tab_indentation_reports_its_line() -> None:
    (p,) = _problems("name: shop\ntables:\n\t- name: t\n")
    assert p.line == 3


def test_content_errors_are_collected_with_lines_and_suggestions() -> None:
    problems = _problems("""name: shop
tables:
  - name: t
    colums: []
  - name: u
    columns:
      - {name: a, type: bigint, nulable: false}
      - {name: b, type: bigint, nullable: maybe}
      - {type: text}
    foreign_keys:
      - {columns: [a], references: {table: t, columns: [id]}, on_delete: explode}
    intent: {rows: lots}
""")
    by_line = {p.line: p for p in problems}
    assert "unknown key 'colums'" in by_line[4].message and "'columns'" in by_line[4].fix
    assert "allowed keys" in by_line[4].fix
    assert "nulable" in by_line[7].message and "'nullable'" in by_line[7].fix
    assert "true or false" in by_line[8].message
    assert "missing required key 'name'" in by_line[9].message
    assert "explode" in by_line[11].message and "CASCADE" in by_line[11].fix
    assert "whole number" in by_line[12].message
    assert by_line[11].path == "u.foreign_keys[0].on_delete"


def test_comma_inside_flow_mapping_gets_a_quoting_hint() -> None:
    (p,) = _problems("name: s\ntables:\n  - name: t\n    columns:\n"
                     "      - {name: p, type: numeric(12,2)}\n")
    assert p.line == 5 and "'numeric(12,2)'" in p.fix


def test_validation_problems_get_lines() -> None:
    problems = _problems("""name: shop
tables:
  - name: orders
    columns:
      - {name: id, type: bigint, identity: always}
      - {name: customer_id, type: bigint, nullable: false}
    primary_key: [id]
    foreign_keys:
      - {columns: [customer_id], references: {table: customer, columns: [id]}}
""")
    (p,) = problems
    assert p.path == "orders.foreign_keys[0]" and p.line == 9
    assert "customer" in p.message and p.fix


def test_unknown_type_points_at_the_column_line_and_names_the_extension() -> None:
    (p,) = _problems("name: s\ntables:\n  - name: t\n    columns:\n"
                     "      - {name: email, type: citext}\n")
    assert p.line == 5 and p.path == "t.email" and "extensions: [citext]" in p.fix


def test_merge_keys_and_anchors_are_understood() -> None:
    d = loads_design("""name: s
tables:
  - name: t
    columns:
      - &idcol {name: id, type: bigint, identity: always}
      - {<<: *idcol, name: other, identity: by default}
""", check=False)
    assert d.tables[0].columns[1] == Column("other", "bigint", False, identity="by default")


def test_empty_lists_may_be_left_blank() -> None:
    d = loads_design("name: s\nroles:\ntables:\n  - name: t\n    columns:\n", check=False)
    assert d.roles == () and d.tables[0].columns == ()


def test_empty_file_and_non_mapping_root() -> None:
    assert "empty" in _problems("")[0].message
    assert "mapping" in _problems("- a\n- b\n")[0].message


def test_load_without_check_returns_invalid_design() -> None:
    text = "name: s\ntables:\n  - name: t\n    columns:\n      - {name: a, type: nosuch}\n"
    assert loads_design(text, check=False).tables[0].columns[0].type == "nosuch"


# --------------------------------------------------------------------------- saving

def _valid() -> Design:
    return Design("shop", tables=(Table("t", (Column("id", "bigint", False),),
                                        primary_key=PrimaryKey(("id",))),))


def test_save_is_stable_and_loads_back(tmp_path: Path) -> None:
    path = tmp_path / "d.yaml"
    save_design(_valid(), path)
    first = path.read_bytes()
    save_design(load_design(path), path)
    assert path.read_bytes() == first
    assert load_design(path) == _valid()
    assert sorted(os.listdir(tmp_path)) == ["d.yaml"]


@pytest.mark.parametrize("broken", [
    Design("shop", tables=(Table("t", (Column("id", "bigint"),),
                                 foreign_keys=(ForeignKey(("id",), "nope", ("id",)),)),)),
    Design("shop", tables=(Table("x" * 70, (Column("id", "bigint"),)),)),
])
def test_failed_save_leaves_the_file_untouched(tmp_path: Path, broken: Design) -> None:
    path = tmp_path / "d.yaml"
    save_design(_valid(), path)
    before = path.read_bytes()
    with pytest.raises(DesignError):
        save_design(broken, path)
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["d.yaml"]


def test_failed_write_cleans_up_its_temp_file(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "d.yaml"
    save_design(_valid(), path)
    before = path.read_bytes()

    def boom(*args, **kwargs):
        raise OSError("disk full")
    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        save_design(replace(_valid(), description="changed"), path)
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["d.yaml"]


def test_query_draw_settings_round_trip_and_are_validated() -> None:
    from pgarch_kit.errors import DesignFileError
    from pgarch_kit.model.serde import dump_design, loads_design
    text = """name: q
tables:
  - name: t
    columns:
      - {name: id, type: bigint, identity: always}
    primary_key: [id]
queries:
  - name: page
    params: [id, n]
    param_sources: {id: t.id, n: ['10', '20']}
    skew: zipf 1.2
    sql: SELECT * FROM t WHERE id > :id LIMIT :n
"""
    design = loads_design(text)
    (q,) = design.queries
    assert q.param_sources == (("id", "t.id"), ("n", ("10", "20"))) and q.skew == "zipf 1.2"
    assert dump_design(design) == text
    bad = text.replace("{id: t.id,", "{id: t.nope, m: t.id,").replace("zipf 1.2", "zipf 0.9")
    with pytest.raises(DesignFileError) as err:
        loads_design(bad)
    messages = [p.message for p in err.value.problems]
    assert any("has no column 'nope'" in m for m in messages)
    assert any("'m' is not one of the query's params" in m for m in messages)
    assert any("unknown skew 'zipf 0.9'" in m for m in messages)
