"""What an import read from the live database a design came from: its facts, kept apart from
the designer's intents.

A design imported from a running database starts with intents taken from it (``rows`` per
table, the top queries as query patterns); the designer may then change them. The facts they
came from — how many rows each table held and whether that was counted or PostgreSQL's
estimate, how big each table was on disk, where the query patterns came from — are kept here
unchanged, so a document can tell a measured figure from a guess and compare the kit's size
estimate with the real table. A design written by hand, or imported from a ``.sql`` file, has
none (``Design.source is None``): its volumes are unknown until someone states them.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["SourceFacts", "SourceTable"]

RowsMethod = Literal["count", "estimate"]


@dataclass(frozen=True)
class SourceTable:
    """One table as it was at the source. ``rows_method`` says how ``rows`` was read:
    ``count`` (an exact ``count(*)``, done where it was cheap) or ``estimate``
    (``pg_class.reltuples``, as of the last ``VACUUM``/``ANALYZE``); ``rows`` is None when
    neither was possible. ``bytes`` is ``pg_total_relation_size`` (heap, TOAST, indexes; a
    partitioned table's partitions summed)."""

    table: str
    schema: str = "public"
    rows: int | None = None
    rows_method: RowsMethod | None = None
    bytes: int | None = None


@dataclass(frozen=True)
class SourceFacts:
    """Where and when the facts were read; ``queries`` says in one line where the design's
    query patterns came from, or why there are none (``pg_stat_statements`` absent,
    unreadable, or holding nothing over the design's tables)."""

    database: str
    server_version: str = ""            # "18.6"
    read_at: str = ""                   # ISO 8601, UTC
    tables: tuple[SourceTable, ...] = ()
    queries: str | None = None

    def __post_init__(self) -> None:
        if isinstance(self.tables, list):
            object.__setattr__(self, "tables", tuple(self.tables))

    def table(self, name: str, schema: str = "public") -> SourceTable | None:
        return next((t for t in self.tables if t.table == name and t.schema == schema), None)

    def summary(self) -> str:
        """One line: how rows and sizes were read (counted or estimated, for how many)."""
        counted = sum(t.rows_method == "count" for t in self.tables)
        estimated = sum(t.rows_method == "estimate" for t in self.tables)
        unknown = sum(t.rows is None for t in self.tables)
        how = [f"{counted} counted exactly (count(*))"] if counted else []
        if estimated:
            how.append(f"{estimated} estimated from pg_class.reltuples (too big to count "
                       f"cheaply)")
        if unknown:
            how.append(f"{unknown} unknown (never analysed and too big to count)")
        return (f"rows of {len(self.tables)} table(s): " + ("; ".join(how) or "none")
                + "; sizes from pg_total_relation_size")
