"""How each exclusion constraint is kept: ranges that never overlap, or a unique key.

``EXCLUDE USING gist (child_id WITH =, period WITH &&)`` holds when no two rows' ranges
overlap at all, whatever ``child_id`` is — so every ``&&`` element is given one slot per row:

* a range column already is (see :mod:`.ranges`);
* ``daterange(start_date, end_date, '[]')``, ``tstzrange(arrived, departed)``: the two columns
  become the slot's bounds (never NULL: a NULL bound is unbounded and overlaps everything);
* ``tsrange(date + start_time, date + end_time)``: ``date`` walks on one day per 24 rows and
  the times take the row's hour of that day.

An exclusion with no ``&&`` element it can slot (``partnership_id WITH =, end_date WITH <>``)
makes its ``=`` columns a unique key instead, which is stronger and always enough.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..model.design import Table
from .sqlexpr import Arith, Col, Const, Func, parse_expr

__all__ = ["Slot", "plan_exclusions"]

_RANGE_FUNCS = {"daterange", "tsrange", "tstzrange", "int4range", "int8range", "numrange"}


@dataclass(frozen=True)
class Slot:
    """A column's part in a row's slot: ``lo``/``hi`` bounds, or ``day``/``tod_lo``/
    ``tod_hi`` for ``date + time`` bounds; ``inclusive``: the upper bound is inside."""

    role: str
    inclusive: bool = False


def _bound(node) -> Col | None:
    if isinstance(node, Col):
        return node
    if isinstance(node, Func) and node.name == "coalesce" and node.args and isinstance(
            node.args[0], Col):
        return node.args[0]
    return None


def plan_exclusions(t: Table) -> tuple[dict[str, Slot], list[tuple[str, ...]], list[str]]:
    """(slots by column, extra unique keys, one strategy line per exclusion)."""
    slots: dict[str, Slot] = {}
    uniques: list[tuple[str, ...]] = []
    notes: list[str] = []
    for x in t.exclusions:
        name = x.name or "exclusion"
        eq = tuple(e.expression for e in x.elements if e.operator == "=" and
                   t.column(e.expression) is not None)
        done = False
        for e in x.elements:
            if e.operator != "&&":
                continue
            if t.column(e.expression) is not None:
                notes.append(f"{name}: {e.expression} takes consecutive non-overlapping ranges")
                done = True
                break
            tree = parse_expr(e.expression)
            if not (isinstance(tree, Func) and tree.name in _RANGE_FUNCS and
                    len(tree.args) >= 2):
                continue
            inclusive = len(tree.args) > 2 and isinstance(tree.args[2], Const) and \
                str(tree.args[2].value).endswith("]")
            lo, hi = tree.args[0], tree.args[1]
            if (a := _bound(lo)) and (b := _bound(hi)):
                slots.setdefault(a.name, Slot("lo", inclusive))
                slots.setdefault(b.name, Slot("hi", inclusive))
                notes.append(f"{name}: ({a.name}, {b.name}) take one time slot per row")
                done = True
                break
            if isinstance(lo, Arith) and isinstance(hi, Arith) and lo.op == hi.op == "+" and \
                    all(isinstance(v, Col) for v in (lo.left, lo.right, hi.left, hi.right)) \
                    and lo.left == hi.left:
                slots.setdefault(lo.left.name, Slot("day"))
                slots.setdefault(lo.right.name, Slot("tod_lo"))
                slots.setdefault(hi.right.name, Slot("tod_hi"))
                notes.append(f"{name}: ({lo.left.name}, {lo.right.name}, {hi.right.name}) "
                             "take one slot per row (an hour of a day)")
                done = True
                break
        if not done and eq:
            uniques.append(eq)
            notes.append(f"{name}: ({', '.join(eq)}) made unique (no two rows compare)")
        elif not done:
            notes.append(f"{name}: not handled by the generator: left to the server")
    return slots, uniques, notes
