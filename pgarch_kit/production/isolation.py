"""Isolation levels for the design's write patterns, and the multi-row rules that need more
than READ COMMITTED.

PostgreSQL's default, READ COMMITTED, gives each *statement* a fresh snapshot and re-checks
an UPDATE's or DELETE's WHERE on the newest version of a row it waited for. That makes
single-statement writes safe — ``SET n = n + 1``, compare-and-set, upserts — and leaves two
gaps that the advice names:

* **read, then write** across statements: the value read may be stale when it is written
  back (a lost update). REPEATABLE READ turns that into a serialization error (40001, retry);
  ``SELECT … FOR UPDATE`` or a version column prevent it at READ COMMITTED.
* **decide from rows you do not write** — "at most one pending order per customer",
  check-then-insert: two sessions both see the rule hold and both write (write skew). Even
  REPEATABLE READ allows it. A (partial) unique index enforces a one-row rule at any level;
  other rules need SERIALIZABLE with a retry loop, or a lock on a parent row.

:class:`Invariant` states such a rule; :mod:`pgarch_kit.bench.isolation` reproduces the
anomaly on loaded data and shows each fix hold. Pure: parses the patterns with pglast.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..model.design import Design
from ..model.names import derive_name, quote_ident
from ..model.query import parse_pattern
from ..model.query.tree import column_names, has_sublink, relation_names

__all__ = ["Invariant", "IsolationAdvice", "IsolationPlan", "RETRY_LOOP", "isolation_plan",
           "suggest_invariants"]

LEVELS = ("READ COMMITTED", "REPEATABLE READ", "SERIALIZABLE")

RETRY_LOOP = '''\
import psycopg
from psycopg import errors

def run_serializable(conn: psycopg.Connection, work, attempts: int = 5):
    """Run work(conn) in a SERIALIZABLE transaction, again from the start on 40001/40P01."""
    conn.isolation_level = psycopg.IsolationLevel.SERIALIZABLE
    for attempt in range(attempts):
        try:
            with conn.transaction():
                return work(conn)
        except (errors.SerializationFailure, errors.DeadlockDetected):
            if attempt == attempts - 1:
                raise
'''


@dataclass(frozen=True)
class Invariant:
    """A rule over several rows that no single-row CHECK can hold: at most ``at_most`` rows of
    ``table`` per value of ``per`` among those where ``where`` holds."""

    table: str
    per: tuple[str, ...]
    where: str
    at_most: int = 1

    def __str__(self) -> str:
        n = "one" if self.at_most == 1 else str(self.at_most)
        return f"at most {n} {self.table} row per {', '.join(self.per)} where {self.where}"

    @property
    def index_name(self) -> str:
        words = re.findall(r"[A-Za-z0-9]+", self.where.split("=")[-1])
        return derive_name(self.table, "one", "_".join(words) or "row", "per", *self.per)

    def index_sql(self, schema: str = "public") -> str | None:
        """The partial unique index that holds the rule at any isolation level (one row only:
        a unique index cannot count to two)."""
        if self.at_most != 1:
            return None
        cols = ", ".join(quote_ident(c) for c in self.per)
        return (f"CREATE UNIQUE INDEX {quote_ident(self.index_name)} ON "
                f"{quote_ident(schema)}.{quote_ident(self.table)} ({cols}) WHERE {self.where};")

    def check_sql(self) -> str:
        """The check an application runs before inserting (``:per`` parameters)."""
        cond = " AND ".join(f"{quote_ident(c)} = :{c}" for c in self.per)
        return f"SELECT count(*) FROM {quote_ident(self.table)} WHERE {cond} AND {self.where}"

    def assignments(self) -> dict[str, str]:
        """``column = literal`` terms of ``where`` — what a new row needs to fall under the
        rule (empty when the condition is anything else)."""
        out = {}
        for term in re.split(r"\s+AND\s+", self.where, flags=re.I):
            m = re.fullmatch(r"\s*\"?(\w+)\"?\s*=\s*('(?:[^']|'')*'|-?\d+(?:\.\d+)?|true|false)"
                             r"\s*", term, re.I)
            if not m:
                return {}
            out[m.group(1)] = m.group(2)
        return out


def _status_values(design: Design, table: Any, column: Any) -> list[str]:
    enum = next((e for e in design.enums if e.name == column.type), None)
    if enum is not None:
        return list(enum.values)
    for check in table.checks:
        m = re.search(rf"\b{column.name}\b\s+IN\s*\(([^)]*)\)", check.expression, re.I)
        if m:
            return re.findall(r"'((?:[^']|'')*)'", m.group(1))
    return []


def suggest_invariants(design: Design) -> list[Invariant]:
    """Rules a designer usually means but rarely writes down: for a table with a status whose
    values are listed (an enum or a CHECK … IN) and a parent by foreign key, "at most one row
    per parent in the first status" (one pending order per customer)."""
    out = []
    for t in design.tables:
        if t.partition_of is not None:
            continue
        status = next((c for c in t.columns if c.name in ("status", "state")), None)
        parent = next((fk for fk in t.foreign_keys if len(fk.columns) == 1), None)
        if status is None or parent is None:
            continue
        values = _status_values(design, t, status)
        if values:
            out.append(Invariant(t.name, parent.columns,
                                 f"{status.name} = '{values[0]}'"))
    return out


