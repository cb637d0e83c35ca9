"""DOT text of the overview of a large design: one box per subject area, lines between them.

Each box names its area, counts its tables and lists its most connected tables; a line
between two areas carries the number of foreign keys between them (either way) and grows
thicker with it; its arrowheads point at the referenced area. Boxes link (SVG ``href``) to
the areas' own diagrams when the caller says where those are.

Layout choices, made by looking at the largest corpus schema (dhis2, 473 tables):

* ``fdp`` (force-directed) rather than ``dot``: areas have no natural order, and a layered
  layout of a graph where almost every area references almost every other draws long
  curving lines around the layers; fdp puts strongly linked areas next to each other and
  gave the most compact picture (neato spread the same boxes over twice the area).
  ``overlap=prism`` keeps boxes apart; ``start=1`` makes the layout the same every time.
* Lines carrying few foreign keys are light and thin, so the strong ties stand out while
  every link stays visible and counted.
"""
from __future__ import annotations

import math
from collections.abc import Mapping

from pgarch_kit.model.design import Design

from .areas import Area, SubjectAreas
from .labels import BORDER, FONT, GREY, dot_string, esc, schema_colour

__all__ = ["KEEP_LINKS", "drawn_pairs", "overview_dot"]

_STANDALONE = "#f1f5f9"
KEEP_LINKS = 3  # strongest links drawn per area when there are too many to draw them all


def overview_dot(design: Design, areas: SubjectAreas, *,
                 hrefs: Mapping[str, str] | None = None) -> str:
    """The overview of ``design`` cut into ``areas`` as DOT text; ``hrefs`` maps an area's
    slug to the address of its own diagram (made a link on its box in SVG output)."""
    schemas = list(dict.fromkeys(["public", *(a.schema for a in areas.areas)]))
    ids = {a.slug: f"a{i}" for i, a in enumerate(areas.areas, start=1)}
    out = [
        "graph overview {",
        f'  graph [layout=fdp, overlap=prism, sep="+18", splines=true, start=1, '
        f'fontname="{FONT}", fontsize=16, labelloc=t, '
        f'labeljust=l, pad=0.4, bgcolor="white", outputorder=edgesfirst, '
        f"label={_title(design, areas)}];",
        f'  node [shape=plain, fontname="{FONT}", fontsize=12];',
        f'  edge [fontname="{FONT}", fontsize=11, color="#64748b", arrowsize=0.7];',
    ]
    drawn = drawn_pairs(areas)
    hidden = _hidden(areas, drawn)
    for a in areas.areas:
        colour = _STANDALONE if a.kind == "standalone" else schema_colour(schemas, a.schema)
        attrs = [f"label={_box(a, colour, hidden.get(a.slug))}", f"tooltip={dot_string(_tip(a))}"]
        if hrefs and a.slug in hrefs:
            attrs.append(f"href={dot_string(hrefs[a.slug])}")
        out.append(f"  {ids[a.slug]} [{', '.join(attrs)}];")
    out += _lines(areas, ids, drawn)
    out.append("}")
    return "\n".join(out) + "\n"


def _title(design: Design, areas: SubjectAreas) -> str:
    tables = sum(len(a.tables) for a in areas.areas)
    kinds = {a.kind for a in areas.areas}
    how = "schemas" if kinds <= {"schema", "standalone"} else \
        "foreign-key communities" if "schema" not in kinds else "schemas and FK communities"
    fks = sum(link.fks for link in areas.links)
    sub = (f"overview: {tables} tables in {len(areas.areas)} subject areas ({how}); "
           f"a line counts the {fks} foreign keys between areas, its arrows point at the "
           "referenced area")
    hint = ("each area has its own diagram: er_diagram(design, area=NAME) in Python, "
            "pgarch diagram --area NAME on the command line")
    return (f'<<B>{esc(design.name)}</B><BR ALIGN="LEFT"/>'
            f'<FONT POINT-SIZE="12" COLOR="#475569">{esc(sub)}</FONT><BR ALIGN="LEFT"/>'
            f'<FONT POINT-SIZE="12" COLOR="#475569">{esc(hint)}</FONT><BR ALIGN="LEFT"/>>')


def _box(area: Area, colour: str, hidden: tuple[int, int] | None) -> str:
    n = len(area.tables)
    rows = [f'<<TABLE BORDER="1" COLOR="{BORDER}" BGCOLOR="white" CELLBORDER="0" '
            'CELLSPACING="0" CELLPADDING="4">',
            f'<TR><TD ALIGN="LEFT" BGCOLOR="{colour}"><B>{esc(_short(area.name, 48))}</B></TD>'
            f'<TD ALIGN="RIGHT" BGCOLOR="{colour}"><FONT COLOR="#374151">{n} '
            f'table{"s" if n != 1 else ""}</FONT></TD></TR>']
    if area.kind == "standalone":
        # standalone pieces are cut alphabetically: the range says which tables are where
        rows.append('<TR><TD COLSPAN="2" ALIGN="LEFT"><FONT POINT-SIZE="10" '
                    f'COLOR="{GREY}">no foreign keys to other areas</FONT></TD></TR>')
        names = [f"{_short(area.tables[0][1], 24)} … {_short(area.tables[-1][1], 24)}"
                 if n > 1 else area.tables[0][1]]
    else:
        names = [k[1] for k in area.top]
    for name in names:
        rows.append(f'<TR><TD COLSPAN="2" ALIGN="LEFT"><FONT POINT-SIZE="10" COLOR="{GREY}">'
                    f'{esc(_short(name))}</FONT></TD></TR>')
    if hidden:
        k, f = hidden
        rows.append(f'<TR><TD COLSPAN="2" ALIGN="LEFT"><FONT POINT-SIZE="10" COLOR="#475569">'
                    f'<I>+ {f} FK{"s" if f != 1 else ""} with {k} more area{"s" if k != 1 else ""}'
                    '</I></FONT></TD></TR>')
    if area.slug != area.name:
        rows.append(f'<TR><TD COLSPAN="2" ALIGN="LEFT"><FONT POINT-SIZE="9" '
                    f'COLOR="#94a3b8">area={esc(area.slug)}</FONT></TD></TR>')
    rows.append("</TABLE>>")
    return "".join(rows)


