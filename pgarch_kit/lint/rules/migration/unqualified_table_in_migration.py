"""unqualified-table-in-migration: DDL naming a table without its schema (opt-in)."""
from __future__ import annotations

from collections.abc import Iterator

from ...context import LintContext
from ...finding import Finding
from ...migration import Statement
from ...rule import Rule
from ._common import q
from .unknown_table import touched


def _declared(s: Statement) -> list:
    """The relations a statement creates."""
    n, k = s.node, s.kind
    if k == "CreateStmt":
        return [n.relation] if n.relation.relpersistence != "t" else []  # TEMP: pg_temp
    if k == "CreateTableAsStmt":
        return [n.into.rel]
    if k == "ViewStmt":
        return [n.view]
    return []


class UnqualifiedTableInMigration(Rule):
    """What: opt-in (the design's ``lint.settings`` ``require_schema_qualified: true``, as for
    ``unqualified-object-name``). A migration statement that creates, alters, drops or
    otherwise names a table without its schema (``ALTER TABLE posts …`` rather than ``ALTER
    TABLE public.posts …``).

    Why: the name resolves through the ``search_path`` of whoever runs the migration, so a
    different role or connection setting creates or changes the table in another schema —
    or a same-named table there.

    Fix: write ``schema.table`` (``public.posts``) in migrations.

    References: squawk require-table-schema (opt-in there too).
    """

    code = "PGA119"
    slug = "unqualified-table-in-migration"
    category = "naming"
    severity = "info"
    mode = "M"

    def check_migration(self, ctx: LintContext) -> Iterator[Finding]:
        if not ctx.setting("require_schema_qualified"):
            return
        mig = ctx.migration
        for s in mig:
            rels = [*_declared(s), *(r for r, _ in touched(s))]
            bare = list(dict.fromkeys(r.relname for r in rels
                                      if r is not None and not r.schemaname))
            if not bare:
                continue
            yield self.finding(
                bare[0] if len(bare) == 1 else None, None,
                f"line {s.line}: {', '.join(bare)} named without a schema: the table is "
                f"found through the search_path of whoever runs the migration",
                f"write {', '.join('public.' + q(b) for b in bare)} (or the schema meant)",
                line=s.line)
