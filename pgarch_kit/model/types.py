"""PostgreSQL type names: one canonical spelling per type, so designs compare equal.

The canonical form is what PostgreSQL's own ``format_type()`` prints ("timestamp with time
zone", "character varying(40)", "integer[]"), because introspection reads types that way and a
design must round-trip through a server unchanged. Users may type the short aliases
("timestamptz", "varchar(40)", "int[]"); :func:`canonical_type` maps them, :func:`short_type`
maps back for display and the design file.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass

__all__ = [
    "BUILTIN_TYPES",
    "EXTENSION_TYPES",
    "PgType",
    "canonical_type",
    "parse_type",
    "short_type",
]

# alias -> canonical base (without modifiers)
_ALIASES = {
    "int2": "smallint", "smallint": "smallint",
    "int": "integer", "int4": "integer", "integer": "integer",
    "int8": "bigint", "bigint": "bigint",
    "decimal": "numeric", "numeric": "numeric",
    "float4": "real", "real": "real",
    "float8": "double precision", "double precision": "double precision",
    "float": "double precision",
    "varchar": "character varying", "character varying": "character varying",
    "char": "character", "character": "character", "bpchar": "character",
    "bool": "boolean", "boolean": "boolean",
    "timestamp": "timestamp without time zone",
    "timestamp without time zone": "timestamp without time zone",
    "timestamptz": "timestamp with time zone",
    "timestamp with time zone": "timestamp with time zone",
    "time": "time without time zone", "time without time zone": "time without time zone",
    "timetz": "time with time zone", "time with time zone": "time with time zone",
    "varbit": "bit varying", "bit varying": "bit varying", "bit": "bit",
}

# Canonical base names PostgreSQL knows without any extension.
BUILTIN_TYPES = frozenset({
    "smallint", "integer", "bigint", "numeric", "real", "double precision", "money",
    "text", "character varying", "character", '"char"', "name", "boolean", "uuid",
    "date", "time without time zone", "time with time zone", "timestamp without time zone",
    "timestamp with time zone", "interval", "jsonb", "json", "jsonpath", "xml", "bytea",
    "inet", "cidr", "macaddr", "macaddr8", "tsvector", "tsquery", "bit", "bit varying",
    "point", "line", "lseg", "box", "path", "polygon", "circle", "oid", "regclass",
    "regtype", "regproc", "regprocedure", "pg_lsn", "txid_snapshot", "pg_snapshot",
    "int4range", "int8range", "numrange", "tsrange", "tstzrange", "daterange",
    "int4multirange", "int8multirange", "nummultirange", "tsmultirange", "tstzmultirange",
    "datemultirange", "record", "void", "trigger",
})

# Types an extension brings; validation asks for the extension to be declared.
EXTENSION_TYPES = {
    "citext": "citext", "hstore": "hstore", "ltree": "ltree", "lquery": "ltree",
    "cube": "cube", "seg": "seg", "vector": "vector", "halfvec": "vector",
    "sparsevec": "vector", "isbn": "isn", "ean13": "isn", "isbn13": "isn", "ismn": "isn",
    "ismn13": "isn", "issn": "isn", "issn13": "isn", "upc": "isn", "ltxtquery": "ltree",
    "query_int": "intarray", "lo": "lo", "earth": "earthdistance",
    "geometry": "postgis", "geography": "postgis", "box2d": "postgis", "box3d": "postgis",
    "raster": "postgis_raster",
}

_TIMEY = {"time", "timetz", "timestamp", "timestamptz", "time without time zone",
          "time with time zone", "timestamp without time zone", "timestamp with time zone"}

_TYPE_RE = re.compile(
    r"""^\s*(?P<base>.*?)\s*(?:\((?P<params>[^()]*)\))?\s*(?P<tz>with(?:out)?\s+time\s+zone)?
        \s*(?P<array>(?:\[\s*\d*\s*\]\s*)*)$""",
    re.IGNORECASE | re.VERBOSE,
)


@dataclass(frozen=True)
class PgType:
    """A parsed type: ``base`` is canonical (or a user/extension type name as written),
    ``params`` the modifiers, ``is_array`` for ``[]`` (PostgreSQL ignores array dimensions)."""

    base: str
    params: tuple[int, ...] = ()
    is_array: bool = False

    def __str__(self) -> str:
        base = self.base
        mods = f"({','.join(str(p) for p in self.params)})" if self.params else ""
        if base in ("timestamp without time zone", "timestamp with time zone",
                    "time without time zone", "time with time zone") and mods:
            word, _, zone = base.partition(" ")
            text = f"{word}{mods} {zone}"
        else:
            text = base + mods
        return text + ("[]" if self.is_array else "")

    @property
    def element(self) -> PgType:
        """The element type of an array (the type itself otherwise)."""
        return PgType(self.base, self.params, False)

    @property
    def is_builtin(self) -> bool:
        return self.base in BUILTIN_TYPES


@functools.lru_cache(maxsize=4096)  # pure and hot: validation, DDL and diagrams parse per column
def parse_type(text: str) -> PgType:
    """Parse a type spelling into its canonical parts. Raises ``ValueError`` when it cannot be
    read as a type at all (unknown names parse fine; validation decides whether they exist)."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError("type is empty")
    if "\x00" in text:
        raise ValueError("type contains a NUL byte")
    m = _TYPE_RE.match(text)
    if not m or not m.group("base"):
        raise ValueError(f"cannot read {text!r} as a type")
    base = " ".join(m.group("base").split())
    lowered = base.lower()
    tz = m.group("tz")
    if tz:
        if lowered not in ("time", "timestamp"):
            raise ValueError(f"'{tz}' only follows time or timestamp, not {base!r}")
        lowered = f"{lowered} {' '.join(tz.lower().split())}"
    params: tuple[int, ...] = ()
    if m.group("params") is not None:
        try:
            params = tuple(int(p) for p in m.group("params").split(","))
        except ValueError:
            raise ValueError(f"type modifiers in {text!r} must be whole numbers") from None
    is_array = bool(m.group("array").strip())
    if lowered in _ALIASES:
        base = _ALIASES[lowered]
    elif lowered in BUILTIN_TYPES:
        base = lowered
    # else: a user or extension type name, kept as written (may be schema-qualified/quoted)
    if base == "character" and not params and m.group("params") is None and lowered in (
            "char", "character"):
        params = (1,)  # PostgreSQL: char without a length means char(1)
    return PgType(base, params, is_array)


def canonical_type(text: str) -> str:
    """The canonical spelling of a type, as ``format_type()`` would print it."""
    return str(parse_type(text))


_SHORT = {
    "timestamp with time zone": "timestamptz",
    "timestamp without time zone": "timestamp",
    "time with time zone": "timetz",
    "time without time zone": "time",
    "character varying": "varchar",
    "character": "char",
    "double precision": "double precision",
}


@functools.lru_cache(maxsize=4096)
def short_type(text: str) -> str:
    """The short, familiar spelling (``timestamptz``, ``varchar(40)``) for display."""
    t = parse_type(text)
    base = _SHORT.get(t.base, t.base)
    mods = f"({','.join(str(p) for p in t.params)})" if t.params else ""
    return base + mods + ("[]" if t.is_array else "")
