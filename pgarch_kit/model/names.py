"""Identifier rules shared by every layer: validity, the 63-byte limit, and the one quoting helper.

PostgreSQL silently truncates identifiers longer than NAMEDATALEN-1 (63) bytes, so two long
names can collide without warning. The kit never lets that happen: validation rejects long
names and :func:`shorten` proposes a deterministic replacement that keeps names distinct.
"""
from __future__ import annotations

import functools
import hashlib
import re

__all__ = [
    "MAX_IDENT_BYTES",
    "COLUMN_NAME_KEYWORDS",
    "identifier_problem",
    "is_plain_identifier",
    "qualified",
    "quote_ident",
    "shorten",
]

MAX_IDENT_BYTES = 63

_PLAIN = re.compile(r"^[a-z_][a-z0-9_]*$")

# Keywords PostgreSQL 18 quotes in quote_ident() (every category but unreserved, read from
# pg_get_keywords()). Matching the server's rule exactly matters: expressions read back from
# the catalogs must quote names the same way the kit does, or round trips would differ.
_RESERVED = frozenset("""
all analyse analyze and any array as asc asymmetric authorization between bigint binary bit
boolean both case cast char character check coalesce collate collation column concurrently
constraint create cross current_catalog current_date current_role current_schema current_time
current_timestamp current_user dec decimal default deferrable desc distinct do else end except
exists extract false fetch float for foreign freeze from full grant greatest group grouping
having ilike in initially inner inout int integer intersect interval into is isnull join json
json_array json_arrayagg json_exists json_object json_objectagg json_query json_scalar
json_serialize json_table json_value lateral leading least left like limit localtime
localtimestamp merge_action national natural nchar none normalize not notnull null nullif
numeric offset on only or order out outer overlaps overlay placing position precision primary
real references returning right row select session_user setof similar smallint some substring
symmetric system_user table tablesample then time timestamp to trailing treat trim true union
unique user using values varchar variadic verbose when where window with xmlattributes
xmlconcat xmlelement xmlexists xmlforest xmlnamespaces xmlparse xmlpi xmlroot xmlserialize
xmltable
""".split())


# The "column name" keywords (catcode C of pg_get_keywords()): quote_ident quotes them, yet
# the grammar accepts them unquoted as table, column, schema and index names (``json``,
# ``timestamp``, ``position``) — just not as function or type names.
COLUMN_NAME_KEYWORDS = frozenset("""
between bigint bit boolean char character coalesce dec decimal exists extract float greatest
grouping inout int integer interval json json_array json_arrayagg json_exists json_object
json_objectagg json_query json_scalar json_serialize json_table json_value least merge_action
national nchar none normalize nullif numeric out overlay position precision real row setof
smallint substring time timestamp treat trim values varchar xmlattributes xmlconcat xmlelement
xmlexists xmlforest xmlnamespaces xmlparse xmlpi xmlroot xmlserialize xmltable
""".split())


@functools.lru_cache(maxsize=65536)  # pure and hot: DDL, diagrams and the advisor quote names
def is_plain_identifier(name: str) -> bool:
    """True when ``name`` can be written without quotes and means the same thing."""
    return bool(_PLAIN.match(name)) and name not in _RESERVED


@functools.lru_cache(maxsize=65536)
def quote_ident(name: str) -> str:
    """Quote an identifier for SQL when needed. The only place the kit turns a name into SQL,
    so also the last guard against names PostgreSQL would silently truncate."""
    if "\x00" in name:
        raise ValueError(f"identifier {name!r} contains a NUL byte, which PostgreSQL cannot store")
    if len(name.encode("utf-8")) > MAX_IDENT_BYTES:
        raise ValueError(f"identifier {name!r} is over {MAX_IDENT_BYTES} bytes and PostgreSQL "
                         f"would silently truncate it; use a shorter name such as "
                         f"{shorten(name)!r}")
    if is_plain_identifier(name):
        return name
    return '"' + name.replace('"', '""') + '"'


def qualified(schema: str | None, name: str) -> str:
    """``schema.name`` with each part quoted; an absent schema leaves the name bare."""
    return f"{quote_ident(schema)}.{quote_ident(name)}" if schema else quote_ident(name)


def shorten(name: str, limit: int = MAX_IDENT_BYTES) -> str:
    """A deterministic name of at most ``limit`` bytes: a prefix plus 8 hex digits of a hash of
    the whole name, so different long names stay different after shortening."""
    raw = name.encode("utf-8")
    if len(raw) <= limit:
        return name
    digest = hashlib.sha1(raw).hexdigest()[:8]
    room = limit - 9
    prefix = raw[:room].decode("utf-8", errors="ignore")  # never split a multibyte character
    return f"{prefix}_{digest}"


def identifier_problem(name: object) -> tuple[str, str] | None:
    """Why ``name`` cannot be a PostgreSQL identifier, and the fix; ``None`` when it can."""
    if not isinstance(name, str):
        return (f"name must be text, got {type(name).__name__} {name!r}",
                "write the name as a string")
    return _text_identifier_problem(name)


@functools.lru_cache(maxsize=65536)  # validation checks every name on every change
def _text_identifier_problem(name: str) -> tuple[str, str] | None:
    if name == "":
        return ("name is empty", "give it a name such as 'customer_id'")
    if "\x00" in name:
        return ("name contains a NUL byte, which PostgreSQL cannot store",
                "remove the NUL character from the name")
    if name != name.strip():
        return ("name starts or ends with white space",
                f"use {name.strip()!r}")
    size = len(name.encode("utf-8"))
    if size > MAX_IDENT_BYTES:
        return (f"name is {size} bytes; PostgreSQL silently truncates names to "
                f"{MAX_IDENT_BYTES} bytes",
                f"use a shorter name, for example {shorten(name)!r}")
    return None
