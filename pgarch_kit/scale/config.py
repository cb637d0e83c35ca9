"""Server configuration from the machine and the workload, each setting with its reason.

The memory and planner settings follow PgTune's rules (le0pard/pgtune, the tool most people
use), so the numbers agree with it; the kit adds what PgTune cannot know — the design: how
many server connections a pooler really needs (see :mod:`.pooling`), and autovacuum
thresholds per big table, since the default 20% of a 100-million-row table is 20 million dead
rows before vacuum starts. Each :class:`Setting` says whether it takes effect per session,
on reload, or only after a restart; the benchmarks apply the ones a database may set for
itself and time the design's patterns before and after. Pure.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from ..model.design import Design

__all__ = ["ConfigPlan", "Machine", "Setting", "TableSetting", "Workload", "configure",
           "format_kb"]

KB, MB, GB = 1, 1024, 1024 * 1024
_KINDS = ("web", "oltp", "dw", "mixed", "desktop")
_STORAGE = ("ssd", "nvme", "san", "hdd")
# when a setting takes effect (pg_settings.context, simplified)
_CONTEXT = {
    "max_connections": "restart", "shared_buffers": "restart", "huge_pages": "restart",
    "wal_buffers": "restart", "max_worker_processes": "restart", "wal_level": "restart",
    "max_wal_senders": "restart", "shared_preload_libraries": "restart",
    "autovacuum_max_workers": "restart",
    "effective_cache_size": "session", "work_mem": "session", "maintenance_work_mem":
    "session", "random_page_cost": "session", "effective_io_concurrency": "session",
    "default_statistics_target": "session", "max_parallel_workers_per_gather": "session",
    "jit": "session", "max_parallel_maintenance_workers": "session",
    "max_parallel_workers": "session", "wal_compression": "session",
}


def format_kb(kb: float) -> str:
    """PostgreSQL's unit spelling: whole GB or MB when exact, else kB."""
    kb = int(kb)
    if kb % GB == 0:
        return f"{kb // GB}GB"
    if kb % MB == 0:
        return f"{kb // MB}MB"
    return f"{kb}kB"


@dataclass(frozen=True)
class Machine:
    """The database server: RAM in GB, CPU cores, storage kind."""

    ram_gb: float
    cores: int
    storage: str = "ssd"

    def __post_init__(self) -> None:
        if self.ram_gb <= 0 or self.cores < 1:
            raise ValueError(f"a machine needs RAM > 0 GB and at least one core, got "
                             f"{self.ram_gb} GB and {self.cores} cores")
        if self.storage not in _STORAGE:
            raise ValueError(f"storage must be one of {_STORAGE}, got {self.storage!r}")

    @classmethod
    def this(cls) -> Machine:
        """The machine the kit runs on (its RAM and cores; storage assumed SSD)."""
        import os

        import psutil
        return cls(round(psutil.virtual_memory().total / 1024 ** 3, 1), os.cpu_count() or 1)


@dataclass(frozen=True)
class Workload:
    """What runs: ``web`` (many short queries), ``oltp``, ``dw`` (analytics), ``mixed`` or
    ``desktop``; ``connections`` is max_connections when set (with a pooler, the pool plus
    headroom — not the number of application clients)."""

    kind: str = "web"
    connections: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in _KINDS:
            raise ValueError(f"workload kind must be one of {_KINDS}, got {self.kind!r}")


@dataclass(frozen=True)
class Setting:
    name: str
    value: str
    reason: str
    context: str = "reload"        # session | reload | restart

    @property
    def conf_line(self) -> str:
        value = self.value if self.value.replace(".", "").isdigit() else f"'{self.value}'"
        return f"{self.name} = {value}"


@dataclass(frozen=True)
class TableSetting:
    table: str
    options: tuple[str, ...]
    reason: str


