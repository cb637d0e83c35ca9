"""The pure editing operations: results are valid designs, renames propagate, errors name
the problem and the fix, and a refused edit raises before anything is returned."""
from __future__ import annotations

import pytest

from pgarch_kit.errors import PgArchError
from pgarch_kit.model.design import (
    Check,
    Column,
    Design,
    EnumType,
    ForeignKey,
    Index,
    IndexKey,
    PartitionBy,
    PrimaryKey,
    Sequence,
    Table,
    TableIntent,
    Trigger,
    Unique,
)
from pgarch_kit.model.edit import (
    ColumnSpec,
    EditError,
    add_check,
    add_column,
    add_enum,
    add_index,
    add_relationship,
    add_table,
    add_unique,
    index_name,
    move_column,
    remove_column,
    remove_index,
    remove_table,
    rename_column,
    rename_table,
    set_columns,
    set_intent,
    set_primary_key,
    set_table_comment,
    singular,
    update_column,
)
from pgarch_kit.model.validate import validate


def shop() -> Design:
    d = add_table(Design("shop"), "customers")
    d = add_column(d, "customers", Column("email", "text", nullable=False))
    d = add_table(d, "orders")
    return add_relationship(d, "orders", "customers", on_delete="CASCADE")


def valid(d: Design) -> Design:
    assert validate(d) == []
    return d


# ------------------------------------------------------------------ errors

def test_edit_error_is_a_value_error_and_a_kit_error():
    assert issubclass(EditError, ValueError) and issubclass(EditError, PgArchError)


@pytest.mark.parametrize("call, words", [
    (lambda d: add_table(d, ""), ["empty", "fix:"]),
    (lambda d: add_table(d, "x" * 70), ["63", "shorter name"]),
    (lambda d: add_table(d, "orders"), ["already used", "another name"]),
    (lambda d: add_column(d, "nope", Column("a", "text")), ["'nope' does not exist", "customers"]),
    (lambda d: add_column(d, "orders", Column("id", "text")), ["already exists"]),
    (lambda d: add_column(d, "orders", Column("a", "numeric(x)")), ["cannot read type", "fix:"]),
    (lambda d: update_column(d, "orders", "zzz", nullable=True), ["orders.zzz does not exist", "id"]),
    (lambda d: update_column(d, "orders", "id", colour="red"), ["unknown column field"]),
    (lambda d: rename_column(d, "orders", "id", "customer_id"), ["already exists"]),
    (lambda d: rename_column(d, "orders", "id", " id"), ["white space", "'id'"]),
    (lambda d: move_column(d, "orders", "id", "sideways"), ["direction"]),
    (lambda d: add_relationship(d, "orders", "customers", kind="2:3"), ["1:N, 1:1 or N:M"]),
    (lambda d: add_relationship(d, "orders", "customers", on_delete="EXPLODE"), ["CASCADE"]),
    (lambda d: add_relationship(d, "orders", "customers", on_delete="SET NULL"),
     ["nullable", "untick 'required'"]),
    (lambda d: add_index(d, "orders", Index("", (IndexKey("nope"),))), ["does not exist"]),
    (lambda d: add_index(d, "orders", Index("", ())), ["no keys"]),
    (lambda d: add_index(d, "orders", Index("customers", (IndexKey("id"),))), ["already used"]),
    (lambda d: add_index(d, "orders", Index("", (IndexKey("id"),), method="hash", unique=True)),
     ["cannot be unique", "btree"]),
    (lambda d: add_index(d, "orders", Index("", (IndexKey("id"),), method="brin",
                                            include=("customer_id",))), ["INCLUDE"]),
    (lambda d: add_enum(d, EnumType("status", ())), ["non-empty", "commas"]),
    (lambda d: add_enum(d, EnumType("status", ("a", "a"))), ["repeats", "once"]),
    (lambda d: add_enum(d, EnumType("orders", ("a",))), ["already exists"]),
    (lambda d: set_intent(d, "orders", rows=-1), ["whole number", "100000"]),
    (lambda d: set_intent(d, "orders", soft_delete="deleted_at"), ["does not exist"]),
    (lambda d: set_intent(d, "orders", color=1), ["unknown intent field"]),
    (lambda d: set_primary_key(d, "orders", ["nope"]), ["does not exist"]),
    (lambda d: add_unique(d, "orders", []), ["needs columns"]),
    (lambda d: add_check(d, "orders", " "), ["no expression"]),
])
def test_invalid_input_raises_edit_error_naming_problem_and_fix(call, words):
    d = shop()
    with pytest.raises(EditError) as err:
        call(d)
    message = str(err.value)
    assert "fix:" in message
    for word in words:
        assert word in message
    assert d == shop()  # the input design is untouched (values are frozen)


