"""citus-distribution-key-missing: keys of distributed tables that leave out the shard key."""
from __future__ import annotations

from collections.abc import Iterator

from pgarch_kit.model.default_names import constraint_names

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule


class CitusDistributionKeyMissing(Rule):
    """What: only with a sharding plan in the design's lint settings. ``distribution:
    [customers.id, orders.customer_id]`` names each distributed table and its column (what
    :func:`pgarch_kit.scale.sharding.sharding_plan` writes); ``distribution_key: tenant_id``
    distributes every table that has that column by it; ``sharding: true`` (or ``citus``) alone
    distributes each table by its tenant key (declared or inferred). A distributed table's
    PRIMARY KEY, UNIQUE constraints and unique indexes must include the column, and its foreign
    keys to other distributed tables must map it to the target's distribution column; a table
    that is not distributed (a reference table) may not have a foreign key to a distributed one.
    Without a setting the rule never fires. Needs: one of those settings.

    Why: Citus can only enforce uniqueness and foreign keys inside one shard; it rejects
    ``create_distributed_table`` on such keys, and joins along such FKs become cross-shard.

    Fix: add the distribution column to the keys (``PRIMARY KEY (tenant_id, id)``,
    ``FOREIGN KEY (tenant_id, project_id) REFERENCES projects (tenant_id, id)``); make small
    shared lookup tables reference tables (``create_reference_table``).

    References: Citus documentation, "Choosing the distribution column" and "Table
    management: distributed and reference tables".
    """

    code = "PGA113"
    slug = "citus-distribution-key-missing"
    category = "partitioning"
    severity = "error"
    mode = "S"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        explicit = ctx.setting("distribution")
        fixed = ctx.setting("distribution_key")
        sharding = ctx.setting("sharding")
        if not explicit and not fixed and sharding in (None, False, "", "none", "off", "false"):
            return
        dist: dict[tuple[str, str], str] = {}
        if explicit:
            pairs = dict(str(item).rsplit(".", 1) for item in
                         (explicit if isinstance(explicit, (list, tuple)) else [explicit]))
            for t in ctx.tables:
                if t.name in pairs and t.column(pairs[t.name]) is not None:
                    dist[t.key] = pairs[t.name]
        for t in ctx.tables if not explicit else ():
            key = fixed if fixed else ctx.intent(t)[0].tenant_key
            if key and t.column(str(key)) is not None:
                dist[t.key] = str(key)
        for t in ctx.tables:
            if t.key in dist or t.partition_of is not None:
                continue
            for fk in t.foreign_keys:
                ref = ctx.ref_table(t, fk)
                if ref is not None and ref.key in dist:
                    yield self.finding(
                        t, None,
                        f"{t.name} is not distributed (a reference or local table) but its "
                        f"foreign key ({', '.join(fk.columns)}) points at the distributed "
                        f"table {ref.name}: Citus rejects foreign keys from reference tables "
                        f"to distributed ones",
                        f"distribute {t.name} by the distribution column too, or drop the "
                        f"foreign key and check it in the application")
        for t in ctx.tables:
            col = dist.get(t.key)
            if col is None:
                continue
            keys = []
            names = constraint_names(t)
            if t.primary_key:
                keys.append(("primary key", names.primary_key or "", t.primary_key.columns))
            keys += [("unique key", u_name, u.columns)
                     for u, u_name in zip(t.uniques, names.uniques, strict=True)]
            keys += [("unique index", ix.name, tuple(k.column for k in ix.keys))
                     for ix in t.indexes if ix.unique]
            for kind, name, cols in keys:
                if col not in cols:
                    yield self.finding(
                        t, None,
                        f"{kind} {name} ({', '.join(cols)}) leaves out the distribution column "
                        f"{col}: Citus cannot enforce it across shards and rejects the table",
                        f"include {col}: ({', '.join([col, *cols])})")
            for fk in t.foreign_keys:
                ref = ctx.ref_table(t, fk)
                ref_col = dist.get(ref.key) if ref else None
                if ref_col is None:
                    continue  # a reference table (or outside the design): allowed
                pairs = dict(zip(fk.columns, fk.ref_columns))
                if pairs.get(col) != ref_col:
                    yield self.finding(
                        t, None,
                        f"foreign key ({', '.join(fk.columns)}) → {fk.ref_table} does not map "
                        f"{col} to {fk.ref_table}.{ref_col}: Citus rejects FKs between "
                        f"distributed tables that leave out the distribution column",
                        f"FOREIGN KEY ({', '.join([col, *(c for c in fk.columns if c != col)])}) "
                        f"REFERENCES {fk.ref_table} ({ref_col}, …) with a matching UNIQUE/PK")
