"""Verification of a load: did PostgreSQL receive the data the plan describes?

Checks, one row each in the result:

* ``rows`` — ``count(*)`` per table equals the planned row count;
* ``orphans`` — per foreign key, children whose (non-NULL) key has no parent, counted with a
  LEFT JOIN anti-join: must be zero (the constraint exists too, but this catches keys that
  were never declared or were added ``NOT VALID``);
* ``constraint`` — every primary key, unique constraint and unique index of the design is
  present and valid in the catalog. Once created they hold by construction (the server
  refuses a duplicate), so presence is the check;
* ``nulls`` — the share of NULLs per nullable column against the plan's ratio, within a
  binomial tolerance (four standard deviations plus one row);
* ``fan-out`` — average children per parent against the plan (non-NULL children / parents).

``Verification.ok`` is false when any check fails; it shows itself as a table in a notebook
(``_repr_html_``) and as aligned text in a terminal.
"""
from __future__ import annotations

import html
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pgarch_kit.db.connect import KIT_MARK
from pgarch_kit.model.names import quote_ident

if TYPE_CHECKING:
    import psycopg

    from pgarch_kit.datagen import DataPlan
    from pgarch_kit.model import Design

__all__ = ["Check", "Verification", "verify"]


@dataclass(frozen=True)
class Check:
    kind: str          # rows | orphans | constraint | nulls | fan-out
    table: str
    subject: str       # column(s) or constraint
    expected: str
    actual: str
    status: str        # ok | fail | info

    @property
    def ok(self) -> bool:
        return self.status != "fail"


@dataclass
class Verification:
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    @property
    def failures(self) -> list[Check]:
        return [c for c in self.checks if not c.ok]

    def of_kind(self, kind: str) -> list[Check]:
        return [c for c in self.checks if c.kind == kind]

    _HEAD = ("check", "table", "subject", "expected", "actual", "status")

    def _cells(self) -> list[tuple[str, ...]]:
        return [(c.kind, c.table, c.subject, c.expected, c.actual, c.status)
                for c in self.checks]

    def __str__(self) -> str:
        rows = [self._HEAD, *self._cells()]
        widths = [max(len(r[i]) for r in rows) for i in range(len(self._HEAD))]
        verdict = "verification: OK" if self.ok else \
            f"verification: FAILED ({len(self.failures)} check(s))"
        lines = [verdict] + ["  " + "  ".join(v.ljust(w) for v, w in zip(r, widths)).rstrip()
                             for r in rows]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{h}</th>" for h in self._HEAD)
        body = []
        for cells in self._cells():
            colour = {"fail": "#fdd", "info": "#eef"}.get(cells[-1], "")
            style = f' style="background:{colour}"' if colour else ""
            body.append(f"<tr{style}>" + "".join(f"<td>{html.escape(v)}</td>" for v in cells)
                        + "</tr>")
        table = f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
        if not self.ok:
            return (f"<p><b>verification: FAILED ({len(self.failures)} check(s))</b></p>"
                    + table)
        # A passing verification is one line; the evidence stays one click away (a <details>
        # needs no JavaScript, so exported reports keep it too).
        kinds = ", ".join(dict.fromkeys(c.kind for c in self.checks))
        return (f"<details><summary><b>verification: OK</b> — all {len(self.checks)} checks "
                f"passed ({html.escape(kinds)})</summary>{table}</details>")


def _rel(schema: str, name: str) -> str:
    return f"{quote_ident(schema)}.{quote_ident(name)}"


def _tolerance(p: float, n: int) -> float:
    return 4 * math.sqrt(max(p * (1 - p), 0.0) / max(n, 1)) + 1 / max(n, 1) + 1e-9


def verify(conn: psycopg.Connection, design: Design, plan: DataPlan) -> Verification:
    """Check the data in ``conn``'s database against ``plan`` (see the module docstring)."""
    out = Verification()
    counts: dict[tuple[str, str], int] = {}
    for key, tp in plan.tables.items():
        t = tp.table
        n = conn.execute(f"SELECT count(*) FROM {_own(t)}" + KIT_MARK).fetchone()[0]
        counts[t.key] = n
        out.checks.append(Check("rows", key, "count(*)", str(tp.rows), str(n),
                                "ok" if n == tp.rows else "fail"))
    _orphans_and_fanout(conn, design, plan, counts, out)
    _constraints(conn, design, out)
    _nulls(conn, plan, out)
    return out


def _own(t, key: tuple[str, str] | None = None) -> str:
    """The table's own rows: ``ONLY`` leaves out the rows of tables that inherit from it (a
    foreign key sees the referenced table's own rows too); a partitioned table has none of
    its own, so all of its partitions' rows count."""
    if t is None:
        return _rel(*key) if key else ""
    return _rel(t.schema, t.name) if t.partition_by else f"ONLY {_rel(t.schema, t.name)}"


