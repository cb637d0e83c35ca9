"""mandatory-columns-missing: tables lacking the house's required columns."""
from __future__ import annotations

from collections.abc import Iterator

from pgarch_kit.model.names import quote_ident
from pgarch_kit.model.types import canonical_type

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule
from ..types._common import pg_type, sql_table


def _spec(entry: str) -> tuple[str, str | None]:
    """``created_at`` or ``created_at timestamptz`` → (name, canonical type or None)."""
    name, _, typ = str(entry).strip().partition(" ")
    typ = typ.strip()
    if not typ:
        return name, None
    try:
        return name, canonical_type(typ)
    except (ValueError, TypeError):
        return name, typ


def _add(name: str, typ: str | None) -> str:
    if typ is None:
        typ = "timestamp with time zone" if name.endswith("_at") else "text"
    ty = pg_type(typ)
    default = " NOT NULL DEFAULT now()" if ty and ty.base.startswith("timestamp") else ""
    return f"{quote_ident(name)} {typ}{default}"


class MandatoryColumnsMissing(Rule):
    """What: a table (partitions aside) that lacks one of the columns the
    ``mandatory_columns`` setting requires — entries are a name (``created_at``) or a name
    and type (``created_at timestamptz``); with a type, a column of another type is reported
    too. Needs: the setting, empty by default — without a house policy the rule is silent.

    Why: auditing, housekeeping and sync jobs rely on the convention (every table has a
    ``created_at``), and the table that misses it is found only when the job breaks.

    Fix: ``ALTER TABLE t ADD COLUMN created_at timestamptz NOT NULL DEFAULT now();``

    References: schemalint mandatory-columns.
    """

    code = "PGA025"
    slug = "mandatory-columns-missing"
    category = "constraints"
    severity = "warning"
    mode = "S"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        setting = ctx.setting("mandatory_columns") or ()
        if isinstance(setting, str):
            setting = (setting,)
        specs = [_spec(e) for e in setting if str(e).strip()]
        if not specs:
            return
        for t in ctx.tables:
            for name, typ in specs:
                col = t.column(name)
                if col is None:
                    yield self.finding(
                        t, name,
                        f"{t.name} lacks the mandatory column {name}: the house convention "
                        f"that auditing and housekeeping rely on is not met",
                        f"ALTER TABLE {sql_table(t)} ADD COLUMN {_add(name, typ)};")
                elif typ is not None and col.type != typ:
                    yield self.finding(
                        t, name,
                        f"{t.name}.{name} is {col.type} where the mandatory-column convention "
                        f"requires {typ}",
                        f"ALTER TABLE {sql_table(t)} ALTER COLUMN {quote_ident(name)} "
                        f"TYPE {typ} USING {quote_ident(name)}::{typ};  -- fails unchanged if "
                        f"a value does not convert")
