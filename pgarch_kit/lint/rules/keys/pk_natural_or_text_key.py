"""pk-natural-or-text-key: primary keys made of text-like or numeric natural values."""
from __future__ import annotations

from collections.abc import Iterator

from pgarch_kit.model.names import derive_name, quote_ident

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule
from ..types._common import TEXT_TYPES, pg_type, sql_table

# Natural-key types: strings and decimal codes. Dates and timestamps in composite keys are
# usually partition keys or time-series keys and are deliberately not flagged.
_NATURAL = TEXT_TYPES | {"numeric"}


class PkNaturalOrTextKey(Rule):
    """What: primary-key columns typed ``text``, ``varchar``, ``char``, ``citext`` or
    ``numeric`` — natural keys such as email, code or SSN. Integer, uuid, date/time (often
    the partition key of a composite key) and other types are not flagged, nor are
    partition-key columns; a composite key is flagged only when a foreign key references
    the table (a text dimension in an unreferenced time-series key is copied nowhere).

    Why: natural keys change (people change email, codes get renamed, legal rules change
    what an identifier may be), and a key change cascades through every referencing table.
    Wide string keys are also copied into every foreign key and index that refers to them.

    Fix: a surrogate key with the natural one kept unique:
    ``ALTER TABLE t ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY; … ADD UNIQUE (email)``
    and move the primary key to ``id``.

    References: pg-index-health primary_keys_with_varchar,
    primary_keys_that_most_likely_natural_keys.
    """

    code = "PGA019"
    slug = "pk-natural-or-text-key"
    category = "keys"
    severity = "warning"
    mode = "S"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        for t in ctx.tables:
            if t.primary_key is None:
                continue
            part = set(t.partition_by.keys) if t.partition_by else set()
            bad = []
            for name in t.primary_key.columns:
                col = t.column(name)
                ty = pg_type(col.type) if col else None
                if ty is not None and ty.base in _NATURAL and name not in part:
                    bad.append(col)
            # A text dimension inside an unreferenced composite key (a time series keyed by
            # device, metric, time) is copied nowhere; the harm comes through references.
            if not bad or (len(t.primary_key.columns) > 1 and t.key not in ctx.referenced):
                continue
            keys = ", ".join(f"{c.name} {c.type}" for c in bad)
            cols = ", ".join(quote_ident(c) for c in t.primary_key.columns)
            tbl = sql_table(t)
            yield self.finding(
                t, bad[0].name if len(bad) == 1 else None,
                f"the primary key of {t.name} uses natural value(s) {keys}: natural keys change "
                f"and cascade into every referencing row, and wide keys bloat every FK index",
                f"ALTER TABLE {tbl} ADD COLUMN {quote_ident(derive_name(t.name, suffix='id'))} "
                f"bigint "
                f"GENERATED ALWAYS AS IDENTITY UNIQUE; -- then repoint FKs, "
                f"ALTER TABLE {tbl} DROP CONSTRAINT <pkey>, ADD PRIMARY KEY (…_id), "
                f"ADD UNIQUE ({cols});")
