"""random-uuid-pk: uuid primary keys filled with random (version 4) values."""
from __future__ import annotations

import re
from collections.abc import Iterator

from pgarch_kit.model.names import quote_ident

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule
from ..indexes._shared import table_sql
from ._shared import projected_rows

_RANDOM = re.compile(r"\b(gen_random_uuid|uuid_generate_v4)\s*\(", re.I)


class RandomUuidPk(Rule):
    """What: a ``uuid`` column leading the primary key whose default is ``gen_random_uuid()``
    or ``uuid_generate_v4()``. Preconditions: the table's expected volume (intent ``rows`` or
    ``growth_per_month``). The rule stays silent when the design expects the table to stay
    under ``random_uuid_rows`` (default 1M) rows within two years and is a warning above that;
    tables without a declared volume are not judged one by one — the rule says once which
    tables it could not judge. A random uuid that is not the first key column
    (``(tenant_id, id)``) is not flagged: inserts are then local per leading value.

    Why: random keys land on random leaf pages of the primary-key B-tree: once the index
    outgrows memory every insert reads a cold page, pages split half-empty, and full-page
    writes inflate WAL. Time-ordered keys append to the right edge instead.

    Fix: ``ALTER TABLE t ALTER COLUMN id SET DEFAULT uuidv7();`` on PostgreSQL 18 (or a
    time-ordered generator such as the pg_uuidv7 extension before it); a ``bigint`` identity
    when keys need not be globally unique.

    References: PostgreSQL 18 release notes (uuidv7); RFC 9562.
    """

    code = "PGA103"
    slug = "random-uuid-pk"
    category = "keys"
    severity = "warning"
    mode = "S"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        limit = int(ctx.setting("random_uuid_rows") or 1_000_000)
        unjudged = []
        for t in ctx.tables:
            if not t.primary_key:
                continue
            col = t.column(t.primary_key.columns[0])
            if (col is None or ctx.base_type(col.type) != "uuid"
                    or not _RANDOM.search(col.default or "")):
                continue
            rows = projected_rows(ctx, ctx.intent(t)[0])
            if rows is None:
                unjudged.append(t.name)
                continue
            if rows < limit:
                continue
            volume = f"about {rows:,} rows expected within two years"
            yield self.finding(
                t, col.name,
                f"primary key {col.name} defaults to {col.default} ({volume}): random uuids "
                f"scatter inserts over the whole index, with page splits, WAL and cache misses",
                f"ALTER TABLE {table_sql(t)} ALTER COLUMN {quote_ident(col.name)} "
                f"SET DEFAULT uuidv7();  -- PostgreSQL 18; earlier: a v7 generator extension")
        if unjudged:
            names = ", ".join(unjudged[:5]) + (f" and {len(unjudged) - 5} more"
                                               if len(unjudged) > 5 else "")
            yield self.needs_information(
                f"the expected volume of the tables keyed by random uuids ({names}): random "
                f"keys only hurt once the index outgrows memory",
                "declare intent rows/growth_per_month for them; above random_uuid_rows "
                "(default 1M) the rule suggests uuidv7()")
