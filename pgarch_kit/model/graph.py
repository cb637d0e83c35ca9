"""Dependency facts about a design, shared by the DDL renderer, the advisor and the diagrams.

Tables are ordered so every table comes after the tables it references and after its
partitioned parent and INHERITS parents; where the order is free, the design's own order is
kept, so the output is deterministic and reads like the design. Foreign keys that form
cycles cannot all be created inline; :func:`fk_cycles` names them, and the renderer adds the
leftovers with ``ALTER TABLE ... ADD CONSTRAINT`` once every table exists.

Routines are kept as their complete CREATE statement. With ``check_function_bodies = false``
PostgreSQL does not look inside a body written as a string, but it does resolve every type in
the header (arguments, RETURNS, RETURNS TABLE), and it parses SQL-standard bodies
(``BEGIN ATOMIC`` / ``RETURN``) at once. :func:`referenced_relations` tokenises exactly the part
PostgreSQL resolves and reports which tables or views it names, so such routines can be
created after those relations.
"""
from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping

from .design import Design, Table

__all__ = [
    "TableKey",
    "fk_cycles",
    "fk_edges",
    "partition_depth",
    "referenced_relations",
    "routine_tokens",
    "routines_referencing_tables",
    "table_order",
]

TableKey = tuple[str, str]  # (schema, name), unquoted


def fk_edges(design: Design) -> list[tuple[TableKey, TableKey]]:
    """(referencing, referenced) pairs for every foreign key between two different tables of
    the design, in design order; references to tables outside the design are left out."""
    keys = {t.key for t in design.tables}
    edges: list[tuple[TableKey, TableKey]] = []
    for t in design.tables:
        for fk in t.foreign_keys:
            ref = (fk.ref_schema or t.schema, fk.ref_table)
            if ref in keys and ref != t.key and (t.key, ref) not in edges:
                edges.append((t.key, ref))
    return edges


def _parent_keys(table: Table, keys: set[TableKey]) -> list[TableKey]:
    """The partitioned parent and the INHERITS parents that are in the design."""
    parents = [table.partition_parent] if table.partition_of is not None else []
    parents += table.parent_keys
    return [p for p in parents if p in keys]


def partition_depth(design: Design, table: Table) -> int:
    """0 for an ordinary or top-level partitioned table, 1 for its partitions, 2 below..."""
    if table.partition_of is None:  # O(1) for ordinary tables: DDL sorts every table by this
        return 0
    by_key = {t.key: t for t in design.tables}
    depth, seen, cur = 0, {table.key}, table
    while cur.partition_parent is not None:
        parent = by_key.get(cur.partition_parent)
        if parent is None or parent.key in seen:  # missing parent or a partition loop
            break
        seen.add(parent.key)
        depth, cur = depth + 1, parent
    return depth


def _sccs(nodes: list[TableKey], succ: Mapping[TableKey, list[TableKey]]) -> list[list[TableKey]]:
    """Tarjan's strongly connected components (iterative, so deep chains cannot overflow)."""
    index: dict[TableKey, int] = {}
    low: dict[TableKey, int] = {}
    stack: list[TableKey] = []
    on_stack: set[TableKey] = set()
    out: list[list[TableKey]] = []
    counter = 0
    for root in nodes:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            nexts = succ.get(node, [])
            if i < len(nexts):
                work.append((node, i + 1))
                nxt = nexts[i]
                if nxt not in index:
                    work.append((nxt, 0))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            if low[node] == index[node]:
                comp = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    comp.append(w)
                    if w == node:
                        break
                out.append(comp)
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return out


_Edges = dict[TableKey, list[TableKey]]


def _dependencies(design: Design) -> tuple[_Edges, _Edges]:
    """(hard, soft) dependencies per table: hard = the partition and INHERITS parents (never
    breakable), soft = referenced tables (a cycle among them is broken by deferring foreign
    keys)."""
    keys = [t.key for t in design.tables]
    key_set = set(keys)
    hard: dict[TableKey, list[TableKey]] = {k: [] for k in keys}
    soft: dict[TableKey, list[TableKey]] = {k: [] for k in keys}
    for t in design.tables:
        hard[t.key] += [p for p in _parent_keys(t, key_set) if p != t.key]
    for src, dst in fk_edges(design):
        soft[src].append(dst)
    return hard, soft


