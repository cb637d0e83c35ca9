"""Write skew, reproduced and fixed: two sessions check a rule ("at most one pending order per
customer"), both see it hold, both insert — in one fixed interleaving, on a copy of the
design's loaded table, once per isolation level and fix.

The interleaving is the same every time (A checks, B checks, A inserts, B inserts, A commits,
B commits), so the outcome is the isolation level's, not the scheduler's: READ COMMITTED and
REPEATABLE READ end with two rows, SERIALIZABLE aborts B with 40001 and B's retry sees A's
row, and a partial unique index makes B's insert wait for A and then fail with 23505. A
statement that waits on another session's lock runs in a thread, so the demonstration can
commit A while B waits, as two real clients would.
"""
from __future__ import annotations

import concurrent.futures
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pgarch_kit.model.names import quote_ident
from pgarch_kit.production.isolation import Invariant

from ._html import table as html_table
from .target import BenchError

if TYPE_CHECKING:
    import psycopg

    from pgarch_kit.model import Design

__all__ = ["SkewRun", "WriteSkewDemo", "write_skew_demo"]

COPY_SCHEMA = "pgarch_isolation"


@dataclass
class SkewRun:
    name: str
    level: str
    steps: list[tuple[str, str, str]] = field(default_factory=list)  # session, SQL, outcome
    rows: int = 0           # rows under the rule for the group, at the end

    def anomaly(self, at_most: int) -> bool:
        return self.rows > at_most


@dataclass
class WriteSkewDemo:
    invariant: Invariant
    group: dict[str, Any]
    runs: list[SkewRun] = field(default_factory=list)

    def run(self, name: str) -> SkewRun:
        return next(r for r in self.runs if r.name == name)

    @property
    def ok(self) -> bool:
        """The anomaly reproduced where expected, and every fix held."""
        return all(r.anomaly(self.invariant.at_most) == (r.name in ("read committed",
                                                                      "repeatable read"))
                   for r in self.runs)

    def __str__(self) -> str:
        lines = [f"write skew on {self.invariant} (group {self.group}):"]
        for r in self.runs:
            verdict = "ANOMALY" if r.anomaly(self.invariant.at_most) else "rule holds"
            lines.append(f"  {r.name:<28} {r.rows} rows — {verdict}")
            lines += [f"      {s}: {sql}  → {out}" for s, sql, out in r.steps]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        from html import escape
        parts = [f"<div><b>Write skew</b> — rule: {escape(str(self.invariant))}; two sessions, "
                 f"one interleaving, group {escape(str(self.group))}</div>"]
        for r in self.runs:
            bad = r.anomaly(self.invariant.at_most)
            parts.append(f"<div style='margin-top:6px'><b>{escape(r.name)}</b>: {r.rows} rows "
                         f"— <span style='color:{'#b91c1c' if bad else '#15803d'}'>"
                         f"{'anomaly: the rule is broken' if bad else 'rule holds'}</span></div>")
            rows = [(s, sql, out) for s, sql, out in r.steps]
            parts.append(html_table(("session", "statement", "outcome"), rows,
                                    highlight=["#eff6ff" if s == "A" else None
                                               for s, _, _ in rows]))
        return "".join(parts)


def _template(conn: psycopg.Connection, design: Design, inv: Invariant
              ) -> tuple[dict[str, Any], list[str], tuple[Any, ...]]:
    """A group value with no row under the rule yet (pick one from the loaded data) and a
    row of that group to copy the other columns from."""
    t = design.table(inv.table)
    assert t is not None
    src = f"{quote_ident(t.schema)}.{quote_ident(t.name)}"
    per = ", ".join(quote_ident(c) for c in inv.per)
    cols = [c.name for c in t.columns if c.generated is None and c.identity != "always"]
    row = conn.execute(
        f"SELECT {per}, {', '.join(quote_ident(c) for c in cols)} FROM {src} "
        f"WHERE ({per}) IN (SELECT {per} FROM {src} GROUP BY {per} "
        f"HAVING count(*) FILTER (WHERE {inv.where}) = 0) LIMIT 1").fetchone()
    if row is None:
        raise BenchError(f"no {inv.per} group of {inv.table} without a row where {inv.where}: "
                         f"load more data (scale) or pick another rule")
    group = dict(zip(inv.per, row[:len(inv.per)]))
    return group, cols, tuple(row[len(inv.per):])


def _step(conn: psycopg.Connection, sql: str, args: tuple = ()) -> str:
    import psycopg
    try:
        cur = conn.execute(sql, args)
        if cur.description:
            return f"sees {cur.fetchone()[0]}"
        if cur.rowcount < 0:
            return "ok"
        return f"{cur.rowcount} row" if cur.rowcount == 1 else f"{cur.rowcount} rows"
    except psycopg.Error as exc:
        return f"ERROR {exc.sqlstate}: {exc.diag.message_primary}"


