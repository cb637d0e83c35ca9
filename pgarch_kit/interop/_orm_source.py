"""Text for the generated models module, below the level of tables: Python string literals
(double-quoted when possible), docstrings, calls wrapped one argument per line past the width,
keyword arguments, the import block sorted the way isort/ruff sort it, the fixed ``PgType``
class; and the SQL those literals carry (``text()`` with its colons escaped, wrapped
expressions, quoted collation and opclass names, index keys as CREATE INDEX spells them)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .._escape import py_docstring_text
from ..model.design import IndexKey
from ..model.index_sql import index_key_sql, wrap
from ..model.names import sql_name

_SA, _PG, _ORM = "sqlalchemy", "sqlalchemy.dialects.postgresql", "sqlalchemy.orm"
_TYPES = "sqlalchemy.types"
_BIND = re.compile(r"(?<![:\w\\]):(\w+)(?![:\w])")
_WIDTH = 100


def _q(text: str) -> str:
    """A Python string literal, double-quoted when possible (the house style)."""
    r = repr(text)
    if r[0] == "'" and '"' not in text and "'" not in text:
        r = '"' + r[1:-1] + '"'
    return r


def _sql(text: str) -> str:
    """A literal for SQL handed to ``text()``: colons that ``text()`` would read as bind
    parameters are escaped, so PostgreSQL receives the SQL exactly as the design holds it."""
    return _q(_BIND.sub(r"\\:\1", text))


def _doc(text: str, indent: str) -> str:
    """A docstring: triple-quoted when the text allows it, else an ordinary literal."""
    text = text.strip()
    plain = ('"""' not in text and "\\" not in text and not text.endswith('"')
             and all(ch == "\n" or ch.isprintable() for ch in text))
    if not plain:
        return indent + _q(text)
    lines = text.split("\n")
    if len(lines) == 1:
        return f'{indent}"""{text}"""'
    body = "\n".join((indent + ln) if ln.strip() else "" for ln in lines[1:])
    return f'{indent}"""{lines[0]}\n{body}\n{indent}"""'


_wrap = wrap  # ``(expr)`` unless wrapped whole, as the DDL writes index expressions


@dataclass
class _Imports:
    names: dict[str, set[str]] = field(default_factory=dict)

    def use(self, module: str, name: str) -> str:
        self.names.setdefault(module, set()).add(name)
        return name

    def lines(self) -> list[str]:
        """The import block, sorted the way isort/ruff sort it (constants, classes, then
        functions), wrapped one name per line when long."""
        std = [f"import {m}" for m in ("datetime", "decimal", "uuid") if m in self.names]
        if "typing" in self.names:
            std += _from("typing", self.names["typing"])
        third: list[str] = []
        for mod in (_SA, "sqlalchemy.dialects", _PG, _ORM, _TYPES):
            if mod in self.names:
                third += _from(mod, self.names[mod])
        return [*std, *([""] if std and third else []), *third]


def _from(module: str, names: set[str]) -> list[str]:
    ordered = sorted(names, key=lambda n: (0 if n.isupper() and len(n) > 1 else
                                           1 if n[:1].isupper() else 2, n))
    one = f"from {module} import {', '.join(ordered)}"
    if len(one) <= _WIDTH:
        return [one]
    return [f"from {module} import (", *(f"    {n}," for n in ordered), ")"]


def _call(head: str, args: list[str], indent: str = "", tail: str = "") -> list[str]:
    """``head(args)`` on one line when it fits, else one argument per line."""
    one = f"{indent}{head}({', '.join(args)}){tail}"
    if len(one) <= _WIDTH or not args:
        return [one]
    return [f"{indent}{head}(", *(f"{indent}    {a}," for a in args), f"{indent}){tail}"]


def _options(opts: tuple[str, ...]) -> str:
    pairs = [o.split("=", 1) if "=" in o else (o, "") for o in opts]
    return "{" + ", ".join(f"{_q(k.strip())}: {_q(v.strip())}" for k, v in pairs) + "}"


def _deferrable(deferrable: bool, initially_deferred: bool) -> list[str]:
    if initially_deferred:
        return ["deferrable=True", 'initially="DEFERRED"']
    return ["deferrable=True"] if deferrable else []


_collation_sql = sql_name  # quoted as the DDL quotes opclasses and collations


def _plain_key(k: IndexKey) -> bool:
    return (not k.expression and not k.descending and k.nulls_first is None
            and not k.collation)


_key_sql = index_key_sql  # the DDL's own spelling (model.index_sql)


_PG_TYPE = '''class PgType(UserDefinedType):
    """A type SQLAlchemy has no class for (domain, composite, extension or geometric type):
    CREATE TABLE names it as written; values pass through the driver as they are."""

    cache_ok = True

    def __init__(self, sql: str) -> None:
        self.sql = sql

    def get_col_spec(self, **kw: Any) -> str:
        return self.sql'''


def _in_doc(text: str) -> str:
    """Text safe inside the module's triple-quoted docstring (see
    :func:`pgarch_kit._escape.py_docstring_text`: a design's ``\"\"\"\"`` must not close it)."""
    return py_docstring_text(text)
