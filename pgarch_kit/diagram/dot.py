"""DOT text of an ER diagram, built as plain strings from the design model.

The output is deterministic: nodes and edges follow the design's order, node ids are
generated (``t1``… for tables, ``e1``… for enums, ``v1``… for views, ``s1``… for schema
clusters), and every name reaches the text only inside an escaped HTML-like label or a
quoted tooltip, never as an identifier.

Layout choices, made by looking at rendered PNGs of the real-world corpus:

* ``rankdir=LR`` with edges declared parent → child, so referenced tables sit to the left
  and each edge leaves the parent's key row on its right side and enters the child's FK row
  on its left side (compass points on row ports keep the lines short).
* Tables, enums and views with no relationship drawn are laid out as a grid (rows tied by
  invisible edges). Without it dot puts every unconnected node in rank 0, and synapse's
  ~120 unrelated tables become a single column many metres tall.
* Partitions are folded into their root's node (a line "55 partitions (range on …)").
* Views are dashed boxes without edges: the model keeps a view's query as SQL text, and
  guessing its sources from the text would draw edges that may be wrong. They are left out
  of focused diagrams, which are about one table's relationships.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Mapping

from pgarch_kit.model.design import Design, EnumType, Table, View
from pgarch_kit.model.graph import TableKey

from .areas import Area, SubjectAreas, subject_areas
from .crowsfoot import cardinality
from .errors import DiagramError
from .labels import (
    FONT,
    dot_string,
    enum_label,
    esc,
    key_columns,
    schema_colour,
    table_label,
    view_label,
)
from .notation import NOTATIONS, check_notation, draw_ends, edge_defaults, notation_legend
from .stubs import stub_statements
from .subset import drawn_fks, folded_tables, neighbourhood, partition_counts

__all__ = ["DETAILS", "DIRECTIONS", "NOTATIONS", "to_dot"]

DETAILS = ("all", "keys")
DIRECTIONS = ("LR", "TB", "RL", "BT")
EDGE_COLOUR = "#475569"


def _lookup(mapping: Mapping[str, object] | None, table: Table) -> object | None:
    """A per-table value keyed by "schema.table" or, for a table in public, by its name."""
    if not mapping:
        return None
    qualified = f"{table.schema}.{table.name}"
    if qualified in mapping:
        return mapping[qualified]
    return mapping.get(table.name)


def _enum_of(type_text: str, enums: Mapping[str, EnumType]) -> EnumType | None:
    base = type_text[:-2] if type_text.endswith("[]") else type_text
    return enums.get(base.replace('"', ""))


def _check_options(detail: str, direction: str, notation: str) -> None:
    if detail not in DETAILS:
        raise DiagramError(f"detail must be one of {', '.join(DETAILS)}, not {detail!r}")
    if direction not in DIRECTIONS:
        raise DiagramError(
            f"direction must be one of {', '.join(DIRECTIONS)}, not {direction!r}")
    check_notation(notation)


def to_dot(design: Design, *, detail: str = "all", direction: str = "LR",
           focus: str | None = None, depth: int = 1,
           findings: Mapping[str, int] | None = None,
           sizes: Mapping[str, str] | None = None,
           legend: bool = True, views: bool = True, notation: str = "crowsfoot",
           area: str | None = None, areas: SubjectAreas | None = None,
           hrefs: Mapping[str, str] | None = None) -> str:
    """The ER diagram of ``design`` as DOT text.

    ``detail`` "all" lists every column, "keys" only primary, foreign and unique key columns;
    ``direction`` is Graphviz's rankdir; ``focus`` (a table, "schema.table" when not in
    public) with ``depth`` draws that table and its neighbours up to ``depth`` FK hops;
    ``findings`` adds a red badge with a count, ``sizes`` a subtitle line (row counts,
    sizes), both keyed by table name or "schema.table"; ``legend`` adds a key to the
    markers; ``views`` draws views as dashed boxes (never in a focused diagram).
    ``notation`` "crowsfoot" marks each relationship end with a crow's-foot glyph,
    "simple" draws an arrow from the referencing table to the referenced one with 1/N
    labels at its ends, for beginners (see :mod:`pgarch_kit.diagram.notation`).
    ``area`` (a slug or name from ``areas``, by default :func:`subject_areas` of the design)
    draws one subject area's tables, with dashed stubs for the other areas its foreign keys
    reach; ``hrefs`` maps area slugs to the addresses of their diagrams (SVG links).
    """
    _check_options(detail, direction, notation)
    roots = folded_tables(design)
    ids = {t.key: f"t{i}" for i, t in enumerate(roots, start=1)}
    chosen = None
    if area is not None:
        if focus is not None:
            raise DiagramError("draw either an area or a focus table, not both")
        areas = areas if areas is not None else subject_areas(design)
        chosen = areas.area(area)
        picked = set(chosen.tables)
    else:
        picked = neighbourhood(design, focus, depth) if focus is not None else set(ids)
    tables = [t for t in roots if t.key in picked]
    parts = partition_counts(design)
    fks = [x for x in drawn_fks(design) if x[2] in picked and x[3] in picked]

    enum_by_name: dict[str, EnumType] = {}
    for e in design.enums:
        enum_by_name[f"{e.schema}.{e.name}"] = e
        enum_by_name.setdefault(e.name, e) if e.schema == "public" else None
    enums: list[EnumType] = []
    for t in tables:
        shown = key_columns(t) if detail == "keys" else {c.name for c in t.columns}
        for c in t.columns:
            e = _enum_of(c.type, enum_by_name)
            if c.name in shown and e is not None and e not in enums:
                enums.append(e)
    enums.sort(key=design.enums.index)
    drawn_views: list[View] = (list(design.views) if views and focus is None and area is None
                               else [])

    schemas: list[str] = ["public"]
    for obj in (*tables, *enums, *drawn_views):
        if obj.schema not in schemas:
            schemas.append(obj.schema)
    used = {o.schema for o in (*tables, *enums, *drawn_views)}
    clustered = used != {"public"} and bool(used)

    # node id -> DOT statement, grouped by schema so clusters can hold them
    nodes: dict[str, list[tuple[str, str]]] = {s: [] for s in schemas}
    for t in tables:
        colour = schema_colour(schemas, t.schema)
        title = t.name if clustered else f"{t.schema}.{t.name}" if t.schema != "public" \
            else t.name
        count = _lookup(findings, t)
        size = _lookup(sizes, t)
        label = table_label(t, colour=colour, detail=detail, title=title,
                            partitions=parts.get(t.key, 0),
                            findings=int(count) if count else None,
                            size=str(size) if size else None)
        tip = f"{t.schema}.{t.name}" + (f"\n{t.comment}" if t.comment else "")
        nodes[t.schema].append((ids[t.key], f"label={label}, tooltip={dot_string(tip)}"))
    enum_ids = {e: f"e{design.enums.index(e) + 1}" for e in enums}
    for e in enums:
        label = enum_label(e, colour=schema_colour(schemas, e.schema), title=e.name)
        nodes[e.schema].append((enum_ids[e], f"label={label}"))
    for v in drawn_views:
        vid = f"v{design.views.index(v) + 1}"
        nodes[v.schema].append(
            (vid, f'shape=box, style="dashed,rounded", color="#64748b", '
                  f'label={view_label(v, title=v.name)}'))

    stagger = _stagger(fks) if chosen is not None else {}
    edges, linked = _edges(design, fks, ids, direction, detail, notation, stagger)
    out = [
        "digraph er {",
        f'  graph [rankdir={direction}, fontname="{FONT}", fontsize=16, labelloc=t, '
        'labeljust=l, nodesep=0.35, ranksep=0.9, splines=spline, pad=0.3, '
        'bgcolor="white", outputorder=edgesfirst, '
        f"label={_title(design, focus, depth, detail, chosen, len(roots))}];",
        f'  node [shape=plain, fontname="{FONT}", fontsize=10];',
        f'  edge [fontname="{FONT}", fontsize=9, color="{EDGE_COLOUR}", dir=both, '
        f"arrowsize=0.8, penwidth=1.1{edge_defaults(notation)}];",
    ]
    grid: list[str] = []
    for n, schema in enumerate(schemas, start=1):
        members = nodes[schema]
        if not members:
            continue
        indent = "    " if clustered else "  "
        if clustered:
            out.append(f"  subgraph cluster_s{n} {{")
            out.append(f'    label=<<FONT COLOR="#475569">schema</FONT> <B>{esc(schema)}</B>>; '
                       'style="rounded,filled"; fillcolor="#f8fafc"; color="#cbd5e1"; '
                       "fontsize=12;")
        # Related tables first: dot lays out components in order, so the part of the schema
        # with relationships comes before the grid of unrelated tables.
        members = sorted(members, key=lambda m: m[0] not in linked)
        out += [f"{indent}{nid} [{attrs}];" for nid, attrs in members]
        lonely = [nid for nid, _ in members if nid not in linked]
        grid += [indent + line for line in _grid(lonely)]
        if clustered:
            out += grid
            grid = []
            out.append("  }")
    out += grid
    if legend and tables:
        out.append(f"  legend [label={notation_legend(notation)}];")
    out += edges
    if chosen is not None and areas is not None:
        stub_nodes, stub_edges = stub_statements(
            areas, chosen, drawn_fks(design), ids,
            _stub_port(roots, direction, detail), hrefs)
        out += stub_nodes + stub_edges
    out.append("}")
    return "\n".join(out) + "\n"


def _title(design: Design, focus: str | None, depth: int, detail: str,
           area: Area | None = None, tables: int = 0) -> str:
    extra = []
    if area is not None:
        extra.append(f"subject area {area.name}: {len(area.tables)} of {tables} tables; "
                     "dashed boxes are other areas")
    if focus is not None:
        extra.append(f"around {focus}, {depth} hop{'s' if depth != 1 else ''}")
    if detail == "keys":
        extra.append("key columns only")
    sub = f' <FONT POINT-SIZE="11" COLOR="#64748b">({esc("; ".join(extra))})</FONT>' \
        if extra else ""
    return f"<<B>{esc(design.name)}</B>{sub}>"


def _grid(node_ids: list[str]) -> list[str]:
    """Invisible edges tying unconnected nodes into rows of about sqrt(n) nodes."""
    if len(node_ids) < 4:
        return []
    width = max(2, math.ceil(math.sqrt(len(node_ids) * 1.4)))
    lines = []
    for start in range(0, len(node_ids), width):
        row = node_ids[start:start + width]
        if len(row) > 1:
            lines.append(" -> ".join(row) + " [style=invis, dir=none];")
    return lines


def _edges(design: Design, fks: list, ids: dict[TableKey, str], direction: str,
           detail: str, notation: str, stagger: Mapping[tuple[TableKey, TableKey], int]
           ) -> tuple[list[str], set[str]]:
    """Edge statements (parent -> child) and the ids of nodes they connect."""
    # Marks are read from the drawn (root) table, which has the columns a partition's FK
    # names and carries the FKs folded in from its partitions.
    by_key = {t.key: t for t in folded_tables(design)}
    horizontal = direction in ("LR", "RL")
    # Edges leave the parent's key row on the side facing its children and enter the child's
    # FK row on the side facing the parent: right then left for LR, mirrored for RL (HTML
    # labels are not mirrored, so RL uses the left cell's west side of the parent).
    (out_cell, out_side), (in_cell, in_side) = (
        (("r", "e"), ("l", "w")) if direction == "LR" else (("l", "w"), ("r", "e")))
    ends, tips, linked = [], [], set()
    for _declared_on, fk, child_key, parent_key in fks:
        child, parent = by_key[child_key], by_key[parent_key]
        child_end, parent_end = cardinality(design, child, fk)
        tail, head = ids[parent_key], ids[child_key]
        if child_key != parent_key:
            linked.update((tail, head))
            if horizontal:
                tail += _port(parent, fk.ref_columns, out_cell, out_side, detail)
                head += _port(child, fk.columns, in_cell, in_side, detail)
        ends.append((tail, head, child_end, parent_end))
        tips.append(f"{child.name}({', '.join(fk.columns)}) → {parent.name}"
                    f"({', '.join(fk.ref_columns)}): {child_end.replace('_', ' ')} to "
                    f"{parent_end.replace('_', ' ')}")
    # the ends are drawn together: simple labels at a shared port depend on all its edges
    keys = [(parent, child) for _d, _fk, child, parent in fks]
    lines = [f"  {tail} -> {head} [{attrs}, tooltip={dot_string(tip)}"
             + (f", minlen={stagger[k]}" if k in stagger else "") + "];"
             for (tail, head, attrs), tip, k in zip(draw_ends(notation, ends), tips, keys)]
    return lines, linked


STAGGER_AT = 5  # children of one table per column, in area diagrams


def _stagger(fks: list) -> dict[tuple[TableKey, TableKey], int]:
    """``minlen`` for the edges of tables with many children, in area diagrams.

    dot puts every child of a table in the rank after it, so a hub referenced by 30 tables
    becomes one column 30 tables tall (dhis2's ``userinfo`` area was 10,000 px high and
    1,700 wide). Cycling its children over several ranks, as Graphviz's ``unflatten`` does
    for leaves, wraps that column into a few shorter ones."""
    children: dict[TableKey, list[TableKey]] = {}
    for _d, _fk, child, parent in fks:
        if child != parent and child not in children.setdefault(parent, []):
            children[parent].append(child)
    out: dict[tuple[TableKey, TableKey], int] = {}
    for parent, kids in children.items():
        if len(kids) > STAGGER_AT:
            columns = math.ceil(len(kids) / STAGGER_AT)
            for i, kid in enumerate(kids):
                out[(parent, kid)] = 1 + i % columns
    return out


def _stub_port(roots: list[Table], direction: str, detail: str
               ) -> Callable[[TableKey, tuple[str, ...], bool], str]:
    """Where a stub's line meets a drawn table: like a foreign key's line, at the row of the
    first column, on the side facing parents (for a child) or children (for a parent)."""
    by_key = {t.key: t for t in roots}
    out, into = (("r", "e"), ("l", "w")) if direction == "LR" else (("l", "w"), ("r", "e"))

    def port(key: TableKey, columns: tuple[str, ...], parent: bool) -> str:
        if direction not in ("LR", "RL"):
            return ""
        side, compass = out if parent else into
        return _port(by_key[key], columns, side, compass, detail)
    return port


def _port(table: Table, columns: tuple[str, ...], side: str, compass: str,
          detail: str) -> str:
    """``:<side><i>:<compass>`` for the row of the first column, if that row is drawn."""
    if not columns:
        return ""
    names = [c.name for c in table.columns]
    if columns[0] not in names:
        return ""
    if detail == "keys" and columns[0] not in key_columns(table):
        return ""
    return f":{side}{names.index(columns[0]) + 1}:{compass}"