# ------------------------------------------------------------------ tables

def test_add_table_with_identity_primary_key():
    d = valid(add_table(Design("x"), "items", comment=" things "))
    t = d.table("items")
    assert t.columns == (Column("id", "bigint", nullable=False, identity="always"),)
    assert t.primary_key == PrimaryKey(("id",)) and t.comment == "things"
    bare = add_table(Design("x"), "log", with_id=False, schema="audit")
    assert bare.table("log").columns == () and bare.table("log").schema == "audit"


def test_remove_table_refuses_when_referenced_and_cascade_drops_fks():
    d = shop()
    with pytest.raises(EditError, match=r"referenced by orders.*cascade=True"):
        remove_table(d, "customers")
    after = valid(remove_table(d, "customers", cascade=True))
    assert after.table("customers") is None
    orders = after.table("orders")
    assert orders.foreign_keys == () and orders.column("customer_id") is not None
    assert valid(remove_table(d, "orders")).table("orders") is None


def test_remove_table_drops_triggers_and_partitions_with_cascade():
    d = Design("p", tables=(
        Table("events", (Column("at", "date", nullable=False),),
              partition_by=PartitionBy("range", ("at",))),
        Table("events_2025", partition_of="events", partition_bound="DEFAULT")),
        triggers=(Trigger("t", "events", "CREATE TRIGGER t ..."),))
    with pytest.raises(EditError, match="partitioned into events_2025"):
        remove_table(d, "events")
    after = remove_table(d, "events", cascade=True)
    assert after.tables == () and after.triggers == ()


def test_rename_table_updates_every_reference():
    d = shop()
    d = d.with_table(Table("customers_2", partition_of="customers", partition_bound="DEFAULT"))
    d = Design(d.name, tables=d.tables,
               sequences=(Sequence("c_seq", owned_by=("customers", "id")),),
               triggers=(Trigger("t", "customers", "CREATE TRIGGER t ..."),))
    after = rename_table(d, "customers", "clients")
    assert after.table("customers") is None and after.table("clients") is not None
    assert after.table("orders").foreign_keys[0].ref_table == "clients"
    assert after.table("customers_2").partition_of == "clients"
    assert after.sequences[0].owned_by == ("clients", "id")
    assert after.triggers[0].table == "clients"
    with pytest.raises(EditError, match="already used"):
        rename_table(d, "customers", "orders")


def test_set_table_comment():
    d = set_table_comment(shop(), "orders", "one row per checkout")
    assert d.table("orders").comment == "one row per checkout"
    assert set_table_comment(d, "orders", "  ").table("orders").comment is None


# ------------------------------------------------------------------ columns

def test_add_update_move_columns():
    d = add_column(shop(), "orders", Column("total", "numeric(12,2)", nullable=False))
    d = add_column(d, "orders", Column("note", "varchar(40)"), position=1)
    assert [c.name for c in d.table("orders").columns] == ["id", "note", "customer_id", "total"]
    d = update_column(d, "orders", "note", type="varchar(80)", default=" ")
    note = d.table("orders").column("note")
    assert note.type == "character varying(80)" and note.default is None
    d = move_column(d, "orders", "note", "down")
    assert [c.name for c in d.table("orders").columns] == ["id", "customer_id", "note", "total"]
    d = move_column(d, "orders", "id", "up")  # already first: stays
    d = move_column(d, "orders", "total", -3)
    assert [c.name for c in d.table("orders").columns] == ["total", "id", "customer_id", "note"]
    d = update_column(d, "orders", "note", name="remark")
    assert d.table("orders").column("remark") is not None
    valid(d)


