"""FK dependency order, cycles, partition depth and routine header scanning."""
from __future__ import annotations

from pgarch_kit.model import Column, Design, ForeignKey, PrimaryKey, Routine, Table
from pgarch_kit.model.graph import (
    fk_cycles,
    fk_edges,
    partition_depth,
    referenced_relations,
    routine_tokens,
    routines_referencing_tables,
    table_order,
)


def _t(name: str, *refs: str, schema: str = "public", parent: str | None = None) -> Table:
    return Table(name, (Column("id", "integer", False),), schema=schema,
                 primary_key=PrimaryKey(("id",)), partition_of=parent,
                 partition_bound="DEFAULT" if parent else None,
                 foreign_keys=tuple(ForeignKey(("id",), r, ("id",)) for r in refs))


def _names(design: Design) -> list[str]:
    return [t.name for t in table_order(design)]


def test_independent_tables_keep_design_order() -> None:
    assert _names(Design("d", tables=(_t("c"), _t("a"), _t("b")))) == ["c", "a", "b"]


def test_referenced_tables_come_first() -> None:
    design = Design("d", tables=(_t("orders", "customers"), _t("misc"), _t("customers")))
    assert _names(design) == ["customers", "orders", "misc"]
    assert fk_cycles(design) == ()


def test_chain_and_diamond() -> None:
    design = Design("d", tables=(_t("d", "b", "c"), _t("c", "a"), _t("b", "a"), _t("a")))
    assert _names(design) == ["a", "b", "c", "d"]


def test_two_cycle() -> None:
    design = Design("d", tables=(_t("x"), _t("b", "a"), _t("a", "b")))
    assert _names(design) == ["x", "b", "a"]
    assert fk_cycles(design) == ((("public", "b"), ("public", "a")),)


def test_three_cycle_and_dependent() -> None:
    design = Design("d", tables=(_t("user_of", "z"), _t("x", "y"), _t("y", "z"), _t("z", "x")))
    # the cycle is entered at its earliest table; tables after it follow their references
    assert _names(design) == ["x", "z", "y", "user_of"]
    assert fk_cycles(design) == ((("public", "x"), ("public", "y"), ("public", "z")),)


def test_self_reference_is_not_a_cycle() -> None:
    design = Design("d", tables=(_t("node", "node"),))
    assert _names(design) == ["node"] and fk_cycles(design) == ()
    assert fk_edges(design) == []


def test_schemas_and_outside_references() -> None:
    design = Design("d", tables=(_t("a", "b", schema="s"), _t("b", schema="s"), _t("b"),
                                 _t("c", "elsewhere")))
    assert [t.key for t in table_order(design)] == [
        ("s", "b"), ("s", "a"), ("public", "b"), ("public", "c")]
    assert fk_edges(design) == [(("s", "a"), ("s", "b"))]


def test_partitions_follow_parent_even_in_a_cycle() -> None:
    design = Design("d", tables=(_t("p1", parent="parent"), _t("leaf", parent="p1"),
                                 _t("parent")))
    assert _names(design) == ["parent", "p1", "leaf"]
    assert [partition_depth(design, t) for t in design.tables] == [1, 2, 0]
    # the partition references a table that references the parent: a cycle through the
    # partition edge is broken at the foreign key, never at partition_of
    cyc = Design("d", tables=(_t("part", "other", parent="top"), _t("other", "top", "part"),
                              _t("top")))
    order = _names(cyc)
    assert order.index("top") < order.index("part")


def test_deterministic() -> None:
    design = Design("d", tables=(_t("a", "b"), _t("b", "c"), _t("c", "a"), _t("d", "a")))
    assert _names(design) == _names(design) == ["a", "c", "b", "d"]


def test_routine_tokens_stop_at_body() -> None:
    tokens = routine_tokens('CREATE FUNCTION f(r "Orders", x sales.items) RETURNS SETOF t\n'
                            "LANGUAGE sql -- orders in a comment\n"
                            "AS $body$ SELECT * FROM hidden $body$")
    assert "Orders" in tokens and "items" in tokens and "t" in tokens
    assert "hidden" not in tokens and "comment" not in tokens
    assert "hidden" not in routine_tokens("CREATE FUNCTION f() RETURNS int LANGUAGE sql "
                                          "AS 'SELECT count(*) FROM hidden'")
    # SQL-standard bodies are parsed at creation: they count
    assert "counted" in routine_tokens("CREATE FUNCTION f() RETURNS bigint LANGUAGE sql\n"
                                       "BEGIN ATOMIC SELECT count(*) FROM counted; END")


def test_referenced_relations() -> None:
    keys = [("public", "orders"), ("sales", "items"), ("public", "Odd")]
    assert referenced_relations('CREATE FUNCTION f(a orders[], b sales.items, c "Odd") '
                                "RETURNS int AS $$ $$", keys) == set(keys)
    # a bare name resolves in public only; another schema's table needs qualification
    assert referenced_relations("CREATE FUNCTION f(a items) RETURNS int AS $$ $$", keys) == set()
    assert referenced_relations("CREATE FUNCTION f() RETURNS int AS $$ SELECT * FROM "
                                "orders $$", keys) == set()


def test_keywords_are_not_relations() -> None:
    """LedgerSMB has a table called ``language``: ``LANGUAGE sql`` does not name it, so a
    function a column default calls is not pushed after the tables."""
    keys = [("public", "language"), ("public", "sql"), ("public", "users"), ("public", "t")]
    assert referenced_relations("CREATE FUNCTION f() RETURNS integer LANGUAGE sql AS $$ "
                                "SELECT entity_id FROM users $$", keys) == set()
    # what PostgreSQL does resolve at creation: %TYPE, SETOF, a SQL-standard body
    assert referenced_relations("CREATE FUNCTION f(a t.id%TYPE) RETURNS SETOF users "
                                "LANGUAGE sql BEGIN ATOMIC SELECT 1 FROM language; END",
                                keys) == {("public", "t"), ("public", "users"),
                                          ("public", "language")}


def test_routines_referencing_tables() -> None:
    design = Design("d", tables=(_t("orders"),), routines=(
        Routine("f", "", "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1 FROM orders $$"),
        Routine("g", "orders", "CREATE FUNCTION g(o orders) RETURNS int AS $$ SELECT 1 $$"),
        Routine("agg", "orders", "CREATE AGGREGATE agg(orders) (SFUNC = g, STYPE = int)",
                kind="aggregate"),
        Routine("agg2", "int", "CREATE AGGREGATE agg2(int) (SFUNC = h2, STYPE = int)",
                kind="aggregate"),
        Routine("agg3", "int", "CREATE AGGREGATE agg3(int) (SFUNC = g, STYPE = int)",
                kind="aggregate"),
    ))
    assert routines_referencing_tables(design) == frozenset({1, 2, 4})


def test_quote_ident_refuses_names_postgres_would_truncate() -> None:
    import pytest

    from pgarch_kit.model.names import quote_ident, shorten
    assert quote_ident("é" * 31) == "\"" + "é" * 31 + "\""          # 62 bytes: fine
    with pytest.raises(ValueError, match="silently truncate"):
        quote_ident("é" * 32)                                     # 64 bytes
    assert len(shorten("x" * 80).encode()) == 63 and shorten("x" * 80) != shorten("x" * 81)
