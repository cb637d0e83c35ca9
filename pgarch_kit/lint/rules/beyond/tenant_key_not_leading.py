"""tenant-key-not-leading: keys and indexes of tenant tables that do not start with the tenant."""
from __future__ import annotations

import re
from collections.abc import Iterator

from pgarch_kit.model.default_names import constraint_names

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule
from ._shared import index_name, key_sql

_SURROGATE_DEFAULT = re.compile(r"\b(gen_random_uuid|uuid_generate_v\d|uuidv7|nextval)\s*\(",
                                re.I)


class TenantKeyNotLeading(Rule):
    """What: in a multi-tenant design (some table has a tenant key, declared or inferred), a
    UNIQUE constraint or a B-tree index of a tenant table whose first key is not the tenant
    key. The primary key is judged too, except when it is a single surrogate column (an
    identity, or a uuid/sequence default): a surrogate is unique on its own and lookups by id
    don't need the tenant. GIN, GiST, BRIN and hash indexes are skipped — they cannot lead with
    a scalar tenant column without btree_gin/btree_gist.

    Why: every query of a tenant's request filters on the tenant key; an index that does not
    start with it serves those queries poorly, and a UNIQUE without it is global across tenants
    (tenant A's "acme" slug blocks tenant B's). Sharding by tenant later (Citus) requires every
    unique key to include the tenant column.

    Fix: lead with the tenant column — ``UNIQUE (tenant_id, slug)``,
    ``CREATE INDEX CONCURRENTLY … ON t (tenant_id, project_id)`` — and drop the old one.
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
            if not tk or t.column(tk) is None:
                continue
            how = "tenant_key" if "tenant_key" in inferred else None
            candidates: list[tuple[str, str, tuple[str, ...]]] = []
            pk = t.primary_key
            names = constraint_names(t)
            if pk and not self._surrogate(t, pk.columns):
                candidates.append(("primary key", names.primary_key or "", pk.columns))
            candidates += [("unique key", u_name, u.columns)
                           for u, u_name in zip(t.uniques, names.uniques, strict=True)]
            candidates += [("unique index" if ix.unique else "index", ix.name,
                            tuple(f"({k.column})" if k.expression else k.column
                                  for k in ix.keys))
                           for ix in t.indexes if ix.method == "btree"]
            for kind, name, keys in candidates:
                if not keys or keys[0] == tk:
                    continue
                new = [tk, *(k for k in keys if k != tk)]
                unique = "UNIQUE " if kind != "index" else ""
                yield self.finding(
                    t, None,
                    f"{kind} {name} ({', '.join(keys)}) does not lead with the tenant key "
                    f"{tk}: per-tenant queries can't use it well"
                    + (", and uniqueness is global across tenants" if unique else ""),
                    f"CREATE {unique}INDEX CONCURRENTLY {index_name(t.name, new)} ON "
                    f"{key_sql(t.name)} ({', '.join(key_sql(k) for k in new)}); then drop {name}",
                    inferred=how)

    @staticmethod
    def _surrogate(t, columns: tuple[str, ...]) -> bool:
        if len(columns) != 1:
            return False
        c = t.column(columns[0])
        return c is not None and (c.identity is not None
                                  or bool(_SURROGATE_DEFAULT.search(c.default or "")))
