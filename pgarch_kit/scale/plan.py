"""The whole scale plan of a design in one object: capacity now, at the growth horizon and at
ten times that; configuration for the target machine; pooling; partitioning; tenancy;
sharding; and the operations runbook — ordered "must have now" before "nice to have later".
What ``pgarch plan`` prints and the design document's scaling chapter is built from. Pure.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..model.design import Design
from .capacity import Capacity, capacity, human, padding_saving
from .config import ConfigPlan, Machine, Workload, configure
from .partitioning import PartitionPlan, partition_plan
from .pooling import PoolingPlan, pgbouncer_plan
from .replication import Runbook, runbook
from .sharding import ShardingPlan, sharding_plan
from .tenancy import TenancyPlan, tenancy_plan

__all__ = ["DEFAULT_SHARED_BUFFERS", "ScalePlan", "scale_plan"]

# PostgreSQL's own shared_buffers: data that stays below it is served from cache whatever the
# configuration, so memory settings are not yet a must-have.
DEFAULT_SHARED_BUFFERS = 128 * 1024 ** 2


@dataclass
class ScalePlan:
    design: str
    machine: Machine
    capacity_now: Capacity
    capacity_horizon: Capacity
    capacity_10x: Capacity
    config: ConfigPlan
    pooling: PoolingPlan
    partitions: list[PartitionPlan]
    tenancy: TenancyPlan
    sharding: ShardingPlan
    runbook: Runbook
    padding: dict[str, tuple[int, list[str]]] = field(default_factory=dict)
    months: int = 24
    unsized: tuple[str, ...] = ()       # tables that state neither expected rows nor growth
    clients: int = 10_000

    @property
    def volumes_known(self) -> bool:
        """Whether any table states its volume (rows or growth): a design imported from a
        ``.sql`` file states none, so nothing here can be sized to its data."""
        return len(self.unsized) < len(self.padding)

    @property
    def memory_needed(self) -> bool:
        """Memory settings matter once the data outgrows PostgreSQL's default cache."""
        return self.volumes_known and \
            self.capacity_horizon.total_bytes > DEFAULT_SHARED_BUFFERS

    def volumes_note(self) -> str | None:
        """What the plan does not know about the volumes and what would size it; None when
        every table states them."""
        if not self.volumes_known:
            return ("volumes unknown: no table states its expected rows or growth (a schema "
                    "imported from SQL carries none), so memory settings, autovacuum "
                    "thresholds, partitioning and the sizes below are not sized to any data. "
                    "To size them, give the biggest tables `intent: {rows: N, "
                    "growth_per_month: M}` in the design file, or import the live database "
                    "(`pgarch import --dsn URL` reads its rows, sizes and top queries)")
        if self.unsized:
            names = ", ".join(self.unsized[:5]) + (" …" if len(self.unsized) > 5 else "")
            return (f"{len(self.unsized)} of {len(self.padding)} tables state no expected rows "
                    f"or growth ({names}): they are planned as empty; give them "
                    f"`intent: {{rows: N, growth_per_month: M}}` if they will hold data")
        return None

    def _memory(self, why: str = "see the configuration") -> str:
        return (f"shared_buffers {self.config.get('shared_buffers').value}, work_mem "
                f"{self.config.get('work_mem').value}, random_page_cost "
                f"{self.config.get('random_page_cost').value} ({why})")

    def _pooler(self) -> str:
        return (f"PgBouncer in {self.pooling.mode} mode, pool {self.pooling.pool_size}: "
                f"max_connections {self.pooling.max_connections}")

    def must_now(self) -> list[str]:
        """What to do before launch: cheap now, expensive to retrofit — only what the plan
        knows is needed (no setting for a design whose volumes are unknown, no memory
        setting for data that fits PostgreSQL's default cache)."""
        out = [self._pooler()] if self.volumes_known else []
        if self.memory_needed:
            out.append(self._memory())
        if self.tenancy.keys:
            out.append(f"row-level security on {len(self.tenancy.keys)} tenant tables, forced, "
                       f"with WITH CHECK")
        out += [f"partition {p.table} by {p.strategy} on {p.key} before it is big "
                f"(re-partitioning a full table is a rewrite)" for p in self.partitions]
        out += [f"autovacuum thresholds for {t.table}" for t in self.config.tables]
        out.append("WAL archiving and a tested restore (point-in-time recovery)")
        return out

    def later(self) -> list[str]:
        """What can wait until the measurements (or the volumes) ask for it."""
        out = []
        if not self.volumes_known:
            out += [f"{self._pooler()}, once the application's connections are known (planned "
                    f"for {self.clients:,} clients)",
                    self._memory("PgTune's rules for this machine, not sized to any data: "
                                 "apply them once the volumes say the data needs them")]
        elif not self.memory_needed:
            out.append(self._memory(
                f"once the data outgrows PostgreSQL's default 128 MB of shared_buffers: "
                f"{human(self.capacity_horizon.total_bytes)} after {self.months} months "
                f"still fits in it"))
        out += ["read replicas for the read-only patterns, with read-after-write routing",
                "logical replication for the next major upgrade"]
        if self.sharding.distributed:
            cols = ", ".join(f"{t}.{c}" for t, c in list(self.sharding.distributed.items())[:3])
            size = (f"{human(self.capacity_10x.total_bytes)} at 10× the horizon"
                    if self.volumes_known else "its size is unknown until the volumes are")
            out.append(f"sharding with Citus by {cols}… once one node's writes or size "
                       f"run out ({size})")
        savings = [f"{t} ({b} B/row)" for t, (b, _) in self.padding.items() if b >= 8]
        if savings:
            out.append("column order to save padding when tables are rebuilt: "
                       + ", ".join(savings))
        return out

    def _repr_html_(self) -> str:
        import html
        now = "".join(f"<li>{html.escape(x)}</li>" for x in self.must_now())
        later = "".join(f"<li>{html.escape(x)}</li>" for x in self.later())
        note = self.volumes_note()
        note = f"<div><b>Note</b>: {html.escape(note)}</div>" if note else ""
        return (f"<div><b>Scale plan for {html.escape(self.design)}</b> on "
                f"{self.machine.ram_gb:g} GB RAM, {self.machine.cores} cores, "
                f"{html.escape(self.machine.storage)} — "
                f"{human(self.capacity_now.total_bytes)} at launch, "
                f"{human(self.capacity_horizon.total_bytes)} after {self.months} months, "
                f"{human(self.capacity_10x.total_bytes)} at 10×</div>{note}"
                f"<div style='display:flex;gap:2em'><div><b>Must have now</b><ul>{now}</ul>"
                f"</div><div><b>Nice to have later</b><ul>{later}</ul></div></div>")

    def to_dict(self) -> dict[str, Any]:
        return {
            "design": self.design,
            "machine": {"ram_gb": self.machine.ram_gb, "cores": self.machine.cores,
                        "storage": self.machine.storage},
            "capacity": {label: {"total_bytes": c.total_bytes,
                                 "tables": {t.name: {"rows": t.rows,
                                                     "total_bytes": t.total_bytes}
                                            for t in c.tables}}
                         for label, c in (("now", self.capacity_now),
                                          ("horizon", self.capacity_horizon),
                                          ("10x", self.capacity_10x))},
            "settings": {s.name: s.value for s in self.config.settings},
            "table_settings": {t.table: list(t.options) for t in self.config.tables},
            "pooling": {"mode": self.pooling.mode, "pool_size": self.pooling.pool_size,
                        "max_client_conn": self.pooling.max_client_conn,
                        "max_connections": self.pooling.max_connections},
            "partitioning": [{"table": p.table, "strategy": p.strategy, "key": p.key,
                              "modulus": p.modulus, "retention_months": p.retention_months}
                             for p in self.partitions],
            "tenancy": dict(self.tenancy.keys),
            "sharding": {"distributed": dict(self.sharding.distributed),
                         "reference": list(self.sharding.reference),
                         "needs_column": dict(self.sharding.needs_column)},
            "must_have_now": self.must_now(), "nice_to_have_later": self.later(),
            "volumes": {"known": self.volumes_known, "unsized": list(self.unsized),
                        "note": self.volumes_note()},
        }

    def __str__(self) -> str:
        capacity = (f"capacity: {human(self.capacity_now.total_bytes)} now, "
                    f"{human(self.capacity_horizon.total_bytes)} after {self.months} months, "
                    f"{human(self.capacity_10x.total_bytes)} at 10x" if self.volumes_known else
                    f"capacity: {human(self.capacity_now.total_bytes)} for the empty schema; "
                    f"the volumes are unknown")
        lines = [f"scale plan for {self.design} on {self.machine.ram_gb:g} GB / "
                 f"{self.machine.cores} cores / {self.machine.storage}", capacity, ""]
        if note := self.volumes_note():
            lines += [note, ""]
        lines += ["must have now:"] + [f"  - {x}" for x in self.must_now()]
        lines += ["", "nice to have later:"] + [f"  - {x}" for x in self.later()]
        lines += [""]
        if not self.memory_needed:
            lines += ["# for when the data needs it (not a must-have now):"]
        lines += [str(self.config), "", str(self.pooling), "", str(self.tenancy), "",
                  str(self.sharding)]
        for p in self.partitions:
            lines += ["", f"partitioning {p.table}: {p.strategy} on {p.key}",
                      *(f"  - {r}" for r in p.reasons), *(f"  ! {c}" for c in p.consequences)]
        return "\n".join(lines)


