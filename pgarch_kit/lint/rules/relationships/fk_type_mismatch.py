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


# Same-family types compare without a cast (cross-type B-tree operators), so indexes serve
# both sides; only the range differs.
_INTEGERS = {"smallint": 2, "integer": 4, "bigint": 8}
_STRINGS = {"text", "character varying"}   # varchar has no operators of its own: text's


class FkTypeMismatch(Rule):
    """What: a foreign-key column whose type (domains resolved to their base type, type
    modifiers ignored) differs from the referenced column's. Needs only the design.
    ``integer`` referencing ``bigint`` (narrower than its parent) is a warning; ``bigint``
    referencing ``integer`` is info (it holds every parent value; the mismatch is cosmetic
    until the parent is widened); ``varchar`` against ``text`` is not reported (varchar uses
    text's operators, no cast happens). Other pairs (``char`` against ``varchar``,
    ``numeric`` against ``integer``) are warnings.

    Why: integer types compare without a cast, but a narrower child column overflows once
    the parent's keys grow past its range — inserts of those children then fail. Across type
    families every check and join needs a cast, so an index on one side may go unused, and
    ``char`` pads and trims blanks differently from ``varchar``.

    Fix: ``ALTER TABLE child ALTER COLUMN parent_id TYPE bigint;`` (the parent's exact type;
    a rewrite of the child, so plan it).

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
                    if ca[1] == cb[1] and {ca[0], cb[0]} <= _STRINGS:
                        continue
                    if ca[1] == cb[1] and ca[0] in _INTEGERS and cb[0] in _INTEGERS:
                        wider = _INTEGERS[ca[0]] > _INTEGERS[cb[0]]
                        why = (f"it holds every {parent.name}.{ref} value, so nothing breaks; "
                               f"the types simply differ" if wider else
                               f"inserts fail once {parent.name}'s keys outgrow "
                               f"{_short(mine.type)}")
                    else:
                        wider = False
                        why = ("every FK check and join needs a cast, so an index on one "
                               "side may go unused")
                    yield self.finding(
                        t, col,
                        f"{col} is {_short(mine.type)} but references {parent.name}.{ref} of "
                        f"type {_short(theirs.type)}: {why}",
                        f"-- nothing needed now: when {parent.name}.{ref} is widened to "
                        f"{_short(mine.type)}, the types match" if wider else
                        f"ALTER TABLE {table_sql(t)} ALTER COLUMN {quote_ident(col)} "
                        f"TYPE {b};",
                        severity="info" if wider else None)


def _short(text: str) -> str:
    try:
        return short_type(text)
    except (ValueError, TypeError):
        return text
