"""Reading query patterns with PostgreSQL's own parser (pglast): ``:name`` parameters in and
out, parse-tree walks, and deparsing back to SQL that keeps the pattern's parameter names."""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

_PARAM = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")


@dataclass(frozen=True)
class Parsed:
    statements: tuple[Any, ...]
    names: tuple[str, ...]            # $(offset + 1) is names[0]
    offset: int = 0                   # the pattern's own $n parameters go up to this

    @property
    def all_names(self) -> tuple[str, ...]:
        """Every parameter's name in number order: ``p1`` … for the pattern's own ``$n``,
        then the ``:name`` ones."""
        return tuple(f"p{i}" for i in range(1, self.offset + 1)) + self.names

    def name(self, number: int) -> str:
        """The name of parameter ``$number``: its ``:name``, or ``p<n>`` for the pattern's
        own ``$n`` (as :func:`pgarch_kit.model.sqlparams.parse_params` names them)."""
        n = number - self.offset
        return self.names[n - 1] if 0 < n <= len(self.names) else f"p{number}"

    def deparse(self, node: Any) -> str:
        """SQL text of ``node`` with ``$n`` turned back into ``:name`` (the pattern's own
        ``$n`` parameters, as pg_stat_statements writes them, stay as they are)."""
        from pglast.stream import RawStream
        text = RawStream()(node)

        def name(m: re.Match[str]) -> str:
            n = int(m.group(1)) - self.offset
            return f":{self.names[n - 1]}" if 0 < n <= len(self.names) else m.group(0)
        return re.sub(r"\$(\d+)", name, text)


def parse(sql: str) -> Parsed:
    """Parse a pattern: ``:name`` parameters become ``$n`` (the parser does not know them),
    the same name the same number, numbered after any ``$n`` the pattern already has;
    ``::`` casts are left alone."""
    from pglast import parse_sql
    names: list[str] = []
    offset = max((int(n) for n in re.findall(r"\$(\d+)", sql)), default=0)

    def number(m: re.Match[str]) -> str:
        if m.group(1) not in names:
            names.append(m.group(1))
        return f"${offset + names.index(m.group(1)) + 1}"
    text = _PARAM.sub(number, sql)
    return Parsed(tuple(raw.stmt for raw in parse_sql(text)), tuple(names), offset)


def nodes(node: Any) -> Iterator[Any]:
    from pglast import ast
    if isinstance(node, (list, tuple)):
        for item in node:
            yield from nodes(item)
    elif isinstance(node, ast.Node):
        yield node
        for slot in type(node).__slots__:
            yield from nodes(getattr(node, slot, None))


def column_names(node: Any) -> set[str]:
    from pglast import ast
    return {n.fields[-1].sval for n in nodes(node)
            if isinstance(n, ast.ColumnRef) and isinstance(n.fields[-1], ast.String)}


def column_ref(node: Any) -> tuple[str | None, str] | None:
    """(qualifier, column) when ``node`` is a plain column reference."""
    from pglast import ast
    if isinstance(node, ast.ColumnRef) and all(isinstance(f, ast.String) for f in node.fields):
        names = [f.sval for f in node.fields]
        return (names[-2] if len(names) > 1 else None, names[-1])
    return None


def relations(node: Any) -> set[str]:
    from pglast import ast
    return {n.relname for n in nodes(node) if isinstance(n, ast.RangeVar)}


def aliases(from_clause: Any) -> dict[str, str]:
    """alias (or table name) → table name, for the plain tables of a FROM clause."""
    from pglast import ast
    out = {}
    for n in nodes(from_clause):
        if isinstance(n, ast.RangeVar):
            out[n.alias.aliasname if n.alias else n.relname] = n.relname
            out.setdefault(n.relname, n.relname)
    return out


def params(node: Any) -> list[int]:
    from pglast import ast
    return [n.number for n in nodes(node) if isinstance(n, ast.ParamRef)]


def has_sublink(node: Any) -> bool:
    from pglast import ast
    return any(isinstance(n, ast.SubLink) for n in nodes(node))


def conjuncts(node: Any) -> list[Any]:
    from pglast import ast
    if node is None:
        return []
    if isinstance(node, ast.BoolExpr) and int(node.boolop) == 0:
        return [t for arg in node.args for t in conjuncts(arg)]
    return [node]


def comparison(node: Any) -> tuple[str, Any, Any] | None:
    """(operator, left, right) of a binary ``A_Expr`` such as ``a = $1``."""
    from pglast import ast
    if isinstance(node, ast.A_Expr) and int(node.kind) == 0 and node.lexpr is not None \
            and len(node.name) == 1:
        return node.name[0].sval, node.lexpr, node.rexpr
    return None
