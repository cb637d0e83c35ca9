"""Solutions to the notebooks' exercises — one function per exercise, taking the starting
design (``pk.exercise(id).start()``) and returning a design that passes ``check``.

For facilitators: in a notebook, ``from solutions.exercises import SOLUTIONS`` (run from
``notebooks/``), then ``ex.check(SOLUTIONS[ex.id](ex.start()))``. Each is one correct way;
the checks accept any design that does the job.
"""
from __future__ import annotations

from dataclasses import replace

import pgarch_kit as pk
from pgarch_kit.model.design import Column, Index, IndexKey


def solve_01_1(d):
    d = pk.edit.add_table(d, "order_items")
    d = pk.edit.add_relationship(d, "order_items", "orders", on_delete="CASCADE")
    d = pk.edit.add_column(d, "order_items", Column("quantity", "integer", False))
    return pk.edit.add_check(d, "order_items", "quantity > 0", name="order_items_quantity_positive")


def solve_02_1(d):
    return pk.edit.add_relationship(d, "products", "tags", kind="N:M")


def solve_03_1(d):
    return pk.edit.add_index(d, "addresses", Index("addresses_city", (IndexKey("city"),)))


def solve_03_2(d):
    d = pk.edit.update_column(d, "invoices", "amount", type="numeric(12,2)")
    return pk.edit.update_column(d, "invoices", "issued_at", type="timestamptz")


def solve_04_1(d):
    return replace(d, generate=replace(d.generate, fanout=(("orders.customer_id", "zipf 1.2"),)))


def solve_05_1(d):
    return pk.edit.add_index(d, "payments", Index("payments_created_at",
                                                  (IndexKey("created_at", descending=True),)))


def solve_06_1(d):
    return pk.tenancy_plan(d).design


def solve_07_1(d):
    return pk.edit.add_index(d, "orders", Index("orders_one_pending", (IndexKey("customer_id"),),
                                                unique=True, where="status = 'pending'"))


def solve_08_1(d):
    return pk.edit.add_column(d, "orders", Column("channel", "text", False, "'web'"))


SOLUTIONS = {name[len("solve_"):].replace("_", "."): fn for name, fn in dict(globals()).items()
             if name.startswith("solve_")}
