"""What an imported schema may do: each statement of an untrusted SQL script, classified before
anything runs.

PostgreSQL's own parser (pglast, libpg_query) splits the script and names every statement's
kind, so ``BEGIN ATOMIC`` bodies, dollar quotes and comments are never guessed at. Each
statement then gets one verdict:

* ``run`` — ordinary DDL and DML, executed by the confined role (the server still refuses what
  that role may not do, and the importer reports it);
* ``extension`` — ``CREATE EXTENSION`` of an extension on :data:`ALLOWED_EXTENSIONS`: the kit
  creates it itself, in the scratch database only;
* ``privilege`` — ``GRANT``/``REVOKE`` on schemas, tables, sequences, routines and types and
  ``ALTER DEFAULT PRIVILEGES``: run, for the design's own roles only
  (:mod:`pgarch_kit.db.import_privileges`);
* ``owner`` — ``ALTER … OWNER TO``: kept (run at the end of the import) only when the new owner
  is one of the design's roles;
* ``note`` — statements that do not belong in a design and are skipped with a note: roles and
  their memberships, privileges on databases and other server objects, transaction control,
  maintenance;
* ``refuse`` — statements that reach outside the sandbox (other databases, server files and
  programs, foreign servers, server settings, languages, roles' identities): skipped and
  listed with their line and why.

The roles that the remaining statements name (``CREATE POLICY ... TO app_user``) are collected
so the importer can make NOLOGIN placeholders for the ones the server does not have.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Literal

from pgarch_kit.ddl.render_types import dollar_tag
from pgarch_kit.errors import SqlApplyError
from pgarch_kit.model.extensions import ALLOWED_EXTENSIONS
from pgarch_kit.model.sqltext import skip_noise

__all__ = ["ALLOWED_EXTENSIONS", "GRANTED_OBJECTS", "OWNED_OBJECTS", "Statement",
           "classify_script"]

Verdict = Literal["run", "extension", "privilege", "owner", "note", "refuse"]

# The extensions the kit creates itself (see pgarch_kit.model.extensions for why).

_OUTSIDE = "acts outside the import's scratch database"
_REFUSED: dict[str, str] = {
    "CreatedbStmt": f"creates a database: {_OUTSIDE}",
    "DropdbStmt": f"drops a database: {_OUTSIDE}",
    "AlterDatabaseStmt": f"alters a database: {_OUTSIDE}",
    "AlterDatabaseSetStmt": f"changes a database's settings: {_OUTSIDE}",
    "AlterDatabaseRefreshCollStmt": f"alters a database: {_OUTSIDE}",
    "AlterSystemStmt": "changes the server's configuration (ALTER SYSTEM)",
    "CreateTableSpaceStmt": "creates a tablespace (a server directory)",
    "DropTableSpaceStmt": "drops a tablespace",
    "AlterTableSpaceOptionsStmt": "alters a tablespace",
    "LoadStmt": "loads a server library (LOAD)",
    "CreatePLangStmt": "creates a procedural language (languages come with the server)",
    "CreateFdwStmt": "creates a foreign-data wrapper (reaches other servers or files)",
    "AlterFdwStmt": "alters a foreign-data wrapper",
    "CreateForeignServerStmt": "defines a foreign server (reaches other servers)",
    "AlterForeignServerStmt": "alters a foreign server",
    "CreateUserMappingStmt": "stores credentials for a foreign server",
    "AlterUserMappingStmt": "alters credentials for a foreign server",
    "CreateForeignTableStmt": "creates a foreign table (reads another server or a file)",
    "ImportForeignSchemaStmt": "imports tables from a foreign server",
    "CreateSubscriptionStmt": "subscribes to another server (logical replication)",
    "AlterSubscriptionStmt": "alters a subscription",
    "DropSubscriptionStmt": "drops a subscription",
    "CreateEventTrigStmt": "creates an event trigger (runs on every DDL of the database)",
    "AlterEventTrigStmt": "alters an event trigger",
    "SecLabelStmt": "sets a security label (a server security provider's business)",
}
_NOTED: dict[str, str] = {
    "TransactionStmt": "transaction control: the importer runs every statement on its own",
    "CreateRoleStmt": "roles are the server's, not the design's: a NOLOGIN placeholder stands "
                      "in for it during the import",
    "AlterRoleStmt": "roles are the server's, not the design's",
    "AlterRoleSetStmt": "roles are the server's, not the design's",
    "DropRoleStmt": "roles are the server's, not the design's",
    "GrantRoleStmt": "role membership is the server's, not the design's",
    "ReassignOwnedStmt": "ownership is not part of a design",
    "DropOwnedStmt": "ownership is not part of a design",
    "AlterOwnerStmt": "ownership is not part of a design (the import owns everything)",
    "GrantStmt": "privileges on databases, tablespaces, languages, foreign servers, large "
                 "objects and settings are the server's, not the design's",
    "VacuumStmt": "maintenance, not schema",
    "ReindexStmt": "maintenance, not schema",
    "ClusterStmt": "maintenance, not schema",
    "CheckPointStmt": "maintenance, not schema",
    "AlterExtensionStmt": "extensions are made by the kit at their default version",
    "AlterExtensionContentsStmt": "extensions are made by the kit at their default version",
}


@dataclass(frozen=True)
class Statement:
    """One statement of the script: its text, the 1-based line it starts on, its kind
    (pglast's node name), the verdict and why."""

    text: str
    line: int
    kind: str
    verdict: Verdict
    reason: str = ""
    extension: dict[str, Any] = field(default_factory=dict)  # name, schema, version, cascade
    # allowed extensions a DO block creates itself (``CREATE EXTENSION`` inside its body):
    # the kit makes them first, so the block finds them instead of failing as the import role
    inner_extensions: tuple[dict[str, Any], ...] = ()

    @property
    def summary(self) -> str:
        """The statement's first line, cut for messages."""
        first = self.text.strip().splitlines()[0] if self.text.strip() else ""
        return first if len(first) <= 100 else first[:97] + "..."


# What the design keeps privileges on and owners of (pglast's object types)
GRANTED_OBJECTS = frozenset({"OBJECT_TABLE", "OBJECT_SEQUENCE", "OBJECT_FUNCTION",
                             "OBJECT_PROCEDURE", "OBJECT_ROUTINE", "OBJECT_SCHEMA", "OBJECT_TYPE",
                             "OBJECT_DOMAIN"})
OWNED_OBJECTS = frozenset({"OBJECT_SCHEMA", "OBJECT_TABLE", "OBJECT_VIEW", "OBJECT_MATVIEW",
                           "OBJECT_SEQUENCE", "OBJECT_FUNCTION", "OBJECT_PROCEDURE",
                           "OBJECT_ROUTINE", "OBJECT_AGGREGATE", "OBJECT_TYPE", "OBJECT_DOMAIN",
                           "OBJECT_COLLATION", "OBJECT_TSCONFIGURATION",
                           "OBJECT_TSDICTIONARY"})


def _roles(node: Any, found: set[str]) -> None:
    """Every role name a parse tree mentions (RoleSpec nodes of the plain-name kind)."""
    if isinstance(node, dict):
        spec = node.get("RoleSpec")
        if isinstance(spec, dict) and spec.get("roletype") == "ROLESPEC_CSTRING":
            found.add(spec["rolename"])
        for value in node.values():
            _roles(value, found)
    elif isinstance(node, list):
        for value in node:
            _roles(value, found)


def _defelems(options: list[dict]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in options or []:
        elem = item.get("DefElem", {})
        arg = elem.get("arg", {})
        value = arg.get("String", {}).get("sval") if isinstance(arg, dict) else None
        if elem.get("defname") == "cascade":
            value = bool(arg.get("Boolean", {}).get("boolval", True)) if arg else True
        out[elem.get("defname", "")] = value
    return out


def _verdict(kind: str, body: dict) -> tuple[Verdict, str, dict[str, Any]]:
    if kind in _REFUSED:
        return "refuse", _REFUSED[kind], {}
    if kind == "CreateExtensionStmt":
        name = body.get("extname", "")
        if name not in ALLOWED_EXTENSIONS:
            return ("refuse", f"extension {name!r} is not on the kit's allow-list of extensions "
                    f"that act only inside their database", {})
        opts = _defelems(body.get("options", []))
        return "extension", "", {"name": name, "schema": opts.get("schema"),
                                  "version": opts.get("new_version"),
                                  "cascade": bool(opts.get("cascade")),
                                  "if_not_exists": bool(body.get("if_not_exists"))}
    if kind == "CopyStmt":
        if body.get("is_program"):
            return "refuse", "COPY ... PROGRAM runs a shell command on the server", {}
        if body.get("filename"):
            return "refuse", "COPY with a file name reads or writes a server file", {}
        return "refuse", "COPY moves data, not schema (and has no client here)", {}
    if kind == "VariableSetStmt" and body.get("name") in ("role", "session_authorization"):
        return "refuse", "switches to another role", {}
    if kind == "CommentStmt" and body.get("objtype") == "OBJECT_EXTENSION":
        return "note", "extensions are made by the kit; their comments are theirs", {}
    if kind == "AlterTableStmt":
        cmds = [c.get("AlterTableCmd", {}) for c in body.get("cmds", [])]
        if cmds and all(c.get("subtype") == "AT_ChangeOwner" for c in cmds):
            if body.get("objtype") in OWNED_OBJECTS and len(cmds) == 1:
                return "owner", "", {}
            return "note", _NOTED["AlterOwnerStmt"], {}
    if kind == "AlterOwnerStmt" and body.get("objectType") in OWNED_OBJECTS:
        return "owner", "", {}
    if kind == "GrantStmt" and body.get("objtype") in GRANTED_OBJECTS:
        return "privilege", "", {}
    if kind == "AlterDefaultPrivilegesStmt":
        return "privilege", "", {}
    if kind in _NOTED:
        return "note", _NOTED[kind], {}
    return "run", "", {}


_INNER_EXTENSION = re.compile(
    r"\bCREATE\s+EXTENSION\s+(?:IF\s+NOT\s+EXISTS\s+)?(?:\"[^\"]+\"|[\w-]+)[^;']*",
    re.IGNORECASE)


def _inner_extensions(body: dict) -> tuple[dict[str, Any], ...]:
    """``CREATE EXTENSION`` statements written inside a DO block's body, each parsed on its
    own by PostgreSQL's parser; those not allowed are left for the block to fail on."""
    from pglast import parser
    code = next((o["DefElem"]["arg"]["String"]["sval"] for o in body.get("args", [])
                 if o.get("DefElem", {}).get("defname") == "as"), "")
    found = []
    for match in _INNER_EXTENSION.finditer(code):
        try:
            (raw,) = json.loads(parser.parse_sql_json(match.group(0)))["stmts"]
        except (parser.ParseError, ValueError):
            continue
        verdict, _, ext = _verdict(*next(iter(raw["stmt"].items())))
        if verdict == "extension":
            found.append(ext)
    return tuple(found)


def _do_body(body: dict) -> tuple[str, str]:
    """A DO block's code and language."""
    code, language = "", "plpgsql"
    for option in body.get("args", []):
        elem = option.get("DefElem", {})
        value = elem.get("arg", {}).get("String", {}).get("sval", "")
        if elem.get("defname") == "as":
            code = value
        elif elem.get("defname") == "language":
            language = value
    return code, language


def _walk(node: Any) -> Any:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


_ROLE_BLOCK_NOISE = frozenset({"PLpgSQL_stmt_block", "PLpgSQL_stmt_return", "PLpgSQL_stmt_if",
                               "PLpgSQL_stmt_raise"})


def _roles_only_block(body: dict) -> set[str]:
    """The roles a DO block creates when creating roles is all it does (the usual
    ``BEGIN CREATE ROLE anon; EXCEPTION WHEN duplicate_object THEN NULL; END`` of Supabase-style
    migrations), read with PostgreSQL's PL/pgSQL parser; empty for any other block."""
    from pglast import parser
    code, language = _do_body(body)
    if language.lower() != "plpgsql" or "CREATE" not in code.upper():
        return set()
    tag = dollar_tag(code, "pgarch")
    try:
        tree = json.loads(parser.parse_plpgsql_json(
            f"CREATE FUNCTION pg_temp.f() RETURNS void LANGUAGE plpgsql AS {tag}{code}{tag}"))
    except (parser.ParseError, ValueError):
        return set()
    roles: set[str] = set()
    for node in _walk(tree):
        for key, value in node.items():
            # control flow and messages around the CREATE ROLE (IF NOT EXISTS (...) THEN,
            # RAISE NOTICE) do nothing of their own; the block is skipped, never run
            if not key.startswith("PLpgSQL_stmt_") or key in _ROLE_BLOCK_NOISE:
                continue
            if key != "PLpgSQL_stmt_execsql":
                return set()
            query = value.get("sqlstmt", {}).get("PLpgSQL_expr", {}).get("query", "")
            try:
                (raw,) = json.loads(parser.parse_sql_json(query))["stmts"]
            except (parser.ParseError, ValueError):
                return set()
            if "CreateRoleStmt" not in raw["stmt"]:
                return set()
            roles.add(raw["stmt"]["CreateRoleStmt"].get("role", ""))
    roles.discard("")
    return roles


def _start_line(text: str, char_offset: int, char_end: int) -> int:
    """1-based line of the statement's first token (after leading blanks and comments)."""
    return text.count("\n", 0, skip_noise(text, char_offset, char_end)) + 1


def classify_script(text: str, *, source: str = "SQL") -> tuple[list[Statement], set[str]]:
    """The script's statements with their verdicts, and the role names that the statements
    left to run mention. Raises SqlApplyError (with the line) when PostgreSQL's parser rejects
    the script: nothing runs then."""
    from pglast import parser
    try:
        tree = json.loads(parser.parse_sql_json(text))
    except parser.ParseError as exc:
        location = getattr(exc, "location", None)
        data = text.encode("utf-8")
        line = (data[:location].decode("utf-8", "replace").count("\n") + 1
                if isinstance(location, int) and location >= 0 else None)
        raise SqlApplyError(f"{exc.args[0] if exc.args else exc} (PostgreSQL's parser). "
                            f"Nothing was applied", line=line, source=source) from exc
    data = text.encode("utf-8")
    statements: list[Statement] = []
    roles: set[str] = set()
    for raw in tree.get("stmts", []):
        start = raw.get("stmt_location", 0)
        length = raw.get("stmt_len", 0) or len(data) - start
        chunk = data[start:start + length].decode("utf-8")
        char_start = len(data[:start].decode("utf-8"))
        (kind, body), = raw["stmt"].items()
        verdict, reason, ext = _verdict(kind, body)
        if kind == "DoStmt" and (made := _roles_only_block(body)):
            verdict, reason = "note", _NOTED["CreateRoleStmt"]
            roles |= made
        line = _start_line(text, char_start, char_start + len(chunk))
        inner = _inner_extensions(body) if kind == "DoStmt" else ()
        statements.append(Statement(chunk, line, kind, verdict, reason, ext, inner))
        if verdict in ("run", "privilege", "owner") or kind == "CreateRoleStmt":
            _roles(body, roles)
        if kind == "CreateRoleStmt":
            roles.add(body.get("role", ""))
    roles.discard("")
    return statements, roles
