"""add-index-backed-constraint-locking: UNIQUE / PRIMARY KEY / EXCLUDE added to a populated
table."""
from __future__ import annotations

from collections.abc import Iterator

from pgarch_kit.model import Table
from pgarch_kit.model.names import pg_default_name

from ...context import LintContext
from ...finding import Finding
from ...migration import Migration, Statement
from ...rule import Rule
from ._common import AT, CT, alter_cmds, constraints, names, q, where

_KIND = {CT.CONSTR_UNIQUE: "UNIQUE", CT.CONSTR_PRIMARY: "PRIMARY KEY",
         CT.CONSTR_EXCLUSION: "EXCLUDE"}


def _index_keys(mig: Migration, table: Table, name: str) -> set[str]:
    ix = next((i for i in table.indexes if i.name == name), None)
    if ix is not None:
        return {k.column for k in ix.keys if not k.expression}
    made = mig.created_indexes.get(name)
    return {p.name for p in made.node.indexParams if p.name} if made is not None else set()


class AddIndexBackedConstraintLocking(Rule):
    """What: ``ADD CONSTRAINT … UNIQUE / PRIMARY KEY / EXCLUDE`` (or an inline UNIQUE or
    PRIMARY KEY on ``ADD COLUMN``) on an existing table, or ``PRIMARY KEY USING INDEX`` over
    columns that are still nullable.

    Why: the backing index is built, and the table scanned, under an ACCESS EXCLUSIVE lock that
    blocks reads and writes; a primary key over nullable columns also runs SET NOT NULL's scan.

    Fix: build the index first, online — ``CREATE UNIQUE INDEX CONCURRENTLY i ON t (…);`` —
    then ``ALTER TABLE t ADD CONSTRAINT c UNIQUE USING INDEX i;`` (or ``PRIMARY KEY USING
    INDEX``). EXCLUDE has no online path: add it to a new table or in a maintenance window.

    References: squawk disallowed-unique-constraint, adding-serial-primary-key-field;
    strong_migrations add_unique_constraint, add_exclusion_constraint; Atlas PG104, PG105.
    """

    code = "PGA074"
    slug = "add-index-backed-constraint-locking"
    category = "migration-safety"
    severity = "warning"
    mode = "M"

    def check_migration(self, ctx: LintContext) -> Iterator[Finding]:
        mig = ctx.migration
        for s, cmd, table in alter_cmds(mig):
            t = where(mig, s.node.relation, table)
            if cmd.subtype == AT.AT_AddConstraint and cmd.def_.contype in _KIND:
                c = cmd.def_
                kind = _KIND[c.contype]
                if c.indexname:
                    if c.contype != CT.CONSTR_PRIMARY:
                        continue  # UNIQUE USING INDEX: the index exists, attaching is instant
                    keys = _index_keys(mig, table, c.indexname)
                    nullable = [col.name for col in table.columns
                                if col.nullable and col.name in keys]
                    if not nullable:
                        continue
                    yield self.finding(
                        t, nullable[0] if len(nullable) == 1 else None,
                        f"line {s.line}: PRIMARY KEY USING INDEX {c.indexname} over nullable "
                        f"column(s) {', '.join(nullable)} runs SET NOT NULL's full scan under "
                        f"ACCESS EXCLUSIVE",
                        f"ALTER TABLE {q(table.name)} ADD CONSTRAINT {q(nullable[0] + '_nn')} "
                        f"CHECK ({q(nullable[0])} IS NOT NULL) NOT VALID; -- then VALIDATE "
                        f"CONSTRAINT, SET NOT NULL and DROP the check before PRIMARY KEY USING "
                        f"INDEX {q(c.indexname)}", line=s.line)
                    continue
                yield self._finding(s, t, kind, c.conname, names(c.keys), table.name)
            elif cmd.subtype == AT.AT_AddColumn:
                for c in constraints(cmd.def_):
                    if c.contype in (CT.CONSTR_UNIQUE, CT.CONSTR_PRIMARY):
                        yield self._finding(s, t, _KIND[c.contype], c.conname,
                                            (cmd.def_.colname,), table.name)

    def _finding(self, s: Statement, t: str, kind: str, conname: str | None,
                 cols: tuple[str, ...], tname: str) -> Finding:
        # PostgreSQL's default names: <table>_pkey, <table>_<columns>_key
        name = conname or (pg_default_name(tname, (), "pkey") if kind == "PRIMARY KEY"
                           else pg_default_name(tname, cols or ("x",), "key"))
        collist = ", ".join(q(c) for c in cols)
        if kind == "EXCLUDE":
            fix = ("no online path: add the EXCLUDE constraint when creating a new table (and "
                   "swap), or in a maintenance window with lock_timeout set")
        else:
            fix = (f"CREATE UNIQUE INDEX CONCURRENTLY {q(name)} ON {q(tname)} ({collist});  "
                   f"-- outside a transaction, then: ALTER TABLE {q(tname)} ADD CONSTRAINT "
                   f"{q(name)} {kind} USING INDEX {q(name)};")
        return self.finding(
            t, cols[0] if len(cols) == 1 else None,
            f"line {s.line}: adding {kind} constraint {conname or ''} to existing table "
            f"{tname} builds its index under an ACCESS EXCLUSIVE lock that blocks reads and "
            f"writes for the whole build".replace("  ", " "), fix, line=s.line)
