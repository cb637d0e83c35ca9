"""The names a routine's body leaves unqualified — what resolves through ``search_path`` when
it runs — read with PostgreSQL's own parsers (pglast: ``parse_sql`` for SQL bodies,
``parse_plpgsql`` for PL/pgSQL, whose embedded statements and expressions are parsed in turn).

A fix that pins ``search_path = ''`` is only safe when this finds nothing outside
``pg_catalog``; otherwise the path must name the schemas those objects live in. What the
parsers can't see — dynamic SQL run by ``EXECUTE``, other languages, a body that does not
parse — is reported as ``opaque`` so the caller stays conservative.
"""
from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from typing import Any

from pgarch_kit.model.types import BUILTIN_TYPES

__all__ = ["BodyNames", "body_names"]

# Internal spellings of built-in types the parsers print (int → int4 is qualified with
# pg_catalog, but PL/pgSQL's declared types and a few SQL ones come bare).
_INTERNAL_TYPES = frozenset({
    "int2", "int4", "int8", "float4", "float8", "bool", "varchar", "bpchar", "char",
    "timestamptz", "timestamp", "timetz", "time", "varbit", "decimal", "int", "integer",
    "refcursor", "cstring", "internal", "xid", "xid8", "cid", "tid", "regnamespace", "regrole",
    "regoper", "regoperator", "regconfig", "regdictionary", "regcollation", "int2vector",
    "oidvector", "unknown", "event_trigger", "anyelement", "anyarray", "anynonarray",
    "anyenum", "anyrange", "anymultirange", "anycompatible", "anycompatiblearray",
    "anycompatiblenonarray", "anycompatiblerange", "aclitem", "pg_node_tree", "bit",
    "character", "double", "real", "smallint", "bigint", "boolean", "numeric", "text",
})
# Functions that take a relation's name as a string, resolved through search_path at run time.
_NAME_ARG_FUNCTIONS = frozenset({"nextval", "currval", "setval", "pg_relation_size",
                                 "pg_total_relation_size", "to_regclass"})
_DYNAMIC = ("PLpgSQL_stmt_dynexecute", "PLpgSQL_stmt_dynfors", "dynquery")
_DECLARE = re.compile(r"\bdeclare\b(.*?)\bbegin\b", re.IGNORECASE | re.S)
_ASSIGN_TARGET = re.compile(r"^\s*[\w$.\"\[\]\s]+?:?=(?!=)", re.S)


@dataclass(frozen=True)
class BodyNames:
    relations: frozenset[str]     # tables, views, sequences (CTE names excluded)
    functions: frozenset[str]
    types: frozenset[str]         # non-built-in type names (a table's name as a row type too)
    opaque: str | None = None     # why part of the body could not be read, or None
    atomic: bool = False          # a SQL-standard body: names were bound at creation

    @property
    def empty(self) -> bool:
        return not (self.relations or self.functions or self.types or self.opaque)


def _is_builtin_type(name: str) -> bool:
    base = name.lower().lstrip("_")
    return base in BUILTIN_TYPES or base in _INTERNAL_TYPES


def _strings(nodes: Any) -> list[str]:
    return [n.sval for n in nodes or () if hasattr(n, "sval")]


def _literal(node: Any) -> str | None:
    """The text of a string constant (through a cast), or None."""
    from pglast import ast
    if isinstance(node, ast.TypeCast):
        node = node.arg
    if isinstance(node, ast.A_Const) and isinstance(node.val, ast.String):
        return node.val.sval
    return None


class _Walker:
    """Collects unqualified names from parsed statements (pglast AST)."""

    def __init__(self) -> None:
        from pglast import visitors

        walker = self

        class Visit(visitors.Visitor):
            def visit_RangeVar(self, ancestors, node):
                if not node.schemaname:
                    walker.relations.add(node.relname)

            def visit_CommonTableExpr(self, ancestors, node):
                walker.ctes.add(node.ctename)

            def visit_FuncCall(self, ancestors, node):
                names = _strings(node.funcname)
                if len(names) == 1:
                    walker.functions.add(names[0])
                    if names[0] in _NAME_ARG_FUNCTIONS and node.args:
                        walker.name_literal(_literal(node.args[0]))

            def visit_TypeName(self, ancestors, node):
                names = _strings(node.names)
                if len(names) == 1 and not _is_builtin_type(names[0]):
                    walker.types.add(names[0])

            def visit_TypeCast(self, ancestors, node):
                if _strings(node.typeName.names)[-1:] == ["regclass"]:
                    walker.name_literal(_literal(node.arg))

        self.visit = Visit()
        self.relations: set[str] = set()
        self.functions: set[str] = set()
        self.types: set[str] = set()
        self.ctes: set[str] = set()

    def name_literal(self, text: str | None) -> None:
        if text and "." not in text:
            self.relations.add(text.strip('"'))

    def parse(self, sql: str) -> bool:
        """Parse ``sql`` and collect its names; False when it does not parse."""
        import pglast
        from pglast.parser import ParseError
        try:
            self.visit(pglast.parse_sql(sql))
        except ParseError:
            return False
        return True

    def result(self, opaque: str | None) -> BodyNames:
        return BodyNames(frozenset(self.relations - self.ctes), frozenset(self.functions),
                         frozenset(self.types), opaque)


