"""Sharding readiness (Citus): which column to distribute by, which tables travel together,
which are small enough to copy to every node, and what stands in the way.

The distribution column is the tenant key when the design has one (every query of a tenant
then runs on one node); otherwise the key of the entity most of the big tables hang from
through their foreign keys (``customers.id`` ← ``orders.customer_id``), which keeps a
customer's rows together. Tables holding that column are distributed and co-located with the
root; small tables they reference become reference tables (copied to every node, so joins to
them stay local); big tables that reach the root only indirectly (``order_items`` → ``orders``)
are listed with the fix — carry the column down — because Citus can only join and enforce
foreign keys inside one shard. The plan sets the advisor's ``distribution`` setting, so
``citus-distribution-key-missing`` checks every key and foreign key against it. Pure.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace

from ..model.design import Design, LintConfig, Table
from ..model.names import quote_ident

__all__ = ["ShardingPlan", "sharding_plan"]


@dataclass
class ShardingPlan:
    root: str | None
    distributed: dict[str, str] = field(default_factory=dict)    # table -> column
    reference: list[str] = field(default_factory=list)
    local: list[str] = field(default_factory=list)
    needs_column: dict[str, str] = field(default_factory=dict)   # table -> why
    reasons: list[str] = field(default_factory=list)
    design: Design | None = None                                 # with the advisor setting

    def sql(self) -> str:
        """The Citus calls, reference tables first (distributed tables may reference them)."""
        lines = [f"SELECT create_reference_table('{quote_ident(t)}');" for t in self.reference]
        root_col = self.distributed.get(self.root or "")
        if self.root and root_col:
            lines.append(f"SELECT create_distributed_table('{quote_ident(self.root)}', "
                         f"'{root_col}');")
        for t, col in self.distributed.items():
            if t != self.root:
                colocate = f", colocate_with => '{quote_ident(self.root)}'" if self.root else ""
                lines.append(f"SELECT create_distributed_table('{quote_ident(t)}', "
                             f"'{col}'{colocate});")
        return "\n".join(lines)

    def __str__(self) -> str:
        if not self.distributed:
            return "sharding: no distribution column found (no tenant key, no root entity)"
        lines = ["sharding (Citus): distribute by "
                 + ", ".join(f"{t}.{c}" for t, c in self.distributed.items())]
        if self.reference:
            lines.append(f"  reference tables: {', '.join(self.reference)}")
        for t, why in self.needs_column.items():
            lines.append(f"  {t}: {why}")
        if self.local:
            lines.append(f"  stay local (coordinator only): {', '.join(self.local)}")
        lines += [f"  - {r}" for r in self.reasons]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        import html
        body = html.escape(str(self)).replace("\n", "<br>")
        return f"<div><b>Sharding readiness</b><br>{body}<pre>{html.escape(self.sql())}</pre></div>"


def _expected(t: Table, months: int) -> int:
    return (t.intent.rows or 0) + months * (t.intent.growth_per_month or 0)


def _single_fk_to(t: Table, root: Table) -> str | None:
    for fk in t.foreign_keys:
        if fk.ref_table == root.name and len(fk.columns) == 1 and root.primary_key \
                and fk.ref_columns == root.primary_key.columns:
            return fk.columns[0]
    return None


def sharding_plan(design: Design, *, column: str | None = None, months: int = 24,
                  reference_rows: int = 1_000_000) -> ShardingPlan:
    """The plan (see the module docstring); ``column`` forces the distribution column name
    (tables that have it are distributed by it)."""
    tables = [t for t in design.tables if t.partition_of is None]
    plan = ShardingPlan(root=None)
    tenant_keys = Counter(t.intent.tenant_key for t in tables if t.intent.tenant_key)
    if column or tenant_keys:
        col = column or tenant_keys.most_common(1)[0][0]
        for t in tables:
            if t.column(col) is not None:
                plan.distributed[t.name] = col
        roots = [t for t in tables if t.primary_key and t.primary_key.columns == ("id",)
                 and any(_single_fk_to(o, t) == col for o in tables)]
        plan.root = roots[0].name if roots else next(iter(plan.distributed), None)
        if plan.root and plan.root not in plan.distributed and roots:
            plan.distributed = {plan.root: "id", **plan.distributed}
        plan.reasons.append(f"{col} is the tenant key: each tenant's rows live on one node "
                            f"and its queries run there" if not column else
                            f"{col} chosen by you")
    else:
        weight: Counter[str] = Counter()
        for t in tables:
            for other in tables:
                if _single_fk_to(t, other) is not None:
                    weight[other.name] += _expected(t, months)
        if not weight:
            return plan
        root_name = weight.most_common(1)[0][0]
        root = design.table(root_name)
        assert root is not None
        plan.root = root_name
        plan.distributed[root_name] = root.primary_key.columns[0]  # type: ignore[union-attr]
        for t in tables:
            col = _single_fk_to(t, root)
            if col is not None:
                plan.distributed[t.name] = col
        plan.reasons.append(f"no tenant key: {root_name} is the entity the most rows hang "
                            f"from ({weight[root_name]:,} rows reference it within {months} "
                            f"months), so a {root_name} row and its dependents share a node")
    for t in tables:
        if t.name in plan.distributed:
            continue
        size = _expected(t, months)
        referenced_by_distributed = any(
            fk.ref_table == t.name for d in tables if d.name in plan.distributed
            for fk in d.foreign_keys)
        reaches = [fk.ref_table for fk in t.foreign_keys if fk.ref_table in plan.distributed]
        if reaches and size >= reference_rows:
            col = next(iter(plan.distributed.values()))
            plan.needs_column[t.name] = (
                f"about {size:,} rows referencing {', '.join(reaches)} without {col}: add "
                f"{col} to it (and to its primary key and foreign keys) to co-locate it")
        elif size < reference_rows and (referenced_by_distributed or not reaches):
            plan.reference.append(t.name)
        else:
            plan.local.append(t.name)
    if plan.reference:
        plan.reasons.append(f"reference tables (under {reference_rows:,} rows, copied to every "
                            f"node): {', '.join(plan.reference)}")
    setting = ("distribution", tuple(f"{t}.{c}" for t, c in plan.distributed.items()))
    settings = tuple(kv for kv in design.lint.settings if kv[0] != "distribution")
    plan.design = replace(design, lint=replace(design.lint or LintConfig(),
                                               settings=(*settings, setting)))
    return plan
