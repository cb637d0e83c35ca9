"""Small hand-built designs that together use every feature the DDL renderer knows.
Each case has a golden file tests/ddl/golden/<name>.sql."""
from __future__ import annotations

from pgarch_kit.model import (
    Check,
    Column,
    CompositeType,
    Design,
    Domain,
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
    Routine,
    Schema,
    Sequence,
    Table,
    Trigger,
    Unique,
    View,
)
from pgarch_kit.model.design import DomainCheck
from pgarch_kit.model.objects import (
    Cast,
    Collation,
    RangeType,
    Rule,
    TextSearchConfiguration,
    TextSearchDictionary,
)
from pgarch_kit.model.privileges import DefaultPrivilege, Grant, Owner


def basic() -> Design:
    customers = Table(
        "customers",
        columns=(
            Column("id", "bigint", False, identity="always", comment="surrogate key"),
            Column("email", "text", False, collation="C"),
            Column("status", "customer_status", False, default="'active'::customer_status"),
            Column("points", "integer", False, default="0"),
            Column("code", "character varying(12)"),
            Column("seq_no", "bigint", False, default="nextval('customer_seq'::regclass)"),
        ),
        primary_key=PrimaryKey(("id",), name="customers_pk", include=("email",)),
        uniques=(Unique(("email",), name="customers_email_key"),
                 Unique(("code",), nulls_not_distinct=True)),
        checks=(Check("points >= 0", name="points_nonneg"),
                Check("(length(email) > 3)", no_inherit=True)),
        options=("fillfactor=90",),
        comment="People who buy; it's \"the\" customer table",
        rls_enabled=True, rls_forced=True,
        policies=(Policy("own_rows", roles=("app_user",),
                         using="(current_setting('app.customer', true) = (id)::text)"),
                  Policy("no_delete", command="DELETE", permissive=False,
                         roles=("app_user", "public"), using="false"),
                  Policy("ins", command="INSERT", with_check="points >= 0")),
        indexes=(Index("customers_lower_email", (IndexKey("lower(email)", expression=True),)),
                 Index("customers_points", (IndexKey("points", descending=True,
                                                     nulls_first=False),
                                            IndexKey("code", collation="C",
                                                     opclass="text_pattern_ops")),
                       include=("email",), where="status = 'active'::customer_status",
                       options=("fillfactor=70",), comment="hot path \\ report"),
                 Index("customers_code_uq", (IndexKey("code"),), unique=True,
                       nulls_not_distinct=True)),
    )
    orders = Table(
        "orders",
        schema="sales",
        columns=(
            Column("id", "bigint", False, identity="by default"),
            Column("customer_id", "bigint", False),
            Column("amount", "numeric(12,2)", False),
            Column("tax", "numeric(12,2)", generated="amount * 0.2"),
            Column("during", "tstzrange", False),
            Column("room", "integer", False),
            Column("placed_at", "timestamptz", False, default="now()"),
        ),
        primary_key=PrimaryKey(("id",), deferrable=True),
        foreign_keys=(ForeignKey(("customer_id",), "customers", ("id",), ref_schema="public",
                                 name="orders_customer_fk", on_delete="CASCADE",
                                 on_update="RESTRICT", match="FULL", deferrable=True,
                                 initially_deferred=True),),
        exclusions=(Exclusion((ExclusionElement("room", "="),
                               ExclusionElement("during", "&&")),
                              name="orders_no_overlap", include=("amount",),
                              where="(amount > (0)::numeric)"),),
        unlogged=True,
    )
    return Design(
        "basic", description="every node kind\nonce",
        schemas=(Schema("sales", comment="order taking"), Schema("public", comment="std")),
        extensions=(Extension("btree_gist"), Extension("citext", schema="sales")),
        roles=("app_user",),
        enums=(EnumType("customer_status", ("active", "paused", "it's gone"),
                        comment="lifecycle"),),
        domains=(Domain("positive_int", "int", not_null=True, default="1",
                        checks=(DomainCheck("VALUE > 0", name="positive"),
                                DomainCheck("VALUE < 1000000")), comment="a count"),
                 Domain("code_text", "text", collation="C")),
        composites=(CompositeType("money_pair", (("amount", "numeric(12,2)"),
                                                 ("currency", "char(3)")), comment="pair"),),
        sequences=(Sequence("customer_seq", start=100, increment=5, min_value=1,
                            max_value=1000000, cache=10, cycle=True,
                            owned_by=("customers", "seq_no"), comment="numbers"),
                   Sequence("plain_seq", data_type="int")),
        tables=(orders, customers),
        views=(View("active_customers",
                    "SELECT id, email FROM customers WHERE status = 'active'::customer_status",
                    check_option="cascaded", options=("security_barrier=true",),
                    comment="only the active ones"),
               View("order_totals",
                    "SELECT customer_id, sum(amount) AS total FROM sales.orders "
                    "GROUP BY customer_id;", materialized=True, comment="per customer",
                    indexes=(Index("order_totals_customer", (IndexKey("customer_id"),),
                                   unique=True, comment="refresh concurrently"),))),
        routines=(
            Routine("add_points", "integer, integer",
                    "CREATE OR REPLACE FUNCTION public.add_points(a integer, b integer)\n"
                    " RETURNS integer\n LANGUAGE sql\n IMMUTABLE\nAS $function$"
                    "SELECT a + b FROM customers LIMIT 1$function$", comment="sum"),
            Routine("total", "integer", "CREATE AGGREGATE public.total(integer) "
                    "(SFUNC = add_points, STYPE = integer, INITCOND = '0')", kind="aggregate",
                    comment="aggregate"),
            Routine("customer_label", "customers",
                    "CREATE FUNCTION customer_label(c customers) RETURNS text\n"
                    "LANGUAGE sql STABLE AS $$ SELECT c.email $$;", comment="uses a row"),
            Routine("touch", "", "CREATE PROCEDURE touch()\nLANGUAGE plpgsql\nAS $$\nBEGIN\n"
                    "  UPDATE customers SET points = points + 1;\nEND\n$$",
                    kind="procedure", comment="procedure"),
            Routine("set_placed_at", "", "CREATE FUNCTION set_placed_at() RETURNS trigger\n"
                    "LANGUAGE plpgsql AS $$ BEGIN NEW.placed_at := now(); RETURN NEW; END $$"),
            Routine("count_orders", "", "CREATE FUNCTION count_orders() RETURNS bigint\n"
                    "LANGUAGE sql\nBEGIN ATOMIC\n SELECT count(*) FROM sales.orders;\nEND"),
            Routine("totals_row", "", "CREATE FUNCTION totals_row() RETURNS SETOF "
                    "order_totals LANGUAGE sql AS 'SELECT * FROM order_totals'"),
        ),
        triggers=(Trigger("orders_placed_at", "orders", schema="sales", enabled="D",
                          definition="CREATE TRIGGER orders_placed_at BEFORE INSERT ON "
                          "sales.orders FOR EACH ROW EXECUTE FUNCTION set_placed_at()",
                          comment="stamp"),
                  Trigger("orders_replica", "orders", schema="sales", enabled="R",
                          definition="CREATE TRIGGER orders_replica BEFORE UPDATE ON "
                          "sales.orders FOR EACH ROW EXECUTE FUNCTION set_placed_at();"),
                  Trigger("orders_always", "orders", schema="sales", enabled="A",
                          definition="CREATE TRIGGER orders_always BEFORE DELETE ON "
                          "sales.orders FOR EACH ROW EXECUTE FUNCTION set_placed_at()")),
    )


