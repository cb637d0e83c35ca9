"""An EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) plan as a tree people can read.

One row per plan node, indented by depth: what the node does (``Index Scan using
orders_customer_placed on orders``), rows the planner estimated against rows it really got
(×10 off is where plans go wrong; both counted over all loops), the node's own time — its
total minus its children's, so the row that costs most stands out — and shared buffers hit in
cache versus read. The slowest node is highlighted. Pure formatting: no database access.
"""
from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

__all__ = ["PlanRow", "plan_html", "plan_rows", "plan_text"]

_DETAILS = ("Index Cond", "Recheck Cond", "Filter", "Join Filter", "Hash Cond", "Merge Cond",
            "Sort Key", "Group Key", "Presorted Key")


@dataclass(frozen=True)
class PlanRow:
    depth: int
    label: str
    detail: str
    est_rows: float | None        # per loop times loops, like actual_rows
    actual_rows: float | None     # per loop times loops: what the node produced in all
    loops: int
    total_ms: float | None        # inclusive, all loops
    self_ms: float | None         # exclusive: what this node itself cost
    hit: int
    read: int
    removed: int                  # rows a filter threw away


def _label(node: dict[str, Any]) -> str:
    text = node["Node Type"]
    if node.get("Parallel Aware"):
        text = "Parallel " + text
    if node.get("Strategy") in ("Hashed", "Sorted", "Mixed") and "Aggregate" in text:
        text = f"{node['Strategy']} {text}"
    if "Index Name" in node:
        text += f" using {node['Index Name']}"
    if "Relation Name" in node:
        alias = node.get("Alias")
        on = node["Relation Name"] + (f" {alias}" if alias and alias != node["Relation Name"]
                                      else "")
        text += f" on {on}"
    if node.get("Join Type") not in (None, "Inner"):
        text = f"{node['Join Type']} {text}"
    if node.get("Parent Relationship") in ("InitPlan", "SubPlan"):
        text += f" ({node.get('Subplan Name') or node['Parent Relationship']})"
    return text


def _detail(node: dict[str, Any]) -> str:
    parts = []
    for key in _DETAILS:
        value = node.get(key)
        if value:
            parts.append(f"{key}: {', '.join(value) if isinstance(value, list) else value}")
    if node.get("Heap Fetches") is not None:
        parts.append(f"Heap Fetches: {node['Heap Fetches']}")
    if node.get("Sort Method"):
        parts.append(f"Sort: {node['Sort Method']}, {node.get('Sort Space Used', '?')} kB "
                     f"{node.get('Sort Space Type', '').lower()}".rstrip())
    if node.get("Workers Launched") is not None:
        parts.append(f"Workers: {node['Workers Launched']}")
    return "; ".join(parts)


def plan_rows(tree: dict[str, Any]) -> list[PlanRow]:
    """The nodes of a plan in reading order (parents before children)."""
    rows: list[PlanRow] = []

    def visit(node: dict[str, Any], depth: int) -> float | None:
        loops = int(node.get("Actual Loops") or 1)
        total = node.get("Actual Total Time")
        total_ms = total * loops if total is not None else None
        index = len(rows)
        rows.append(None)  # type: ignore[arg-type]  # the parent's row, filled after children
        children = sum((visit(c, depth + 1) or 0.0) for c in node.get("Plans", []))
        actual = node.get("Actual Rows")
        rows[index] = PlanRow(
            depth=depth, label=_label(node), detail=_detail(node),
            est_rows=node["Plan Rows"] * loops if node.get("Plan Rows") is not None else None,
            actual_rows=actual * loops if actual is not None else None, loops=loops,
            total_ms=total_ms,
            self_ms=max(total_ms - children, 0.0) if total_ms is not None else None,
            hit=int(node.get("Shared Hit Blocks") or 0),
            read=int(node.get("Shared Read Blocks") or 0),
            removed=int(node.get("Rows Removed by Filter") or 0)
            + int(node.get("Rows Removed by Index Recheck") or 0))
        return total_ms

    visit(tree, 0)
    return rows


def _slowest(rows: list[PlanRow]) -> int | None:
    timed = [(r.self_ms, i) for i, r in enumerate(rows) if r.self_ms is not None]
    return max(timed)[1] if timed else None


