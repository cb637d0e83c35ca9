"""Every name a design declares, with how to rename it: the naming rules walk this one list
so they agree on what counts as a name and stay linear in the size of the design."""
from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from typing import NamedTuple

from pgarch_kit.model import Design, Table
from pgarch_kit.model.names import derive_name, is_plain_identifier
from pgarch_kit.model.names import quote_ident as _strict_quote

from ...context import label

__all__ = ["Named", "named_objects", "suggest_name", "quote_ident", "qualified", "where_label"]


def quote_ident(name: str) -> str:
    """The project's quoting, except that a name over 63 bytes (which the rules report
    rather than reject) is quoted as it stands instead of raising."""
    try:
        return _strict_quote(name)
    except ValueError:
        return '"' + name.replace('"', '""') + '"'


def qualified(schema: str | None, name: str) -> str:
    return f"{quote_ident(schema)}.{quote_ident(name)}" if schema else quote_ident(name)


class Named(NamedTuple):  # a NamedTuple: thousands are built per lint run, cheaply
    kind: str                    # schema, table, column, index, constraint, view, type, …
    name: str
    where: Table | str | None    # what a finding names as its table
    column: str | None
    rename: Callable[[str], str]  # new name -> the ALTER … RENAME statement


def suggest_name(name: str) -> str:
    """A plain, lower-case replacement: reserved words get an ``app_`` prefix."""
    s = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name)      # OrderID -> Order_ID
    s = re.sub(r"[^a-z0-9_]+", "_", s.lower()).strip("_") or "unnamed"
    if s[0].isdigit():
        s = f"n_{s}"
    s = s if is_plain_identifier(s) else f"app_{s}"
    if not name.isascii():
        # letters outside ASCII were dropped: a hash of the original keeps two such names
        # (every Cyrillic table would otherwise become "unnamed") apart
        s = derive_name(s, hashlib.sha1(name.encode("utf-8")).hexdigest()[:8])
    return derive_name(s)


def _table_objects(t: Table) -> Iterator[Named]:
    q = qualified(t.schema, t.name)
    yield Named("table", t.name, t, None, lambda n: f"ALTER TABLE {q} RENAME TO {quote_ident(n)};")
    for c in t.columns:
        yield Named("column", c.name, t, c.name,
                    lambda n, c=c: f"ALTER TABLE {q} RENAME COLUMN {quote_ident(c.name)} "
                                   f"TO {quote_ident(n)};")
    for ix in t.indexes:
        yield Named("index", ix.name, t, None,
                    lambda n, ix=ix: f"ALTER INDEX {qualified(t.schema, ix.name)} "
                                     f"RENAME TO {quote_ident(n)};")
    cons = [t.primary_key, *t.uniques, *t.checks, *t.foreign_keys, *t.exclusions]
    for con in cons:
        if con is not None and con.name:
            yield Named("constraint", con.name, t, None,
                        lambda n, con=con: f"ALTER TABLE {q} RENAME CONSTRAINT "
                                           f"{quote_ident(con.name)} TO {quote_ident(n)};")


def named_objects(design: Design) -> Iterator[Named]:
    """Schemas, tables (partitions included), columns, indexes, named constraints, views,
    types, domains, sequences and routines."""
    for s in design.schemas:
        yield Named("schema", s.name, s.name, None,
                    lambda n, s=s: f"ALTER SCHEMA {quote_ident(s.name)} "
                                   f"RENAME TO {quote_ident(n)};")
    for t in design.tables:
        yield from _table_objects(t)
    for v in design.views:
        kw = "MATERIALIZED VIEW" if v.materialized else "VIEW"
        where = v.name if v.schema == "public" else f"{v.schema}.{v.name}"
        yield Named("view", v.name, where, None,
                    lambda n, v=v, kw=kw: f"ALTER {kw} {qualified(v.schema, v.name)} "
                                          f"RENAME TO {quote_ident(n)};")
    for kind, items in (("type", (*design.enums, *design.composites)),
                        ("domain", design.domains), ("sequence", design.sequences)):
        for o in items:
            kw = kind.upper()
            where = o.name if o.schema == "public" else f"{o.schema}.{o.name}"
            yield Named(kind, o.name, where, None,
                        lambda n, o=o, kw=kw: f"ALTER {kw} {qualified(o.schema, o.name)} "
                                              f"RENAME TO {quote_ident(n)};")
    for r in design.routines:
        kw = r.kind.upper()
        where = r.name if r.schema == "public" else f"{r.schema}.{r.name}"
        yield Named(r.kind, r.name, where, None,
                    lambda n, r=r, kw=kw: f"ALTER {kw} {qualified(r.schema, r.name)}"
                                          f"({r.signature}) RENAME TO {quote_ident(n)};")


def where_label(obj: Table | str | None) -> str | None:
    return label(obj) if isinstance(obj, Table) else obj