def test_remove_column_drops_this_tables_uses_and_refuses_references():
    d = shop()
    d = add_column(d, "orders", Column("code", "text"))
    d = add_unique(d, "orders", ["code"])
    d = add_check(d, "orders", "code <> 'x'", name="orders_code_check")
    d = add_index(d, "orders", Index("", (IndexKey("id"),), include=("code",)))
    d = set_intent(d, "orders", tenant_key="code")
    after = valid(remove_column(d, "orders", "code"))
    t = after.table("orders")
    assert t.uniques == () and t.checks == () and t.indexes == (
        d.table("orders").indexes[0],)  # the FK index stays; the one including code goes
    assert t.intent.tenant_key is None
    after = valid(remove_column(d, "orders", "customer_id"))
    assert after.table("orders").foreign_keys == () and after.table("orders").indexes[-1].name \
        == "orders_id_idx"
    with pytest.raises(EditError, match=r"referenced by foreign keys of orders.*cascade=True"):
        remove_column(d, "customers", "id")
    after = valid(remove_column(d, "customers", "id", cascade=True))
    assert after.table("customers").primary_key is None
    assert after.table("orders").foreign_keys == ()


def test_remove_partition_key_column_is_refused():
    d = Design("p", tables=(Table("ev", (Column("at", "date"),),
                                  partition_by=PartitionBy("range", ("at",))),))
    with pytest.raises(EditError, match="partition key"):
        remove_column(d, "ev", "at")


def test_rename_column_propagates_everywhere():
    d = shop()
    d = add_column(d, "customers", Column("deleted_at", "timestamptz"))
    d = add_unique(d, "customers", ["email"])
    d = add_check(d, "customers", "email LIKE '%email%' AND length(email) > 3")
    d = add_index(d, "customers", Index("customers_lower", (IndexKey("lower(email)", True),),
                                        include=("deleted_at",),
                                        where="deleted_at IS NULL"))
    d = set_intent(d, "customers", soft_delete="deleted_at")
    d = rename_column(d, "customers", "id", "customer_no")
    d = valid(rename_column(d, "customers", "email", "mail"))
    d = valid(rename_column(d, "customers", "deleted_at", "removed_at"))
    c = d.table("customers")
    assert c.primary_key.columns == ("customer_no",)
    assert c.uniques[0].columns == ("mail",)
    assert c.checks[0].expression == "mail LIKE '%email%' AND length(mail) > 3"
    ix = c.indexes[0]
    assert ix.keys[0].column == "lower(mail)" and ix.include == ("removed_at",)
    assert ix.where == "removed_at IS NULL" and c.intent.soft_delete == "removed_at"
    assert d.table("orders").foreign_keys[0].ref_columns == ("customer_no",)
    d = valid(rename_column(d, "orders", "customer_id", "buyer_id"))
    o = d.table("orders")
    assert o.foreign_keys[0].columns == ("buyer_id",)
    assert o.indexes[0].keys == (IndexKey("buyer_id"),)


def test_rename_column_updates_partition_keys_and_partitions():
    d = Design("p", tables=(
        Table("ev", (Column("at", "date"),), partition_by=PartitionBy("range", ("at",))),
        Table("ev_d", (Column("at", "date"),), partition_of="ev", partition_bound="DEFAULT"),
    ))
    d = valid(rename_column(d, "ev", "at", "happened_at"))
    assert d.table("ev").partition_by.keys == ("happened_at",)
    assert d.table("ev_d").column("happened_at") is not None


def test_rename_quotes_names_inside_expressions():
    d = add_check(shop(), "customers", "email <> ''")
    d = rename_column(d, "customers", "email", "Email")
    assert d.table("customers").checks[0].expression == "\"Email\" <> ''"


