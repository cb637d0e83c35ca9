"""validate(): each rule against a design that must trigger it, with path and fix checked."""
from __future__ import annotations

from dataclasses import replace

import pytest

from pgarch_kit.errors import DesignError
from pgarch_kit.model.design import (
    Column,
    CompositeType,
    Design,
    Domain,
    EnumType,
    Extension,
    ForeignKey,
    Index,
    IndexKey,
    PartitionBy,
    Policy,
    PrimaryKey,
    Schema,
    Sequence,
    Table,
    TableIntent,
    Trigger,
    Unique,
    View,
)
from pgarch_kit.model.names import shorten
from pgarch_kit.model.validate import check, validate


def _id(name: str = "id", type_: str = "bigint") -> Column:
    return Column(name, type_, nullable=False)


CUSTOMERS = Table("customers", (_id(), Column("email", "text", False)),
                  primary_key=PrimaryKey(("id",)))
ORDERS = Table("orders", (_id(), Column("customer_id", "bigint", False),
                          Column("placed_at", "timestamptz", False)),
               primary_key=PrimaryKey(("id",)),
               foreign_keys=(ForeignKey(("customer_id",), "customers", ("id",)),),
               indexes=(Index("orders_by_day", (IndexKey("placed_at"),)),))
BASE = Design("shop", tables=(CUSTOMERS, ORDERS))


def _with(*tables: Table, **design) -> Design:
    d = BASE
    for t in tables:
        d = d.with_table(t)
    return replace(d, **design)


def _only(design: Design):
    problems = validate(design)
    assert len(problems) == 1, problems
    return problems[0]


def test_base_design_is_valid() -> None:
    assert validate(BASE) == []
    assert check(BASE) is BASE


def test_check_raises_with_every_problem() -> None:
    bad = _with(replace(ORDERS, foreign_keys=(ForeignKey(("nope",), "nowhere", ("id",)),),
                        indexes=(Index("orders_by_day", (IndexKey("missing"),)),)))
    with pytest.raises(DesignError) as info:
        check(bad)
    paths = {p.path for p in info.value.problems}
    assert {"orders.foreign_keys[0]", "orders.indexes.orders_by_day"} <= paths


def test_dangling_foreign_key_has_path_and_fix() -> None:
    p = _only(_with(replace(ORDERS, foreign_keys=(
        ForeignKey(("customer_id",), "customer", ("id",)),))))
    assert p.path == "orders.foreign_keys[0]"
    assert "'customer'" in p.message and "customers" in p.fix


def test_foreign_key_to_missing_column_and_count_mismatch() -> None:
    problems = validate(_with(replace(ORDERS, foreign_keys=(
        ForeignKey(("customer_id",), "customers", ("uid",)),
        ForeignKey(("customer_id", "id"), "customers", ("id",)),))))
    messages = " | ".join(p.message for p in problems)
    assert "'uid' does not exist" in messages
    assert "2 referencing column(s) but 1 referenced" in messages


def test_foreign_key_integer_to_bigint_is_valid_and_text_to_bigint_is_not() -> None:
    """PostgreSQL accepts integer -> bigint (advice, see tests/db/test_fk_types.py), and
    refuses text -> bigint."""
    orders = replace(ORDERS, columns=(_id(), Column("customer_id", "integer", False),
                                      Column("placed_at", "timestamptz", False)))
    assert validate(_with(orders)) == []
    orders = replace(ORDERS, columns=(_id(), Column("customer_id", "text", False),
                                      Column("placed_at", "timestamptz", False)))
    p = _only(_with(orders))
    assert p.path == "orders.foreign_keys[0]" and "text" in p.message
    assert "bigint" in p.fix


def test_foreign_key_type_resolves_domains() -> None:
    dom = Domain("customer_ref", "bigint")
    orders = replace(ORDERS, columns=(_id(), Column("customer_id", "customer_ref", False),
                                      Column("placed_at", "timestamptz", False)))
    assert validate(_with(orders, domains=(dom,))) == []
    assert validate(_with(orders, domains=(replace(dom, type="text"),)))


