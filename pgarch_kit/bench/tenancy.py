"""Tenant isolation proven on a real server, as the application's own role.

Superusers and table owners bypass row-level security, so a check run as ``postgres`` proves
nothing. :func:`isolation_matrix` loads the design (with its RLS plan) into its sandbox,
creates a login role that is a member of the application role and has only the plan's data
grants, and then — as tenant A, in transactions that are rolled back — tries on every tenant
table to read, update, delete and insert tenant B's rows, and to move its own rows to B. Each
must see nothing or be refused by a policy; each has a positive control (A reads, updates,
deletes and inserts its own rows) so a check cannot pass by seeing nothing at all.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pgarch_kit._escape import html_text
from pgarch_kit.model.names import quote_ident

from ._html import table as html_table

if TYPE_CHECKING:
    import psycopg

    from pgarch_kit.model import Table
    from pgarch_kit.scale.tenancy import TenancyPlan

__all__ = ["IsolationMatrix", "isolation_matrix"]

CHECKS = ("select other", "update other", "delete other", "insert other", "move own to other",
          "select own", "update own", "delete own", "insert own")


@dataclass
class IsolationMatrix:
    database: str
    role: str
    tenants: tuple[str, str]
    cells: dict[str, dict[str, tuple[bool, str]]] = field(default_factory=dict)
    superuser_sees_other: int | None = None

    @property
    def ok(self) -> bool:
        return all(passed for row in self.cells.values() for passed, _ in row.values())

    def failures(self) -> list[str]:
        return [f"{t}: {check}: {why}" for t, row in self.cells.items()
                for check, (passed, why) in row.items() if not passed]

    def __str__(self) -> str:
        lines = [f"tenant isolation as {self.role} in {self.database}: "
                 f"{'every check holds' if self.ok else 'LEAKS FOUND'} "
                 f"(tenant A {self.tenants[0]}, tenant B {self.tenants[1]})"]
        for t, row in self.cells.items():
            cells = "  ".join(f"{c}: {'ok' if p else 'FAIL'}" for c, (p, _) in row.items())
            lines.append(f"  {t}: {cells}")
        lines += [f"  ! {f}" for f in self.failures()]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        rows, colours = [], []
        for t, row in self.cells.items():
            rows.append([t] + [("✓ " if row[c][0] else "✗ ") + _short(row[c][1]) if c in row
                               else "–" for c in CHECKS])
            colours.append(None if all(p for p, _ in row.values()) else "#fee2e2")
        note = ""
        if self.superuser_sees_other is not None:
            note = (f"<div>Control: as the superuser <code>postgres</code> the same SELECT of "
                    f"tenant B's rows returns {self.superuser_sees_other:,} — superusers bypass "
                    f"row-level security, which is why these checks run as "
                    f"<code>{html_text(self.role)}</code>.</div>")
        return (f"<div><b>Tenant isolation matrix</b> — as "
                f"<code>{html_text(self.role)}</code> (a member "
                f"of the application role), tenant A reaching for tenant B's rows</div>"
                + html_table(("table", *CHECKS), rows, highlight=colours) + note)


def _short(why: str) -> str:
    """A cell's reason in a few words (the full text stays in ``cells``)."""
    if "row-level security" in why:
        return "refused by the policy"
    if why.startswith("visible; then") and "foreign key" in why:
        return "visible (a foreign key then refused it)"
    return why


def _rel(t: Table) -> str:
    return f"{quote_ident(t.schema)}.{quote_ident(t.name)}"


def _attempt(conn: psycopg.Connection, sql: str, params: tuple) -> tuple[int | None, str]:
    """Run ``sql`` in a transaction that is rolled back: (rows affected or counted, error)."""
    import psycopg
    try:
        with conn.transaction(force_rollback=True):
            cur = conn.execute(sql, params)
            if cur.description:
                return int(cur.fetchone()[0]), ""
            return cur.rowcount, ""
    except psycopg.Error as exc:
        return None, exc.diag.message_primary or str(exc)


def _copy_sql(t: Table, key: str) -> str:
    """INSERT … SELECT of one of tenant A's rows with the tenant key set to a parameter and
    every other unique value made new (a fresh uuid, a suffixed text)."""
    unique_cols = set()
    for cols in [t.primary_key.columns if t.primary_key else ()] + [u.columns
                                                                      for u in t.uniques]:
        unique_cols |= set(cols)
    names, values = [], []
    for c in t.columns:
        if c.generated is not None or c.identity == "always":
            continue
        q = quote_ident(c.name)
        if c.name == key:
            value = f"%s::{c.type}"
        elif c.name in unique_cols and c.type == "uuid":
            value = "gen_random_uuid()"
        elif (c.name in unique_cols and c.type in ("text", "citext")) or \
                (c.name in unique_cols and c.type.startswith("character varying")):
            value = f"left({q} || '-' || substr(md5(random()::text), 1, 8), 63)"
        elif c.name in unique_cols and c.identity:
            continue
        else:
            value = q
        names.append(q)
        values.append(value)
    return (f"INSERT INTO {_rel(t)} ({', '.join(names)}) SELECT {', '.join(values)} "
            f"FROM {_rel(t)} WHERE {quote_ident(key)} = %s::{t.column(key).type} LIMIT 1")


