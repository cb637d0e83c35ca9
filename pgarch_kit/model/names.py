"""Identifier rules shared by every layer: validity, the 63-byte limit, and the one quoting helper.

PostgreSQL silently truncates identifiers longer than NAMEDATALEN-1 (63) bytes, so two long
names can collide without warning. The kit never lets that happen: validation rejects long
names and :func:`shorten` proposes a deterministic replacement that keeps names distinct.
Every name the kit derives from other names goes through :func:`derive_name` (bytes, not
characters); :func:`pg_default_name` predicts the name PostgreSQL itself gives an unnamed
constraint or index.
"""
from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Collection, Sequence

from pgarch_kit.errors import IdentifierError

__all__ = [
    "MAX_IDENT_BYTES",
    "COLUMN_NAME_KEYWORDS",
    "clip_bytes",
    "derive_name",
    "identifier_problem",
    "is_plain_identifier",
    "pg_default_name",
    "qualified",
    "quote_ident",
    "shorten",
    "sql_name",
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
        raise IdentifierError(f"identifier {name!r} contains a NUL byte, which PostgreSQL "
                              f"cannot store")
    if len(name.encode("utf-8")) > MAX_IDENT_BYTES:
        raise IdentifierError(f"identifier {name!r} is over {MAX_IDENT_BYTES} bytes and "
                              f"PostgreSQL would silently truncate it; use a shorter name "
                              f"such as {shorten(name)!r}")
    if is_plain_identifier(name):
        return name
    return '"' + name.replace('"', '""') + '"'


def qualified(schema: str | None, name: str) -> str:
    """``schema.name`` with each part quoted; an absent schema leaves the name bare."""
    return f"{quote_ident(schema)}.{quote_ident(name)}" if schema else quote_ident(name)


def sql_name(text: str) -> str:
    """A possibly schema-qualified reference to an operator class, collation, dictionary or
    function, given unquoted (``text_pattern_ops``, ``pg_catalog.C``, ``default``) as
    introspection prints it, quoted for SQL. Text that already holds quotes is SQL already."""
    if '"' in text:
        return text
    schema, dot, name = text.rpartition(".")
    return qualified(schema if dot else None, name)


def clip_bytes(text: str, limit: int) -> str:
    """The longest prefix of ``text`` that fits ``limit`` bytes of UTF-8 without splitting a
    character (PostgreSQL's ``pg_mbcliplen``)."""
    return text.encode("utf-8")[:max(limit, 0)].decode("utf-8", errors="ignore")


def shorten(name: str, limit: int = MAX_IDENT_BYTES) -> str:
    """A deterministic name of at most ``limit`` bytes: a prefix plus 8 hex digits of a hash of
    the whole name, so different long names stay different after shortening."""
    raw = name.encode("utf-8")
    if len(raw) <= limit:
        return name
    digest = hashlib.sha1(raw).hexdigest()[:8]
    return f"{clip_bytes(name, limit - 9)}_{digest}"


def derive_name(*parts: str, suffix: str = "", limit: int = MAX_IDENT_BYTES) -> str:
    """The one way the kit makes up a name (an index, constraint, column, trigger, function…)
    from other names: ``parts`` and ``suffix`` joined with ``_``, at most ``limit`` bytes.

    Names are counted in bytes, because that is what PostgreSQL truncates: 30 Cyrillic letters
    are 60 bytes. When the whole name does not fit, the parts are cut at a character boundary
    and 8 hex digits of a hash of the *whole* name go before the suffix, so the result is
    deterministic, the suffix still says what the object is (``…_1a2b3c4d_idx``), and two long
    names that differ only at the end stay different."""
    full = "_".join(p for p in (*parts, suffix) if p)
    if len(full.encode("utf-8")) <= limit:
        return full
    digest = hashlib.sha1(full.encode("utf-8")).hexdigest()[:8]
    tail = f"_{digest}_{suffix}" if suffix else f"_{digest}"
    head = clip_bytes("_".join(p for p in parts if p), limit - len(tail.encode("utf-8")))
    return head.rstrip("_") + tail


def _name_addition(columns: Sequence[str]) -> str:
    """PostgreSQL's ChooseIndexNameAddition: column names joined with ``_``, stopping once the
    text reaches NAMEDATALEN (64) bytes."""
    out = ""
    for c in columns:
        out = f"{out}_{c}" if out else c
        if len(out.encode("utf-8")) >= MAX_IDENT_BYTES + 1:
            break
    return out


def pg_default_name(table: str, columns: Sequence[str], label: str,
                    taken: Collection[str] = ()) -> str:
    """The name PostgreSQL gives an unnamed constraint or index: ``<table>_<columns>_<label>``
    (label ``pkey``, ``key``, ``excl``, ``idx``, ``fkey``, ``check``, ``not_null``).

    This follows makeObjectName/ChooseRelationName in src/backend/commands/indexcmds.c: the
    longer of table and column part is shortened byte by byte until both fit beside the label,
    then each is clipped back to a whole character; on a clash with a name in ``taken`` the
    label becomes ``label1``, ``label2``… A prediction: PostgreSQL also counts names already in
    the schema, so code that must be sure (migrate) reads the real name from the catalog."""
    name2 = _name_addition(columns) if columns else None
    pass_no = 0
    while True:
        mod = label if pass_no == 0 else f"{label}{pass_no}"
        name = _make_object_name(table, name2, mod)
        if name not in taken:
            return name
        pass_no += 1


def _make_object_name(name1: str, name2: str | None, label: str) -> str:
    b1, b2 = name1.encode("utf-8"), (name2 or "").encode("utf-8")
    overhead = (1 if name2 is not None else 0) + len(label.encode("utf-8")) + 1
    avail = MAX_IDENT_BYTES - overhead
    n1, n2 = len(b1), len(b2)
    while n1 + n2 > avail:   # shorten the longer part first, as PostgreSQL does
        if n1 > n2:
            n1 -= 1
        else:
            n2 -= 1
    head = b1[:n1].decode("utf-8", errors="ignore")
    if name2 is not None:
        head += "_" + b2[:n2].decode("utf-8", errors="ignore")
    return f"{head}_{label}"


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
