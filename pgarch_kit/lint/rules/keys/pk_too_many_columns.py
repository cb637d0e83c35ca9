"""pk-too-many-columns: composite primary keys wider than the configured limit."""
from __future__ import annotations

from collections.abc import Iterator

from pgarch_kit.model.names import derive_name, quote_ident

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule
from ..types._common import sql_table
from ._shared import referencing_fks


class PkTooManyColumns(Rule):
    """What: a primary key with more columns than the ``pk_max_columns`` setting (default 4)
    that foreign keys reference (each child copies every column), as a warning; an
    unreferenced key only when it is very wide (more than twice the limit), as info. An
    association or time-series table's composite key that nothing references is the natural
    identity of its rows and is fine. Needs only the design.

    Why: the whole key is copied into the PK index, every secondary index entry's heap
    lookup, and every child table's foreign key and its index. A very wide key usually hides
    an entity that deserves its own surrogate identifier.

    Fix: ``ALTER TABLE t ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY``, make it the
    primary key, and keep the combination as ``UNIQUE (a, b, c, d, e)``.

    References: pglinter B012.
    """

    code = "PGA020"
    slug = "pk-too-many-columns"
    category = "keys"
    severity = "warning"
    mode = "S"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        try:
            limit = int(ctx.setting("pk_max_columns"))
        except (TypeError, ValueError):
            limit = 4
        for t in ctx.tables:
            if t.primary_key is None or len(t.primary_key.columns) <= limit:
                continue
            refs = [(r, fk) for r, fk in referencing_fks(ctx, t)
                    if set(fk.ref_columns) == set(t.primary_key.columns)]
            if not refs and len(t.primary_key.columns) <= 2 * limit:
                continue  # copied nowhere: the key is the rows' natural identity
            cols = ", ".join(quote_ident(c) for c in t.primary_key.columns)
            new = quote_ident("id" if t.column("id") is None else derive_name(t.name, suffix="id"))
            yield self.finding(
                t, None,
                f"the primary key of {t.name} has {len(t.primary_key.columns)} columns (limit "
                f"{limit}): "
                + (f"the foreign keys of {', '.join(dict.fromkeys(r.name for r, _ in refs))} "
                   f"copy them all" if refs else "every entry of its index carries them all"),
                f"ALTER TABLE {sql_table(t)} ADD COLUMN {new} bigint GENERATED ALWAYS AS "
                f"IDENTITY; -- make {new} the primary key and keep UNIQUE ({cols})",
                severity=None if refs else "info")
