"""constraint-without-not-valid: FOREIGN KEY or CHECK added to a populated table without
NOT VALID."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule
from ._common import AT, CT, alter_cmds, constraints, names, q, where
from ._fix import rewrite


def _not_valid(node: Any) -> None:
    for cmd in node.cmds:
        if cmd.subtype == AT.AT_AddConstraint:
            cmd.def_.skip_validation = True
            cmd.def_.initially_valid = False


class ConstraintWithoutNotValid(Rule):
    """What: ``ADD CONSTRAINT … FOREIGN KEY`` or ``CHECK`` without ``NOT VALID`` on an existing
    table, or ``ADD COLUMN … REFERENCES`` / ``CHECK`` (which cannot be NOT VALID); and
    ``ALTER DOMAIN … ADD CONSTRAINT … CHECK`` without ``NOT VALID`` on a domain the script did
    not create (it checks every column that uses the domain).

    Why: PostgreSQL checks every existing row while holding a lock that blocks writes — on both
    tables for a foreign key (SHARE ROW EXCLUSIVE) — for as long as the scan takes.

    Fix: ``ALTER TABLE t ADD CONSTRAINT c … NOT VALID;`` (instant: only new rows are checked),
    then ``ALTER TABLE t VALIDATE CONSTRAINT c;`` in a later transaction (it scans under a lock
    that lets reads and writes continue).

    References: squawk constraint-missing-not-valid, adding-foreign-key-constraint,
    ban-alter-domain-with-add-constraint;
    strong_migrations add_foreign_key, add_check_constraint; Atlas PG305, PG306.
    """

    code = "PGA076"
    slug = "constraint-without-not-valid"
    category = "migration-safety"
    severity = "warning"
    mode = "M"

    def check_migration(self, ctx: LintContext) -> Iterator[Finding]:
        mig = ctx.migration
        yield from self._domains(mig)
        for s, cmd, table in alter_cmds(mig):
            t = where(mig, s.node.relation, table)
            tn = q(table.name)
            if cmd.subtype == AT.AT_AddConstraint:
                c = cmd.def_
                if c.contype not in (CT.CONSTR_FOREIGN, CT.CONSTR_CHECK) or c.skip_validation:
                    continue
                kind = "FOREIGN KEY" if c.contype == CT.CONSTR_FOREIGN else "CHECK"
                cols = names(c.fk_attrs)
                locks = (f"{table.name} and {c.pktable.relname}"
                         if c.contype == CT.CONSTR_FOREIGN else table.name)
                fix = (rewrite(s, _not_valid) if len(s.node.cmds) == 1 else
                       f"ALTER TABLE {tn} ADD CONSTRAINT … NOT VALID;")
                vname = q(c.conname) if c.conname else "<constraint>"
                yield self.finding(
                    t, cols[0] if len(cols) == 1 else None,
                    f"line {s.line}: {kind} constraint {c.conname or ''} is validated against "
                    f"every existing row of {table.name} while writes to {locks} are blocked"
                    .replace("  ", " "),
                    f"{fix}  -- then, in a separate transaction: ALTER TABLE {tn} VALIDATE "
                    f"CONSTRAINT {vname};", line=s.line)
            elif cmd.subtype == AT.AT_AddColumn:
                for c in constraints(cmd.def_):
                    if c.contype not in (CT.CONSTR_FOREIGN, CT.CONSTR_CHECK):
                        continue
                    col = cmd.def_.colname
                    kind = "REFERENCES" if c.contype == CT.CONSTR_FOREIGN else "CHECK"
                    yield self.finding(
                        t, col,
                        f"line {s.line}: ADD COLUMN {col} with an inline {kind} validates it "
                        f"over every existing row of {table.name} under a write-blocking lock",
                        f"ALTER TABLE {tn} ADD COLUMN {q(col)} {{type}}; ALTER TABLE {tn} ADD "
                        f"CONSTRAINT … {kind if kind == 'CHECK' else 'FOREIGN KEY'} … NOT VALID; "
                        f"-- then VALIDATE CONSTRAINT in a separate transaction", line=s.line)

    def _domains(self, mig: Any) -> Iterator[Finding]:
        """ALTER DOMAIN … ADD CONSTRAINT … CHECK without NOT VALID, on a domain the script
        did not create (columns of existing tables may use it)."""
        created: set[str] = set()
        for s in mig:
            if s.kind == "CreateDomainStmt":
                created.add(names(s.node.domainname)[-1])
                continue
            if s.kind != "AlterDomainStmt" or s.node.subtype != "C":
                continue
            c = s.node.def_
            dom = ".".join(names(s.node.typeName))
            if c is None or c.contype != CT.CONSTR_CHECK or c.skip_validation \
                    or names(s.node.typeName)[-1] in created:
                continue
            qd = ".".join(q(p) for p in names(s.node.typeName))
            cname = q(c.conname) if c.conname else "<constraint>"
            yield self.finding(
                None, None,
                f"line {s.line}: ALTER DOMAIN {dom} ADD CONSTRAINT checks every stored value "
                f"of every column that uses the domain, blocking writes to their tables for "
                f"the whole scan",
                f"ALTER DOMAIN {qd} ADD CONSTRAINT {cname} CHECK (…) NOT VALID;  -- instant: "
                f"only new values are checked; VALIDATE CONSTRAINT it when a scan of every "
                f"column using {dom} is acceptable — or put the CHECK on the columns, where "
                f"NOT VALID + VALIDATE lets writes go on", line=s.line)
