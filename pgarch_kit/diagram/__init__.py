"""ER diagrams of a design: DOT text built as pure code, rendered by Graphviz to SVG/PNG,
and Mermaid ``erDiagram`` text.

    d = diagram(design, detail="keys", focus="orders", depth=2)
    d               # shows inline SVG in a notebook
    d.save("er.svg")  # or .png, .dot, .mmd
    diagram(big)      # 100+ tables: the overview of its subject areas; .area("orders") one
    diagram(big, area="orders")  # one subject area, with stubs for the areas it links to
    diagram(design, notation="simple")  # arrows with 1/N labels instead of crow's feet

Crow's-foot marks follow :func:`cardinality` (see :mod:`pgarch_kit.diagram.crowsfoot`); the
simple notation writes the same cardinality as 1/N words (:mod:`pgarch_kit.diagram.notation`).
Graphviz is needed only to render; building DOT or Mermaid text needs nothing.
"""
from __future__ import annotations

from .areas import MAX_AREA_TABLES, OVERVIEW_AT, Area, AreaLink, SubjectAreas, subject_areas
from .crowsfoot import ARROWHEADS, Cardinality, cardinality
from .dot import DETAILS, DIRECTIONS, NOTATIONS, to_dot
from .errors import DiagramError, GraphvizNotFoundError, GraphvizRenderError
from .mermaid import to_mermaid
from .overview import KEEP_LINKS, overview_dot
from .render import Diagram, area_path, diagram, render, render_svg
from .subset import neighbourhood

__all__ = [
    # building
    "to_dot", "to_mermaid", "cardinality", "neighbourhood",
    "ARROWHEADS", "Cardinality", "DETAILS", "DIRECTIONS", "NOTATIONS",
    # large designs: subject areas and their overview
    "subject_areas", "overview_dot", "area_path", "Area", "AreaLink", "SubjectAreas",
    "OVERVIEW_AT", "MAX_AREA_TABLES", "KEEP_LINKS",
    # rendering and display
    "render", "render_svg", "diagram", "Diagram",
    # errors
    "DiagramError", "GraphvizNotFoundError", "GraphvizRenderError",
]