@dataclass(frozen=True)
class IsolationAdvice:
    subject: str          # a pattern's name or an invariant
    kind: str             # what the write does, in a few words
    level: str            # the lowest isolation level that is safe as written
    reason: str
    fix: str = ""         # what makes it safe at READ COMMITTED, when something does


@dataclass
class IsolationPlan:
    design: Design
    advice: list[IsolationAdvice]
    invariants: list[Invariant]
    suggested: bool = False       # the invariants were guessed: confirm them, or pass your own

    @property
    def needs_more(self) -> list[IsolationAdvice]:
        return [a for a in self.advice if a.level != "READ COMMITTED"]

    def sql(self) -> str:
        """The unique indexes that hold one-row invariants at READ COMMITTED."""
        lines = [f"-- {inv}\n{inv.index_sql()}" for inv in self.invariants
                 if inv.index_sql() and not _enforced(self.design, inv)]
        return "\n".join(lines)

    def __str__(self) -> str:
        lines = [f"isolation for {self.design.name}: "
                 f"{len(self.needs_more)} of {len(self.advice)} need more than READ COMMITTED"
                 + (" (rules suggested from status columns: confirm them)"
                    if self.suggested else "")]
        for a in self.advice:
            lines.append(f"  {a.level:<16} {a.subject} — {a.kind}: {a.reason}"
                         + (f" Fix: {a.fix}" if a.fix else ""))
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        from html import escape
        rows = "".join(
            f"<tr style='background:{'#fef3c7' if a.level != 'READ COMMITTED' else 'white'}'>"
            f"<td>{escape(a.subject)}</td><td>{escape(a.kind)}</td><td><b>{a.level}</b></td>"
            f"<td>{escape(a.reason)}</td><td>{escape(a.fix)}</td></tr>" for a in self.advice)
        note = (" (rules suggested from status columns: confirm them, or pass your own)"
                if self.suggested else "")
        return ("<div><b>Isolation levels</b> — the lowest level each write is safe at"
                f"{note}</div>"
                "<table style='border-collapse:collapse'><tr><th>pattern / rule</th>"
                "<th>does</th><th>needs</th><th>why</th><th>or, at READ COMMITTED</th></tr>"
                f"{rows}</table>")


def _enforced(design: Design, inv: Invariant) -> bool:
    t = design.table(inv.table)
    if t is None or inv.at_most != 1:
        return False
    norm = "".join(inv.where.lower().split())
    for i in t.indexes:
        if i.unique and tuple(k.column for k in i.keys) == inv.per and i.where and \
                "".join(i.where.lower().split()) == norm:
            return True
    return False


def _locks(stmt: Any) -> bool:
    return bool(getattr(stmt, "lockingClause", None))