def table_order(design: Design) -> tuple[Table, ...]:
    """The design's tables in creation order: referenced tables and partition parents first,
    otherwise design order.

    A depth-first walk in design order places each table right after what it depends on
    (Tarjan's algorithm emits strongly connected components in exactly that order). Inside a
    cycle the tables keep design order; the earliest one goes first, so its foreign keys to
    the tables after it are the ones the renderer defers. A partition always follows its
    parent, even inside a cycle."""
    tables = {t.key: t for t in design.tables}
    pos = {t.key: i for i, t in enumerate(design.tables)}
    hard, soft = _dependencies(design)
    deps = {k: list(dict.fromkeys(hard[k] + soft[k])) for k in tables}
    order: list[TableKey] = []
    for comp in _sccs(sorted(tables, key=pos.__getitem__), deps):
        order += _order_cycle(sorted(comp, key=pos.__getitem__), deps, hard)
    return tuple(tables[k] for k in order)


def _order_cycle(members: list[TableKey], deps: dict[TableKey, list[TableKey]],
                 hard: dict[TableKey, list[TableKey]]) -> list[TableKey]:
    """Order one strongly connected component: the first table (design order) whose
    dependencies inside the component are placed; when none is, the first whose partition
    parent is placed (a foreign key can wait, a parent cannot)."""
    inside = set(members)
    placed: set[TableKey] = set()
    out: list[TableKey] = []
    remaining = list(members)
    while remaining:
        pick = next((k for k in remaining
                     if all(d in placed or d not in inside for d in deps[k])), None)
        if pick is None:
            pick = next((k for k in remaining
                         if all(d in placed or d not in inside for d in hard[k])),
                        remaining[0])  # only an (invalid) loop of partition parents is left
        placed.add(pick)
        out.append(pick)
        remaining.remove(pick)
    return out


def fk_cycles(design: Design) -> tuple[tuple[TableKey, ...], ...]:
    """Groups of tables whose foreign keys reference each other in a cycle (a table that only
    references itself is not a cycle: its key can be created inline). Each group lists its
    tables in design order; groups are ordered by their first table."""
    pos = {t.key: i for i, t in enumerate(design.tables)}
    _, soft = _dependencies(design)
    keys = sorted(pos, key=pos.__getitem__)
    comps = [sorted(c, key=pos.__getitem__) for c in _sccs(keys, soft) if len(c) > 1]
    comps.sort(key=lambda c: pos[c[0]])
    return tuple(tuple(c) for c in comps)


# --- routines -------------------------------------------------------------------------------

_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<line_comment>--[^\n]*)
  | (?P<block_comment>/\*.*?\*/)
  | (?P<dollar>\$(?P<tag>[A-Za-z_\x80-\uffff][A-Za-z_0-9\x80-\uffff]*)?\$)
  | (?P<string>[EeUu]?&?'(?:[^']|'')*')
  | (?P<quoted>(?:U&)?"(?:[^"]|"")*")
  | (?P<word>[A-Za-z_\x80-\uffff][A-Za-z_0-9$\x80-\uffff]*)
  | (?P<other>.)
