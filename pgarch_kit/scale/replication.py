"""Replication, replicas, backup and disaster recovery: a runbook sized to the design.

From the design's expected volume (the capacity estimate) and write rate (its tables'
``growth_per_month`` and its write query patterns) it sets out, each step with its reason:
streaming replication settings and ``wal_keep_size`` for a day of WAL; which query patterns a
read replica can serve and how to keep read-after-write consistent; a logical-replication
path for major upgrades; point-in-time recovery with WAL archiving and a backup schedule whose
restore time is estimated from the database size; and the monitoring queries with alert
thresholds. Pure: :mod:`pgarch_kit.bench.replica` runs a real streaming replica beside the
sandbox and measures its lag under load.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from ..model.design import Design
from ..model.query import query_shape

__all__ = ["MONITORING", "Runbook", "runbook"]

_WAL_PER_ROW = 300          # bytes of WAL per inserted row: tuple + index entries + headers
_RESTORE_MB_S = 150         # a conservative restore speed from local backup storage

# (what, query, alert when)
MONITORING = (
    ("slowest statements (total time)",
     "SELECT queryid, calls, round(total_exec_time) AS total_ms, round(mean_exec_time::numeric, "
     "2) AS mean_ms, left(query, 80) AS query FROM pg_stat_statements "
     "ORDER BY total_exec_time DESC LIMIT 10",
     "a critical pattern's mean_exec_time above its budget (100 ms)"),
    ("replication lag",
     "SELECT application_name, state, write_lag, flush_lag, replay_lag, "
     "pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn) AS bytes_behind "
     "FROM pg_stat_replication",
     "replay_lag > 30 s, or bytes_behind > 1 GB, or a replica missing"),
    ("connections by state",
     "SELECT state, count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' "
     "GROUP BY state",
     "active + idle in transaction > 80% of max_connections"),
    ("long transactions",
     "SELECT pid, now() - xact_start AS age, state, left(query, 60) FROM pg_stat_activity "
     "WHERE xact_start < now() - interval '5 minutes' ORDER BY xact_start",
     "any transaction open > 5 min (it holds back VACUUM everywhere)"),
    ("dead rows and autovacuum",
     "SELECT relname, n_live_tup, n_dead_tup, last_autovacuum FROM pg_stat_user_tables "
     "ORDER BY n_dead_tup DESC LIMIT 10",
     "n_dead_tup > 20% of n_live_tup on a big table, or last_autovacuum older than a day"),
    ("table and index bloat (estimate)",
     "SELECT relname, pg_size_pretty(pg_total_relation_size(relid)) AS size, "
     "round(100 * n_dead_tup::numeric / greatest(n_live_tup + n_dead_tup, 1), 1) AS dead_pct "
     "FROM pg_stat_user_tables ORDER BY pg_total_relation_size(relid) DESC LIMIT 10",
     "dead_pct > 30% on a table over 1 GB: pg_repack or a VACUUM FULL window"),
    ("transaction ID wraparound",
     "SELECT datname, age(datfrozenxid) FROM pg_database ORDER BY 2 DESC",
     "age > 1,000,000,000 (anti-wraparound vacuum must be keeping up)"),
    ("WAL archiving",
     "SELECT archived_count, failed_count, last_failed_time FROM pg_stat_archiver",
     "failed_count rising, or last archive older than archive_timeout x 2"),
)


@dataclass
class Section:
    title: str
    steps: list[tuple[str, str]] = field(default_factory=list)   # (what to do, why)
    sql: str = ""


@dataclass
class Runbook:
    design: str
    size_bytes: int
    wal_per_day: int
    sections: list[Section] = field(default_factory=list)

    def markdown(self, level: int = 1) -> str:
        """The runbook as Markdown, its title at heading ``level`` (sections one below)."""
        h = "#" * level
        out = [f"{h} Operations runbook — {self.design}", "",
               f"Expected size {self.size_bytes / 1024 ** 3:,.1f} GB; about "
               f"{self.wal_per_day / 1024 ** 3:,.2f} GB of WAL a day from the design's growth.",
               ""]
        for s in self.sections:
            out += [f"{h}# {s.title}", ""]
            out += [f"- **{what}** — {why}" for what, why in s.steps]
            if s.sql:
                out += ["", "```sql", s.sql.strip(), "```"]
            out.append("")
        return "\n".join(out)

    def __str__(self) -> str:
        return self.markdown()

    def _repr_markdown_(self) -> str:
        return self.markdown(level=3)  # inside a notebook: below its own sections


def _wal_per_day(design: Design) -> int:
    """WAL a day: rows written, from the tables' growth or the write patterns' rates (the
    larger — both describe the same inserts), times ~300 bytes each."""
    rows_per_day = sum((t.intent.growth_per_month or 0) for t in design.tables) / 30
    writes = sum((q.per_second or 0) for q in design.queries
                 if query_shape(q.sql).writes_to)
    return int(max(rows_per_day, writes * 86400) * _WAL_PER_ROW)


def runbook(design: Design, *, size_bytes: int, critical_reads: list[str] | None = None
            ) -> Runbook:
    """The runbook for ``design`` at ``size_bytes`` (e.g. the capacity estimate's total at the
    growth horizon)."""
    wal = _wal_per_day(design)
    book = Runbook(design.name, size_bytes, wal)
    keep_gb = max(1, math.ceil(wal * 1.5 / 1024 ** 3))
    book.sections.append(Section("Streaming replication (high availability)", [
        ("wal_level = replica, max_wal_senders = 10, max_replication_slots = 10",
         "the defaults since PostgreSQL 10: a standby can stream WAL from the start"),
        (f"wal_keep_size = {keep_gb}GB", "about 1.5 days of this design's WAL: a standby that "
         "was down for a day can catch up without a new base backup"),
        ("one standby per availability zone, created with pg_basebackup -R",
         "-R writes standby.signal and primary_conninfo: the copy starts as a streaming "
         "replica"),
        ("hot_standby_feedback = on on replicas that serve reads",
         "long reads on the replica are not cancelled by the primary's vacuum (at the price "
         "of some bloat on the primary)"),
        ("synchronous_standby_names = 'ANY 1 (az2, az3)' with synchronous_commit = on for "
         "money-moving writes", "a commit returns only once a second zone has the WAL: no "
         "committed transaction lost in a failover, for ~1 network round trip per commit"),
        ("failover with Patroni (or your cloud's managed failover)",
         "promotion, fencing of the old primary and re-pointing clients must be automatic"),
    ]))
    reads = [q for q in design.queries if query_shape(q.sql).read_only]
    critical = set(critical_reads or [q.name for q in reads if q.critical])
    movable = [q.name for q in reads if q.name not in critical]
    book.sections.append(Section("Read replicas and read-after-write", [
        (f"route to replicas: {', '.join(movable) or 'none yet'}",
         "read-only patterns that tolerate data a few hundred milliseconds old"),
        (f"keep on the primary: {', '.join(sorted(critical)) or 'none'}",
         "critical paths read what the user just wrote"),
        ("read-after-write: after a write, remember pg_current_wal_lsn(); a replica serves "
         "that user only once pg_last_wal_replay_lsn() has passed it (or send the user's "
         "reads to the primary for a few seconds)",
         "a replica replays asynchronously: without this a user may not see their own change"),
        ("a pooler (PgBouncer) per replica, and the application's read/write split by "
         "connection", "replicas have their own max_connections"),
    ], sql="-- on the primary, right after the write\nSELECT pg_current_wal_lsn();\n"
           "-- on the replica, before serving that user's read\n"
           "SELECT pg_last_wal_replay_lsn() >= '<lsn from the write>'::pg_lsn;"))
    book.sections.append(Section("Major upgrades with logical replication", [
        ("CREATE PUBLICATION app FOR ALL TABLES on the old primary",
         "logical replication copies rows, not files: the new cluster may be a newer major "
         "version"),
        ("pg_dump --schema-only | psql on the new cluster, then CREATE SUBSCRIPTION app "
         "CONNECTION '…' PUBLICATION app", "the initial copy runs table by table, then "
         "changes stream"),
        ("when lag is ~0: stop writes, wait for the subscriber, sync sequences "
         "(SELECT setval on each), switch the application", "downtime of seconds, not the "
         "length of a pg_upgrade"),
        ("every table needs a primary key (or REPLICA IDENTITY FULL)",
         "UPDATE and DELETE are replicated by key"),
    ]))
    full_hours = max(0.1, size_bytes / 1024 ** 2 / _RESTORE_MB_S / 3600)
    book.sections.append(Section("Backups and point-in-time recovery", [
        ("archive_mode = on, archive_command via pgBackRest or WAL-G to object storage, "
         "archive_timeout = 60s", "every WAL segment is kept: recovery to any second, and "
         "at most a minute of WAL at risk on a quiet system"),
        ("a full base backup weekly, incremental daily (pg_basebackup --incremental, "
         "PostgreSQL 17+, or the tool's own)", "bounded restore time: the last full backup "
         "plus at most a week of changes"),
        (f"restore drill monthly; expected restore of {size_bytes / 1024 ** 3:,.1f} GB: about "
         f"{full_hours:,.1f} h at {_RESTORE_MB_S} MB/s plus WAL replay",
         "a backup that was never restored is a hope, not a backup"),
        ("restore to a time: restore the base backup, set recovery_target_time = '…' and "
         "restore_command, create recovery.signal, start", "undo a bad migration or a "
         "mistaken DELETE up to the second before it"),
        ("retention: 4 weekly fulls and their WAL (30 days), plus monthly fulls for a year "
         "if compliance asks", "storage grows with size x fulls kept"),
    ]))
    book.sections.append(Section("Monitoring and alerts", [
        (f"{what}: alert when {alert}", f"`{query}`") for what, query, alert in MONITORING
    ]))
    return book