def _classify(sql: str) -> tuple[str, str, str, str]:
    """(kind, level, reason, fix) of one pattern."""
    from pglast import ast
    stmts = list(parse_pattern(sql).statements)
    writes = [s for s in stmts if isinstance(s, (ast.InsertStmt, ast.UpdateStmt,
                                                  ast.DeleteStmt))]
    reads = [s for s in stmts if isinstance(s, ast.SelectStmt)]
    if not writes:
        if len(stmts) > 1:
            return ("several reads", "REPEATABLE READ",
                    "each statement at READ COMMITTED sees a different moment; a report that "
                    "adds them up needs one snapshot: REPEATABLE READ READ ONLY", "")
        if reads and _locks(reads[0]):
            return ("locking read", "READ COMMITTED",
                    "FOR UPDATE/SHARE locks what it reads until commit", "")
        return ("read", "READ COMMITTED", "one statement sees one snapshot", "")
    if len(stmts) > 1 and reads:
        written = set().union(*(relation_names(w.relation) for w in writes))
        read = set().union(*(relation_names(r) for r in reads))
        if all(_locks(r) for r in reads):
            return ("locked read, then write", "READ COMMITTED",
                    "the rows read are locked (FOR UPDATE) until the write commits", "")
        if written & read:
            return ("read, then write the same rows", "REPEATABLE READ",
                    "a value read in one statement and written back in another is stale if "
                    "someone updated the row in between (lost update); REPEATABLE READ "
                    "aborts the second writer with 40001 — retry it",
                    "SELECT … FOR UPDATE on the read, or a version column (optimistic)")
        return ("read some rows, write others", "SERIALIZABLE",
                "the write depends on rows it does not write: two sessions can both pass "
                "the check (write skew), which REPEATABLE READ allows too",
                "lock the rows read (FOR SHARE/FOR UPDATE) or a parent row first")
    stmt = writes[0]
    if isinstance(stmt, ast.InsertStmt):
        if stmt.onConflictClause is not None:
            return ("upsert", "READ COMMITTED",
                    "INSERT … ON CONFLICT decides atomically on the unique index", "")
        if has_sublink(stmt.selectStmt):
            return ("check, then insert", "SERIALIZABLE",
                    "the check (NOT EXISTS / count) does not see another session's "
                    "uncommitted row: both pass and insert (write skew)",
                    "a (partial) unique index on what the check counts, or "
                    "lock the parent row FOR UPDATE first")
        return ("insert", "READ COMMITTED", "constraints are checked on each row", "")
    where = stmt.whereClause
    if has_sublink(where) or (isinstance(stmt, ast.UpdateStmt)
                               and has_sublink(stmt.targetList)):
        return ("write decided by a subquery", "SERIALIZABLE",
                "the subquery reads rows the statement does not lock; READ COMMITTED "
                "re-checks only the target row, not the subquery",
                "lock the rows the subquery reads (FOR UPDATE) in a first statement")
    if isinstance(stmt, ast.DeleteStmt):
        return ("delete", "READ COMMITTED",
                "the WHERE is re-checked on the newest version of each row", "")
    assigned = {t.name for t in stmt.targetList}
    self_ref = any(t.name in column_names(t.val) for t in stmt.targetList)
    guarded = bool(assigned & column_names(where))
    if self_ref:
        return ("atomic update", "READ COMMITTED",
                "SET n = n + … computes from the newest row version", "")
    if guarded:
        return ("compare-and-set", "READ COMMITTED",
                "the WHERE names the column it changes, and is re-checked on the newest "
                "version: a concurrent change makes it match no row (check the row count)", "")
    return ("blind write", "READ COMMITTED",
            "last writer wins; safe unless the new value was computed from an earlier read "
            "(then it is a lost update)",
            "when the value comes from a read: add a version column and "
            "WHERE version = :read_version")


def isolation_plan(design: Design, invariants: list[Invariant] | None = None) -> IsolationPlan:
    """Advice for every query pattern that writes (or reads in several statements) and every
    invariant (``suggest_invariants`` when none are given)."""
    suggested = invariants is None
    invariants = suggest_invariants(design) if invariants is None else list(invariants)
    advice = []
    for q in design.queries:
        kind, level, reason, fix = _classify(q.sql)
        if kind == "read":
            continue
        advice.append(IsolationAdvice(q.name, kind, level, reason, fix))
    for inv in invariants:
        if _enforced(design, inv):
            advice.append(IsolationAdvice(str(inv), "invariant", "READ COMMITTED",
                                          "a partial unique index already holds it"))
        elif inv.at_most == 1:
            advice.append(IsolationAdvice(
                str(inv), "invariant", "SERIALIZABLE",
                "a check-then-insert passes in two sessions at once under READ COMMITTED and "
                "REPEATABLE READ", f"{inv.index_sql()} (then any level is safe)"))
        else:
            advice.append(IsolationAdvice(
                str(inv), "invariant", "SERIALIZABLE",
                "no index can count to more than one",
                "lock the parent row (SELECT … FOR UPDATE) before counting"))
    return IsolationPlan(design, advice, invariants, suggested)