def test_set_columns_from_a_grid():
    d = shop()
    specs = [
        ColumnSpec("id", "bigint", nullable=False, primary_key=True, was="id"),
        ColumnSpec("e_mail", "varchar(200)", nullable=False, unique=True,
                   check="e_mail LIKE '%@%'", was="email"),
        ColumnSpec("name", "text", default="'anon'"),
    ]
    d = valid(set_columns(d, "customers", specs))
    c = d.table("customers")
    assert [x.name for x in c.columns] == ["id", "e_mail", "name"]
    assert c.column("e_mail").type == "character varying(200)"
    assert c.column("id").identity == "always"  # untouched by the grid
    assert c.uniques == (Unique(("e_mail",)),)
    assert c.checks == (Check("e_mail LIKE '%@%'", "customers_e_mail_check"),)
    assert c.column("name").default == "'anon'"
    # reorder, drop the check and unique, remove a column
    specs = [ColumnSpec("name", "text", was="name", primary_key=False),
             ColumnSpec("id", "bigint", nullable=False, primary_key=True, was="id")]
    d = valid(set_columns(d, "customers", specs))
    c = d.table("customers")
    assert [x.name for x in c.columns] == ["name", "id"] and not c.uniques and not c.checks
    # a renamed column keeps one check (the grid's), and a new name may reuse a removed one
    d = set_columns(d, "customers", [
        ColumnSpec("id", "bigint", nullable=False, primary_key=True, was="id"),
        ColumnSpec("label", "text", check="label <> ''", was="name")])
    d = valid(set_columns(d, "customers", [
        ColumnSpec("id", "bigint", nullable=False, primary_key=True, was="id"),
        ColumnSpec("title", "text", check="title <> ''", was="label")]))
    assert d.table("customers").checks == (Check("title <> ''", "customers_title_check"),)
    d = valid(set_columns(d, "customers", [
        ColumnSpec("id", "bigint", nullable=False, primary_key=True, was="id"),
        ColumnSpec("title", "integer")]))  # a new column named like the removed one
    assert d.table("customers").column("title").type == "integer"
    with pytest.raises(EditError, match="appear twice"):
        set_columns(d, "customers", [ColumnSpec("a", "text"), ColumnSpec("a", "text")])


def test_set_primary_key_makes_columns_not_null():
    d = add_table(Design("x"), "tags", with_id=False)
    d = add_column(d, "tags", Column("slug", "text"))
    d = valid(set_primary_key(d, "tags", ["slug"]))
    assert d.table("tags").column("slug").nullable is False
    assert set_primary_key(d, "tags", []).table("tags").primary_key is None


# ------------------------------------------------------------------ relationships

def test_one_to_many_adds_column_fk_and_index():
    d = valid(shop())
    o = d.table("orders")
    assert o.column("customer_id") == Column("customer_id", "bigint", nullable=False)
    assert o.foreign_keys == (ForeignKey(("customer_id",), "customers", ("id",),
                                         name="orders_customer_id_fkey", on_delete="CASCADE"),)
    assert o.indexes == (Index("orders_customer_id_idx", (IndexKey("customer_id"),)),)


def test_optional_relationship_is_nullable_and_reuses_existing_column():
    d = add_table(add_table(Design("x"), "categories"), "products")
    d = add_column(d, "products", Column("category_id", "bigint"))
    d = valid(add_relationship(d, "products", "categories", required=False,
                               on_delete="SET NULL"))
    p = d.table("products")
    assert [c.name for c in p.columns] == ["id", "category_id"]
    assert p.column("category_id").nullable
    d2 = add_column(add_table(add_table(Design("x"), "categories"), "products"), "products",
                    Column("category_id", "text"))
    with pytest.raises(EditError, match=r"type text.*change category_id to bigint"):
        add_relationship(d2, "products", "categories")


def test_one_to_one_adds_unique_instead_of_index():
    d = add_table(add_table(Design("x"), "users"), "profiles")
    d = valid(add_relationship(d, "profiles", "users", kind="1:1"))
    p = d.table("profiles")
    assert p.uniques == (Unique(("user_id",)),) and p.indexes == ()