def partitions() -> Design:
    events = Table(
        "events",
        columns=(Column("id", "bigint", False), Column("at", "timestamptz", False),
                 Column("kind", "text", False, default="'x'::text"),
                 Column("account_id", "integer")),
        partition_by=PartitionBy("range", ("at",)),
        foreign_keys=(ForeignKey(("account_id",), "accounts", ("id",)),),
        indexes=(Index("events_kind", (IndexKey("kind"),)),
                 Index("events_lower_kind", (IndexKey("lower(kind)", expression=True),))),
    )
    y2025 = Table("events_2025", partition_of="events",
                  partition_bound="FOR VALUES FROM ('2025-01-01 00:00:00+00') TO "
                                  "('2026-01-01 00:00:00+00')",
                  partition_by=PartitionBy("list", ("(lower(kind))",)),
                  checks=(Check("id > 0", name="events_2025_id_check"),))
    y2025_a = Table("events_2025_a", partition_of="events_2025",
                    partition_bound="FOR VALUES IN ('a')",
                    indexes=(Index("events_2025_a_kind", (IndexKey("kind"),)),))
    y2025_rest = Table("events_2025_rest", partition_of="events_2025",
                       partition_bound="DEFAULT")
    # a partition with its own columns: created standalone, attached later
    y2026 = Table("events_2026",
                  columns=(Column("id", "bigint", False), Column("at", "timestamptz", False),
                           Column("kind", "text", False, default="'y2026'::text"),
                           Column("account_id", "integer")),
                  partition_of="events",
                  partition_bound="FOR VALUES FROM ('2026-01-01 00:00:00+00') TO "
                                  "('2027-01-01 00:00:00+00')",
                  indexes=(Index("events_2026_kind", (IndexKey("kind"),)),))
    other = Table("events_other", partition_of="events", partition_bound="DEFAULT")
    codes = Table("codes", columns=(Column("k", "int", False), Column("h", "text")),
                  primary_key=PrimaryKey(("k",)), partition_by=PartitionBy("hash", ("k",)),
                  indexes=(Index("codes_h", (IndexKey("h"),)),))
    codes0 = Table("codes_0", partition_of="codes",
                   partition_bound="FOR VALUES WITH (modulus 2, remainder 0)")
    codes1 = Table("codes_1", partition_of="codes",
                   partition_bound="FOR VALUES WITH (modulus 2, remainder 1)",
                   indexes=(Index("codes_1_h", (IndexKey("h"),)),))
    accounts = Table("accounts", columns=(Column("id", "integer", False),
                                          Column("code", "integer")),
                     primary_key=PrimaryKey(("id",)),
                     foreign_keys=(ForeignKey(("code",), "codes", ("k",)),))
    # partitions listed before their parent on purpose: order comes from the graph
    return Design("partitions", tables=(y2025_a, y2025, events, y2025_rest, y2026, other,
                                        codes, codes0, codes1, accounts))


