"""The measurements a design document may quote: the design loaded into a sandbox at a known
scale, and every query pattern timed there with its plan.

The design document (:mod:`pgarch_kit.export.design_doc`) states nothing about speed or index
use that it cannot point at, so what it quotes is collected once, here, into a frozen
:class:`Evidence` value: which server, how many rows per table, and per pattern the client
median/p95, the rows it returned, the plan's top node, and the indexes its ``EXPLAIN
ANALYZE`` plan read. Nothing is re-implemented: data comes from
:func:`pgarch_kit.db.load.load` and timings from :func:`pgarch_kit.bench.time_pattern`. A
pattern the kit cannot time (a parameter it cannot draw) is kept with its error, so the
document says so instead of dropping it.

Index names in a plan of a partitioned table are the partitions' own indexes; each is mapped
back to the parent index the design names (``pg_partition_root``), so the document can say
which *design* index a pattern used.
"""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from pgarch_kit.display.evidence_plots import timings_plot

if TYPE_CHECKING:
    from pgarch_kit.bench.timing import Timing
    from pgarch_kit.model import Design

__all__ = ["Evidence", "PatternEvidence", "collect_evidence", "timings_plot"]

# Extensions whose presence changes advice (encryption, monitoring, scheduling, partitions).
_EXTENSIONS = ("pgcrypto", "pg_stat_statements", "pg_cron", "pg_partman", "pg_trgm",
               "btree_gist", "citext")


@dataclass(frozen=True)
class PatternEvidence:
    """One query pattern as measured. ``indexes`` are design-level index names (partition
    indexes mapped to their parent); ``plan_indexes`` what the plan itself named."""

    pattern: str
    sql: str
    median_ms: float | None = None
    p95_ms: float | None = None
    runs: int = 0
    rows: float | None = None              # mean rows returned (or written) per call
    top_node: str | None = None
    plan: str | None = None                # one-line plan summary
    indexes: tuple[str, ...] = ()
    plan_indexes: tuple[str, ...] = ()
    seq_scans: tuple[str, ...] = ()
    server_ms: float | None = None         # pg_stat_statements mean, when loaded
    table_rows: tuple[tuple[str, int], ...] = ()   # rows of each table the pattern reads
    critical: bool = False
    writes: bool = False
    error: str | None = None               # why it could not be timed

    @property
    def measured(self) -> bool:
        return self.error is None and self.median_ms is not None

    def within(self, budget_ms: float) -> bool | None:
        return None if self.p95_ms is None else self.p95_ms <= budget_ms


@dataclass(frozen=True)
class Evidence:
    """What was measured for one design, where and when."""

    design: str
    server_version: int                                   # server_version_num: 180006
    scale: float
    database: str
    rows: tuple[tuple[str, int], ...]                     # rows loaded, per table
    patterns: tuple[PatternEvidence, ...] = ()
    runs: int = 20
    budget_ms: float = 100.0
    load_seconds: float = 0.0
    seconds: float = 0.0                                  # load + timings
    table_bytes: tuple[tuple[str, int], ...] = ()         # pg_total_relation_size after load
    extensions: tuple[str, ...] = ()                      # of _EXTENSIONS, those available
    statements_note: str | None = None                    # why there are no server figures
    collected_at: str = ""

    @property
    def server_major(self) -> int:
        return self.server_version // 10000

    @property
    def server_version_text(self) -> str:
        """``18.6`` (PostgreSQL 10+ numbering: major, then minor)."""
        return f"{self.server_version // 10000}.{self.server_version % 10000}"

    def rows_of(self, table: str) -> int | None:
        return dict(self.rows).get(table)

    def pattern(self, name: str) -> PatternEvidence | None:
        return next((p for p in self.patterns if p.pattern == name), None)

    def used_by(self, index: str) -> list[PatternEvidence]:
        """The measured patterns whose plan read ``index`` (a design index name)."""
        return [p for p in self.patterns if index in p.indexes]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Evidence:
        """The inverse of :meth:`to_dict` (e.g. evidence saved as JSON beside DESIGN.md)."""
        def pairs(v: Any) -> tuple:
            return tuple(tuple(x) for x in v or ())
        pats = tuple(PatternEvidence(**{**p, "indexes": tuple(p.get("indexes", ())),
                                        "plan_indexes": tuple(p.get("plan_indexes", ())),
                                        "seq_scans": tuple(p.get("seq_scans", ())),
                                        "table_rows": pairs(p.get("table_rows"))})
                     for p in data.get("patterns", ()))
        return cls(**{**data, "rows": pairs(data.get("rows")), "patterns": pats,
                      "table_bytes": pairs(data.get("table_bytes")),
                      "extensions": tuple(data.get("extensions", ()))})

    def _repr_html_(self) -> str:
        """The loaded rows and the timings as one table (notebooks and the export report)."""
        import html
        esc = html.escape
        rows = "".join(
            f"<tr><td style='text-align:left'>{esc(p.pattern)}{' ★' if p.critical else ''}"
            f"</td><td>{_fmt(p.median_ms)}</td><td>{_fmt(p.p95_ms)}</td>"
            f"<td style='text-align:left'>{esc(p.plan or p.error or '')}</td></tr>"
            for p in self.patterns)
        loaded = ", ".join(f"{esc(t)} {n:,}" for t, n in self.rows)
        return (f"<div><b>Measured</b> on PostgreSQL {self.server_version_text} at scale "
                f"{self.scale:g} ({loaded}); {self.runs} runs per pattern, budget "
                f"{self.budget_ms:.0f} ms</div><table><thead><tr><th>pattern</th>"
                f"<th>median ms</th><th>p95 ms</th><th style='text-align:left'>plan</th></tr>"
                f"</thead><tbody>{rows}</tbody></table>")

    def __str__(self) -> str:
        head = (f"evidence for {self.design}: PostgreSQL {self.server_version_text}, scale "
                f"{self.scale:g}, {sum(n for _, n in self.rows):,} rows, "
                f"{len(self.patterns)} pattern(s) in {self.seconds:.1f} s")
        lines = [head]
        for p in self.patterns:
            if p.measured:
                lines.append(f"  {p.pattern}: median {p.median_ms:.3f} ms, p95 "
                             f"{p.p95_ms:.3f} ms, {p.top_node}, indexes "
                             f"{', '.join(p.indexes) or 'none'}")
            else:
                lines.append(f"  {p.pattern}: not timed — {p.error}")
        return "\n".join(lines)


