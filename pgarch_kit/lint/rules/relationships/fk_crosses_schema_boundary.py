"""fk-crosses-schema-boundary: foreign keys into another schema."""
from __future__ import annotations

from collections.abc import Iterator

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule

# Schemas a platform or extension owns and upgrades: their tables may change under you.
_MANAGED = frozenset({"auth", "storage", "realtime", "vault", "extensions", "graphql",
                      "graphql_public", "pgsodium", "supabase_functions", "net", "cron"})


class FkCrossesSchemaBoundary(Rule):
    """What: a foreign key whose target table lives in another schema. Reported as info; as
    a warning when the target is in a platform-managed schema (``auth``, ``storage`` …) and
    the key references columns other than the target's primary key (``id`` when the
    target is not in the design). Needs only the design.

    Why: a cross-schema key couples modules that are otherwise dumped, owned and migrated
    separately. A managed schema is upgraded by its vendor, which may drop or change a
    unique constraint you reference, and then your migrations or their upgrade fail.

    Fix: keep related tables in one schema, or reference only the managed table's primary
    key: ``FOREIGN KEY (user_id) REFERENCES auth.users (id)``.

    References: pglinter B007; Supabase splinter fkey_to_auth_unique.
    """

    code = "PGA034"
    slug = "fk-crosses-schema-boundary"
    category = "relationships"
    severity = "info"
    mode = "S"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        for t in ctx.tables:
            for fk in t.foreign_keys:
                target = fk.ref_schema or t.schema
                if target == t.schema:
                    continue
                col = fk.columns[0] if len(fk.columns) == 1 else None
                where = f"{target}.{fk.ref_table}"
                if target in _MANAGED:
                    parent = ctx.ref_table(t, fk)
                    pk = (tuple(parent.primary_key.columns) if parent and parent.primary_key
                          else ("id",) if parent is None else ())
                    if tuple(fk.ref_columns) != pk:
                        yield self.finding(
                            t, col,
                            f"foreign key ({', '.join(fk.columns)}) → {where} "
                            f"({', '.join(fk.ref_columns)}) references a non-primary key in "
                            f"the managed schema {target}: a vendor upgrade that changes it "
                            f"breaks your migrations",
                            f"reference {where} by its primary key instead",
                            severity="warning")
                        continue
                yield self.finding(
                    t, col,
                    f"foreign key ({', '.join(fk.columns)}) → {where} crosses from schema "
                    f"{t.schema} into {target}: the two schemas can no longer be dumped, "
                    f"owned or migrated independently",
                    f"move {t.name} into {target} (or the target into {t.schema}), or keep "
                    f"the key and document the dependency")
