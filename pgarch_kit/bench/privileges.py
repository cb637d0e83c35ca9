"""Least privilege proven with real non-superuser roles: a login member of each group role
tries what it should and should not be able to do, in transactions that are rolled back."""
from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pgarch_kit._escape import html_text
from pgarch_kit.model.names import quote_ident

from ._html import table as html_table

if TYPE_CHECKING:
    import psycopg

    from pgarch_kit.model import Design, Table
    from pgarch_kit.production.privileges import PrivilegePlan

__all__ = ["PrivilegeMatrix", "privilege_matrix"]


@dataclass
class PrivilegeMatrix:
    database: str
    # (role, action) -> (expected allowed, actually allowed — None when refused for another
    # reason than privileges, which proves nothing — and what the server said)
    cells: dict[tuple[str, str], tuple[bool, bool | None, str]] = field(default_factory=dict)
    encryption: str = ""

    @property
    def ok(self) -> bool:
        return all(expected == got for expected, got, _ in self.cells.values())

    def __str__(self) -> str:
        lines = [f"privileges in {self.database}: "
                 f"{'every grant and refusal as planned' if self.ok else 'MISMATCH'}"]
        for (role, action), (expected, got, why) in self.cells.items():
            mark = "ok " if expected == got else "BAD"
            lines.append(f"  {mark} {role:<10} {action:<40} {_word(got)} ({why})")
        if self.encryption:
            lines.append(f"  encryption: {self.encryption}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        rows = [(role, action, _word(expected),
                 ("✓ " if expected == got else "✗ ") + _word(got), why)
                for (role, action), (expected, got, why) in self.cells.items()]
        return (f"<div><b>Privilege matrix</b> — real login roles in "
                f"{html_text(self.database)}</div>"
                + html_table(("role", "tries to", "should be", "was", "server said"), rows,
                             highlight=[None if r[3].startswith("✓") else "#fee2e2"
                                        for r in rows])
                + (f"<div>{self.encryption}</div>" if self.encryption else ""))


def _try(conn: psycopg.Connection, sql: str) -> tuple[bool, str]:
    import psycopg
    try:
        with conn.transaction(force_rollback=True):
            cur = conn.execute(sql)
            return True, f"{cur.rowcount} rows" if cur.rowcount >= 0 else "done"
    except psycopg.Error as exc:
        return False, exc.diag.message_primary or str(exc)


def _word(outcome: bool | None) -> str:
    return "inconclusive" if outcome is None else "allowed" if outcome else "refused"


def _privilege_error(message: str) -> bool:
    return "permission denied" in message or "must be owner" in message


def _rel(t: Table) -> str:
    return f"{quote_ident(t.schema)}.{quote_ident(t.name)}"


def privilege_matrix(design: Design, plan: PrivilegePlan, *, scale: float = 0.005,
                     seed: int = 0) -> PrivilegeMatrix:
    """Load ``design`` into its sandbox, apply ``plan``, and try each role's rights (the plan's
    prefix should be unique: roles are shared by every database of the server)."""
    import psycopg
    from psycopg.conninfo import make_conninfo

    from pgarch_kit.db.load import load
    loaded = load(design, scale=scale, seed=seed, progress=False, verify=False)
    matrix = PrivilegeMatrix(loaded.database)
    logins = {name: f"{plan.prefix}_{name}_{secrets.token_hex(3)}"
              for name in ("app", "readonly", "migrator", "nobody")}
    groups = {"app": plan.app, "readonly": plan.readonly, "migrator": plan.migrator}
    with psycopg.connect(loaded.dsn, autocommit=True) as admin:
        for statement in plan.statements:
            admin.execute(statement)
        for name, login in logins.items():
            admin.execute(f"CREATE ROLE {quote_ident(login)} LOGIN")
            if name in groups:
                admin.execute(f"GRANT {quote_ident(groups[name])} TO {quote_ident(login)}")
        have = admin.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'pgcrypto'"
                             ).fetchone() is not None
        matrix.encryption = plan.encryption_advice(have)
    sensitive = plan.sensitive[0] if plan.sensitive else None
    table = design.table(sensitive[0]) if sensitive else next(
        t for t in design.tables if t.partition_of is None)
    assert table is not None
    rel = _rel(table)
    writable = [c.name for c in table.columns if c.identity is None and c.generated is None]
    open_col = next(c for c in writable if (table.name, c) not in set(plan.sensitive))
    cols = ", ".join(quote_ident(c) for c in writable)
    checks = [
        ("app", f"SELECT * FROM {rel} LIMIT 1", "read rows", True),
        ("app", f"DELETE FROM {rel} WHERE false", "delete rows", True),
        ("app", "CREATE TABLE pgarch_probe (x int)", "create a table", False),
        ("app", f"ALTER TABLE {rel} ADD COLUMN pgarch_probe int", "alter a table", False),
        ("app", f"DROP TABLE {rel}", "drop a table", False),
        ("readonly", f"SELECT {quote_ident(open_col)} FROM {rel} LIMIT 1",
         f"read {table.name}.{open_col}", True),
        ("readonly", f"UPDATE {rel} SET {quote_ident(open_col)} = {quote_ident(open_col)} "
                     f"WHERE false", "update rows", False),
        ("readonly", f"INSERT INTO {rel} ({cols}) SELECT {cols} FROM {rel} WHERE false",
         "insert rows", False),
        ("migrator", f"SET ROLE {quote_ident(plan.owner)}; CREATE TABLE pgarch_probe (x int)",
         "create a table (as the owner)", True),
        ("migrator", f"SET ROLE {quote_ident(plan.owner)}; ALTER TABLE {rel} ADD COLUMN "
                     f"pgarch_probe int", "alter a table (as the owner)", True),
        ("nobody", f"SELECT * FROM {rel} LIMIT 1", "read rows without a grant", False),
    ]
    if sensitive:
        checks.insert(6, ("readonly", f"SELECT {quote_ident(sensitive[1])} FROM {rel} LIMIT 1",
                          f"read {table.name}.{sensitive[1]} (sensitive)", False))
        checks.insert(7, ("app", f"SELECT {quote_ident(sensitive[1])} FROM {rel} LIMIT 1",
                          f"read {table.name}.{sensitive[1]} (sensitive)", True))
    try:
        for who, sql, action, expected in checks:
            with psycopg.connect(make_conninfo(loaded.dsn, user=logins[who]),
                                 autocommit=True) as conn:
                got, why = _try(conn, sql)
            outcome: bool | None = got
            if not got and not _privilege_error(why):
                outcome = None  # refused for another reason: it proves nothing either way
            matrix.cells[(who, action)] = (expected, outcome, why)
    finally:
        with psycopg.connect(loaded.dsn, autocommit=True) as admin:
            for login in logins.values():
                admin.execute(f"DROP ROLE {quote_ident(login)}")
            for group in (plan.app, plan.readonly, plan.migrator, plan.owner):
                admin.execute(f"REASSIGN OWNED BY {quote_ident(group)} TO CURRENT_USER")
                admin.execute(f"DROP OWNED BY {quote_ident(group)}")
                admin.execute(f"DROP ROLE {quote_ident(group)}")
    return matrix
