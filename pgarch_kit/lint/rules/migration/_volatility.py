"""Which functions a DEFAULT may call without making every existing row need its own value:
PostgreSQL's built-ins that are never VOLATILE (``stable_builtins.txt``, read from pg_proc by
``scripts/builtin_volatility.py``), and functions the prior design or the script itself
declares IMMUTABLE or STABLE. Anything else — a VOLATILE function, or one the linter cannot
see — counts as volatile: PostgreSQL 11+ skips the rewrite only when it can prove otherwise.
"""
from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

from pglast.visitors import Visitor

from ...migration import Migration, Statement
from ._common import names

__all__ = ["volatile_calls"]


@cache
def _stable_builtins() -> frozenset[str]:
    text = resources.files(__package__).joinpath("stable_builtins.txt").read_text("utf-8")
    return frozenset(x.strip() for x in text.splitlines() if x.strip() and x[0] != "#")


def _declared(node: Any) -> str:
    """The volatility a CREATE FUNCTION declares (VOLATILE when it says nothing)."""
    for o in node.options or ():
        if o.defname == "volatility":
            return str(o.arg.sval).lower()
    return "volatile"


def _routines(mig: Migration, before: Statement) -> dict[tuple[str | None, str], bool]:
    """(schema, name) → volatile, for the prior design's functions and those the script
    creates before ``before``; an overload that is volatile makes the name volatile."""
    import pglast
    out: dict[tuple[str | None, str], bool] = {}

    def add(schema: str | None, name: str, volatile: bool) -> None:
        for key in ((schema, name), (None, name)):
            out[key] = out.get(key, False) or volatile

    for r in mig.prior.routines:
        if r.kind != "function":
            continue
        try:
            node = pglast.parse_sql(r.definition)[0].stmt
        except Exception:  # a definition pglast cannot read: nothing proves it non-volatile
            add(r.schema, r.name, True)
            continue
        add(r.schema, r.name, _declared(node) == "volatile")
    for s in mig.statements[:before.index]:
        if s.kind == "CreateFunctionStmt" and not s.node.is_procedure:
            parts = names(s.node.funcname)
            add(parts[0] if len(parts) > 1 else "public", parts[-1],
                _declared(s.node) == "volatile")
    return out


class _Calls(Visitor):
    def __init__(self, known: dict[tuple[str | None, str], bool]) -> None:
        self.known, self.found = known, []

    def visit_FuncCall(self, ancestors: Any, node: Any) -> None:
        parts = names(node.funcname)
        name, schema = parts[-1], (parts[0] if len(parts) > 1 else None)
        declared = self.known.get((schema, name))
        if schema in (None, "pg_catalog") and declared is None:
            if name in _stable_builtins():
                return
            why = "volatile" if name in _VOLATILE_BUILTINS else "unknown"
        elif declared is None:
            why = "unknown"
        elif declared:
            why = "volatile"
        else:
            return
        self.found.append((".".join(parts), why))


# Built-in VOLATILE functions people put in defaults, named as such in findings; any other
# name outside the stable list is reported as one nothing proves non-volatile.
_VOLATILE_BUILTINS = frozenset({
    "gen_random_uuid", "uuid_generate_v1", "uuid_generate_v1mc", "uuid_generate_v4", "uuidv4",
    "uuidv7", "clock_timestamp", "random", "random_normal", "timeofday", "nextval", "setseed",
    "txid_current", "pg_current_xact_id", "setval", "currval", "lastval"})


def volatile_calls(mig: Migration, stmt: Statement, expr: Any) -> list[tuple[str, str]]:
    """(function, why) for each call in ``expr`` that may be volatile; why is "volatile" (a
    known volatile built-in, or declared VOLATILE by the design or the script) or "unknown"
    (nothing the linter can see proves it IMMUTABLE or STABLE)."""
    calls = _Calls(_routines(mig, stmt))
    calls(expr)
    return calls.found