def _fmt(ms: float | None) -> str:
    return "–" if ms is None else f"{ms:.3f}"


def _pattern_evidence(t: Timing, roots: dict[str, str]) -> PatternEvidence:
    plan = t.plan
    raw = tuple(dict.fromkeys(plan.indexes)) if plan is not None else ()
    return PatternEvidence(
        t.pattern, t.sql, t.median_ms, t.p95_ms, t.runs, t.rows_returned,
        plan.tree.get("Node Type") if plan is not None else None,
        plan.summary() if plan is not None else None,
        tuple(dict.fromkeys(roots.get(i, i) for i in raw)), raw,
        tuple(dict.fromkeys(plan.seq_scans)) if plan is not None else (),
        t.server_ms, tuple(t.table_rows.items()), t.critical, t.writes)


def _server_facts(dsn: str, indexes: set[str], tables: dict[str, tuple[str, str]]
                  ) -> tuple[int, dict[str, str], dict[str, int], tuple[str, ...]]:
    """(version, partition index → root index, table → bytes, available extensions)."""
    from pgarch_kit.db.connect import connect
    from pgarch_kit.model.names import quote_ident
    with connect(dsn=dsn) as conn:
        version = conn.info.server_version
        roots: dict[str, str] = {}
        for name in sorted(indexes):
            row = conn.execute(
                "SELECT r.relname FROM pg_class c JOIN pg_class r "
                "ON r.oid = pg_partition_root(c.oid) WHERE c.oid = to_regclass(%s)",
                (quote_ident(name),)).fetchone()
            if row is not None and row[0] != name:
                roots[name] = row[0]
        sizes = {}
        for t, (schema, name) in tables.items():
            rel = f"{quote_ident(schema)}.{quote_ident(name)}"
            row = conn.execute("SELECT pg_total_relation_size(to_regclass(%s)) + coalesce(("
                               "SELECT sum(pg_total_relation_size(relid)) FROM "
                               "pg_partition_tree(to_regclass(%s)) WHERE relid <> "
                               "to_regclass(%s)), 0)", (rel, rel, rel)).fetchone()
            if row is not None and row[0] is not None:
                sizes[t] = int(row[0])
        have = conn.execute("SELECT name FROM pg_available_extensions WHERE name = ANY(%s)",
                            (list(_EXTENSIONS),)).fetchall()
    return version, roots, sizes, tuple(sorted(r[0] for r in have))


def collect_evidence(design: Design, *, scale: float = 0.02, dsn: str | None = None,
                     runs: int = 20, progress: bool = False) -> Evidence:
    """Load ``design`` at ``scale`` of its intents and time every query pattern there.

    Without ``dsn`` the design's own sandbox ``pgarch_<design>`` is recreated (as ``pgarch
    seed`` does); with it, the database it names must be an empty kit sandbox. The load ends
    with ``VACUUM (ANALYZE)`` so plans and index-only scans look like a steady server's. A
    pattern that cannot be timed is kept with its error rather than failing the rest."""
    from pgarch_kit.bench import BUDGET_MS, time_pattern
    from pgarch_kit.db.load import load
    from pgarch_kit.errors import PgArchError

    started = time.perf_counter()
    loaded = load(design, dsn=dsn, scale=scale, progress=progress, verify=False, vacuum=True)
    timings: list[Timing | PatternEvidence] = []
    for q in design.queries:
        try:
            timings.append(time_pattern(design, q.name, dsn=loaded.dsn, runs=runs,
                                        warmup=3, sample_size=500))
        except PgArchError as exc:
            timings.append(PatternEvidence(q.name, q.sql, critical=q.critical,
                                           error=str(exc).splitlines()[0]))
    plan_indexes = {i for t in timings if not isinstance(t, PatternEvidence) and t.plan
                    for i in t.plan.indexes}
    tables = {t.name if t.schema == "public" else f"{t.schema}.{t.name}": (t.schema, t.name)
              for t in design.tables if t.partition_of is None}
    version, roots, sizes, extensions = _server_facts(loaded.dsn, plan_indexes, tables)
    patterns = tuple(t if isinstance(t, PatternEvidence) else _pattern_evidence(t, roots)
                     for t in timings)
    note = next((t.server_note for t in timings
                 if not isinstance(t, PatternEvidence) and t.server is None), None)
    return Evidence(design.name, version, scale, loaded.database, tuple(loaded.rows.items()),
                    patterns, runs, BUDGET_MS, round(loaded.seconds, 3),
                    round(time.perf_counter() - started, 3), tuple(sizes.items()), extensions,
                    note, time.strftime("%Y-%m-%d %H:%M:%S %Z"))
