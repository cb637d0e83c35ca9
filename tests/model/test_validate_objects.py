"""Validation of collations, range types, text search objects, casts, rules and privileges:
designs PostgreSQL would accept pass, and each thing it would reject (or the kit will not do)
is reported with its path — fixtures that must and must not trigger."""
from __future__ import annotations

from dataclasses import replace

import pytest

from pgarch_kit.model import (
    Cast,
    Collation,
    Column,
    CompositeType,
    DefaultPrivilege,
    Design,
    Domain,
    Extension,
    Grant,
    IndexKey,
    Owner,
    RangeType,
    Rule,
    Table,
    TextSearchConfiguration,
    TextSearchDictionary,
)
from pgarch_kit.model.design import Index
from pgarch_kit.model.serde import dump_design, loads_design
from pgarch_kit.model.type_order import type_order
from pgarch_kit.model.validate import validate


def _design(**kw: object) -> Design:
    table = Table("t", (Column("id", "integer", False), Column("name", "text"),
                        Column("span", "uuidrange"), Column("spans", "uuidmultirange")))
    base = Design("d", roles=("app",), tables=(table,),
                  ranges=(RangeType("uuidrange", "uuid"),))
    return replace(base, **kw)


GOOD = {
    "libc collation": dict(collations=(Collation("c1", locale="C"),
                                       Collation("c2", lc_collate="C", lc_ctype="POSIX"))),
    "icu nondeterministic": dict(collations=(Collation(
        "ci", provider="icu", locale="und-u-ks-level2", deterministic=False),)),
    "a column, index and domain use a design collation": dict(
        collations=(Collation("c1", schema="app", locale="C"),),
        tables=(Table("t", (Column("n", "text", collation="app.c1"),), indexes=(Index(
            "t_n", (IndexKey("n", collation="app.c1"),)),)),),
        domains=(Domain("code", "text", collation="app.c1"),)),
    "a quoted collation name": dict(tables=(Table("t", (
        Column("n", "text", collation='"de-DE-x-icu"'), Column("m", "text", collation="default"),
        Column("o", "text", collation="de-DE-x-icu"))),)),
    "range and multirange columns": {},
    "an extension type in the extension's schema": dict(
        extensions=(Extension("vector", "extensions"),),
        tables=(Table("t", (Column("e", "extensions.vector(3)"),)),)),
    "text search": dict(
        text_search_dictionaries=(TextSearchDictionary("en", "snowball",
                                                       options=(("language", "english"),)),),
        text_search_configurations=(TextSearchConfiguration("cfg", mappings=(
            ("asciiword", ("en", "simple")),)),)),
    "casts": dict(casts=(Cast("uuidrange", "text", method="inout"),
                         Cast("text", "uuidrange", function="f", signature="text"))),
    "rule": dict(rules=(Rule("r", "t", "CREATE RULE r AS ON DELETE TO t DO INSTEAD NOTHING"),)),
    "privileges": dict(
        grants=(Grant("table", "t", "app", ("select", "Insert")),
                Grant("column", "t", "app", ("UPDATE",), column="name", grant_option=True),
                Grant("type", "uuidrange", "public", ("USAGE",), revoke=True),
                Grant("schema", "public", "app", ("CREATE",))),
        owners=(Owner("table", "t", "app"),),
        default_privileges=(DefaultPrivilege("functions", "public", ("EXECUTE",), revoke=True),
                            DefaultPrivilege("tables", "app", ("SELECT",), role="app",
                                             schema="public"))),
}

