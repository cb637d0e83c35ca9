"""The right to be forgotten, checked on loaded data: after ``CALL forget_<subject>(id)`` no
table holds any of the subject's personal values, the rows kept for other duties are still
there, and no row unrelated to the subject changed.

Before the call the subject's personal values are read with the plan's own export function
(the subject-access request), and every row of every table is kept as text. A row counts as
related when it is the subject's through the plan's foreign-key paths, or points at one of
those rows (``ON DELETE SET NULL`` may then change it). After the call, a value that appeared
only in related rows (an e-mail, a street address) may appear nowhere; a value others share
(a city, a postal code) may not appear in the related rows that remain; and every unrelated
row must read exactly as before.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pgarch_kit._escape import html_text
from pgarch_kit.model.names import quote_ident

from ._html import table as html_table

if TYPE_CHECKING:
    import psycopg

    from pgarch_kit.model import Design, Table
    from pgarch_kit.production.compliance import PrivacyPlan

__all__ = ["ErasureCheck", "erasure_check"]


@dataclass
class ErasureCheck:
    subject: str
    subject_id: Any
    values: list[str] = field(default_factory=list)                 # personal values erased
    rows: dict[str, tuple[str, int, int]] = field(default_factory=dict)  # mode, before, after
    leftovers: dict[str, int] = field(default_factory=dict)          # table -> rows with a value
    changed_unrelated: dict[str, int] = field(default_factory=dict)  # table -> rows
    export_tables: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        modes_hold = all((mode != "delete" or after == 0) and (mode == "delete" or
                                                                after == before)
                         for mode, before, after in self.rows.values())
        return (not any(self.leftovers.values()) and not any(self.changed_unrelated.values())
                and modes_hold and bool(self.values))

    def __str__(self) -> str:
        lines = [f"erasure of {self.subject} {self.subject_id}: "
                 f"{'nothing personal left, nothing else touched' if self.ok else 'FAILED'} "
                 f"({len(self.values)} personal values checked)"]
        for t, (mode, before, after) in self.rows.items():
            lines.append(f"  {t}: {mode}, subject's rows {before} -> {after}, rows holding a "
                         f"personal value {self.leftovers.get(t, 0)}, unrelated rows changed "
                         f"{self.changed_unrelated.get(t, 0)}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        rows = [(t, mode, f"{before} → {after}", self.leftovers.get(t, 0),
                 self.changed_unrelated.get(t, 0)) for t, (mode, before, after)
                in self.rows.items()]
        others = [(t, "–", "–", n, self.changed_unrelated.get(t, 0))
                  for t, n in self.leftovers.items() if t not in self.rows]
        return (f"<div><b>Right to be forgotten</b> — {html_text(self.subject)} "
                f"{html_text(self.subject_id)}: "
                f"{'✓ nothing personal left, nothing else touched' if self.ok else '✗ FAILED'}"
                f" ({len(self.values)} personal values searched for in every table)</div>"
                + html_table(("table", "erasure", "subject's rows", "rows still holding a "
                              "personal value", "unrelated rows changed"), rows + others,
                             highlight=[None if r[3] == 0 and r[4] == 0 else "#fee2e2"
                                        for r in rows + others]))


def _rel(t: Table) -> str:
    return f"{quote_ident(t.schema)}.{quote_ident(t.name)}"


def _owned_keys(conn: psycopg.Connection, design: Design, plan: PrivacyPlan, subject_id: Any
                ) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """Primary keys (as text) of (the subject's rows in every table on a path, those plus the
    rows that point at them)."""
    from pgarch_kit.production.compliance import _join
    owned: dict[str, set[str]] = {}
    for s in plan.steps:
        t = design.table(s.table)
        if t is None or t.primary_key is None:
            continue
        using, where = _join(s.path, design, t.name)
        pk = ", ".join(f"t0.{quote_ident(c)}" for c in t.primary_key.columns)
        sql = (f"SELECT ROW({pk})::text FROM {_rel(t)} AS t0" + (f", {using}" if using else "")
               + f" WHERE {where.replace('subject_id', '%s')}")
        owned[t.name] = {r[0] for r in conn.execute(sql, (subject_id,)).fetchall()}
    related = {k: set(v) for k, v in owned.items()}
    for t in design.tables:  # rows that reference an owned row
        if t.primary_key is None or t.partition_of is not None:
            continue
        for fk in t.foreign_keys:
            parent = design.table(fk.ref_table)
            if parent is None or parent.primary_key is None or not owned.get(parent.name):
                continue
            if fk.ref_columns != parent.primary_key.columns:
                continue
            pk = ", ".join(f"t.{quote_ident(c)}" for c in t.primary_key.columns)
            ref = ", ".join(f"t.{quote_ident(c)}" for c in fk.columns)
            rows = conn.execute(f"SELECT ROW({pk})::text, ROW({ref})::text FROM {_rel(t)} t "
                                f"WHERE ({ref}) IS NOT NULL").fetchall()
            related.setdefault(t.name, set()).update(
                k for k, r in rows if r in owned[parent.name])
    return owned, related


def _texts(conn: psycopg.Connection, t: Table) -> dict[str, str]:
    pk = ", ".join(f"t.{quote_ident(c)}" for c in t.primary_key.columns)  # type: ignore[union-attr]
    return dict(conn.execute(f"SELECT ROW({pk})::text, t::text FROM {_rel(t)} t").fetchall())


def _values(export: dict, plan: PrivacyPlan) -> list[str]:
    """The subject's personal values, from the export: every tagged column's non-empty
    value of at least 3 characters (shorter ones match everywhere by accident)."""
    out = set()
    for (table, col) in plan.tags:
        for row in export.get(table) or []:
            value = row.get(col)
            if value is not None and len(str(value)) >= 3:
                out.add(str(value))
    return sorted(out)


def erasure_check(plan: PrivacyPlan, *, scale: float = 0.01, seed: int = 0,
                  subject_id: Any = None, progress: bool = False) -> ErasureCheck:
    """Load ``plan.design`` (with its forget/export routines) into its sandbox, forget one
    subject (by default the one with the most rows on the plan's paths) and check."""
    import psycopg

    from pgarch_kit.db.load import load
    design = plan.design
    subject = design.table(plan.subject or "")
    if subject is None or subject.primary_key is None:
        raise ValueError("the plan has no data-subject table with a primary key")
    loaded = load(design, scale=scale, seed=seed, progress=progress, verify=False)
    with psycopg.connect(loaded.dsn, autocommit=True) as conn:
        if subject_id is None:
            deepest = max(plan.steps, key=lambda s: (bool(s.columns), len(s.path)))
            subject_id = _richest_subject(conn, design, plan, deepest.table)
        export = conn.execute(f"SELECT {quote_ident(plan.export_function)}(%s)",
                              (subject_id,)).fetchone()[0]
        check = ErasureCheck(subject.name, subject_id, _values(export, plan),
                             export_tables=sorted(export))
        owned, related = _owned_keys(conn, design, plan, subject_id)
        tables = [t for t in design.tables if t.partition_of is None and t.primary_key]
        before = {t.name: _texts(conn, t) for t in tables}
        # a value found only in the subject's rows identifies them: after the erasure it may
        # appear nowhere; a shared one (a city, a postal code) only not in the subject's rows
        identifying = {v for v in check.values
                       if all(k in related.get(t, ()) for t, rows in before.items()
                              for k, text in rows.items() if v in text)}
        conn.execute(f"CALL {quote_ident(plan.procedure)}(%s)", (subject_id,))
        after_owned, _ = _owned_keys(conn, design, plan, subject_id)
        for t in tables:
            now = _texts(conn, t)
            mine = related.get(t.name, set())
            check.leftovers[t.name] = sum(
                1 for k, text in now.items()
                if any(v in text for v in identifying) or
                (k in mine and any(v in text for v in check.values)))
            check.changed_unrelated[t.name] = sum(
                1 for k, text in before[t.name].items() if k not in mine and now.get(k) != text)
            if t.name in owned:
                step = next(s for s in plan.steps if s.table == t.name)
                kept = len(owned[t.name] & set(now)) if t.name == subject.name else \
                    len(after_owned.get(t.name, ()))
                check.rows[t.name] = (step.mode, len(owned[t.name]), kept)
    return check


def _richest_subject(conn: psycopg.Connection, design: Design, plan: PrivacyPlan,
                     table: str) -> Any:
    """A subject with rows in ``table`` (the deepest table that holds personal data)."""
    from pgarch_kit.production.compliance import _join
    step = next(s for s in plan.steps if s.table == table)
    t = design.table(table)
    using, where = _join(step.path, design, table)
    n = len(step.path)
    subject = design.table(plan.subject or "")
    pk = quote_ident(subject.primary_key.columns[0])  # type: ignore[union-attr]
    where = where.rsplit(" AND ", 1)[0] if " AND " in where else "true"
    sql = (f"SELECT t{n}.{pk} FROM {_rel(t)} AS t0" + (f", {using}" if using else "")  # type: ignore[arg-type]
           + f" WHERE {where} GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1")
    return conn.execute(sql).fetchone()[0]
