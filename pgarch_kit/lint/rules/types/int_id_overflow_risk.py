"""int-id-overflow-risk: 32- and 16-bit surrogate keys, foreign keys and counters."""
from __future__ import annotations

from collections.abc import Iterator

from pgarch_kit.model import Table

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule
from ._common import alter_type, pg_type
from ._serial import SERIAL_TYPES, owned_sequences, serial_sequence

_MAX = {"integer": "2.1 billion", "smallint": "32,767"}
_LIMIT = {"integer": 2**31 - 1, "smallint": 2**15 - 1}
_HORIZON_MONTHS = 120   # a declared volume must stay small for ten years


def _small(table: Table | None, base: str) -> bool:
    """True when the designer declared volumes that keep the table's keys under a tenth of
    the type's range for ten years (a lookup table of 500 categories never overflows)."""
    if table is None or table.intent.rows is None:
        return False
    rows = table.intent.rows + _HORIZON_MONTHS * (table.intent.growth_per_month or 0)
    return rows < _LIMIT[base] // 10


def _counter(name: str) -> bool:
    return name == "count" or name.endswith(("_count", "_counter"))


class IntIdOverflowRisk(Rule):
    """What: ``integer``/``smallint`` (or ``serial``/``smallserial``) columns that hold keys or
    grow without bound: identity or serial columns, primary-key columns of a single-column key
    or named ``id``/``*_id``, foreign-key columns, any ``*_id`` column, and counters
    (``count``, ``*_count``, ``*_counter``). Other integers — quantities, years, ranks,
    composite natural keys like ``site`` — are left alone, and so are keys of tables (for a
    foreign key: of the referenced table) whose declared intent (``rows`` plus ten years of
    ``growth_per_month``) stays under a tenth of the type's range.

    Why: a 32-bit key runs out at about 2.1 billion (16-bit at 32,767) and a busy table gets
    there; foreign keys inherit the limit of what they reference. Widening the column later
    rewrites the table and every index under an exclusive lock.

    Fix: ``ALTER TABLE t ALTER COLUMN c TYPE bigint`` while the table is small — or declare it
    ``bigint GENERATED ALWAYS AS IDENTITY`` from the start.

    References: squawk prefer-bigint-over-int, prefer-bigint-over-smallint.
    """

    code = "PGA007"
    slug = "int-id-overflow-risk"
    category = "types"
    severity = "warning"
    mode = "S"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        owned = owned_sequences(ctx.design)
        for t in ctx.tables:
            pk = tuple(t.primary_key.columns) if t.primary_key else ()
            fk_target = {c: ctx.ref_table(t, fk) for fk in t.foreign_keys for c in fk.columns}
            for c in t.columns:
                written = SERIAL_TYPES.get(c.type.strip().lower())
                ty = pg_type(written or c.type)
                if ty is None or ty.is_array or ty.base not in _MAX:
                    continue
                lname = c.name.lower()
                if written or c.identity or serial_sequence(t, c, owned):
                    why, owner = "an auto-generated key", t
                elif c.name in fk_target:
                    why, owner = "a foreign key", fk_target[c.name]
                elif c.name in pk and (len(pk) == 1 or lname == "id" or lname.endswith("_id")):
                    why, owner = "a primary key", t
                elif lname == "id" or lname.endswith("_id"):
                    why, owner = "an id column", None
                elif _counter(lname):
                    why, owner = "a counter", None
                else:
                    continue
                if _small(owner, ty.base):
                    continue
                yield self.finding(
                    t, c.name,
                    f"{c.name} is {ty.base} and {why}: it overflows at {_MAX[ty.base]}, and "
                    f"widening it later rewrites the table under an exclusive lock",
                    alter_type(t, c.name, "bigint"))