def _num(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:,.0f}" if value >= 10 or value == int(value) else f"{value:.2f}"


def _ms(value: float | None) -> str:
    return "–" if value is None else (f"{value:,.1f}" if value >= 10 else f"{value:.3f}")


def _misestimate(r: PlanRow) -> str:
    """'×12' when the planner was off by more than 10× (either way): where plans go wrong."""
    if r.est_rows is None or r.actual_rows is None or r.loops == 0:
        return ""
    est = max(r.est_rows, 1.0)
    got = max(r.actual_rows, 1.0)
    ratio = max(est / got, got / est)
    return f" (×{ratio:,.0f} off)" if ratio >= 10 else ""


def plan_text(tree: dict[str, Any], *, execution_ms: float | None = None) -> str:
    """The tree as aligned text (terminals, logs, ``str(plan)``)."""
    rows = plan_rows(tree)
    slow = _slowest(rows)
    lines = []
    for i, r in enumerate(rows):
        mark = "▶ " if i == slow else "  "
        head = f"{mark}{'  ' * r.depth}{'-> ' if r.depth else ''}{r.label}"
        stats = (f"rows {_num(r.est_rows)} est / {_num(r.actual_rows)} actual"
                 f"{_misestimate(r)}  self {_ms(r.self_ms)} ms  buffers {r.hit} hit"
                 f" / {r.read} read")
        lines.append(f"{head}    [{stats}]")
        if r.detail:
            lines.append(f"  {'  ' * r.depth}     {r.detail}")
    if execution_ms is not None:
        lines.append(f"execution {execution_ms:.3f} ms (▶ = the node that took longest itself)")
    return "\n".join(lines)


def plan_html(tree: dict[str, Any], *, sql: str | None = None,
              execution_ms: float | None = None, planning_ms: float | None = None) -> str:
    """The tree as an HTML table; the slowest node's row is highlighted. Inline styles only,
    so the table reads the same in JupyterLab and in an exported report."""
    rows = plan_rows(tree)
    slow = _slowest(rows)
    cell = "padding:2px 8px;text-align:{};vertical-align:top;border-bottom:1px solid #e5e7eb"
    left, right = cell.format("left"), cell.format("right")
    body = []
    for i, r in enumerate(rows):
        style = ' style="background:#fee2e2;font-weight:600"' if i == slow else ""
        indent = f"padding-left:{8 + 18 * r.depth}px"
        detail = (f'<div style="font-weight:400;color:#6b7280;font-size:90%">'
                  f"{html.escape(r.detail)}</div>") if r.detail else ""
        body.append(
            f"<tr{style}><td style=\"{left};{indent}\">{'↳ ' if r.depth else ''}"
            f"{html.escape(r.label)}{detail}</td>"
            f'<td style="{right}">{_num(r.est_rows)}</td>'
            f'<td style="{right}">{_num(r.actual_rows)}{html.escape(_misestimate(r))}</td>'
            f'<td style="{right}">{_ms(r.self_ms)}</td>'
            f'<td style="{right}">{_ms(r.total_ms)}</td>'
            f'<td style="{right}">{r.hit:,} / {r.read:,}</td></tr>')
    head = "".join(f'<th style="{cell.format(a)}">{h}</th>' for h, a in (
        ("plan node", "left"), ("rows est.", "right"), ("rows actual", "right"),
        ("self ms", "right"), ("total ms", "right"), ("buffers hit / read", "right")))
    caption = []
    if sql:
        caption.append(f"<code>{html.escape(' '.join(sql.split()))}</code>")
    timing = []
    if planning_ms is not None:
        timing.append(f"planning {planning_ms:.3f} ms")
    if execution_ms is not None:
        timing.append(f"execution {execution_ms:.3f} ms")
    if timing:
        caption.append(", ".join(timing) + "; the highlighted node took longest itself")
    cap = f'<div style="margin:4px 0">{"<br>".join(caption)}</div>' if caption else ""
    return (f'<div class="pgarch-plan">{cap}<table style="border-collapse:collapse;'
            f'font-size:90%"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}'
            f"</tbody></table></div>")
