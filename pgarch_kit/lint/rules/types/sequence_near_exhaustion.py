"""sequence-near-exhaustion: sequences close to their type's limit, read from a live database."""
from __future__ import annotations

from collections.abc import Iterator

from pgarch_kit.model.names import qualified, quote_ident

from ...context import LintContext, where_of
from ...finding import Finding
from ...rule import Rule
from ._common import live_rows

# Used share of the range in the direction the sequence moves; the owning column (serial or
# identity) comes from pg_depend ('a' auto for OWNED BY, 'i' internal for identity).
_QUERY = """
SELECT s.schemaname, s.sequencename, s.data_type::text,
       CASE WHEN s.increment_by > 0
            THEN (s.last_value - s.min_value)::numeric / NULLIF(s.max_value - s.min_value, 0)
            ELSE (s.max_value - s.last_value)::numeric / NULLIF(s.max_value - s.min_value, 0)
       END * 100 AS used,
       tn.nspname, tc.relname, a.attname
FROM pg_sequences s
JOIN pg_class sc ON sc.relname = s.sequencename
JOIN pg_namespace sn ON sn.oid = sc.relnamespace AND sn.nspname = s.schemaname
LEFT JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = sc.oid
     AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
LEFT JOIN pg_class tc ON tc.oid = d.refobjid
LEFT JOIN pg_namespace tn ON tn.oid = tc.relnamespace
LEFT JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
WHERE s.last_value IS NOT NULL AND NOT s.cycle
  AND s.schemaname NOT IN ('pg_catalog', 'information_schema')
ORDER BY 1, 2
"""


class SequenceNearExhaustion(Rule):
    """What: on a live database, a non-cycling sequence (serial or identity included) whose
    current value has used more than ``sequence_usage_percent`` (default 75) of its range; past
    95 % the finding is an error. Needs: a live database (the sequences' current values); the
    design alone gives no finding.

    Why: once the sequence reaches its maximum, ``nextval()`` fails and every insert into the
    table fails with it — an outage with no cheap fix, because widening the key column
    rewrites the table.

    Fix: ``ALTER SEQUENCE s AS bigint`` and ``ALTER TABLE t ALTER COLUMN c TYPE bigint``
    (planned, while there is headroom), or move to a new key.

    References: pg-index-health sequence_overflow.
    """

    code = "PGA008"
    slug = "sequence-near-exhaustion"
    category = "types"
    severity = "warning"
    mode = "L"

    def check_live(self, ctx: LintContext) -> Iterator[Finding]:
        limit = float(ctx.setting("sequence_usage_percent") or 75)
        rows = live_rows(ctx, _QUERY)
        for schema, name, data_type, used, t_schema, t_name, column in rows:
            if used is None or float(used) < limit:
                continue
            seq = qualified(schema, name)
            table = None
            fix = f"ALTER SEQUENCE {seq} AS bigint;"
            if t_name:
                table = where_of(t_schema, t_name)
                tbl = t_name and (quote_ident(t_name) if t_schema == "public"
                                  else qualified(t_schema, t_name))
                if data_type != "bigint":
                    fix += f" ALTER TABLE {tbl} ALTER COLUMN {quote_ident(column)} TYPE bigint;"
            if data_type == "bigint":
                fix = f"-- {seq} is already bigint: plan a new key (or CYCLE with care)"
            yield self.finding(
                table, column,
                f"sequence {schema}.{name} ({data_type}) has used {float(used):.1f}% of its "
                f"range: inserts fail once it is exhausted",
                fix, severity="error" if float(used) >= 95 else None)
