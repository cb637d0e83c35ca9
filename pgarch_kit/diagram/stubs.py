"""Stubs in a subject area's diagram: the other areas its foreign keys reach.

An area's diagram draws its own tables in full; a foreign key to or from a table in another
area ends at a small dashed box naming that area and the tables involved there, so nothing
is silently cut off and the reader knows which area's diagram to open next. There is one box
per other area and direction (referenced by this area, on the parents' side; referencing
it, on the children's side), and one dashed line per table and box however many foreign
keys it stands for: a hub table referenced from a hundred tables elsewhere gets one line per
referencing *area*, not a hundred lines.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping

from pgarch_kit.model.design import ForeignKey, Table
from pgarch_kit.model.graph import TableKey

from .areas import Area, SubjectAreas
from .labels import BORDER, GREY, dot_string, esc

__all__ = ["stub_statements"]

MAX_NAMES = 6  # tables named in a stub box
STUB_COLOUR = "#94a3b8"

# (declaring table, fk, child root, parent root), as drawn_fks gives them
Fk = tuple[Table, ForeignKey, TableKey, TableKey]
# (table, columns) -> ":port:compass" or ""
Port = Callable[[TableKey, tuple[str, ...], bool], str]


def stub_statements(areas: SubjectAreas, area: Area, fks: list[Fk], ids: Mapping[TableKey, str],
                    port: Port, hrefs: Mapping[str, str] | None = None
                    ) -> tuple[list[str], list[str]]:
    """DOT node and edge statements for the areas ``area`` links to. ``port(key, columns,
    parent)`` names the row port where a line meets a drawn table (parent: on its key row's
    outgoing side); edges are declared parent → child like every edge of the diagram."""
    inside = set(area.tables)
    where = {k: a for a in areas.areas for k in a.tables}
    # other area slug -> [(our table, their table, fk)] per direction
    out: dict[str, list[tuple[TableKey, TableKey, ForeignKey]]] = {}
    into: dict[str, list[tuple[TableKey, TableKey, ForeignKey]]] = {}
    for _t, fk, child, parent in fks:
        if child in inside and parent not in inside:
            out.setdefault(where[parent].slug, []).append((child, parent, fk))
        elif parent in inside and child not in inside:
            into.setdefault(where[child].slug, []).append((parent, child, fk))
    by_slug = {a.slug: a for a in areas.areas}
    rank = {a.slug: i for i, a in enumerate(areas.areas)}
    nodes: list[str] = []
    edges: list[str] = []
    for prefix, found, referenced in (("r", out, True), ("c", into, False)):
        for n, slug in enumerate(sorted(found, key=rank.__getitem__), start=1):
            other, rows = by_slug[slug], found[slug]
            nid = f"{prefix}{n}"
            attrs = [f"label={_label(other, [r[1] for r in rows], referenced)}",
                     f"tooltip={dot_string(_tip(other, rows, referenced))}"]
            if hrefs and slug in hrefs:
                attrs.append(f"href={dot_string(hrefs[slug])}")
            nodes.append(f"  {nid} [{', '.join(attrs)}];")
            per_table: dict[TableKey, list[ForeignKey]] = {}
            for ours, _theirs, fk in rows:
                per_table.setdefault(ours, []).append(fk)
            for ours, its in per_table.items():
                cols = its[0].columns if referenced else its[0].ref_columns
                mine = ids[ours] + port(ours, tuple(cols), not referenced)
                tail, head = (nid, mine) if referenced else (mine, nid)
                label = f', label="×{len(its)}"' if len(its) > 1 else ""
                # the arrow points at the referenced table, which is the tail (parent)
                edges.append(f'  {tail} -> {head} [style=dashed, color="{STUB_COLOUR}", '
                             f'fontcolor="{GREY}", dir=back, arrowtail=normal{label}];')
    return nodes, edges


def _label(other: Area, tables: list[TableKey], referenced: bool) -> str:
    counts = Counter(tables)
    names = [k for k, _n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
    shown = [k[1] if k[0] == other.schema else f"{k[0]}.{k[1]}" for k in names[:MAX_NAMES]]
    more = len(names) - len(shown)
    what = "referenced in area" if referenced else "referencing, in area"
    rows = [f'<<TABLE BORDER="1" STYLE="DASHED" COLOR="{BORDER}" BGCOLOR="#f8fafc" '
            'CELLBORDER="0" CELLSPACING="0" CELLPADDING="3">',
            f'<TR><TD ALIGN="LEFT"><FONT POINT-SIZE="9" COLOR="{GREY}">{what}</FONT> '
            f'<B>{esc(other.name)}</B></TD></TR>']
    rows += [f'<TR><TD ALIGN="LEFT"><FONT COLOR="#475569">{esc(s)}</FONT></TD></TR>'
             for s in shown]
    if more:
        rows.append(f'<TR><TD ALIGN="LEFT"><I><FONT POINT-SIZE="9" COLOR="{GREY}">+ {more} '
                    f'more</FONT></I></TD></TR>')
    rows.append("</TABLE>>")
    return "".join(rows)


def _tip(other: Area, rows: list[tuple[TableKey, TableKey, ForeignKey]],
         referenced: bool) -> str:
    lines = [f"area {other.name} (slug {other.slug})"]
    for ours, theirs, fk in rows[:30]:
        child, parent = (ours, theirs) if referenced else (theirs, ours)
        lines.append(f"{child[1]}({', '.join(fk.columns)}) → {parent[1]}"
                     f"({', '.join(fk.ref_columns)})")
    if len(rows) > 30:
        lines.append(f"… {len(rows) - 30} more")
    return "\n".join(lines)
