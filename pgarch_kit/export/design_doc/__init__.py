"""DESIGN.md: the design decision document, generated from the design, the advisor, the plans
and (when given) measurements — ordered from "start coding today" to "scale to millions".

Every sentence is computed: a type's reason comes from the type and what the model does with
the column (its default, checks, indexes, the patterns that filter or sort by it); an index
is described by its kind and shape and by the query patterns whose SQL its keys match (read
with the advisor's own query analyser), and — with :class:`~pgarch_kit.export.evidence.Evidence`
— by the ``EXPLAIN ANALYZE`` plans that actually read it. Sections whose inputs are empty say
what is missing instead of inventing content; without evidence the document says once that
nothing was measured and omits every measured claim.

Sections, in order: title and provenance; the computed quality checklist; "Start coding
today — must have now" (data types, keys and UUID strategy, constraints, indexes,
normalisation, open findings); security; production concerns; "Scale to millions" (capacity,
must-have-now vs nice-to-have-later, partitioning, pooling, replicas, sharding, bottlenecks);
operations (the runbook); measurements; the ER diagram.

Each section is written by its own module, all reading one per-document context
(:class:`._context._Doc`: the advisor's report, the scale plan, what each query pattern asks of
each table); this module puts them in order, each through :func:`._context._guarded`, so a
section whose plan raises reports the failure in its place instead of sinking the document.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING

from pgarch_kit.model import Design
from pgarch_kit.scale import Machine

from ._context import _Doc, _guarded, _link, _markup
from .constraints import _constraints
from .data_types import _data_types
from .findings import _findings
from .indexes import _indexes
from .keys import _keys
from .measurements import _measurements
from .normalisation import _normalisation
from .overview import _checklist, _title
from .production import _production
from .scale import _operations, _scale
from .security import _security

if TYPE_CHECKING:
    from ..evidence import Evidence

__all__ = ["SECTIONS", "design_document"]

SECTIONS = ("## Quality checklist", "## Start coding today — must have now", "### Data types",
            "### Keys and UUID strategy", "### Constraints", "### Indexes",
            "### Normalisation and denormalisation", "### Open advisor findings",
            "## Security", "## Production concerns", "## Scale to millions", "## Operations",
            "## Measurements", "## ER diagram")

_NO_PLOTS: Mapping[str, str] = MappingProxyType({})


def design_document(design: Design, *, evidence: Evidence | None = None,
                    machine: Machine | None = None, diagram: str | None = "er.svg",
                    plots: Mapping[str, str] = _NO_PLOTS, source: str | None = None) -> str:
    """DESIGN.md for ``design`` as Markdown (see the module docstring for its sections).

    ``evidence`` (:func:`~pgarch_kit.export.evidence.collect_evidence`) adds what the server
    measured; ``machine`` is the target the scale plan sizes for (this machine by default);
    ``diagram`` the path of the rendered ER diagram to embed (None: no diagram section);
    ``plots`` label → path of measured plots to link; ``source`` the design file's path."""
    with _markup() as finish:
        text = _document(_Doc(design, evidence, machine or Machine.this()), diagram, plots,
                         source)
        # design text is escaped here, once, for the whole document (see _context._markup)
        text = finish(text)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def _document(doc: _Doc, diagram: str | None, plots: Mapping[str, str],
              source: str | None) -> str:
    lines: list[str] = []
    lines += _title(doc, source)
    lines += _checklist(doc)
    lines += ["## Start coding today — must have now", ""]
    for part, heading in ((_data_types, "### Data types"),
                          (_keys, "### Keys and UUID strategy"),
                          (_constraints, "### Constraints"), (_indexes, "### Indexes"),
                          (_normalisation, "### Normalisation and denormalisation"),
                          (_findings, "### Open advisor findings"), (_security, "## Security"),
                          (_production, "## Production concerns"),
                          (_scale, "## Scale to millions"), (_operations, "## Operations")):
        lines += _guarded(part, doc, heading)
    lines += _measurements(doc, plots)
    if diagram:
        lines += ["## ER diagram", "", _link("ER diagram", diagram, image=True), ""]
    return "\n".join(lines)