def _orphans_and_fanout(conn, design, plan, counts, out: Verification) -> None:
    planned = {tp.table.key: tp for tp in plan.tables.values()}
    for t in design.tables:
        tp = planned.get(t.key)
        if tp is None:
            continue
        for fk in t.foreign_keys:
            ref = (fk.ref_schema or t.schema, fk.ref_table)
            cols = ", ".join(fk.columns)
            if ref not in counts:
                continue
            on = " AND ".join(f"p.{quote_ident(r)} = c.{quote_ident(c)}"
                              for c, r in zip(fk.columns, fk.ref_columns))
            present = " AND ".join(f"c.{quote_ident(c)} IS NOT NULL" for c in fk.columns)
            orphans, children = conn.execute(
                f"SELECT count(*) FILTER (WHERE p.{quote_ident(fk.ref_columns[0])} IS NULL),"
                f" count(*) FROM {_own(t)} c LEFT JOIN "
                f"{_own(design.table(ref[1], ref[0]), ref)} p ON {on} WHERE {present}"
                + KIT_MARK).fetchone()
            out.checks.append(Check("orphans", tp.name, f"({cols}) -> {fk.ref_table}", "0",
                                    str(orphans), "ok" if orphans == 0 else "fail"))
            parents = counts[ref]
            srcs = [tp.sources.get(c) for c in fk.columns]
            # a composite key counts as present when all its columns are (MATCH SIMPLE)
            repaired = set(fk.columns) & set(getattr(tp, "repair_cols", ()))
            ratio = max((s.null_ratio for s in srcs), default=0.0) \
                if all(s is not None and s.kind == "fk" for s in srcs) and not repaired \
                else None  # a CHECK repair may have set some NULL: no planned ratio
            actual = children / parents if parents else 0.0
            if ratio is None:
                out.checks.append(Check("fan-out", tp.name, f"({cols}) per {fk.ref_table}",
                                        "-", f"{actual:.2f}", "info"))
                continue
            expected = tp.rows * (1 - ratio) / parents if parents else 0.0
            # children ~ Binomial(rows, 1 - ratio): the same tolerance as the null ratios
            tol = _tolerance(ratio, tp.rows) * tp.rows / parents if parents else 0.0
            status = "ok" if abs(actual - expected) <= tol else "fail"
            out.checks.append(Check("fan-out", tp.name, f"({cols}) per {fk.ref_table}",
                                    f"{expected:.2f}", f"{actual:.2f}", status))


def _constraints(conn, design, out: Verification) -> None:
    present = {(s, r, n): ok for s, r, n, ok in conn.execute(
        "SELECT n.nspname, c.relname, x.conname, x.convalidated FROM pg_constraint x"
        " JOIN pg_class c ON c.oid = x.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE x.contype IN ('p', 'u', 'f', 'x')"
        " UNION ALL SELECT n.nspname, c.relname, i.relname, x.indisvalid FROM pg_index x"
        " JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class c ON c.oid = x.indrelid"
        " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE x.indisunique").fetchall()}
    counts: dict[tuple[str, str, str], int] = {}
    for (s, r, _n), ok in present.items():
        k = (s, r, "valid" if ok else "invalid")
        counts[k] = counts.get(k, 0) + 1
    for t in design.tables:
        wanted = []
        if t.primary_key is not None:
            wanted.append(("primary key", t.primary_key.name, t.primary_key.columns))
        wanted += [("unique", u.name, u.columns) for u in t.uniques]
        wanted += [("unique index", ix.name, tuple(k.column for k in ix.keys))
                   for ix in t.indexes if ix.unique]
        # a foreign key the design keeps NOT VALID (or NOT ENFORCED) is never validated
        wanted += [("foreign key", fk.name, fk.columns, fk.not_valid or not fk.enforced)
                   for fk in t.foreign_keys]
        for kind, name, cols, *unvalidated in wanted:
            subject = f"{kind} ({', '.join(cols)})"
            want_valid = not (unvalidated and unvalidated[0])
            if name:
                ok = present.get((t.schema, t.name, name))
                status = "ok" if ok is not None and ok == want_valid else "fail"
                actual = "missing" if ok is None else "valid" if ok else "not valid"
            else:  # unnamed: the server chose the name; count on the table instead
                ok = counts.get((t.schema, t.name, "valid" if want_valid else "invalid"),
                                0) > 0
                status, actual = ("ok", "present") if ok else ("fail", "missing")
            out.checks.append(Check("constraint", t.name, subject,
                                    "present, " + ("valid" if want_valid else "not valid"),
                                    actual, status))


def _nulls(conn, plan, out: Verification) -> None:
    for key, tp in plan.tables.items():
        t = tp.table
        cols = [c for c in t.columns if c.nullable and c.generated is None
                and c.name in tp.sources]
        if not cols or tp.rows == 0:
            continue
        exprs = ", ".join(f"avg(({quote_ident(c.name)} IS NULL)::int)::float8" for c in cols)
        actual = conn.execute(f"SELECT {exprs} FROM {_own(t)}" + KIT_MARK).fetchone()
        for c, a in zip(cols, actual):
            src = tp.sources[c.name]
            a = float(a or 0.0)
            # overrides, and columns a CHECK repair may set NULL, have no planned ratio
            if src.kind in ("override",) or c.name in getattr(tp, "repair_cols", ()):
                out.checks.append(Check("nulls", key, c.name, f"{src.null_ratio:.3f}",
                                        f"{a:.3f}", "info"))
                continue
            p = src.null_ratio
            status = "ok" if abs(a - p) <= _tolerance(p, tp.rows) else "fail"
            out.checks.append(Check("nulls", key, c.name, f"{p:.3f}", f"{a:.3f}", status))
