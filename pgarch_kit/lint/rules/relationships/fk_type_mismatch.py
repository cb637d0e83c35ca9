"""fk-type-mismatch: a referencing column whose type differs from the referenced column's."""
from __future__ import annotations

from collections.abc import Iterator

from pgarch_kit.model.names import quote_ident
from pgarch_kit.model.types import parse_type, short_type

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule
from ..indexes._shared import resolved_type, table_sql


def _comparable(text: str) -> tuple[str, bool] | None:
    """The type as a foreign-key comparison sees it: base and array-ness. Type modifiers
    (varchar(40) vs varchar(80), numeric precision) are ignored: they need no cast, so the
    parent's index is still used — only the base type decides."""
    try:
        t = parse_type(text)
    except (ValueError, TypeError):
        return None
    return t.base, t.is_array


class FkTypeMismatch(Rule):
    """What: a foreign-key column whose type (domains resolved to their base type, type
    modifiers ignored) differs from the referenced column's — ``integer`` referencing
    ``bigint``, ``character varying`` referencing ``text``.

    Why: PostgreSQL accepts the key when the types are comparable, but every check and join
    then needs a cast: indexes on one side may go unused, and a narrower child column
    overflows once the parent key grows past its range.

    Fix: ``ALTER TABLE child ALTER COLUMN parent_id TYPE bigint;`` (the parent's exact type).

    References: pg-index-health foreign_keys_with_unmatched_column_type; pglinter B008.
    """

    code = "PGA029"
    slug = "fk-type-mismatch"
    category = "relationships"
    severity = "warning"
    mode = "S"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        design = ctx.design
        for t in ctx.tables:
            for fk in t.foreign_keys:
                parent = ctx.ref_table(t, fk)
                if parent is None:
                    continue  # the target is outside the design: nothing to compare with
                for col, ref in zip(fk.columns, fk.ref_columns):
                    mine, theirs = t.column(col), parent.column(ref)
                    if mine is None or theirs is None:
                        continue
                    a = resolved_type(design, mine.type, t.schema)
                    b = resolved_type(design, theirs.type, parent.schema)
                    ca, cb = _comparable(a), _comparable(b)
                    if ca is None or cb is None or ca == cb:
                        continue
                    yield self.finding(
                        t, col,
                        f"{col} is {_short(mine.type)} but references {parent.name}.{ref} of "
                        f"type {_short(theirs.type)}: every FK check and join needs a cast, "
                        f"and the narrower side overflows first",
                        f"ALTER TABLE {table_sql(t)} ALTER COLUMN {quote_ident(col)} "
                        f"TYPE {b};")


def _short(text: str) -> str:
    try:
        return short_type(text)
    except (ValueError, TypeError):
        return text