class _Play:
    """Runs each step on a worker thread and records it; a step still running after half a
    second is waiting on a lock — recorded as such, and finished later."""

    def __init__(self, run: SkewRun, pool: concurrent.futures.ThreadPoolExecutor) -> None:
        self.run, self.pool = run, pool
        self.pending: list[tuple[str, concurrent.futures.Future]] = []

    def step(self, who: str, conn: psycopg.Connection, sql: str, shown: str,
             params: tuple = ()) -> str:
        future = self.pool.submit(_step, conn, sql, params)
        try:
            out = future.result(timeout=0.5)
        except concurrent.futures.TimeoutError:
            self.run.steps.append((who, shown, "waits for A's transaction…"))
            self.pending.append((who, future))
            return "waiting"
        self.run.steps.append((who, shown, out))
        return out


def write_skew_demo(design: Design, invariant: Invariant, *, scale: float = 0.005,
                    seed: int = 0) -> WriteSkewDemo:
    """Load ``design`` into its sandbox and play the interleaving on a copy of the rule's
    table (same columns, defaults and checks; none of its indexes or foreign keys) under
    READ COMMITTED, REPEATABLE READ, SERIALIZABLE with a retry, and READ COMMITTED with the
    rule's partial unique index."""
    import psycopg
    from psycopg import sql as pgsql

    from pgarch_kit.db.load import load
    t = design.table(invariant.table)
    if t is None:
        raise BenchError(f"the rule names table {invariant.table!r}, which the design lacks")
    sets = invariant.assignments()
    if not sets:
        raise BenchError(f"the rule's condition {invariant.where!r} must be column = literal "
                         f"terms joined by AND, so that a new row can be made to fall under it")
    loaded = load(design, scale=scale, seed=seed, progress=False, verify=False)
    copy = f"{COPY_SCHEMA}.{quote_ident(t.name)}"
    src = f"{quote_ident(t.schema)}.{quote_ident(t.name)}"
    variants = [("read committed", "READ COMMITTED", False),
                ("repeatable read", "REPEATABLE READ", False),
                ("serializable + retry", "SERIALIZABLE", False),
                ("read committed + unique index", "READ COMMITTED", True)]
    with psycopg.connect(loaded.dsn, autocommit=True) as admin:
        group, cols, values = _template(admin, design, invariant)
        demo = WriteSkewDemo(invariant, group)
        placeholders = [sets.get(c) or "%s" for c in cols]
        args = tuple(v for c, v in zip(cols, values) if c not in sets)
        insert = (f"INSERT INTO {copy} ({', '.join(quote_ident(c) for c in cols)}) "
                  f"VALUES ({', '.join(placeholders)})")
        cond = " AND ".join(f"{quote_ident(c)} = %s" for c in invariant.per)
        check = f"SELECT count(*) FROM {copy} WHERE {cond} AND {invariant.where}"
        keys = tuple(group[c] for c in invariant.per)
        shown_check = pgsql.SQL(check.replace("%s", "{}").replace(copy, quote_ident(t.name))
                                ).format(*map(pgsql.Literal, keys)).as_string(admin)
        shown_insert = f"INSERT INTO {t.name} (…, " + ", ".join(
            f"{c} = {v}" for c, v in sets.items()) + ", …)"
        for name, level, index in variants:
            admin.execute(f"DROP SCHEMA IF EXISTS {COPY_SCHEMA} CASCADE")
            admin.execute(f"CREATE SCHEMA {COPY_SCHEMA}")
            admin.execute(f"CREATE TABLE {copy} (LIKE {src} INCLUDING DEFAULTS INCLUDING "
                          f"CONSTRAINTS INCLUDING IDENTITY)")
            if index:
                admin.execute(invariant.index_sql(COPY_SCHEMA) or "")
            run = SkewRun(name, level)
            if index:
                run.steps.append(("—", invariant.index_sql() or "", "created"))
            with psycopg.connect(loaded.dsn, autocommit=True) as a, \
                    psycopg.connect(loaded.dsn, autocommit=True) as b, \
                    concurrent.futures.ThreadPoolExecutor(1) as pool:
                play = _Play(run, pool)
                begin = f"BEGIN ISOLATION LEVEL {level}"
                play.step("A", a, begin, begin)
                play.step("A", a, check, shown_check, keys)
                play.step("B", b, begin, begin)
                play.step("B", b, check, shown_check, keys)
                play.step("A", a, insert, shown_insert, args)
                b_insert = play.step("B", b, insert, shown_insert, args)
                # A commits on the main thread: B's waiting insert can then finish
                run.steps.append(("A", "COMMIT", _step(a, "COMMIT")))
                for who, future in play.pending:
                    b_insert = future.result(timeout=30)
                    run.steps.append((who, "… the insert resumes", b_insert))
                end = "ROLLBACK" if b_insert.startswith("ERROR") else "COMMIT"
                b_commit = _step(b, end)
                run.steps.append(("B", end, b_commit))
                if b_insert.startswith("ERROR 40001") or b_commit.startswith("ERROR 40001"):
                    # the retry loop: B runs its transaction again from the start
                    play.step("B", b, begin, f"{begin}  -- retry")
                    if play.step("B", b, check, shown_check, keys) == "sees 0":
                        play.step("B", b, insert, shown_insert, args)
                    else:
                        run.steps.append(("B", "(the rule is taken: no insert)", "—"))
                    run.steps.append(("B", "COMMIT", _step(b, "COMMIT")))
            run.rows = admin.execute(check, keys).fetchone()[0]
            demo.runs.append(run)
        admin.execute(f"DROP SCHEMA {COPY_SCHEMA} CASCADE")
    return demo
