"""A migration as reversible steps, rendered as an up and a down script that are safe to run on
a live database.

Each :class:`Step` carries its own ``up`` and ``down`` statements and whether they may run in
a transaction: ``CREATE INDEX CONCURRENTLY`` and the batched backfills (a ``DO`` block that
commits per batch) may not, everything else runs in one short transaction per step, so a lock
is never held longer than one step needs. Both scripts start with ``lock_timeout`` and
``statement_timeout``: a step that cannot get its lock in 5 s fails instead of queueing every
query behind it. A failed step rolls back its own transaction; most steps are guarded with
``IF [NOT] EXISTS``, so resuming from the failed step is safe. Drops of constraints and indexes
the database had before the migration are not: they name the object as the old design (or,
with ``--apply``, the database itself) names it, and a name that finds nothing must stop the
migration rather than report a drop that did not happen.

Steps come in three phases, as expand/contract migrations are deployed:

* ``expand`` — additive changes old application code tolerates (new tables, columns,
  indexes, constraints added ``NOT VALID`` then validated, sync triggers for renames);
* ``backfill`` — data copied in batches, outside any transaction;
* ``contract`` — what old code would break on (dropping the old column of a rename, columns
  and tables the new design removed): run after every application server runs new code.

The down script undoes the steps in reverse order. Data a step destroys cannot come back:
such steps are listed in :attr:`MigrationPlan.irreversible` and marked in both scripts.
"""
from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Literal

from pgarch_kit._escape import psql_meta_commands, sql_comment
from pgarch_kit.errors import PgArchError

__all__ = ["HEADER", "MigrationError", "MigrationPlan", "Step"]

Phase = Literal["expand", "backfill", "contract"]
PHASES: tuple[Phase, ...] = ("expand", "backfill", "contract")

# check_function_bodies off, as in pg_dump and the kit's DDL: a new function a table default
# calls is created before the tables its body reads
HEADER = ("SET lock_timeout = '5s';", "SET statement_timeout = '15min';",
          "SET check_function_bodies = false;")


class MigrationError(PgArchError):
    """The difference between two designs cannot be migrated as written; the message says what
    to change in the new design (or how to split the change into two versions)."""


@dataclass(frozen=True)
class Step:
    title: str
    up: tuple[str, ...]
    down: tuple[str, ...]
    phase: Phase = "expand"
    transactional: bool = True
    why: str = ""
    loses_data: str = ""   # non-empty: what running ``up`` destroys (the down cannot restore it)

    def _block(self, stmts: tuple[str, ...], title: str) -> str:
        # titles and reasons quote names and SQL from the designs: each stays on its comment
        # line, or psql would read the rest as SQL or a meta-command (\! runs a shell)
        head = f"-- {sql_comment(title)}" + (f"\n-- why: {sql_comment(self.why)}"
                                              if self.why else "")
        if self.loses_data:
            head += f"\n-- DATA LOSS: {sql_comment(self.loses_data)}"
        body = "\n".join(stmts)
        if self.transactional and len(stmts) > 0:
            body = f"BEGIN;\n{body}\nCOMMIT;"
        return f"{head}\n{body}"


