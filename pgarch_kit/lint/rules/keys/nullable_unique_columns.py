"""nullable-unique-columns: UNIQUE over nullable columns without NULLS NOT DISTINCT."""
from __future__ import annotations

import re
from collections.abc import Iterator

from pgarch_kit.model.names import quote_ident

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule
from ..types._common import sql_table


def _excluded_by(where: str | None, column: str) -> bool:
    """True when a partial index's predicate keeps NULLs of ``column`` out."""
    if not where:
        return False
    pattern = rf'(?<![\w"]){re.escape(column)}"?\s*\)?\s+IS\s+NOT\s+NULL'
    return re.search(pattern, where, re.I) is not None


class NullableUniqueColumns(Rule):
    """What: a UNIQUE constraint or unique index over at least one nullable column, without
    ``NULLS NOT DISTINCT`` (a partial index whose predicate says ``c IS NOT NULL`` is fine).
    Needs only the design. A key whose columns are *all* nullable on a table without a
    primary key is a warning: it is the rows' only identity, and it identifies nothing until
    NOT NULL is declared. Everything else is info: a key with some NOT NULL columns and a
    nullable one — ``(environment_id, idempotency_key)`` — and a single nullable unique column
    are usually the intended "optional, but unique when given" (each NULL is "no value"), and
    an all-nullable key beside a primary key may describe an optional relationship.

    Why: NULLs are distinct from each other in unique checks, so ``(tenant_id, code)`` with
    ``code`` NULL can repeat any number of times: the "unique" rows are duplicated.

    Fix: ``ALTER TABLE t ALTER COLUMN c SET NOT NULL``, or recreate the constraint as
    ``UNIQUE NULLS NOT DISTINCT (…)`` (PostgreSQL 15+).

    References: proposed in the catalog; pg-index-health covers only non-unique indexes.
    """

    code = "PGA022"
    slug = "nullable-unique-columns"
    category = "keys"
    severity = "warning"
    mode = "S"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        for t in ctx.tables:
            nullable = {c.name for c in t.columns if c.nullable and not c.identity}
            if not nullable:
                continue
            keys = [(u.name, tuple(u.columns), None) for u in t.uniques
                    if not u.nulls_not_distinct]
            keys += [(ix.name, tuple(k.column for k in ix.keys if not k.expression), ix.where)
                     for ix in t.indexes if ix.unique and not ix.nulls_not_distinct]
            for name, cols, where in keys:
                open_ = [c for c in cols if c in nullable and not _excluded_by(where, c)]
                if not open_:
                    continue
                single = len(cols) == 1
                # a column an ON DELETE SET NULL key empties is nullable by design: NOT NULL
                # would break the parent's deletes, NULLS NOT DISTINCT its second one
                set_null = {c for fk in t.foreign_keys if fk.on_delete == "SET NULL"
                            for c in fk.columns}
                optional = (single or len(open_) < len(cols) or t.primary_key is not None
                            or bool(set_null & set(open_)))
                what = name or f"UNIQUE ({', '.join(cols)})"
                fix = "; ".join(f"ALTER TABLE {sql_table(t)} ALTER COLUMN {quote_ident(c)} "
                                f"SET NOT NULL" for c in open_)
                fix += f"; -- or recreate {what} as UNIQUE NULLS NOT DISTINCT (PG15+)"
                yield self.finding(
                    t, open_[0] if len(open_) == 1 else None,
                    f"{what} includes nullable {', '.join(open_)}: NULLs never collide, so rows "
                    f"with a NULL there can repeat" + (" (fine if the value is optional)"
                                                       if optional else
                                                       "; none of its columns is NOT NULL, and "
                                                       "it is the table's only identity"),
                    fix, severity="info" if optional else None)
