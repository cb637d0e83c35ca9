"""column-order-padding: alignment padding the column order wastes in every row."""
from __future__ import annotations

from collections.abc import Iterator

from pgarch_kit.model import Column
from pgarch_kit.model.names import quote_ident
from pgarch_kit.model.storage import FIXED as _FIXED

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule
from ._common import pg_type

MIN_SAVING = 8


def _end(layout: list[tuple[int, int]]) -> int:
    """Offset after laying the fixed-width columns out in order, padding each to its
    alignment (the data area starts MAXALIGNed, at offset 0)."""
    off = 0
    for width, align in layout:
        off = -(-off // align) * align + width
    return off


def _slot(width: int, align: int) -> int:
    """Sort key: the alignment a column effectively keeps for the next one (uuid is
    byte-aligned but 16 wide, so it fits among the 8-byte columns)."""
    keeps = max(align, max(a for a in (8, 4, 2, 1) if width % a == 0))
    return -keeps * 100 - (width % keeps == 0) * 10


class ColumnOrderPadding(Rule):
    """What: a table whose fixed-width columns are ordered so that alignment padding wastes at
    least 8 bytes per row compared with ordering them widest-alignment first (8-byte
    ``bigint``/``double precision``/``timestamp(tz)``, then 4-byte ``integer``/``real``/
    ``date``, 2-byte ``smallint``, 1-byte ``boolean``), variable-width columns (``text``,
    ``numeric``, ``jsonb``, arrays …) last. Padding is computed over the fixed-width columns;
    variable-width ones are assumed to go last, as the fix suggests. Needs only the design;
    whether the table grows big enough for the waste to matter it does not ask, hence info.

    Why: PostgreSQL aligns each value to its type's alignment, so ``boolean, bigint`` takes
    16 bytes where ``bigint, boolean`` takes 9. The waste is in every row and every cached
    page: more disk, cache and I/O. It only pays on wide or big tables, hence info.

    Fix: when the table is created (or rebuilt), order the columns as suggested: widest
    alignment first, primary-key columns first within their group, variable-width last.

    References: Atlas PG110; PostgreSQL docs "Table Row Layout".
    """

    code = "PGA015"
    slug = "column-order-padding"
    category = "performance"
    severity = "info"
    mode = "S"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        domains = {d.name: d.type for d in ctx.design.domains}
        domains.update({f"{d.schema}.{d.name}": d.type for d in ctx.design.domains})
        enums = {e.name for e in ctx.design.enums} | {f"{e.schema}.{e.name}"
                                                      for e in ctx.design.enums}
        shapes: dict[str, tuple[int, int] | None] = {}  # per type text: designs reuse types
        for t in ctx.tables:
            fixed: list[tuple[Column, int, int]] = []
            variable: list[Column] = []
            for c in t.columns:
                if c.type not in shapes:
                    shapes[c.type] = self._shape(c.type, domains, enums)
                shape = shapes[c.type]
                if shape is None:
                    variable.append(c)
                else:
                    fixed.append((c, *shape))
            now = _end([(w, a) for _, w, a in fixed])
            pk = set(t.primary_key.columns) if t.primary_key else set()
            order = sorted(enumerate(fixed),
                           key=lambda p: (_slot(p[1][1], p[1][2]), p[1][0].name not in pk, p[0]))
            best = _end([(w, a) for _, (_, w, a) in order])
            if now - best < MIN_SAVING:
                continue
            names = [quote_ident(c.name) for _, (c, _, _) in order]
            names += [quote_ident(c.name) for c in variable]
            yield self.finding(
                t, None,
                f"the column order wastes {now - best} bytes of alignment padding per row "
                f"({now} bytes of fixed-width data where {best} would do), widening every row "
                f"on disk and in cache",
                f"-- when the table is (re)created, order the columns: {', '.join(names)}")

    @staticmethod
    def _shape(type_text: str, domains: dict[str, str],
               enums: set[str]) -> tuple[int, int] | None:
        ty = pg_type(type_text)
        if ty is None or ty.is_array:
            return None
        if ty.base in domains:
            ty = pg_type(domains[ty.base])
            if ty is None or ty.is_array:
                return None
        if ty.base in enums:
            return (4, 4)
        return _FIXED.get(ty.base)