@dataclass
class ConfigPlan:
    machine: Machine
    workload: Workload
    settings: list[Setting] = field(default_factory=list)
    tables: list[TableSetting] = field(default_factory=list)

    def get(self, name: str) -> Setting:
        for s in self.settings:
            if s.name == name:
                return s
        raise KeyError(name)

    def postgresql_conf(self) -> str:
        head = (f"# pgarch_kit: {self.workload.kind} workload on {self.machine.ram_gb:g} GB RAM, "
                f"{self.machine.cores} cores, {self.machine.storage}")
        return "\n".join([head, *(f"{s.conf_line:<44} # {s.reason}" for s in self.settings)]) \
            + "\n"

    def alter_system(self) -> str:
        return "\n".join(f"ALTER SYSTEM SET {s.name} = '{s.value}';" for s in self.settings)

    def table_sql(self) -> str:
        from ..model.names import quote_ident
        return "\n".join(f"ALTER TABLE {quote_ident(t.table)} SET ({', '.join(t.options)});"
                         for t in self.tables)

    def __str__(self) -> str:
        out = [self.postgresql_conf().rstrip()]
        if self.tables:
            out += ["", "-- per table", self.table_sql()]
        return "\n".join(out)

    def _repr_html_(self) -> str:
        import html
        rows = "".join(
            f"<tr><td style='text-align:left'><code>{html.escape(s.name)}</code></td>"
            f"<td style='text-align:left'><code>{html.escape(s.value)}</code></td>"
            f"<td style='text-align:left'>{html.escape(s.context)}</td>"
            f"<td style='text-align:left'>{html.escape(s.reason)}</td></tr>"
            for s in self.settings)
        rows += "".join(
            f"<tr><td style='text-align:left'><code>{html.escape(t.table)}</code></td>"
            f"<td style='text-align:left'><code>{html.escape(', '.join(t.options))}</code></td>"
            f"<td style='text-align:left'>table</td>"
            f"<td style='text-align:left'>{html.escape(t.reason)}</td></tr>" for t in self.tables)
        head = "".join(f"<th style='text-align:left'>{h}</th>"
                       for h in ("setting", "value", "takes effect", "why"))
        return (f"<div><b>Configuration</b> — {html.escape(self.workload.kind)} workload on "
                f"{self.machine.ram_gb:g} GB RAM, {self.machine.cores} cores, "
                f"{html.escape(self.machine.storage)}</div><table><thead><tr>{head}</tr></thead>"
                f"<tbody>{rows}</tbody></table>")


def _s(name: str, value: str, reason: str) -> Setting:
    return Setting(name, value, reason, _CONTEXT.get(name, "reload"))