def _short(name: str, limit: int = 36) -> str:
    return name if len(name) <= limit else name[:limit - 1] + "…"


def _tip(area: Area) -> str:
    names = [k[1] if k[0] == area.schema else f"{k[0]}.{k[1]}" for k in area.tables]
    shown = names[:40] + ([f"… {len(names) - 40} more"] if len(names) > 40 else [])
    return f"{area.name} ({len(names)} tables)\n" + "\n".join(shown)


def _pairs(areas: SubjectAreas) -> dict[tuple[str, str], dict[str, int]]:
    """Linked pairs of areas (in area order) → {child area: foreign keys it declares}."""
    rank = {a.slug: i for i, a in enumerate(areas.areas)}
    pairs: dict[tuple[str, str], dict[str, int]] = {}
    for link in areas.links:
        a, b = sorted((link.child, link.parent), key=rank.__getitem__)
        pairs.setdefault((a, b), {})[link.child] = link.fks
    return pairs


def drawn_pairs(areas: SubjectAreas, keep: int = KEEP_LINKS) -> set[tuple[str, str]]:
    """The pairs of areas the overview draws a line between: all of them when there are few
    (at most twice as many as areas), else each area's ``keep`` strongest ties. Where almost
    every area references almost every other, drawing every line makes a hairball in which
    no line can be followed; the rest are counted on the boxes instead."""
    pairs = _pairs(areas)
    if len(pairs) <= 2 * len(areas.areas):
        return set(pairs)
    total = {p: sum(d.values()) for p, d in pairs.items()}
    rank = {p: i for i, p in enumerate(pairs)}
    kept: set[tuple[str, str]] = set()
    for a in areas.areas:
        mine = sorted((p for p in pairs if a.slug in p), key=lambda p: (-total[p], rank[p]))
        kept.update(mine[:keep])
    return kept


def _lines(areas: SubjectAreas, ids: dict[str, str], drawn: set[tuple[str, str]]
           ) -> list[str]:
    """One line per drawn pair of areas, both directions' foreign keys added up."""
    names = {a.slug: a.name for a in areas.areas}
    pairs = _pairs(areas)
    if not pairs:
        return []
    # thickness on a fixed scale up to 20 FKs: a single FK is a thin line even when it is
    # the strongest link of a design
    most = max(20, *(sum(d.values()) for d in pairs.values()))
    lines = []
    for (a, b), by_child in pairs.items():
        if (a, b) not in drawn:
            continue
        n = sum(by_child.values())
        # arrowheads at the referenced end(s): a's FKs point at b (forward), b's at a (back)
        direction = ("both" if len(by_child) == 2 else "forward" if a in by_child else "back")
        weight = math.log2(1 + n) / math.log2(1 + most)
        width = 0.8 + 3.2 * weight
        colour = _grey(weight)
        tip = "; ".join(f"{names[c]} → {names[b if c == a else a]}: {k} foreign "
                        f"key{'s' if k != 1 else ''}" for c, k in by_child.items())
        # the count on a white ground, so a line crossing it cannot change the number read
        count = (f'<<TABLE BORDER="0" CELLPADDING="1" BGCOLOR="white"><TR><TD>{n}</TD></TR>'
                 "</TABLE>>")
        lines.append(f'  {ids[a]} -- {ids[b]} [dir={direction}, penwidth={width:.2f}, '
                     f'color="{colour}", fontcolor="{_grey(max(weight, 0.6))}", '
                     f"label={count}, tooltip={dot_string(tip)}];")
    return lines


def _hidden(areas: SubjectAreas, drawn: set[tuple[str, str]]) -> dict[str, tuple[int, int]]:
    """Per area: (other areas, foreign keys) of its links the overview does not draw."""
    out: dict[str, tuple[int, int]] = {}
    for (a, b), by_child in _pairs(areas).items():
        if (a, b) in drawn:
            continue
        n = sum(by_child.values())
        for s in (a, b):
            k, f = out.get(s, (0, 0))
            out[s] = (k + 1, f + n)
    return out


def _grey(weight: float) -> str:
    """Light grey for weak links to dark slate for the strongest."""
    lo, hi = (0xcb, 0xd5, 0xe1), (0x33, 0x41, 0x55)
    return "#" + "".join(f"{round(a + (b - a) * weight):02x}" for a, b in zip(lo, hi))
