"""L2: DDL — the design model rendered as PostgreSQL SQL, one renderer per node kind.

``to_sql(design)`` gives the whole schema as one deterministic script in dependency order;
``statements(design)`` the same statements as a list; ``table_sql(design, table)`` one
table for previews. Every identifier goes through :func:`pgarch_kit.model.names.quote_ident`.
"""
from __future__ import annotations

from ._common import DdlError, literal
from .schema_file import design_fingerprint, schema_file
from .script import PREAMBLE, Section, sections, statements, table_sql, to_sql

__all__ = [
    "PREAMBLE",
    "DdlError",
    "Section",
    "design_fingerprint",
    "literal",
    "schema_file",
    "sections",
    "statements",
    "table_sql",
    "to_sql",
]