def _row(conn: psycopg.Connection, t: Table, key: str, a: str, b: str
         ) -> dict[str, tuple[bool, str]]:
    k = quote_ident(key)
    typ = t.column(key).type
    rel = _rel(t)
    cells: dict[str, tuple[bool, str]] = {}

    def refused(result: tuple[int | None, str], visible_ok: bool = False) -> tuple[bool, str]:
        count, error = result
        if error:
            return ("row-level security" in error, error)
        return (count == 0, f"{count} rows" + (" (invisible)" if count == 0 else " — LEAK"))

    def allowed(result: tuple[int | None, str]) -> tuple[bool, str]:
        count, error = result
        if error:
            # visible, then refused by something else than a policy: still a visible row
            return ("row-level security" not in error and "foreign key" in error,
                    f"visible; then {error}")
        return (bool(count), f"{count} rows")

    cells["select other"] = refused(_attempt(conn, f"SELECT count(*) FROM {rel} WHERE {k} = "
                                                   f"%s::{typ}", (b,)))
    cells["update other"] = refused(_attempt(conn, f"UPDATE {rel} SET {k} = {k} WHERE {k} = "
                                                   f"%s::{typ}", (b,)))
    cells["delete other"] = refused(_attempt(conn, f"DELETE FROM {rel} WHERE {k} = %s::{typ}",
                                             (b,)))
    copy = _copy_sql(t, key)
    own_key_is_pk = bool(t.primary_key and t.primary_key.columns == (key,))
    cells["insert other"] = refused(_attempt(conn, copy, (b, a)))
    cells["move own to other"] = refused(_attempt(conn, f"UPDATE {rel} SET {k} = %s::{typ} "
                                                        f"WHERE {k} = %s::{typ}", (b, a)))
    cells["select own"] = allowed(_attempt(conn, f"SELECT count(*) FROM {rel} WHERE {k} = "
                                                 f"%s::{typ}", (a,)))
    cells["update own"] = allowed(_attempt(conn, f"UPDATE {rel} SET {k} = {k} WHERE {k} = "
                                                 f"%s::{typ}", (a,)))
    cells["delete own"] = allowed(_attempt(conn, f"DELETE FROM {rel} WHERE {k} = %s::{typ}",
                                           (a,)))
    if own_key_is_pk:  # a tenant cannot create its own tenant row a second time
        cells["insert own"] = (True, "n/a: the key is the primary key")
    else:
        cells["insert own"] = allowed(_attempt(conn, copy, (a, a)))
    return cells


def isolation_matrix(plan: TenancyPlan, *, scale: float = 0.02, seed: int = 0,
                     progress: bool = False) -> IsolationMatrix:
    """Load ``plan.design`` into its sandbox and run the checks of the module docstring on
    every tenant table."""
    import psycopg
    from psycopg.conninfo import make_conninfo

    from pgarch_kit.db.load import load
    design = plan.design
    if not plan.keys:
        raise ValueError(f"design {design.name!r} has no tenancy key: nothing to isolate "
                         f"(set `intent: {{tenant_key: tenant_id}}` on the tenant tables)")
    loaded = load(design, scale=scale, seed=seed, progress=progress, verify=False)
    login = f"pgarch_{secrets.token_hex(4)}_tenant"
    biggest = max(plan.keys, key=lambda n: loaded.rows.get(n, 0))
    big = design.table(biggest)
    assert big is not None
    with psycopg.connect(loaded.dsn, autocommit=True) as admin:
        ranked = admin.execute(
            f"SELECT {quote_ident(plan.keys[biggest])}::text FROM {_rel(big)} GROUP BY 1 "
            f"ORDER BY count(*) DESC, 1 LIMIT 2").fetchall()
        if len(ranked) < 2:
            raise ValueError(f"{biggest} holds fewer than two tenants: load more data")
        a, b = ranked[0][0], ranked[1][0]
        admin.execute(f"CREATE ROLE {login} LOGIN NOSUPERUSER NOBYPASSRLS NOINHERIT")
        admin.execute(f"GRANT {quote_ident(plan.role)} TO {login}")
        admin.execute(f"ALTER ROLE {login} SET ROLE {quote_ident(plan.role)}")
        for statement in plan.grants_sql().splitlines():
            admin.execute(statement)
        matrix = IsolationMatrix(loaded.database, login, (a, b))
        t = design.table(biggest)
        matrix.superuser_sees_other = admin.execute(
            f"SELECT count(*) FROM {_rel(t)} WHERE {quote_ident(plan.keys[biggest])}::text = %s",
            (b,)).fetchone()[0]
    try:
        with psycopg.connect(make_conninfo(loaded.dsn, user=login), autocommit=True) as conn:
            conn.execute("SELECT set_config(%s, %s, false)", (plan.setting, a))
            for name, key in plan.keys.items():
                table_obj = design.table(name)
                if table_obj is not None:
                    matrix.cells[name] = _row(conn, table_obj, key, a, b)
    finally:
        with psycopg.connect(loaded.dsn, autocommit=True) as admin:
            admin.execute(f"DROP OWNED BY {login}")
            admin.execute(f"DROP ROLE {login}")
    return matrix