""", re.VERBOSE | re.DOTALL)


def routine_tokens(definition: str) -> list[str]:
    """Identifier and punctuation tokens of the part of a CREATE FUNCTION / PROCEDURE /
    AGGREGATE statement that PostgreSQL resolves at creation time: everything before a string
    body (``AS $tag$...`` or ``AS '...'``), or the whole statement for SQL-standard bodies and
    aggregates. Identifiers come back as PostgreSQL stores them (unquoted names folded to lower
    case, quoted names unescaped); comments and string literals are dropped."""
    tokens: list[str] = []
    pos = 0
    prev_word = ""
    while pos < len(definition):
        m = _TOKEN.match(definition, pos)
        if m is None:  # pragma: no cover - the pattern matches any character
            break
        pos = m.end()
        kind = m.lastgroup
        if kind in ("ws", "line_comment", "block_comment"):
            continue
        if kind in ("dollar", "tag"):
            if prev_word == "as":
                break  # the body starts: PostgreSQL does not look inside it
            end = definition.find(m.group(0), pos)  # skip a dollar-quoted literal elsewhere
            pos = len(definition) if end < 0 else end + len(m.group(0))
            prev_word = ""
            continue
        if kind == "string":
            if prev_word == "as":
                break
            prev_word = ""
            continue
        if kind == "quoted":
            text = m.group(0)
            tokens.append(text[text.index('"') + 1:-1].replace('""', '"'))
            prev_word = ""
            continue
        text = m.group(0)
        if kind == "word":
            text = text.lower()
            prev_word = text
        else:
            prev_word = ""
        tokens.append(text)
    return tokens


@functools.lru_cache(maxsize=4096)
def _resolved_names(definition: str) -> tuple[tuple[str, ...], ...] | None:
    """The type and relation names in the part of a CREATE FUNCTION / PROCEDURE / AGGREGATE
    that PostgreSQL resolves at creation (argument and result types, ``tbl.col%TYPE``, an
    aggregate's functions and types, a SQL-standard body's tables), read from PostgreSQL's
    parse tree: a string body stays a string there. ``None`` when the text does not parse."""
    import json

    from pglast import parser
    try:
        tree = json.loads(parser.parse_sql_json(definition))
    except (parser.ParseError, ValueError):
        return None
    out: list[tuple[str, ...]] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            # a TypeName (wrapped or not: {"names": [...], "typemod": …}) or a RangeVar
            if "typemod" in node and isinstance(node.get("names"), list):
                parts = tuple(n.get("String", {}).get("sval", "") for n in node["names"])
                out.append(parts[:-1] if node.get("pct_type") else parts)
            if isinstance(node.get("relname"), str):
                out.append(tuple(p for p in (node.get("schemaname"), node["relname"]) if p))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)
    walk(tree)
    return tuple(out)


def referenced_relations(definition: str, keys: Iterable[TableKey]) -> set[TableKey]:
    """Which of ``keys`` (tables, views) the resolved part of a routine definition names,
    either as ``schema.name`` or, for relations in public (the script's search_path), as a
    bare ``name``. Read from PostgreSQL's parse tree, so a table named like a keyword
    (``language``) is not found in ``LANGUAGE sql``; tokens when the text does not parse."""
    wanted = set(keys)
    names = _resolved_names(definition)
    if names is not None:
        hits = {(p[-2], p[-1]) if len(p) >= 2 else ("public", p[-1]) for p in names if p}
        return hits & wanted
    tokens = routine_tokens(definition)
    found: set[TableKey] = set()
    for i, tok in enumerate(tokens):
        if i >= 2 and tokens[i - 1] == ".":
            key = (tokens[i - 2], tok)
            if key in wanted:
                found.add(key)
            continue
        if i + 1 < len(tokens) and tokens[i + 1] == ".":
            continue  # a schema (or table) qualifier: the next token decides
        if ("public", tok) in wanted:
            found.add(("public", tok))
    return found


def routines_referencing_tables(design: Design) -> frozenset[int]:
    """Positions (in ``design.routines``) of routines that must be created after the tables:
    those naming a table's row type where PostgreSQL resolves it, and aggregates built on such
    routines."""
    table_keys = [t.key for t in design.tables]
    late: set[int] = set()
    late_names: set[TableKey] = set()
    for i, r in enumerate(design.routines):
        if r.kind != "aggregate" and referenced_relations(r.definition, table_keys):
            late.add(i)
            late_names.add((r.schema, r.name))
    for i, r in enumerate(design.routines):
        if r.kind == "aggregate" and referenced_relations(
                r.definition, [*table_keys, *late_names]):
            late.add(i)
    return frozenset(late)