def _t(name: str, *refs: str, unique_index_only: bool = False) -> Table:
    cols = [Column("id", "integer", False), *(Column(f"{r}_id", "integer") for r in refs)]
    return Table(name, columns=tuple(cols), primary_key=PrimaryKey(("id",)),
                 foreign_keys=tuple(ForeignKey((f"{r}_id",), r, ("id",), name=f"{name}_{r}_fk")
                                    for r in refs))


def cycles() -> Design:
    a, b = _t("a", "b"), _t("b", "a")
    x, y, z = _t("x", "y"), _t("y", "z"), _t("z", "x")
    node = Table("node", columns=(Column("id", "integer", False), Column("parent", "integer")),
                 primary_key=PrimaryKey(("id",)),
                 foreign_keys=(ForeignKey(("parent",), "node", ("id",)),))
    uses = _t("uses", "a", "x")
    keyed = Table("keyed", columns=(Column("id", "integer", False), Column("code", "text")),
                  primary_key=PrimaryKey(("id",)),
                  indexes=(Index("keyed_code_uq", (IndexKey("code"),), unique=True),))
    by_code = Table("by_code", columns=(Column("code", "text"),),
                    foreign_keys=(ForeignKey(("code",), "keyed", ("code",),
                                             name="by_code_code_fk"),))
    return Design("cycles", tables=(uses, a, b, x, y, z, node, by_code, keyed))


def hostile() -> Design:
    odd = Table(
        'Odd "Table"',
        schema="My Schema",
        columns=(Column("select", "integer", False), Column("Mixed Case", "text"),
                 Column("naïve ñame", "text", comment="multibyte"),
                 Column("quote'in", "text"), Column("user", "integer"),
                 Column("mood", '"My Schema"."Feeling"', default="'hap''py'"),
                 Column("日本語", "integer")),
        primary_key=PrimaryKey(("select",), name="pk \"odd\""),
        uniques=(Unique(("Mixed Case",), name="Uniq"),),
        indexes=(Index("idx \"q\"", (IndexKey("日本語"), IndexKey("quote'in"))),),
        comment="it's odd",
    )
    ref = Table("order", schema="My Schema",
                columns=(Column("from", "integer"), Column("to", "integer")),
                foreign_keys=(ForeignKey(("from",), 'Odd "Table"', ("select",),
                                         name="from fk"),),
                policies=(Policy("Only Mine", using='"from" > 0'),), rls_enabled=True)
    return Design("hostile\nnames", schemas=(Schema("My Schema"),),
                  roles=('Role "x"',),
                  enums=(EnumType("Feeling", ("hap'py", "sad\\ish"), schema="My Schema"),),
                  tables=(ref, odd),
                  views=(View("Odd View", 'SELECT "select" FROM "My Schema"."Odd ""Table"""',
                              schema="My Schema"),),
                  triggers=())


