"""Small SQL-text helpers shared by the renderers: names, literals, parentheses, statements.

Every identifier goes through :func:`pgarch_kit.model.names.quote_ident` (via :func:`rel` and
:func:`ref`); SQL expressions from the model are passed through untouched, because
PostgreSQL printed them and the kit never rewrites them.
"""
from __future__ import annotations

from .._escape import one_line, psql_meta_commands
from ..errors import DdlError
from ..model.index_sql import wrap
from ..model.names import qualified, quote_ident, sql_name

__all__ = ["DdlError", "idents", "key_element", "literal", "psql_checked", "ref", "rel",
           "statement", "wrap"]


def rel(schema: str | None, name: str) -> str:
    """A relation or type name; objects in public stay unqualified (the script sets
    ``search_path = public``) so the DDL reads like hand-written SQL."""
    return qualified(None if schema in (None, "public") else schema, name)


def ref(text: str) -> str:
    """A possibly schema-qualified reference to an operator class or collation, given unquoted
    (``text_pattern_ops``, ``pg_catalog.C``). Text that already holds quotes is SQL already."""
    return sql_name(text)


def idents(names: tuple[str, ...] | list[str]) -> str:
    """A comma-separated list of quoted column names."""
    return ", ".join(quote_ident(n) for n in names)


def literal(text: str) -> str:
    """A string literal. Single quotes are doubled; a backslash switches to E'' (with the
    backslash doubled) so the literal means the same under any standard_conforming_strings."""
    if "\x00" in text:
        raise DdlError(f"text {text[:40]!r} contains a NUL byte, which PostgreSQL cannot store")
    body = text.replace("'", "''")
    if "\\" in text:
        return "E'" + body.replace("\\", "\\\\") + "'"
    return "'" + body + "'"


def key_element(text: str) -> str:
    """A partition key or exclusion element: a parenthesised expression stays as written, any
    other text is a column name."""
    return text.strip() if text.strip().startswith("(") else quote_ident(text)


def statement(sql: str) -> str:
    """One statement, ending with ';' exactly once."""
    sql = sql.strip()
    return sql if sql.endswith(";") else sql + ";"


def deferrable(is_deferrable: bool, initially_deferred: bool) -> str:
    if initially_deferred:
        return " DEFERRABLE INITIALLY DEFERRED"
    return " DEFERRABLE" if is_deferrable else ""


def options(opts: tuple[str, ...]) -> str:
    """``WITH (a=1, b=2)`` storage parameters (``key=value`` text as the design holds it)."""
    return f" WITH ({', '.join(o.strip() for o in opts)})" if opts else ""


def need_version(server_version: int, minimum: int, what: str) -> None:
    if server_version < minimum:
        raise DdlError(f"{what} needs PostgreSQL {minimum // 10000} or later; the target "
                       f"server is {server_version // 10000}. Change the design or render "
                       f"with server_version={minimum}.")


def psql_checked(script: str, name: str) -> str:
    """``script`` unchanged, or DdlError when ``psql -f`` would run part of it as a
    meta-command: a backslash outside quotes and comments, which only SQL copied from a design
    (a default, CHECK, view or routine body) can put there — ``\\! cmd`` runs a shell command."""
    lines = psql_meta_commands(script)
    if lines:
        text = script.splitlines()
        shown = "; ".join(f"line {n}: {one_line(text[n - 1])[:80]!r}" for n in lines[:3])
        raise DdlError(f"{name}: psql would read a backslash outside quotes as a meta-command "
                       f"(\\! runs a shell command) — {shown}; fix: remove the backslash from "
                       "the design's SQL or put it inside a string literal")
    return script
