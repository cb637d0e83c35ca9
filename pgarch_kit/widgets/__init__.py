"""L5: ipywidgets views over the plain editing functions of :mod:`pgarch_kit.model.edit`.

``studio(path)`` opens a design file in forms (tables and columns, relationships, indexes,
enums, intents) with live panels (diagram, DDL, findings). The widgets only collect
arguments and show results; every change is an edit function, validated before it is kept.
"""
from __future__ import annotations

from .forms import ON_DELETE_HELP, EnumForm, IndexForm, IntentForm, RelationshipForm
from .panels import FindingSource, Panels, render_dot
from .studio import Studio, studio
from .table_form import COMMON_TYPES, ColumnRow, TableForm

__all__ = [
    # the studio
    "studio", "Studio",
    # its parts
    "TableForm", "ColumnRow", "RelationshipForm", "IndexForm", "EnumForm", "IntentForm",
    "Panels", "FindingSource", "render_dot",
    # choices shown in the forms
    "COMMON_TYPES", "ON_DELETE_HELP",
]
