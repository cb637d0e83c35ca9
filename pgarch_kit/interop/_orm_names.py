"""Python names for the generated models: CamelCase classes, snake_case variables, attributes
that keep a column's own name when Python allows it, and the names the module body itself
uses (a class attribute named ``text`` would shadow ``text()`` for the rest of the class)."""
from __future__ import annotations

import keyword
import re
import unicodedata
from collections.abc import Iterable

from ..model.design import Table
from ..model.names import quote_ident
from ._orm_types import _SIMPLE

# Names the module body may use; a class attribute with one of these names would shadow it
# for the rest of the class body, so such attributes are renamed.
_MODULE_NAMES = frozenset(
    {name for _, name, _ in _SIMPLE.values()}
    | {"Any", "Base", "CHAR", "CITEXT", "Column", "Computed", "DDL", "DeclarativeBase", "ENUM",
       "ExcludeConstraint", "ForeignKey", "ForeignKeyConstraint", "INTERVAL", "BIT", "ARRAY",
       "Identity", "Index", "Mapped", "Numeric", "PgType", "PrimaryKeyConstraint", "Range",
       "Sequence", "String", "TIME", "TIMESTAMP", "Table", "UniqueConstraint",
       "CheckConstraint", "UserDefinedType", "datetime", "decimal", "event", "mapped_column",
       "postgresql", "relationship", "text", "uuid", "bool", "bytes", "dict", "float", "int",
       "list", "str"})
# Attribute names declarative itself owns.
_RESERVED_ATTRS = frozenset({"metadata", "registry"})
_ID_SUFFIX = re.compile(r"(?:_id|Id|_ID|ID)$")


def _camel(name: str) -> str:
    parts = [p for p in re.split(r"[^0-9A-Za-z]+", _ascii(name)) if p]
    out = "".join(p[:1].upper() + p[1:] for p in parts) or "Table"
    return out if out[0].isalpha() else "T" + out


def _ascii(name: str) -> str:
    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")


def _snake(name: str) -> str:
    """A lowercase Python identifier close to ``name``."""
    s = re.sub(r"[^0-9A-Za-z_]+", "_", _ascii(name)).strip("_")
    if not s:
        s = "col"
    return "c_" + s if s[0].isdigit() else s


class _Namer:
    """Unique names in one namespace, avoiding a reserved set."""

    def __init__(self, reserved: Iterable[str] = ()) -> None:
        self.taken = set(reserved)

    def take(self, want: str, suffix: str = "_") -> str:
        name = want
        if keyword.iskeyword(name) or name in self.taken:
            name = want + suffix
        n = 2
        while keyword.iskeyword(name) or name in self.taken:
            name, n = f"{want}{suffix}{n}", n + 1
        self.taken.add(name)
        return name


def _attr_for(column: str) -> str:
    """The attribute a column would like: its own name when that is a plain ASCII identifier
    (Python NFKC-normalises other identifiers, which would change the column name)."""
    if column.isascii() and column.isidentifier() and not column.startswith("__") \
            and not column.startswith("_sa_"):
        return column
    return _snake(column)


def _type_spellings(schema: str, name: str) -> list[str]:
    """How a column's type may name an enum: ``name`` in public, else qualified (quoted or
    not)."""
    if schema == "public":
        return [name, quote_ident(name), f"public.{name}", f"public.{quote_ident(name)}"]
    return [f"{quote_ident(schema)}.{quote_ident(name)}", f"{schema}.{name}"]


def _qual(schema: str, name: str) -> str:
    return name if schema == "public" else f"{schema}.{name}"


def _label(t: Table) -> str:
    return _qual(t.schema, t.name)
