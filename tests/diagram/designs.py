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
