"""Facts about a table's key constraints that several writers (DDL, ORM models) need."""
from __future__ import annotations

from .design import Table, Unique

__all__ = ["twin_uniques"]


def twin_uniques(table: Table) -> list[Unique]:
    """Unique constraints identical to the primary key or an earlier unique (names aside).

    Inside one CREATE TABLE, PostgreSQL keeps only the first of identical key constraints
    (Hibernate schemas often declare the same UNIQUE twice; DHIS2 has six); ``ALTER TABLE …
    ADD`` keeps both, so writers add the twins after the table to get them back as they were."""
    def spec(columns, include, nnd, deferrable, deferred):
        return (tuple(columns), tuple(include), nnd, deferrable, deferred)
    seen = set()
    if table.primary_key is not None:
        pk = table.primary_key
        seen.add(spec(pk.columns, pk.include, False, pk.deferrable, pk.initially_deferred))
    twins = []
    for u in table.uniques:
        key = spec(u.columns, u.include, u.nulls_not_distinct, u.deferrable,
                   u.initially_deferred)
        if key in seen:
            twins.append(u)
        seen.add(key)
    return twins
