"""EXPLAIN captured as data: which plan nodes and indexes a query used, and how long it took —
so a lesson can *show* that a GIN index serves ``@>`` or that a partial index is chosen."""
from __future__ import annotations

import html
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

__all__ = ["Plan", "explain"]


@dataclass(frozen=True)
class Plan:
    sql: str
    tree: dict[str, Any]          # the "Plan" object of EXPLAIN (FORMAT JSON)
    execution_ms: float | None
    planning_ms: float | None

    def nodes(self) -> Iterator[dict[str, Any]]:
        stack = [self.tree]
        while stack:
            node = stack.pop()
            yield node
            stack.extend(reversed(node.get("Plans", [])))

    @property
    def node_types(self) -> list[str]:
        return [n["Node Type"] for n in self.nodes()]

    @property
    def indexes(self) -> list[str]:
        """Indexes the plan reads, in plan order."""
        return [n["Index Name"] for n in self.nodes() if "Index Name" in n]

    def uses(self, index: str) -> bool:
        return index in self.indexes

    @property
    def seq_scans(self) -> list[str]:
        return [n.get("Relation Name", "?") for n in self.nodes()
                if n["Node Type"] == "Seq Scan"]

    def summary(self) -> str:
        """The nodes in plan order, one line; a run of the same node over many partitions
        reads ``25 × Index Scan (orders_2024_01_… … orders_default_…)``."""
        nodes = list(self.nodes())
        parts: list[str] = []
        i = 0
        while i < len(nodes):
            j = i
            while j + 1 < len(nodes) and nodes[j + 1]["Node Type"] == nodes[i]["Node Type"] \
                    and not nodes[j + 1].get("Plans"):
                j += 1
            run = nodes[i:j + 1]
            if len(run) >= 3:
                def target(n: dict[str, Any]) -> str:
                    return n.get("Index Name") or n.get("Relation Name") or "?"
                parts.append(f"{len(run)} × {run[0]['Node Type']} ({target(run[0])} … "
                             f"{target(run[-1])})")
            else:
                parts += [_label(n) for n in run]
            i = j + 1
        timing = f" — {self.execution_ms:.2f} ms" if self.execution_ms is not None else ""
        return " → ".join(parts) + timing

    def text(self) -> str:
        """The plan as an indented tree: estimated vs actual rows, each node's own time and
        buffers, the slowest node marked (see :mod:`pgarch_kit.db.plan_view`)."""
        from pgarch_kit.db.plan_view import plan_text
        return plan_text(self.tree, execution_ms=self.execution_ms)

    def __str__(self) -> str:
        return self.summary()

    __repr__ = __str__

    def _repr_html_(self) -> str:
        from pgarch_kit.db.plan_view import plan_html
        return (f"<div><b>plan:</b> {html.escape(self.summary())}</div>"
                + plan_html(self.tree, sql=self.sql, execution_ms=self.execution_ms,
                            planning_ms=self.planning_ms))


def _label(n: dict[str, Any]) -> str:
    label = n["Node Type"]
    if "Index Name" in n:
        label += f" using {n['Index Name']}"
    elif "Relation Name" in n:
        label += f" on {n['Relation Name']}"
    return label


def explain(conn: Any, sql: str, params: Any = None, *, analyze: bool = True) -> Plan:
    """EXPLAIN (ANALYZE when ``analyze``) ``sql`` on a psycopg connection; with ANALYZE the
    statement really runs, inside a transaction that is rolled back, so writes leave no trace."""
    options = "ANALYZE, BUFFERS, FORMAT JSON" if analyze else "FORMAT JSON"
    with conn.transaction(force_rollback=True):
        row = conn.execute(f"EXPLAIN ({options}) {sql}", params).fetchone()
    doc = row[0] if not isinstance(row[0], str) else json.loads(row[0])
    top = doc[0]
    return Plan(sql, top["Plan"], top.get("Execution Time"), top.get("Planning Time"))
