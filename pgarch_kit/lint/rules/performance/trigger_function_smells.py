"""trigger-function-smells: trigger functions shared widely, or scanning whole tables per row."""
from __future__ import annotations

import re
from collections.abc import Iterator

from pgarch_kit.model import Routine

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule
from ..security._sql import routine_body, routine_ref

_IDENT = r'(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)'
_EXECUTE = re.compile(rf"\bEXECUTE\s+(?:FUNCTION|PROCEDURE)\s+({_IDENT})"
                      rf"(?:\s*\.\s*({_IDENT}))?\s*\(", re.IGNORECASE)
_FOR_EACH_ROW = re.compile(r"\bFOR\s+EACH\s+ROW\b", re.IGNORECASE)
# Written to serve any table: generic audit/history functions read the trigger's table name.
_GENERIC = re.compile(r"\bTG_(TABLE_NAME|TABLE_SCHEMA|RELID|RELNAME|ARGV)\b", re.IGNORECASE)
_INSERT = re.compile(r"\binsert\s+into\b", re.IGNORECASE)
# A table read or written by a statement (not a function call, not NEW/OLD).
_TABLE_REF = re.compile(rf"(?<!distinct )\b(?:from|update|join)\s+(?:only\s+)?({_IDENT}"
                        rf"(?:\s*\.\s*{_IDENT})?)(?![A-Za-z0-9_$.\"]|\s*\()", re.IGNORECASE)
_WHERE = re.compile(r"\b(where|limit)\b", re.IGNORECASE)


def _unquote(name: str) -> str:
    return name[1:-1].replace('""', '"') if name.startswith('"') else name.lower()


def _table_refs(text: str) -> Iterator[re.Match[str]]:
    """Table references after FROM/UPDATE/JOIN, leaving out NEW/OLD and function calls."""
    for m in _TABLE_REF.finditer(text):
        if _unquote(m.group(1).split(".")[0].strip()) not in ("new", "old"):
            yield m


def touches_tables(body: str) -> bool:
    """Reads or writes tables, as opposed to only touching NEW/OLD (``set_updated_at``)."""
    return bool(_INSERT.search(body)) or next(_table_refs(body), None) is not None


def unbounded_statement(body: str) -> str | None:
    """The first statement that reads or writes a table with no WHERE (or LIMIT)."""
    for stmt in body.split(";"):
        if _WHERE.search(stmt) or next(_table_refs(stmt), None) is None:
            continue
        return " ".join(stmt.split())[:80]
    return None


class TriggerFunctionSmells(Rule):
    """What: (1) a trigger function used by triggers on three or more tables (setting
    ``trigger_function_max_tables``, default 2 tables allowed) that reads or writes other tables
    and is not written generically — functions that consult ``TG_TABLE_NAME``, ``TG_RELID`` or
    ``TG_ARGV`` are meant to be shared (audit logs), and functions that only touch
    ``NEW``/``OLD`` (``set_updated_at``) have nothing to spread; (2) a function fired ``FOR EACH
    ROW`` whose body has a statement reading, updating or deleting a table with no ``WHERE`` (or
    ``LIMIT``). Both are lexical heuristics on the function's source. Needs only the design (its
    triggers and routines).

    Why: a change to a shared function lands on every table at once, with no way to roll
    it out table by table; and an unbounded query per modified row makes bulk writes
    quadratic.

    Fix: give each table its own function (or make the shared one generic with
    ``TG_TABLE_NAME``), add key predicates, or use a statement-level trigger with
    transition tables: ``CREATE TRIGGER … REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT …``

    References: pglinter B009, B013.
    """

    code = "PGA100"
    slug = "trigger-function-smells"
    category = "performance"
    severity = "info"
    mode = "S"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        by_name: dict[str, list[Routine]] = {}
        for r in ctx.design.routines:
            by_name.setdefault(r.name, []).append(r)
        tables: dict[tuple[str, str], set[tuple[str, str]]] = {}
        per_row: set[tuple[str, str]] = set()
        for trg in ctx.design.triggers:
            m = _EXECUTE.search(trg.definition)
            if not m:
                continue
            schema, name = (_unquote(m.group(1)), _unquote(m.group(2))) if m.group(2) \
                else (None, _unquote(m.group(1)))
            found = [r for r in by_name.get(name, ()) if schema is None or r.schema == schema]
            if not found:
                continue
            r = next((x for x in found if x.schema == "public"), found[0]) if schema is None \
                else found[0]
            key = (r.schema, r.name)
            tables.setdefault(key, set()).add((trg.schema, trg.table))
            if _FOR_EACH_ROW.search(trg.definition):
                per_row.add(key)
        limit = int(ctx.setting("trigger_function_max_tables") or 2)
        routines = {(r.schema, r.name): r for r in ctx.design.routines}
        for key, users in tables.items():
            r = routines[key]
            body = routine_body(r)
            where = r.name if r.schema == "public" else f"{r.schema}.{r.name}"
            if len(users) > limit and not _GENERIC.search(body) and touches_tables(body):
                names = ", ".join(sorted(t for _, t in users))
                yield self.finding(
                    where, None,
                    f"trigger function {r.name} serves {len(users)} tables ({names}) and "
                    f"writes or reads other tables, so any change to it lands on all of them "
                    f"at once",
                    f"-- give each table its own trigger function, or make {r.name} generic "
                    f"with TG_TABLE_NAME")
            stmt = unbounded_statement(body) if key in per_row else None
            if stmt:
                yield self.finding(
                    where, None,
                    f"row-level trigger function {r.name} runs '{stmt}' with no WHERE, a "
                    f"whole-table query per modified row that makes bulk writes quadratic",
                    f"-- add a key predicate to that statement in {routine_ref(r)}, or use a "
                    f"FOR EACH STATEMENT trigger with REFERENCING NEW TABLE")
