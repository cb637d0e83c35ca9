"""Renderers for text search dictionaries and configurations.

A configuration is created empty from its parser and given one ``ADD MAPPING`` per token type,
as pg_dump writes it, so the mappings are exactly the design's (``COPY =`` would bring the
source configuration's mappings with it).
"""
from __future__ import annotations

from ..model.names import quote_ident
from ..model.objects import TextSearchConfiguration, TextSearchDictionary
from ._common import literal, ref, rel

__all__ = ["ts_configuration_sql", "ts_dictionary_sql", "ts_mapping_sql"]


def ts_dictionary_sql(d: TextSearchDictionary) -> list[str]:
    opts = [f"TEMPLATE = {ref(d.template)}"]
    opts += [f"{quote_ident(key)} = {literal(value)}" for key, value in d.options]
    body = ",\n    ".join(opts)
    return [f"CREATE TEXT SEARCH DICTIONARY {rel(d.schema, d.name)} (\n    {body}\n);"]


def ts_mapping_sql(c: TextSearchConfiguration, token: str, dictionaries: tuple[str, ...],
                   verb: str = "ADD") -> str:
    """``ALTER … ADD`` (or ``ALTER``) ``MAPPING FOR token WITH dict, …``."""
    dicts = ", ".join(ref(x) for x in dictionaries)
    return (f"ALTER TEXT SEARCH CONFIGURATION {rel(c.schema, c.name)} {verb} MAPPING FOR "
            f"{quote_ident(token)} WITH {dicts};")


def ts_configuration_sql(c: TextSearchConfiguration) -> list[str]:
    out = [f"CREATE TEXT SEARCH CONFIGURATION {rel(c.schema, c.name)} "
           f"(PARSER = {ref(c.parser)});"]
    out += [ts_mapping_sql(c, token, dicts) for token, dicts in c.mappings]
    return out
