"""int-id-overflow-risk: 32- and 16-bit keys of tables the design shows will outgrow them."""
from __future__ import annotations

from collections.abc import Iterator

from pgarch_kit.model import Column, Sequence, Table
from pgarch_kit.model.default_names import identity_sequence_name
from pgarch_kit.model.names import qualified

from ...context import LintContext, label
from ...finding import Finding
from ...rule import Rule
from ._common import alter_type, pg_type
from ._growth import Growth, growth_of
from ._serial import SERIAL_TYPES, owned_sequences, serial_sequence

_MAX = {"integer": "2.1 billion", "smallint": "32,767"}
_LIMIT = {"integer": 2**31 - 1, "smallint": 2**15 - 1, "bigint": 2**63 - 1}
_HORIZON_MONTHS = 120   # ten years: a key that lasts longer is not worth a rewrite today


def _int_base(column: Column) -> str | None:
    written = SERIAL_TYPES.get(column.type.strip().lower())
    ty = pg_type(written or column.type)
    return None if ty is None or ty.is_array else ty.base


class IntIdOverflowRisk(Rule):
    """What: a table's own ``integer``/``smallint`` key — an identity or serial column, its
    single-column primary key, or an ``id``/``*_id`` column of its primary key — when the design
    gives evidence the table outgrows it: declared ``rows``/``growth_per_month`` (or the rows a
    live import counted) projecting exhaustion within ten years (setting
    ``int_key_horizon_months``), the insert rate of its ``INSERT`` query patterns doing the
    same, or the shape of an append-only record table (nothing references it, rows are
    time-stamped and never marked updated, no status to process, no natural key: events, logs,
    facts); partitioning alone is a hint (info). A key a migration script defines now
    (``pgarch lint --migration``) is judged as a new choice, where bigint costs nothing. Foreign
    keys follow the key they reference and are not judged on their own — a lookup table's
    integer key never runs out, and an ``integer`` foreign key to an ``integer`` key is right —
    except one narrower than the key it references, which fails first. Counters and other
    integers are left alone. Needs: volumes (intent or query patterns) for a projection; without
    any evidence the rule says once per design that it needs the expected rows instead of
    flagging every key.

    Why: a 32-bit key runs out at about 2.1 billion (16-bit at 32,767): inserts then fail.
    Widening the column later rewrites the table, its indexes and every referencing table
    under exclusive locks — cheap only while the table is small.

    Fix: ``ALTER TABLE t ALTER COLUMN id TYPE bigint`` together with every foreign key
    column that references it (and ``ALTER SEQUENCE … AS bigint`` for a serial, whose
    sequence stays capped otherwise), while the table is small — or declare it ``bigint GENERATED
    ALWAYS AS IDENTITY`` from the start.

    References: squawk prefer-bigint-over-int, prefer-bigint-over-smallint.
    """

    code = "PGA007"
    slug = "int-id-overflow-risk"
    category = "types"
    severity = "warning"
    mode = "S"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        owned = owned_sequences(ctx.design)
        children = _referencing(ctx)
        horizon = int(ctx.setting("int_key_horizon_months") or _HORIZON_MONTHS)
        unjudged: list[str] = []
        for t in ctx.tables:
            pk = tuple(t.primary_key.columns) if t.primary_key else ()
            fk_cols = {col for fk in t.foreign_keys for col in fk.columns}
            for c in t.columns:
                base = _int_base(c)
                if base not in _MAX:
                    continue
                if c.name in fk_cols:  # follows the key it references
                    narrower = self._narrower_fk(ctx, t, c, base)
                    if narrower:
                        yield narrower
                    continue
                generated = (c.type.strip().lower() in SERIAL_TYPES or c.identity is not None
                             or serial_sequence(t, c, owned) is not None)
                named = c.name.lower() == "id" or c.name.lower().endswith("_id")
                if not generated and not (c.name in pk and (len(pk) == 1 or named)):
                    continue  # not the table's own key: counters, codes, natural-key parts
                growth = growth_of(ctx, t)
                if growth is None and ctx.setting("new_definitions"):
                    growth = Growth("it is a key defined now, when bigint costs 4 bytes a row "
                                    "and widening later costs a rewrite")
                if growth is None:
                    if base == "integer" and label(t) not in unjudged:
                        unjudged.append(label(t))
                    continue
                found = self._judge(t, c.name, base, growth, horizon,
                                    children.get((t.key, c.name), []),
                                    serial_sequence(t, c, owned),
                                    c.type.strip().lower() in SERIAL_TYPES)
                if found:
                    yield found
        if unjudged:
            shown = ", ".join(unjudged[:5]) + (" …" if len(unjudged) > 5 else "")
            yield self.needs_information(
                f"how many rows the {len(unjudged)} table(s) with 32-bit keys ({shown}) will "
                f"hold; nothing in the design (intent, insert query patterns, partitioning, an "
                f"append-only shape) says they grow large, so their keys are not judged",
                "declare intent rows and growth_per_month for the tables expected to grow "
                "(e.g. intent: {rows: 1000000, growth_per_month: 50000}); the rule then projects "
                "when each key runs out")

    def _judge(self, t: Table, column: str, base: str, growth: Growth, horizon: int,
               refs: list[tuple[Table, str]], seq: Sequence | None = None,
               serial: bool = False) -> Finding | None:
        why = self._verdict(growth, base, horizon)
        if why is None:
            return None  # the declared volume stays well inside the type
        # a serial's sequence is AS integer: widening the column alone leaves it capped
        if seq is not None:
            widen_seq = [f"ALTER SEQUENCE {qualified(seq.schema, seq.name)} AS bigint;"]
        elif serial:   # written serial: the sequence PostgreSQL names for it
            widen_seq = [f"ALTER SEQUENCE "
                         f"{qualified(t.schema, identity_sequence_name(t, column))} AS bigint;"]
        else:
            widen_seq = []
        fix = " ".join([alter_type(t, column, "bigint"), *widen_seq,
                        *(alter_type(rt, rc, "bigint") for rt, rc in refs)])
        shown = ", ".join(f"{label(rt)}.{rc}" for rt, rc in refs[:4])
        follow = (f"; the foreign keys {shown}{' …' if len(refs) > 4 else ''} must widen with "
                  f"it" if refs else "")
        article = "an" if base == "integer" else "a"
        return self.finding(
            t, column,
            f"{column} is {article} {base} key and {why}: inserts fail once it passes "
            f"{_MAX[base]}, and widening it later rewrites the table under an exclusive "
            f"lock{follow}",
            fix, severity=None if growth.strong else "info")

    @staticmethod
    def _verdict(growth: Growth, base: str, horizon: int) -> str | None:
        limit = _LIMIT[base]
        left = growth.months_left(limit)
        if growth.rows is None and growth.per_month is None:
            return growth.how  # qualitative evidence: big, no pace to project
        if left is not None and left <= horizon:
            when = ("is already near its limit" if left < 1 else
                    f"runs out in about {left / 12:.1f} years" if left >= 24 else
                    f"runs out in about {left:.0f} months")
            return f"{when} ({growth.how})"
        if left is None and (growth.rows or 0) >= limit // 2:
            return f"is past half its range ({growth.how})"
        return None

    def _narrower_fk(self, ctx: LintContext, t: Table, c: Column, base: str) -> Finding | None:
        """A foreign-key column narrower than the key it references fails first."""
        for fk in t.foreign_keys:
            if c.name not in fk.columns:
                continue
            parent = ctx.ref_table(t, fk)
            ref_col = fk.ref_columns[fk.columns.index(c.name)] if fk.ref_columns else None
            col = parent.column(ref_col) if parent is not None and ref_col else None
            ref_base = _int_base(col) if col is not None else None
            if ref_base not in _LIMIT or _LIMIT[ref_base] <= _LIMIT[base]:
                return None
            # the mismatch is certain, the failure only if the parent grows past the child's
            # range: a warning needs the parent's growth, as a narrow key's own would
            growth = growth_of(ctx, parent) if parent is not None else None
            grows = growth is not None and growth.strong
            return self.finding(
                t, c.name,
                f"{c.name} is {base} but references {label(parent)}.{ref_col}, a {ref_base}: "
                f"inserts fail once the referenced key passes {_MAX[base]}"
                + (f" ({growth.how})" if grows else
                   f" — if {label(parent)} ever grows that far; the design does not say"),
                alter_type(t, c.name, ref_base), severity=None if grows else "info")
        return None


def _referencing(ctx: LintContext) -> dict[tuple[tuple[str, str], str], list[tuple[Table, str]]]:
    """(parent key, parent column) → the (child table, column) pairs referencing it."""
    out: dict[tuple[tuple[str, str], str], list[tuple[Table, str]]] = {}
    for t in ctx.tables:
        for fk in t.foreign_keys:
            ref = (fk.ref_schema or t.schema, fk.ref_table)
            for col, ref_col in zip(fk.columns, fk.ref_columns, strict=False):
                if _int_base(t.column(col) or Column(col, "text")) in _MAX:
                    out.setdefault((ref, ref_col), []).append((t, col))
    return out

