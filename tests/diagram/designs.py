"""Small designs built in code for the diagram tests."""
from __future__ import annotations

from pgarch_kit.model.design import (
    Column,
    Design,
    EnumType,
    ForeignKey,
    Index,
    IndexKey,
    PartitionBy,
    PrimaryKey,
    Table,
    Unique,
    View,
)


def _id() -> Column:
    return Column("id", "bigint", nullable=False)


def shop() -> Design:
    """customers 1:N orders (required), orders N:1 coupons (optional), a 1:1 profile via a
    unique FK, a self-referencing category tree, a partitioned table and an enum."""
    customers = Table("customers", (_id(), Column("email", "text", nullable=False),
                                    Column("note", "text")),
                      primary_key=PrimaryKey(("id",)), uniques=(Unique(("email",)),))
    profiles = Table("profiles", (_id(), Column("customer_id", "bigint", nullable=False),
                                  Column("bio", "text")),
                     primary_key=PrimaryKey(("id",)),
                     uniques=(Unique(("customer_id",)),),
                     foreign_keys=(ForeignKey(("customer_id",), "customers", ("id",)),))
    coupons = Table("coupons", (_id(), Column("code", "varchar(20)", nullable=False)),
                    primary_key=PrimaryKey(("id",)))
    orders = Table("orders", (
        _id(), Column("customer_id", "bigint", nullable=False),
        Column("coupon_id", "bigint"),
        Column("status", "order_status", nullable=False),
        Column("total", "numeric(12,2)", nullable=False),
        Column("total_cents", "bigint", generated="(total * 100)::bigint")),
        primary_key=PrimaryKey(("id",)),
        foreign_keys=(ForeignKey(("customer_id",), "customers", ("id",)),
                      ForeignKey(("coupon_id",), "coupons", ("id",))),
        indexes=(Index("orders_customer", (IndexKey("customer_id"),)),))
    categories = Table("categories", (_id(), Column("parent_id", "bigint"),
                                      Column("name", "text", nullable=False)),
                       primary_key=PrimaryKey(("id",)),
                       foreign_keys=(ForeignKey(("parent_id",), "categories", ("id",)),))
    events = Table("events", (Column("customer_id", "bigint", nullable=False),
                              Column("at", "timestamptz", nullable=False)),
                   partition_by=PartitionBy("range", ("at",)))
    parts = tuple(
        Table(f"events_{m}", schema="public", partition_of="events",
              partition_bound=f"FOR VALUES FROM ('2025-{m:02}-01') TO ('2025-{m + 1:02}-01')",
              foreign_keys=(ForeignKey(("customer_id",), "customers", ("id",)),))
        for m in range(1, 4))
    return Design(
        "shop", enums=(EnumType("order_status", ("new", "paid")),),
        tables=(customers, profiles, coupons, orders, categories, events, *parts),
        views=(View("big_orders", "SELECT * FROM orders WHERE total > 100"),))


def hostile() -> Design:
    evil = 'a<b>&"c\'d'
    parent = Table(evil, (Column("<id>", "bigint", nullable=False),
                          Column("t1", "text")),
                   primary_key=PrimaryKey(("<id>",)))
    child = Table("t1", (Column("ref&", "bigint"),),
                  foreign_keys=(ForeignKey(("ref&",), evil, ("<id>",)),))
    other = Table("x]\"\n{y}", (Column("a", "int"),), schema='s"<&>')
    return Design('d<"&>', tables=(parent, child, other))


def clustered(groups: int = 6, size: int = 20, loose: int = 8,
              hubs: list[str] | None = None, schema: str = "public") -> Design:
    """A design large enough for an overview: ``groups`` groups of ``size`` tables, each
    group's tables referencing their hub and the table before them, each hub referencing
    the previous group's hub (one foreign key between neighbouring groups), and ``loose``
    tables with no foreign keys. ``hubs`` names the hubs (hostile names welcome)."""
    names = hubs or [f"hub{g}" for g in range(groups)]
    tables: list[Table] = []
    for g, hub in enumerate(names):
        prev = (ForeignKey(("prev_id",), names[g - 1], ("id",)),) if g else ()
        tables.append(Table(hub, (_id(), Column("prev_id", "bigint")),
                            primary_key=PrimaryKey(("id",)), foreign_keys=prev,
                            schema=schema))
        for j in range(1, size):
            fks = [ForeignKey(("hub_id",), hub, ("id",))]
            if j > 1:
                fks.append(ForeignKey(("before_id",), f"g{g}_t{j - 1}", ("id",)))
            tables.append(Table(f"g{g}_t{j}", (_id(), Column("hub_id", "bigint", nullable=False),
                                               Column("before_id", "bigint")),
                                primary_key=PrimaryKey(("id",)), foreign_keys=tuple(fks),
                                schema=schema))
    tables += [Table(f"loose_{i:02}", (_id(),), primary_key=PrimaryKey(("id",)),
                     schema=schema) for i in range(loose)]
    return Design("clustered", tables=tuple(tables))