@dataclass(frozen=True)
class MigrationPlan:
    """The steps from ``old`` to ``new`` (see the module documentation)."""

    old_name: str
    new_name: str
    steps: tuple[Step, ...]
    notes: tuple[str, ...] = field(default_factory=tuple)  # what a person must still decide

    @property
    def irreversible(self) -> list[str]:
        return [f"{s.title}: {s.loses_data}" for s in self.steps if s.loses_data]

    def phase(self, name: Phase) -> list[Step]:
        return [s for s in self.steps if s.phase == name]

    def _script(self, direction: Literal["up", "down"], phases: tuple[Phase, ...]) -> str:
        steps = [s for s in self.steps if s.phase in phases]
        if direction == "down":
            steps = steps[::-1]
        old, new = sql_comment(self.old_name), sql_comment(self.new_name)
        title = (f"-- pgarch_kit migration {direction}: {old} -> {new}"
                 if direction == "up" else f"-- pgarch_kit migration down: {new} -> {old}")
        lines = [title,
                 "-- Run with psql in autocommit (psql -v ON_ERROR_STOP=1 -f): each step is its",
                 "-- own short transaction; CONCURRENTLY and batched steps run outside one.",
                 "-- If a step fails, its transaction is rolled back: fix the cause and resume",
                 "-- from that step (a failed CONCURRENTLY build leaves an INVALID index: drop",
                 "-- it first, or IF NOT EXISTS will skip the rebuild)."]
        lines += [f"-- note: {sql_comment(n)}" for n in self.notes]
        parts = ["\n".join(lines), "\n".join(HEADER)]
        current: str | None = None
        for s in steps:
            if s.phase != current:
                current = s.phase
                parts.append(f"-- ===== {current} " + "=" * 40)
            stmts = s.up if direction == "up" else s.down
            if stmts:
                parts.append(s._block(stmts, s.title if direction == "up"
                                      else f"undo: {s.title}"))
        if not steps:
            parts.append("-- (no changes)")
        script = "\n\n".join(parts) + "\n"
        if lines := psql_meta_commands(script):
            text = script.splitlines()
            raise MigrationError(
                f"the {direction} migration {old} -> {new} would make psql run a meta-command "
                "(a backslash outside quotes; \\! runs a shell command) at "
                + "; ".join(f"line {n}: {sql_comment(text[n - 1])[:80]!r}" for n in lines[:3])
                + "; fix: remove the backslash from the design's SQL (a default, CHECK, view "
                "or routine body) or put it inside a string literal")
        return script

    def up_sql(self, phases: tuple[Phase, ...] = PHASES) -> str:
        return self._script("up", phases)

    def down_sql(self, phases: tuple[Phase, ...] = PHASES) -> str:
        return self._script("down", phases)

    def alembic_steps(self, direction: Literal["up", "down"]) -> list[tuple[str, bool]]:
        """``[(sql, transactional)]`` in run order, for
        :func:`pgarch_kit.interop.alembic_revision`."""
        steps = self.steps if direction == "up" else self.steps[::-1]
        out = [("\n".join(HEADER), True)]
        for s in steps:
            stmts = s.up if direction == "up" else s.down
            if stmts:
                out.append(("\n".join(stmts), s.transactional))
        return out

    def in_run_order(self) -> list[Step]:
        """The steps the up script runs, phase by phase (undo-only halves left out)."""
        return [s for ph in PHASES for s in self.phase(ph) if s.up]

    def __str__(self) -> str:
        steps = self.in_run_order()
        lines = [f"migration {self.old_name} -> {self.new_name}: {len(steps)} step(s)"]
        for s in steps:
            flag = " [no transaction]" if not s.transactional else ""
            loss = f"  DATA LOSS: {s.loses_data}" if s.loses_data else ""
            lines.append(f"  {s.phase:<8} {s.title}{flag}{loss}")
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        rows = []
        left = "style='text-align:left'"
        for s in self.in_run_order():
            loss = f"<br><b>data loss:</b> {html.escape(s.loses_data)}" if s.loses_data else ""
            colour = ' style="background:#fee2e2"' if s.loses_data else ""
            rows.append(f"<tr{colour}><td {left}>{s.phase}</td>"
                        f"<td {left}>{html.escape(s.title)}</td>"
                        f"<td>{'yes' if s.transactional else 'no'}</td>"
                        f"<td {left}>{html.escape(s.why)}"
                        f"{loss}"
                        "</td></tr>")
        notes = "".join(f"<li>{html.escape(n)}</li>" for n in self.notes)
        return (f"<p><b>Migration</b> {html.escape(self.old_name)} → "
                f"{html.escape(self.new_name)}: {len(rows)} step(s) in run order</p>"
                "<table><thead><tr><th>phase</th><th>step</th><th>in a transaction</th>"
                f"<th>why</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
                + (f"<ul>{notes}</ul>" if notes else ""))
