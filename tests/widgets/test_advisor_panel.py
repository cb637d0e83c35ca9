"""The studio's findings panel shows the design advisor's findings as soon as a change lands,
and the diagram carries a badge with the count per table."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pgarch_kit as pk
from pgarch_kit.lint import Finding
from pgarch_kit.model import Column, ForeignKey


def test_advisor_findings_reach_the_panel_and_the_diagram(tmp_path: Path) -> None:
    s = pk.studio(tmp_path / "shop.yaml", design=pk.Design("shop"))
    assert s.apply(pk.edit.add_table, "customers")
    assert s.apply(pk.edit.add_table, "orders")
    assert not [f for f in s.findings if isinstance(f, Finding) and f.rule == "fk-without-index"]
    orders = s.value.table("orders")
    unindexed = replace(orders, columns=(*orders.columns, Column("customer_id", "bigint",
                                                                 nullable=False)),
                        foreign_keys=(ForeignKey(("customer_id",), "customers", ("id",)),))
    assert s.change(s.value.with_table(unindexed))
    hits = [f for f in s.findings if isinstance(f, Finding) and f.rule == "fk-without-index"
            and f.table]  # beside it, once per design: what would make it a warning
    assert [(f.table, f.column) for f in hits] == [("orders", "customer_id")]
    assert "fk-without-index" in s.panels.findings_view.value
    on_orders = sum(1 for f in s.findings if isinstance(f, Finding) and f.table == "orders")
    noun = "finding" if on_orders == 1 else "findings"
    assert f"{on_orders} advisor {noun}" in s.dot  # the red badge on the orders box
