"""citus-distribution-key-missing: keys of distributed tables that leave out the shard key."""
from __future__ import annotations

from collections.abc import Iterator

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule


class CitusDistributionKeyMissing(Rule):
    """What: only with a sharding plan in the design's lint settings. ``distribution_key:
    tenant_id`` names the distribution column: every table that has it is distributed by it.
    ``sharding: true`` (or ``citus``) alone distributes each table by its tenant key (declared
    or inferred). A distributed table's PRIMARY KEY, UNIQUE constraints and unique indexes must
    include the column, and its foreign keys to other distributed tables must map it to the
    target's distribution column. Without either setting the rule never fires.

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
        fixed = ctx.setting("distribution_key")
        sharding = ctx.setting("sharding")
        if not fixed and sharding in (None, False, "", "none", "off", "false"):
            return
        dist: dict[tuple[str, str], str] = {}
        for t in ctx.tables:
            key = fixed if fixed else ctx.intent(t)[0].tenant_key
            if key and t.column(str(key)) is not None:
                dist[t.key] = str(key)
        for t in ctx.tables:
            col = dist.get(t.key)
            if col is None:
                continue
            keys = []
            if t.primary_key:
                keys.append(("primary key", t.primary_key.name or f"{t.name}_pkey",
                             t.primary_key.columns))
            keys += [("unique key", u.name or f"{t.name}_key", u.columns) for u in t.uniques]
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
