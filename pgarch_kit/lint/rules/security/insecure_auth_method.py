"""insecure-auth-method: trust, password or md5 authentication, and md5 password hashing."""
from __future__ import annotations

from collections.abc import Iterator

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule

_RULES = """
    SELECT line_number, type, array_to_string(database, ','), array_to_string(user_name, ','),
           address, auth_method
    FROM pg_catalog.pg_hba_file_rules
    WHERE error IS NULL AND auth_method IN ('trust', 'password', 'md5')
    ORDER BY line_number"""
_LOOPBACK = ("127.0.0.1", "::1", "localhost")
_WHY = {"trust": "lets anyone who reaches it log in as any user without a password",
        "password": "sends passwords in clear text",
        "md5": "relies on md5 hashes, which leak and replay easily"}


class InsecureAuthMethod(Rule):
    """What: on a live server, ``pg_hba.conf`` lines (read through ``pg_hba_file_rules``,
    which needs superuser or ``pg_read_all_settings``; without it the rule stays silent)
    whose method is ``trust``, ``password`` or ``md5``, and a ``password_encryption`` of
    ``md5``. The finding is reported as it is: a ``trust`` line is trust, whoever wrote it.
    TCP (``host…``) lines are what matters for servers reachable over the network; Unix
    socket (``local``) lines and loopback addresses only admit users of the machine itself,
    so a design for a local development server can set ``allow_loopback_trust: true`` to
    accept those (the kit's embedded server uses trust on them).

    Why: ``trust`` lets anyone who can reach the server claim any user; ``password`` sends
    the password in clear text; md5 hashes are weak and replayable from a stolen catalog.

    Fix: ``scram-sha-256`` in ``pg_hba.conf`` (then ``SELECT pg_reload_conf();``) and
    ``ALTER SYSTEM SET password_encryption = 'scram-sha-256';`` with passwords reset.

    References: PostgreSQL wiki "Don't Do This" (trust over TCP/IP); pglinter C002, C003.
    """

    code = "PGA068"
    slug = "insecure-auth-method"
    category = "security/RLS"
    severity = "warning"
    mode = "L"

    def check_live(self, ctx: LintContext) -> Iterator[Finding]:
        allow_local = bool(ctx.setting("allow_loopback_trust"))
        readable = ctx.conn.execute(
            "SELECT has_table_privilege('pg_catalog.pg_hba_file_rules', 'SELECT')").fetchone()[0]
        # pg_hba_file_rules is restricted to privileged roles: without it, nothing to judge
        rows = ctx.conn.execute(_RULES).fetchall() if readable else []
        for line, kind, dbs, users, address, method in rows:
            local = kind == "local" or (address or "") in _LOOPBACK
            if local and allow_local:
                continue
            where = "the Unix socket" if kind == "local" else f"{kind} {address or 'all'}"
            reach = ("only local users of the machine are affected; it matters once the "
                     "server is reachable over TCP" if local
                     else "this line admits TCP connections")
            yield self.finding(
                "pg_hba.conf", None,
                f"pg_hba.conf line {line} ({where}, databases {dbs}, users {users}) uses "
                f"{method}, which {_WHY[method]} — {reach}",
                f"-- pg_hba.conf line {line}: replace {method} with scram-sha-256, "
                f"then SELECT pg_reload_conf();")
        enc = ctx.conn.execute("SELECT current_setting('password_encryption')").fetchone()[0]
        if enc == "md5":
            yield self.finding(
                "password_encryption", None,
                "password_encryption is md5, so new passwords are stored as weak, replayable "
                "md5 hashes",
                "ALTER SYSTEM SET password_encryption = 'scram-sha-256'; "
                "SELECT pg_reload_conf();  -- then reset passwords")
