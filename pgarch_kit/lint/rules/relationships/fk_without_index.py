"""fk-without-index: foreign keys whose columns no index leads with."""
from __future__ import annotations

from collections.abc import Iterator

from pgarch_kit.model import Table
from pgarch_kit.model.names import derive_name, quote_ident

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule
from ..beyond._shared import pattern_index, projected_rows
from ..indexes._shared import columns_sql, concurrently, table_sql

MIN_ROWS = 10_000      # below this a scan of the child per parent delete costs little
_ACTIONS = ("CASCADE", "SET NULL", "SET DEFAULT")
_DATES = ("timestamp with time zone", "timestamp without time zone", "date")


class FkWithoutIndex(Rule):
    """What: a foreign key whose columns are not the leading columns (in any order) of any
    index on the referencing table — a PRIMARY KEY or UNIQUE constraint's index counts, and
    so does a partial index whose predicate is only ``col IS NOT NULL`` on those columns.

    Severity follows the evidence that the missing index costs something. Warning when the
    design shows one of: this key's ``ON DELETE``/``ON UPDATE`` is CASCADE, SET NULL or SET
    DEFAULT (parent deletes are planned, and each one scans the child); the parent's rows are
    deleted in bulk — its own rows go by ON DELETE CASCADE from a deleted table, or its intent
    sets ``retention_months`` — unless it is a small lookup (a few columns, no foreign keys,
    no dates); a query pattern
    (``queries:``) filters or joins on the columns; the child's intent expects at least
    ``fk_index_min_rows`` (default 10,000) rows within two years. Info otherwise — the
    message then names weaker evidence (another key cascading from the parent shows its rows
    are deleted at times; ON UPDATE actions elsewhere) — and always when the child's intent
    expects fewer rows (a scan of a tiny table costs little). Without intents or query
    patterns the rule says once that it needs them.

    Why: PostgreSQL indexes the referenced side of a foreign key, never the referencing side.
    Every DELETE or key UPDATE on the parent must find the child rows: without an index that
    is a sequential scan of the child per parent row, holding locks, and joins from parent to
    children scan too.

    Fix: ``CREATE INDEX CONCURRENTLY child_fk_idx ON child (fk_columns);`` (without
    CONCURRENTLY on a partitioned table, which refuses it).

    References: Supabase splinter unindexed_foreign_keys; pg-index-health
    foreign_keys_without_index; pglinter B003; schemalint index-referencing-column.
    """

    code = "PGA028"
    slug = "fk-without-index"
    category = "relationships"
    severity = "warning"
    mode = "S"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        deleted, updated = self._changed_parents(ctx)
        used = self._pattern_columns(ctx)
        floor = int(ctx.setting("fk_index_min_rows") or MIN_ROWS)
        guessed = False
        for t in ctx.tables:
            rows = projected_rows(ctx, ctx.intent(t)[0])
            for fk in t.foreign_keys:
                if ctx.covers(t, tuple(fk.columns)):
                    continue
                parent = (fk.ref_schema or t.schema, fk.ref_table)
                why, weak = self._evidence(ctx, t, fk, parent, deleted, updated, used, rows,
                                           floor)
                small = rows is not None and rows < floor
                severity = "warning" if why and not small else "info"
                guessed |= severity == "info" and rows is None and not small
                cols = columns_sql(fk.columns)
                name = derive_name(t.name, *fk.columns, suffix="idx")
                if severity == "warning":
                    message = (f"foreign key ({', '.join(fk.columns)}) → {fk.ref_table} has no "
                               f"index leading with its columns, and {why}: each such lookup "
                               f"scans {t.name}")
                else:
                    message = (f"foreign key ({', '.join(fk.columns)}) → {fk.ref_table} has no "
                               f"index leading with its columns: deleting or re-keying a "
                               f"{fk.ref_table} row, or joining from it, scans {t.name}"
                               + (f" (small: about {rows:,} rows expected)" if small else
                                  f" — {weak}: index it if they are frequent" if weak else
                                  " — the design shows no such deletes, updates or queries"))
                yield self.finding(
                    t, fk.columns[0] if len(fk.columns) == 1 else None, message,
                    f"CREATE INDEX {concurrently(t)}{quote_ident(name)} ON {table_sql(t)} "
                    f"({cols});", severity=severity)
        if guessed and not ctx.design.queries and not any(
                projected_rows(ctx, ctx.intent(t)[0]) is not None for t in ctx.tables):
            yield self.needs_information(
                "expected volumes (table intents rows/growth_per_month) or query patterns: "
                "without them an unindexed foreign key is a warning only when the schema shows "
                "its parent's rows being deleted or re-keyed",
                "declare intents and queries in the design; unindexed foreign keys of large or "
                "queried tables then become warnings")

    @staticmethod
    def _evidence(ctx: LintContext, t: Table, fk, parent: tuple[str, str],
                  deleted: dict[tuple[str, str], str], updated: set[tuple[str, str]],
                  used: dict[tuple[str, str], dict[str, str]], rows: int | None,
                  floor: int) -> tuple[str, str]:
        """Why the missing index costs something, in words: (strong, weak) — strong evidence
        makes a warning, weak evidence is only mentioned; empty when the design shows none."""
        if fk.on_delete in _ACTIONS:
            return (f"it says ON DELETE {fk.on_delete}, so every delete on {fk.ref_table} "
                    f"looks up"), ""
        if fk.on_update in _ACTIONS:
            return f"it says ON UPDATE {fk.on_update}, so every key change looks up", ""
        pattern = next((q for c in fk.columns if (q := used.get(t.key, {}).get(c))), None)
        if pattern:
            return f"query pattern {pattern!r} filters or joins on it", ""
        if rows is not None and rows >= floor:
            return f"{t.name} expects about {rows:,} rows", ""
        ref = ctx.by_key.get(parent)
        if ref is not None and _lookup(ctx, ref):
            return "", ""
        why = deleted.get(parent, "")
        if why.startswith(("by cascade", "its intent")):   # bulk deletes of the parent
            return (f"rows of {fk.ref_table} are deleted in bulk ({why}), each delete looking "
                    f"up"), ""
        if why:
            return "", f"rows of {fk.ref_table} are deleted at times ({why})"
        if parent in updated:
            return "", f"keys of {fk.ref_table} are updated at times (ON UPDATE actions)"
        return "", ""

    @staticmethod
    def _changed_parents(ctx: LintContext) -> tuple[dict[tuple[str, str], str],
                                                    set[tuple[str, str]]]:
        """Tables whose rows the design deletes (with the evidence) and whose keys it
        updates: their intent sets a retention or their own rows go by cascade from a deleted
        table (bulk deletes), or a cascading key points at them (deletes at times)."""
        deleted: dict[tuple[str, str], str] = {}
        updated: set[tuple[str, str]] = set()
        cascades: list[tuple[tuple[str, str], tuple[str, str]]] = []
        for t in ctx.design.tables:
            if ctx.intent(t)[0].retention_months:
                deleted[t.key] = "its intent sets a retention"
        for t in ctx.design.tables:
            for fk in t.foreign_keys:
                parent = (fk.ref_schema or t.schema, fk.ref_table)
                if fk.on_delete in _ACTIONS:
                    deleted.setdefault(parent, f"{t.name} says ON DELETE {fk.on_delete}")
                if fk.on_delete == "CASCADE" and parent != t.key:
                    cascades.append((parent, t.key))
                if fk.on_update in _ACTIONS:
                    updated.add(parent)
        changed = True
        while changed:      # rows deleted by cascade are deleted rows too, in bulk
            changed = False
            for parent, child in cascades:
                if parent in deleted and not deleted.get(child, "").startswith(
                        ("by cascade", "its intent")):
                    deleted[child] = f"by cascade from {parent[1]}"
                    changed = True
        return deleted, updated

    @staticmethod
    def _pattern_columns(ctx: LintContext) -> dict[tuple[str, str], dict[str, str]]:
        """Per table, the columns query patterns compare by equality or join on, with the
        first pattern that does."""
        out: dict[tuple[str, str], dict[str, str]] = {}
        if not ctx.design.queries:
            return out
        pi = pattern_index(ctx)
        for q, blocks in pi.blocks:
            for block in blocks:
                for _rel, target, eq, _rng, _order in pi.uses(block):
                    if target.table is not None:
                        for c in eq:
                            out.setdefault(target.table.key, {}).setdefault(c, q.name)
        return out


def _lookup(ctx: LintContext, table: Table) -> bool:
    """A small lookup table: a few columns beside its key, no foreign keys, no dates — rows
    added by hand and seldom deleted."""
    return (2 <= len(table.columns) <= 4 and not table.foreign_keys
            and not any(ctx.base_type(c.type) in _DATES for c in table.columns))