def test_foreign_key_must_reference_a_key() -> None:
    p = _only(_with(replace(ORDERS, columns=(*ORDERS.columns, Column("email", "text")),
                            foreign_keys=(ForeignKey(("email",), "customers", ("email",)),))))
    assert "not its primary key" in p.message and "unique" in p.fix
    unique = replace(CUSTOMERS, uniques=(Unique(("email",)),))
    ok = _with(unique, replace(ORDERS, columns=(*ORDERS.columns, Column("email", "text")),
                               foreign_keys=(ForeignKey(("email",), "customers", ("email",)),)))
    assert validate(ok) == []


def test_bad_fk_action_and_index_method() -> None:
    problems = validate(_with(replace(
        ORDERS, foreign_keys=(ForeignKey(("customer_id",), "customers", ("id",),
                                         on_delete="EXPLODE"),),
        indexes=(Index("orders_by_day", (IndexKey("placed_at"),), method="btre"),))))
    assert any("EXPLODE" in p.message and "CASCADE" in p.fix for p in problems)
    assert any("btre" in p.message and "btree" in p.fix for p in problems)


def test_long_name_rejected_with_shortened_suggestion() -> None:
    name = "t" * 70
    problems = validate(_with(Table(name, (_id(),), primary_key=PrimaryKey(("id",)))))
    assert any(p.path == name and "70 bytes" in p.message and shorten(name) in p.fix
               for p in problems)


def test_names_that_collide_after_truncation() -> None:
    a, b = "x" * 63 + "_one", "x" * 63 + "_two"
    problems = validate(_with(Table(a, (_id(),)), Table(b, (_id(),))))
    assert any("collide" in p.message and "truncates both" in p.message for p in problems)


def test_empty_name_and_nul_byte() -> None:
    problems = validate(_with(Table("t", (Column("", "text"), Column("a\x00b", "text")))))
    messages = " | ".join(p.message for p in problems)
    assert "empty" in messages and "NUL" in messages


def test_relation_namespace_is_shared_by_tables_views_sequences_indexes() -> None:
    problems = validate(_with(views=(View("orders_by_day", "SELECT 1"),),
                              sequences=(Sequence("customers"),)))
    assert len([p for p in problems if "duplicate relation" in p.message]) == 2


def test_duplicate_columns_constraints_enum_values_and_types() -> None:
    t = Table("t", (_id(), _id()), primary_key=PrimaryKey(("id",), name="k"),
              uniques=(Unique(("id",), name="k"),))
    problems = validate(_with(t, enums=(EnumType("e", ("a", "a")), EnumType("e", ("b",)))))
    messages = " | ".join(p.message for p in problems)
    for what in ("duplicate column", "duplicate constraint", "duplicate enum value",
                 "duplicate type"):
        assert what in messages


def test_enum_and_table_share_the_type_namespace() -> None:
    p = _only(_with(enums=(EnumType("orders", ("a",)),)))
    assert "duplicate type" in p.message


def test_index_and_key_columns_must_exist() -> None:
    t = Table("t", (_id(),), primary_key=PrimaryKey(("id", "nope"), include=("inc",)),
              uniques=(Unique(("u",)),),
              indexes=(Index("t_i", (IndexKey("k"), IndexKey("lower(x)", True)),
                             include=("j",)),))
    paths = [p.path for p in validate(_with(t))]
    assert paths.count("t.primary_key") == 2
    assert "t.uniques[0]" in paths and paths.count("t.indexes.t_i") == 2


def test_primary_key_on_nullable_column() -> None:
    p = _only(_with(Table("t", (Column("id", "bigint"),), primary_key=PrimaryKey(("id",)))))
    assert p.path == "t.id" and "nullable: false" in p.fix


def test_unknown_types_and_extension_types() -> None:
    t = Table("t", (Column("a", "nosuch"), Column("b", "citext"), Column("c", "Mood")))
    problems = validate(_with(t, enums=(EnumType("Mood", ("x",)),)))
    by_path = {p.path: p for p in problems}
    assert "unknown type 'nosuch'" in by_path["t.a"].message
    assert "extensions: [citext]" in by_path["t.b"].fix
    assert '"Mood"' in by_path["t.c"].fix
    ok = Table("t", (Column("b", "citext"), Column("c", '"Mood"'), Column("d", "app.mood[]"),
                     Column("e", 'public."Mood"')))
    assert validate(_with(ok, extensions=(Extension("citext"),), schemas=(Schema("app"),),
                          enums=(EnumType("Mood", ("x",)),
                                 EnumType("mood", ("y",), schema="app")))) == []


