"""PostgreSQL column types as SQLAlchemy types: :class:`_TypeMap` turns a column's type into
a type expression and a Python annotation, noting the imports each needs. Core and
PostgreSQL-dialect classes where SQLAlchemy has one; enums through the module's shared
``ENUM`` objects; everything else by name through the generated ``PgType``."""
from __future__ import annotations

from ..model.design import Column
from ..model.types import PgType, parse_type
from ._orm_source import _PG, _SA, _collation_sql, _Imports, _q

# canonical base -> (module, class, Python type); _TypeMap._element handles parametrised types
_SIMPLE: dict[str, tuple[str, str, str]] = {
    "smallint": (_SA, "SmallInteger", "int"),
    "integer": (_SA, "Integer", "int"),
    "bigint": (_SA, "BigInteger", "int"),
    "real": (_PG, "REAL", "float"),
    "double precision": (_PG, "DOUBLE_PRECISION", "float"),
    "text": (_SA, "Text", "str"),
    "boolean": (_SA, "Boolean", "bool"),
    "date": (_SA, "Date", "datetime.date"),
    "uuid": (_PG, "UUID", "uuid.UUID"),
    "jsonb": (_PG, "JSONB", "Any"),
    "json": (_PG, "JSON", "Any"),
    "jsonpath": (_PG, "JSONPATH", "str"),
    "bytea": (_PG, "BYTEA", "bytes"),
    "inet": (_PG, "INET", "str"),
    "cidr": (_PG, "CIDR", "str"),
    "macaddr": (_PG, "MACADDR", "str"),
    "macaddr8": (_PG, "MACADDR8", "str"),
    "money": (_PG, "MONEY", "Any"),
    "tsvector": (_PG, "TSVECTOR", "str"),
    "tsquery": (_PG, "TSQUERY", "str"),
    "oid": (_PG, "OID", "int"),
    "regclass": (_PG, "REGCLASS", "Any"),
    "hstore": (_PG, "HSTORE", "dict[str, str | None]"),
    "int4range": (_PG, "INT4RANGE", "Range[int]"),
    "int8range": (_PG, "INT8RANGE", "Range[int]"),
    "numrange": (_PG, "NUMRANGE", "Range[decimal.Decimal]"),
    "daterange": (_PG, "DATERANGE", "Range[datetime.date]"),
    "tsrange": (_PG, "TSRANGE", "Range[datetime.datetime]"),
    "tstzrange": (_PG, "TSTZRANGE", "Range[datetime.datetime]"),
    "int4multirange": (_PG, "INT4MULTIRANGE", "list[Range[int]]"),
    "int8multirange": (_PG, "INT8MULTIRANGE", "list[Range[int]]"),
    "nummultirange": (_PG, "NUMMULTIRANGE", "list[Range[decimal.Decimal]]"),
    "datemultirange": (_PG, "DATEMULTIRANGE", "list[Range[datetime.date]]"),
    "tsmultirange": (_PG, "TSMULTIRANGE", "list[Range[datetime.datetime]]"),
    "tstzmultirange": (_PG, "TSTZMULTIRANGE", "list[Range[datetime.datetime]]"),
}
_TIMES = {"timestamp with time zone": ("TIMESTAMP", True, "datetime.datetime"),
          "timestamp without time zone": ("TIMESTAMP", False, "datetime.datetime"),
          "time with time zone": ("TIME", True, "datetime.time"),
          "time without time zone": ("TIME", False, "datetime.time")}
_STRINGS = {"text": "Text", "character varying": "String", "character": "CHAR"}


class _TypeMap:
    """Type expressions for one generated module: the imports go to ``imp``; which enum
    variables exist and whether ``PgType`` (and CITEXT) are needed is kept for the writer."""

    def __init__(self, imp: _Imports) -> None:
        self.imp = imp
        self.enum_vars: dict[str, str] = {}  # type spelling -> variable
        self.pg_type_used = False
        self.citext_used = False

    def _by_name(self, sql: str) -> str:
        self.pg_type_used = True
        return f"PgType({_q(sql)})"

    def type_of(self, col: Column) -> tuple[str, str]:
        """(SQLAlchemy type expression, Python type) for a column."""
        try:
            pt = parse_type(col.type)
        except ValueError:
            return self._by_name(col.type), "Any"
        if col.collation:
            coll = col.collation
            if pt.base in _STRINGS and not pt.is_array and "." not in coll:
                return self._string(pt, coll), "str"
            return self._by_name(f"{col.type} COLLATE {_collation_sql(coll)}"), "Any"
        expr, py = self._element(pt.element)
        if pt.is_array:
            return f"{self.imp.use(_PG, 'ARRAY')}({expr})", f"list[{py}]"
        return expr, py

    def _string(self, pt: PgType, collation: str | None = None) -> str:
        cls = self.imp.use(_SA, _STRINGS[pt.base])
        args = [str(p) for p in pt.params]
        if collation:
            args.append(f"collation={_q(collation)}")
        return f"{cls}({', '.join(args)})" if args else cls

    def _element(self, pt: PgType) -> tuple[str, str]:
        base, params = pt.base, pt.params
        enum = self.enum_vars.get(base)
        if enum:
            return enum, "str"
        if base in _SIMPLE and not params:
            mod, cls, py = _SIMPLE[base]
            self.use_py(py)
            return self.imp.use(mod, cls), py
        if base in _STRINGS:
            return self._string(pt), "str"
        if base == "numeric":
            self.imp.use("decimal", "decimal")
            cls = self.imp.use(_SA, "Numeric")
            return (f"{cls}({', '.join(map(str, params))})" if params else cls), \
                "decimal.Decimal"
        if base in _TIMES:
            cls, tz, py = _TIMES[base]
            self.imp.use("datetime", "datetime")
            args = ["timezone=True"] if tz else []
            args += [f"precision={params[0]}"] if params else []
            return f"{self.imp.use(_PG, cls)}({', '.join(args)})", py
        if base == "interval":
            self.imp.use("datetime", "datetime")
            cls = self.imp.use(_PG, "INTERVAL")
            return (f"{cls}(precision={params[0]})" if params else cls), "datetime.timedelta"
        if base in ("bit", "bit varying"):
            args = [str(p) for p in params] + (["varying=True"] if base != "bit" else [])
            return f"{self.imp.use(_PG, 'BIT')}({', '.join(args)})", "str"
        if base == "citext" and not params:
            self.imp.use("sqlalchemy.dialects", "postgresql")
            self.pg_type_used = self.citext_used = True
            return "CITEXT", "str"
        return self._by_name(str(pt)), "Any"

    def use_py(self, py: str) -> None:
        """Import what the Python annotation ``py`` names."""
        for mod in ("datetime", "decimal", "uuid"):
            if f"{mod}." in py:
                self.imp.use(mod, mod)
        if "Any" in py:
            self.imp.use("typing", "Any")
        if "Range[" in py:
            self.imp.use(_PG, "Range")


def _is_integer(type_: str) -> bool:
    try:
        pt = parse_type(type_)
    except ValueError:
        return False
    return not pt.is_array and pt.base in ("smallint", "integer", "bigint")