def _plpgsql_query(expr: dict) -> str | None:
    """The SQL text of an embedded PL/pgSQL expression, as a statement pglast can parse."""
    query, mode = expr.get("query", ""), expr.get("parseMode", 0)
    if mode == 0:
        return query
    if mode == 2:
        return f"SELECT {query}"
    if mode in (3, 4, 5):       # an assignment: drop the target
        m = _ASSIGN_TARGET.match(query)
        return f"SELECT {query[m.end():]}" if m else None
    return None


def _plpgsql(definition: str, body: str) -> BodyNames:
    from pglast.parser import ParseError, parse_plpgsql_json
    try:
        tree = json.loads(parse_plpgsql_json(definition))
    except ParseError as exc:
        return BodyNames(frozenset(), frozenset(), frozenset(), f"its body does not parse ({exc})")
    walker = _Walker()
    opaque: list[str] = []

    def visit(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                visit(item)
            return
        if not isinstance(node, dict):
            return
        for key, value in node.items():
            if key in _DYNAMIC:
                opaque.append("it runs dynamic SQL (EXECUTE)")
            if key == "PLpgSQL_expr":
                sql = _plpgsql_query(value)
                if sql is None or not walker.parse(sql):
                    opaque.append("a statement in it does not parse")
                continue
            if key == "PLpgSQL_type":
                _declared(walker, value.get("typname", ""))
            if key == "PLpgSQL_rec" and value.get("lineno"):
                _record_type(walker, body, value.get("refname", ""))
            visit(value)
    visit(tree)
    return walker.result(opaque[0] if opaque else None)


def _declared(walker: _Walker, typname: str) -> None:
    """A declared variable's type: ``t%ROWTYPE`` and ``t.col%TYPE`` name a relation."""
    lowered = typname.lower()
    for suffix, drop in (("%rowtype", 0), ("%type", 1)):
        if lowered.endswith(suffix):
            parts = typname[:-len(suffix)].split(".")
            parts = parts[:len(parts) - drop] if drop else parts
            if len(parts) == 1:
                walker.relations.add(parts[0].strip('"'))
            return


def _record_type(walker: _Walker, body: str, refname: str) -> None:
    """PL/pgSQL parses a variable of a type it can't look up (an enum, a domain, a table's
    row type) as a record without its type name: read the declaration itself."""
    declare = " ".join(_DECLARE.findall(body))
    m = re.search(rf"(?<![\w$]){re.escape(refname)}\s+(?:constant\s+)?([\w$]+(?:\.[\w$]+)?)",
                  declare, re.IGNORECASE)
    if m and "." not in m.group(1) and m.group(1).lower() not in ("record", "alias") \
            and not _is_builtin_type(m.group(1)):
        walker.types.add(m.group(1))


@functools.lru_cache(maxsize=4096)
def body_names(definition: str, language: str) -> BodyNames:
    """The unqualified names in a CREATE FUNCTION/PROCEDURE statement's body (cached: the
    studio lints the same routines at every edit). A body nested too deeply to walk is
    opaque, not an error: schemas are untrusted input."""
    try:
        return _body_names(definition, language)
    except RecursionError:
        none: frozenset[str] = frozenset()
        return BodyNames(none, none, none, "its body is nested too deeply to read")


def _body_names(definition: str, language: str) -> BodyNames:
    from pglast.parser import ParseError, parse_sql_json
    none: frozenset[str] = frozenset()
    try:
        stmt = json.loads(parse_sql_json(definition))["stmts"][0]["stmt"]
    except (ParseError, KeyError, IndexError):
        return BodyNames(none, none, none, "its definition does not parse")
    create = stmt.get("CreateFunctionStmt", {})
    if create.get("sql_body"):
        return BodyNames(none, none, none, None, atomic=True)
    body = next((item["String"]["sval"] for opt in create.get("options", [])
                 if opt["DefElem"]["defname"] == "as"
                 for item in opt["DefElem"]["arg"].get("List", {}).get("items", [])[:1]
                 if "String" in item), "")
    if language == "plpgsql":
        return _plpgsql(definition, body)
    if language == "sql":
        walker = _Walker()
        if not walker.parse(body):
            return BodyNames(none, none, none, "its body does not parse")
        return walker.result(None)
    return BodyNames(none, none, none, f"its language ({language}) is not read by the advisor")