def configure(machine: Machine, workload: Workload | None = None, *,
              design: Design | None = None, server_version: int = 18,
              big_table_rows: int = 1_000_000, months: int = 24,
              choices: Mapping[str, Sequence[str]] | None = None) -> ConfigPlan:
    """The settings for ``machine`` and ``workload`` (PgTune's rules, reasons attached), and
    autovacuum storage parameters for the design's tables expected above ``big_table_rows``
    rows after ``months`` of growth. ``choices`` — a server's ``pg_settings.enumvals`` — lets
    the plan fit a build (lz4 WAL compression only where the server was built with lz4)."""
    w = workload or Workload()
    ram = machine.ram_gb * GB
    kind = w.kind
    conns = w.connections or {"web": 200, "oltp": 300, "dw": 40, "desktop": 20,
                              "mixed": 100}[kind]
    plan = ConfigPlan(machine, w)
    add = plan.settings.append
    add(_s("max_connections", str(conns),
           f"{conns} server connections; each costs memory and a process — with a pooler in "
           f"front, size this to the pool plus a margin for admin and maintenance"
           if w.connections else f"PgTune's default for a {kind} workload"))
    shared = math.floor(ram / (16 if kind == "desktop" else 4))
    add(_s("shared_buffers", format_kb(shared),
           f"{'1/16' if kind == 'desktop' else '1/4'} of RAM: PostgreSQL's own cache; the OS "
           f"page cache holds the rest"))
    add(_s("effective_cache_size", format_kb(math.floor(ram * (1 if kind == "desktop" else 3)
                                                      / 4)),
           "what the planner may assume is cached (shared_buffers + OS cache): higher makes "
           "index scans look cheaper"))
    maint = min(math.floor(ram / (8 if kind == "dw" else 16)), 8 * GB)
    add(_s("maintenance_work_mem", format_kb(maint),
           "memory for VACUUM, CREATE INDEX and ALTER TABLE ADD FOREIGN KEY: faster builds "
           "and fewer index passes"))
    if maint >= 2 * GB:
        add(_s("autovacuum_work_mem", "2GB", "autovacuum workers each may take "
               "maintenance_work_mem: cap them at 2 GB apiece"))
    add(_s("checkpoint_completion_target", "0.9",
           "spread each checkpoint's writes over 90% of the interval: no I/O spikes"))
    wal_buffers = max(32, min(math.floor(3 * shared / 100), 16 * MB))
    if 14 * MB < wal_buffers < 16 * MB:
        wal_buffers = 16 * MB
    add(_s("wal_buffers", format_kb(wal_buffers),
           "3% of shared_buffers up to 16 MB: WAL is flushed in fewer, larger writes"))
    add(_s("default_statistics_target", "500" if kind == "dw" else "100",
           "more detailed statistics for analytic plans" if kind == "dw" else
           "the default sample: enough for OLTP-shaped queries"))
    add(_s("random_page_cost", "4" if machine.storage == "hdd" else "1.1",
           "a random read costs about as much as a sequential one on SSD/NVMe/SAN: the "
           "planner stops avoiding index scans" if machine.storage != "hdd" else
           "spinning disks: random reads really are ~4x a sequential one"))
    io = {"hdd": 2, "ssd": 200, "san": 300, "nvme": 1000}[machine.storage]
    add(_s("effective_io_concurrency", str(io),
           f"concurrent reads {machine.storage} storage sustains (bitmap heap scans prefetch)"))
    parallel: dict[str, int] = {}
    if machine.cores >= 4:
        per_gather = math.ceil(machine.cores / 2)
        if kind != "dw":
            per_gather = min(per_gather, 4)
        parallel = {"max_worker_processes": machine.cores,
                    "max_parallel_workers_per_gather": per_gather,
                    "max_parallel_workers": machine.cores,
                    "max_parallel_maintenance_workers": min(math.ceil(machine.cores / 2), 4)}
        for name, value in parallel.items():
            add(_s(name, str(value), "parallel query sized to the cores (per gather capped "
                   "at 4 outside analytics: more workers rarely pay)"))
    workers = parallel.get("max_worker_processes", 8)
    base = (ram - shared) / ((conns + workers) * 3)
    work = math.floor(base / {"web": 1, "oltp": 1, "dw": 2, "desktop": 6, "mixed": 2}[kind])
    work = max(work, 4 * MB)
    add(_s("work_mem", format_kb(work),
           f"(RAM - shared_buffers) / ((max_connections + workers) x 3): each sort or hash "
           f"may take this much, several per query, so it is kept small enough that "
           f"{conns} busy connections cannot exhaust memory"))
    wal = {"web": (1, 4), "oltp": (2, 8), "dw": (4, 16), "desktop": (0.1, 2),
           "mixed": (1, 4)}[kind]
    add(_s("min_wal_size", format_kb(wal[0] * GB) if wal[0] >= 1 else "100MB",
           "WAL kept for reuse: fewer new segment files under steady writes"))
    add(_s("max_wal_size", format_kb(wal[1] * GB),
           "checkpoints come every max_wal_size of WAL at most: larger means fewer "
           "checkpoints and fewer full-page writes, at the cost of longer crash recovery"))
    add(_s("huge_pages", "try" if shared >= 2 * GB else "off",
           "with shared_buffers of 2 GB or more, huge pages cut page-table overhead"
           if shared >= 2 * GB else "shared_buffers is small: huge pages would not pay"))
    if server_version >= 12 and kind in ("web", "oltp", "mixed"):
        add(_s("jit", "off", "JIT compilation costs tens of milliseconds of planning and "
               "only pays for long analytic queries, not short OLTP ones"))
    if server_version >= 15:
        offered = (choices or {}).get("wal_compression")
        if offered is None or "lz4" in offered:
            add(_s("wal_compression", "lz4", "compress full-page images in WAL: less WAL, "
                   "cheaper replication, at little CPU"))
        else:
            add(_s("wal_compression", "pglz", "compress full-page images in WAL (this server "
                   "was built without lz4, so its own pglz): less WAL, more CPU than lz4"))
    if machine.cores >= 16:
        add(replace(_s("autovacuum_max_workers", "5" if machine.cores >= 32 else "4",
                       "more tables vacuumed at once on a large server"),
                    context="reload" if server_version >= 18 else "restart"))
    if design is not None:
        plan.tables = _autovacuum(design, big_table_rows, months)
    return plan


def _autovacuum(design: Design, big: int, months: int) -> list[TableSetting]:
    """Per-table autovacuum thresholds so a big table is vacuumed after ~50,000 changed rows
    (and analysed after ~25,000), not after 20% (10%) of it."""
    out = []
    for t in design.tables:
        if t.partition_by is not None:
            continue
        rows = (t.intent.rows or 0) + months * (t.intent.growth_per_month or 0)
        if rows < big:
            continue
        vac = max(0.001, round(50_000 / rows, 4))
        ana = max(0.0005, round(25_000 / rows, 4))
        opts = (f"autovacuum_vacuum_scale_factor = {vac:g}",
                f"autovacuum_analyze_scale_factor = {ana:g}",
                f"autovacuum_vacuum_insert_scale_factor = {vac:g}")
        out.append(TableSetting(
            t.name, opts, f"about {rows:,} rows expected: the default 20% would leave "
            f"{rows // 5:,} dead rows before a vacuum; this vacuums after ~50,000"))
    return out