BAD = {
    "libc without locale": (dict(collations=(Collation("c1"),)), "collations.c1",
                            "needs a locale"),
    "nondeterministic libc": (dict(collations=(Collation("c1", locale="C",
                                                         deterministic=False),)),
                              "collations.c1", "nondeterministic"),
    "unknown design collation": (dict(schemas=(), tables=(Table("t", (Column(
        "n", "text", collation="public.nope"),)),)), "t.n.collation", "not one of the design"),
    "range over an unknown type": (dict(ranges=(RangeType("r", "nosuch"),), tables=()),
                                   "ranges.r.subtype", "unknown type"),
    "range name taken": (dict(composites=(CompositeType("uuidrange", (("a", "int"),)),)),
                         "ranges.uuidrange", "duplicate type name"),
    "unknown token type": (dict(text_search_configurations=(TextSearchConfiguration(
        "cfg", mappings=(("asciiwrod", ("simple",)),)),)), "text_search_configurations.cfg"
        ".mappings.asciiwrod", "no token type"),
    "cast without its function": (dict(casts=(Cast("text", "uuidrange"),)), "casts[0]",
                                  "needs `function`"),
    "rule on a missing table": (dict(rules=(Rule("r", "nope", "CREATE RULE r AS ON DELETE TO "
                                                 "nope DO INSTEAD NOTHING"),)), "rules.r",
                                "not a table or view"),
    "rule that is another statement": (dict(rules=(Rule("r", "t", "DROP TABLE t"),)),
                                       "rules.r.definition", "not one CREATE RULE"),
    "grant to an undeclared role": (dict(grants=(Grant("table", "t", "stranger",
                                                       ("SELECT",)),)), "grants[0]",
                                    "not one of the design's roles"),
    "privilege the kind has not": (dict(grants=(Grant("sequence", "t", "app",
                                                      ("EXECUTE",)),)), "grants[0]",
                                   "cannot be granted"),
    "grant on a missing routine": (dict(grants=(Grant("routine", "f", "app", ("EXECUTE",),
                                                      signature="integer"),)), "grants[0]",
                                   "no routine f(integer)"),
    "owner twice": (dict(owners=(Owner("table", "t", "app"), Owner("table", "t", "app"))),
                    "owners[1]", "duplicate owner"),
    "default privileges on schemas in a schema": (dict(default_privileges=(DefaultPrivilege(
        "schemas", "app", ("USAGE",), schema="public"),)), "default_privileges[0]",
        "whole database"),
    "a reserved role name": (dict(roles=("pg_app",)), "roles[0]", "reserved"),
}


@pytest.mark.parametrize("name", sorted(GOOD))
def test_accepted(name: str) -> None:
    design = _design(**GOOD[name])
    assert validate(design) == []
    assert loads_design(dump_design(design)) == design


@pytest.mark.parametrize("name", sorted(BAD))
def test_reported(name: str) -> None:
    kw, path, words = BAD[name]
    found = [(p.path, p.message) for p in validate(_design(**kw))]
    assert any(p == path and words in m for p, m in found), found


def test_types_come_after_the_types_they_are_built_on() -> None:
    """evaka: a domain over a composite type, which the design lists after the domain."""
    design = Design("d", domains=(Domain("opening_nn", "opening"), Domain("n", "integer")),
                    composites=(CompositeType("opening", (("start", "time"),
                                                          ("rng", "posrange"))),),
                    ranges=(RangeType("posrange", "n"),))
    order = [t.name for t in type_order(design)]
    assert order.index("n") < order.index("posrange") < order.index("opening") \
        < order.index("opening_nn")
    assert validate(design) == []


def test_edits_keep_grants_owners_and_rules_on_their_table() -> None:
    from pgarch_kit.model import edit
    design = _design(grants=(Grant("column", "t", "app", ("UPDATE",), column="name"),
                             Grant("table", "t", "app", ("SELECT",))),
                     owners=(Owner("table", "t", "app"),))
    renamed = edit.rename_column(edit.rename_table(design, "t", "u"), "u", "name", "label")
    assert [(g.name, g.column) for g in renamed.grants] == [("u", "label"), ("u", None)]
    assert [o.name for o in renamed.owners] == ["u"] and validate(renamed) == []
    gone = edit.remove_column(renamed, "u", "label")
    assert [(g.name, g.column) for g in gone.grants] == [("u", None)]
    empty = edit.remove_table(gone, "u")
    assert (empty.grants, empty.owners) == ((), ())
