"""tenant-key-not-leading: unique keys of tenant tables that are global across tenants."""
from __future__ import annotations

from collections.abc import Iterator

from pgarch_kit.model import IndexKey, Table
from pgarch_kit.model.default_names import constraint_names
from pgarch_kit.model.names import quote_ident

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule
from ..indexes._shared import columns_sql, create_index_sql, drop_index_sql, table_sql
from ..keys._shared import identifier_column, referencing_fks
from ._shared import index_name


class TenantKeyNotLeading(Rule):
    """What: in a multi-tenant design (some table has a tenant key, declared or inferred from
    an ``…_id`` column referencing a ``tenants``/``organizations``/``accounts``… table), a
    PRIMARY KEY, UNIQUE constraint or unique index of a tenant table that leaves the tenant
    key out and is made only of natural values — ``UNIQUE (slug)``, ``UNIQUE (lower(name))``.

    Preconditions: a tenant key. Keys with an identifier among their columns are meant to be
    unique everywhere and are not reported: a generated or uuid column, a foreign key column
    (the parent is tenant-scoped already), an opaque ``…_id``, a random token or hash. Keys
    that include the tenant key, in any position, are unique per tenant already; their column
    order only matters to queries, which query-pattern-without-index judges against the
    design's patterns (so this rule proposes no reorder, and never drops an index a foreign
    key or a different lookup needs). Warning when the designer declared the tenant key,
    info when it was inferred (global uniqueness of an e-mail may be intended).

    Why: a UNIQUE without the tenant is global across tenants: tenant A's "acme" slug blocks
    tenant B's, and the error message leaks that the value exists elsewhere. Sharding by
    tenant later (Citus) also requires every unique key to include the tenant column.

    Fix: add the tenant column in front — ``CREATE UNIQUE INDEX CONCURRENTLY … ON t
    (tenant_id, slug);`` then drop the old key (foreign keys referencing it must first be
    extended with the tenant column).
    """

    code = "PGA107"
    slug = "tenant-key-not-leading"
    category = "indexes"
    severity = "warning"
    mode = "S"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        if not ctx.multi_tenant:
            return
        for t in ctx.tables:
            intent, inferred = ctx.intent(t)
            tk = intent.tenant_key
            if not tk or t.column(tk) is None or ctx.is_framework_table(t):
                continue
            guessed = "tenant_key" in inferred
            for kind, name, keys, where in self._unique_keys(t):
                if tk in keys or any(identifier_column(ctx, t, k) for k in keys
                                     if not k.startswith("(")):
                    continue
                if all(k.startswith("(") for k in keys) and not any(
                        not identifier_column(ctx, t, c.name) and c.name in k
                        for k in keys for c in t.columns):
                    continue  # an expression over no natural column: (1), (coalesce(id…))
                yield self.finding(
                    t, keys[0] if len(keys) == 1 and not keys[0].startswith("(") else None,
                    f"{kind} {name} ({', '.join(keys)}) leaves out the tenant key {tk}: "
                    f"uniqueness is global across tenants, so one tenant's value blocks "
                    f"another's",
                    self._fix(ctx, t, kind, name, keys, where, tk),
                    severity="info" if guessed else None,
                    inferred="tenant_key" if guessed else None)

    @staticmethod
    def _unique_keys(t: Table) -> Iterator[tuple[str, str, tuple[str, ...], str | None]]:
        names = constraint_names(t)
        if t.primary_key:
            yield "primary key", names.primary_key or "", tuple(t.primary_key.columns), None
        for u, u_name in zip(t.uniques, names.uniques, strict=True):
            yield "unique key", u_name, tuple(u.columns), None
        for ix in t.indexes:
            if ix.unique and ix.method == "btree":
                yield ("unique index", ix.name,
                       tuple(f"({k.column})" if k.expression else k.column for k in ix.keys),
                       ix.where)

    @staticmethod
    def _fix(ctx: LintContext, t: Table, kind: str, name: str, keys: tuple[str, ...],
             where: str | None, tk: str) -> str:
        refs = [r for r, fk in referencing_fks(ctx, t) if set(fk.ref_columns) == set(keys)]
        first = (f"-- first add {tk} to the foreign keys of "
                 f"{', '.join(dict.fromkeys(r.name for r in refs))} that reference it; then: "
                 if refs else "")
        if kind == "unique index":
            ix = next(i for i in t.indexes if i.name == name)
            new = (IndexKey(tk), *ix.keys)
            return (first + create_index_sql(
                t, new, name=index_name(t.name, [tk, *keys], "key"), unique=True,
                nulls_not_distinct=ix.nulls_not_distinct, include=ix.include, where=where)
                + " " + drop_index_sql(t, next(s for s in ctx.index_shapes(t)
                                               if s.name == name)))
        constraint = "PRIMARY KEY" if kind == "primary key" else "UNIQUE"
        return (first + f"ALTER TABLE {table_sql(t)} DROP CONSTRAINT {quote_ident(name)}, "
                f"ADD {constraint} ({columns_sql((tk, *keys))}); -- ON CONFLICT clauses "
                f"naming the old key must name the new one")