def scale_plan(design: Design, machine: Machine, workload: Workload | None = None, *,
               clients: int = 10_000, months: int = 24, knee_clients: int | None = None,
               service_ms: float | None = None, target_tps: float | None = None,
               measured_cores: int | None = None) -> ScalePlan:
    """Everything :mod:`pgarch_kit.scale` plans for ``design`` on ``machine``; the pool
    follows load-test measurements when given (see :func:`.pooling.pgbouncer_plan`) — taken
    on this machine unless ``measured_cores`` says otherwise."""
    if knee_clients and measured_cores is None:
        import os
        measured_cores = os.cpu_count() or 1
    pooling = pgbouncer_plan(design, cores=machine.cores, clients=clients,
                             knee_clients=knee_clients, service_ms=service_ms,
                             target_tps=target_tps, measured_cores=measured_cores)
    workload = workload or Workload("web", pooling.max_connections)
    horizon = capacity(design, months=months, label=f"after {months} months")
    return ScalePlan(
        design.name, machine, capacity(design, label="at launch"), horizon,
        capacity(design, months=months, scale=10, label=f"10x the {months}-month volume"),
        configure(machine, workload, design=design, months=months), pooling,
        partition_plan(design, months=months), tenancy_plan(design), sharding_plan(design),
        runbook(design, size_bytes=horizon.total_bytes),
        {t.name: padding_saving(t, design) for t in design.tables if t.partition_of is None},
        months, tuple(t.name for t in design.tables if t.partition_of is None
                      and t.intent.rows is None and t.intent.growth_per_month is None),
        clients)