def test_column_rules() -> None:
    t = Table("t", (
        Column("a", "text", False, identity="always"),
        Column("b", "bigint", False, default="1", identity="always"),
        Column("c", "integer", default="1", generated="2"),
        Column("d", "numeric(2,5)"),
        Column("e", "varchar(0)"),
    ))
    by_path: dict[str, list[str]] = {}
    for p in validate(_with(t)):
        by_path.setdefault(p.path, []).append(p.message)
    assert any("identity needs" in m for m in by_path["t.a"])
    assert any("identity and a default" in m for m in by_path["t.b"])
    assert any("generated column has a default" in m for m in by_path["t.c"])
    assert any("scale larger" in m for m in by_path["t.d"])
    assert any("varchar(0)" in m for m in by_path["t.e"])


def test_partitions() -> None:
    parent = Table("m", (Column("id", "bigint", False), Column("at", "timestamptz", False)),
                   primary_key=PrimaryKey(("id",)), partition_by=PartitionBy("range", ("at",)))
    problems = validate(_with(parent, Table("m1", partition_of="m"),
                              Table("m2", partition_of="nope", partition_bound="DEFAULT"),
                              Table("m3", partition_of="orders", partition_bound="DEFAULT")))
    by_path = {p.path: p for p in problems}
    assert "partition key column(s) ['at']" in by_path["m.primary_key"].message
    assert "no bound" in by_path["m1.partition_bound"].message
    assert "does not exist" in by_path["m2.partition_of"].message
    assert "not partitioned" in by_path["m3.partition_of"].message
    fixed = replace(parent, primary_key=PrimaryKey(("id", "at")))
    assert validate(_with(fixed, Table("m1", partition_of="m", partition_bound="DEFAULT"))) == []


def test_dangling_references_of_intents_sequences_triggers_policies() -> None:
    t = replace(CUSTOMERS, intent=TableIntent(soft_delete="deleted_at", tenant_key="tenant"),
                policies=(Policy("p", roles=("app_user",)),))
    problems = validate(_with(t, sequences=(Sequence("s", owned_by=("customers", "nope")),),
                              triggers=(Trigger("tr", "nowhere", "CREATE TRIGGER …"),)))
    paths = {p.path for p in problems}
    assert {"customers.intent.soft_delete", "customers.intent.tenant_key", "sequences.s",
            "triggers.tr", "customers.policies.p"} <= paths


def test_paths_name_non_public_schemas() -> None:
    t = Table("t", (Column("a", "nosuch"),), schema="app")
    (p,) = [p for p in validate(_with(t, schemas=(Schema("app"),)))]
    assert p.path == "app.t.a"


def test_composite_and_domain_types_are_checked() -> None:
    problems = validate(_with(domains=(Domain("d", "nosuch"),),
                              composites=(CompositeType("c", (("x", "nosuch2"),)),)))
    assert {p.path for p in problems} == {"domains.d", "composites.c.x"}


def test_overloads_with_long_argument_lists_are_distinct() -> None:
    """Only a routine's name is an identifier; two overloads whose argument lists share their
    first 63 bytes are different routines (AppFlowy has four such procedures)."""
    from pgarch_kit.model import Routine
    args = "IN p_workspace_id uuid, IN p_oid text, IN p_partition_key integer, IN p_x "
    routines = tuple(Routine("upsert", args + t, f"CREATE PROCEDURE public.upsert({args}{t})"
                             " LANGUAGE sql AS $$ SELECT 1 $$", kind="procedure")
                     for t in ("integer", "bigint"))
    design = Design(name="overloads", routines=routines)
    assert [p for p in validate(design) if "routine" in p.message] == []
    twice = Design(name="overloads", routines=(routines[0], routines[0]))
    assert any("duplicate routine" in p.message for p in validate(twice))