def virtual() -> Design:
    return Design("virtual", tables=(Table(
        "rects", columns=(Column("w", "integer", False), Column("h", "integer", False),
                          Column("area", "integer", generated="w * h",
                                 generated_kind="virtual")),),))


def kinds() -> Design:
    """Collations, range types, text search, casts, rules, grants, owners, default privileges;
    a domain over a composite type declared after it (types come out in dependency order)."""
    odd = 'Odd "coll"'
    return Design(
        "kinds", roles=("kinds_g_reader", "kinds_g_owner"), schemas=(Schema("api"),),
        extensions=(Extension("unaccent"),),
        collations=(Collation("c_bytes", locale="C", comment="byte order"),
                    Collation(odd, schema="api", lc_collate="C", lc_ctype="POSIX")),
        domains=(Domain("opening_nn", "opening", checks=(DomainCheck(
            '(VALUE IS NULL) OR ((VALUE).start IS NOT NULL)'),)),
                 Domain("code", "text", collation='api."Odd ""coll"""')),
        composites=(CompositeType("opening", (("start", "time"), ("end", "time"))),),
        enums=(EnumType("placement", ("club", "daycare")), EnumType("study", ("club",
                                                                             "daycare"))),
        ranges=(RangeType("uuidrange", "uuid", comment="blocks of ids"),
                RangeType("labelrange", "text", collation="c_bytes", multirange="labels")),
        text_search_dictionaries=(TextSearchDictionary(
            "en_keep", "snowball", options=(("language", "english"),)),),
        text_search_configurations=(TextSearchConfiguration("fold", mappings=(
            ("asciiword", ("unaccent", "en_keep")), ("numword", ("simple",)))),),
        routines=(Routine("as_study", "placement",
                          "CREATE FUNCTION public.as_study(placement) RETURNS study\n"
                          " LANGUAGE sql IMMUTABLE\nRETURN ($1)::text::study"),),
        casts=(Cast("placement", "study", function="as_study", signature="placement",
                    context="assignment"),
               Cast("study", "placement", method="inout", comment="by name")),
        tables=(Table("slot", (Column("id", "integer", False), Column("ids", "uuidrange"),
                               Column("sku", "code"), Column("hours", "opening_nn"),
                               Column("name", "text", collation="c_bytes")),
                      schema="api", primary_key=PrimaryKey(("id",))),
                Table("slot_archive", (Column("id", "integer"),), schema="api")),
        views=(View("slot_ids", "SELECT id FROM api.slot", schema="api"),),
        rules=(Rule("archive", "slot", "CREATE RULE archive AS ON DELETE TO api.slot "
                    "DO ALSO INSERT INTO api.slot_archive VALUES (old.id)", schema="api",
                    enabled="D", comment="keeps what goes"),),
        grants=(Grant("schema", "api", "kinds_g_reader", ("USAGE",)),
                Grant("table", "slot", "kinds_g_reader", ("SELECT",), schema="api"),
                Grant("column", "slot", "kinds_g_reader", ("UPDATE",), schema="api",
                      column="name", grant_option=True),
                Grant("routine", "as_study", "public", ("EXECUTE",), signature="placement",
                      revoke=True),
                Grant("type", "uuidrange", "public", ("USAGE",), revoke=True)),
        owners=(Owner("view", "slot_ids", "kinds_g_owner", schema="api"),),
        default_privileges=(
            DefaultPrivilege("tables", "kinds_g_reader", ("SELECT",), schema="api"),
            DefaultPrivilege("functions", "public", ("EXECUTE",), revoke=True)),
    )


CASES = {"basic": basic, "partitions": partitions, "cycles": cycles, "hostile": hostile,
         "virtual": virtual, "kinds": kinds}
# cases that use nothing PostgreSQL 18 adds: they must also apply on 15
PG15_CASES = ("basic", "partitions", "cycles", "hostile", "kinds")
