"""Renderer for CREATE INDEX (table and materialized-view indexes alike)."""
from __future__ import annotations

from ..model.design import Index
from ..model.index_sql import index_key_sql, wrap
from ..model.names import quote_ident
from ._common import idents, need_version, options, rel

__all__ = ["index_key_sql", "index_sql"]


def index_sql(schema: str, relation: str, index: Index, server_version: int) -> str:
    """CREATE [UNIQUE] INDEX; the index lives in its relation's schema, so its own name is
    never qualified."""
    unique = "UNIQUE " if index.unique else ""
    keys = ", ".join(index_key_sql(k) for k in index.keys)
    text = (f"CREATE {unique}INDEX {quote_ident(index.name)} ON {rel(schema, relation)} "
            f"USING {quote_ident(index.method)} ({keys})")
    if index.include:
        text += f" INCLUDE ({idents(index.include)})"
    if index.nulls_not_distinct:
        need_version(server_version, 150000, f"NULLS NOT DISTINCT on index {index.name}")
        text += " NULLS NOT DISTINCT"
    text += options(index.options)
    if index.where:
        text += f" WHERE {wrap(index.where)}"
    return text + ";"