def test_many_to_many_creates_join_table():
    d = add_table(add_table(Design("x"), "posts"), "tags")
    d = valid(add_relationship(d, "posts", "tags", kind="N:M", on_delete="CASCADE"))
    j = d.table("posts_tags")
    assert [c.name for c in j.columns] == ["post_id", "tag_id"]
    assert all(not c.nullable and c.identity is None for c in j.columns)
    assert j.primary_key.columns == ("post_id", "tag_id")
    assert [(fk.columns, fk.ref_table, fk.on_delete) for fk in j.foreign_keys] == [
        (("post_id",), "posts", "CASCADE"), (("tag_id",), "tags", "CASCADE")]
    assert j.indexes == (Index("posts_tags_tag_id_idx", (IndexKey("tag_id"),)),)
    with pytest.raises(EditError, match="already used"):
        add_relationship(d, "posts", "tags", kind="N:M")
    named = valid(add_relationship(d, "posts", "tags", kind="N:M", name="post_labels"))
    assert named.table("post_labels") is not None


def test_self_reference_and_missing_primary_key():
    d = valid(add_relationship(add_table(Design("x"), "employees"), "employees", "employees",
                               required=False))
    assert d.table("employees").foreign_keys[0].columns == ("parent_id",)
    d = add_table(add_table(Design("x"), "a"), "b", with_id=False)
    with pytest.raises(EditError, match=r"'b' has no primary key.*give b a primary key"):
        add_relationship(d, "a", "b")


@pytest.mark.parametrize("plural, single", [
    ("customers", "customer"), ("categories", "category"), ("addresses", "address"),
    ("boxes", "box"), ("status", "status"), ("person", "person"), ("analysis", "analysis")])
def test_singular(plural, single):
    assert singular(plural) == single


# ------------------------------------------------------------------ indexes, enums, intents

def test_add_partial_index_with_default_name_and_remove_it():
    d = valid(add_index(shop(), "customers", Index(
        "", (IndexKey("email"),), unique=True, where=" email IS NOT NULL ")))
    ix = d.table("customers").indexes[0]
    assert ix.name == "customers_email_idx" and ix.where == "email IS NOT NULL" and ix.unique
    assert index_name("t", ["lower(email)"]) == "t_lower_email_idx"
    assert valid(remove_index(d, "customers", ix.name)).table("customers").indexes == ()
    with pytest.raises(EditError, match="does not exist"):
        remove_index(d, "customers", "nope")


def test_enum_then_used_as_column_type():
    d = valid(add_enum(shop(), EnumType("order_status", (" new", "paid "))))
    assert d.enums[0].values == ("new", "paid")
    d = valid(add_column(d, "orders", Column("status", "order_status", default="'new'")))
    assert d.table("orders").column("status").type == "order_status"


def test_set_intent():
    d = add_column(shop(), "orders", Column("deleted_at", "timestamptz"))
    d = valid(set_intent(d, "orders", rows=1000, growth_per_month=50, soft_delete="deleted_at",
                         audit=True, notes=" hot "))
    assert d.table("orders").intent == TableIntent(1000, 50, "deleted_at", True, None, "hot")
    assert set_intent(d, "orders", rows=None).table("orders").intent.rows is None


def test_add_and_remove_query_pattern() -> None:
    from pgarch_kit.model.edit import EditError, add_query, remove_query
    from pgarch_kit.model.serde import loads_design
    design = loads_design("name: q\ntables:\n  - name: t\n    columns:\n"
                          "      - {name: id, type: bigint, identity: always}\n"
                          "    primary_key: [id]\n")
    d = add_query(design, "by_id", " SELECT * FROM t WHERE id = :id ", per_second=5,
                  critical=True, param_sources={"id": "t.id"}, skew="zipf 1.1")
    (q,) = d.queries
    assert (q.name, q.sql, q.per_second, q.critical) == ("by_id", "SELECT * FROM t WHERE id = :id",
                                                         5, True)
    assert q.param_sources == (("id", "t.id"),) and design.queries == ()
    with pytest.raises(EditError, match="already exists"):
        add_query(d, "by_id", "SELECT 1")
    with pytest.raises(EditError, match="has no SQL"):
        add_query(d, "other", "  ")
    with pytest.raises(EditError, match="per_second must be a number"):
        add_query(d, "other", "SELECT 1", per_second=-1)
    assert remove_query(d, "by_id").queries == ()
    with pytest.raises(EditError, match="does not exist"):
        remove_query(d, "nope")
