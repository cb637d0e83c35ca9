"""Connection pooling: a PgBouncer configuration for many application clients, and whether
the design can use transaction pooling at all.

Transaction pooling (a server connection per transaction, not per client) is what lets ten
thousand clients share a few dozen connections — but it breaks anything that keeps state in
a session between transactions: session advisory locks, ``LISTEN``, ``SET`` without
``LOCAL``, temporary tables, ``WITH HOLD`` cursors, SQL-level ``PREPARE``. The kit looks for
those in the design's routines, triggers, query patterns and RLS policies and says which
mode fits and why. The pool size comes from measurements (Little's law on a load test: see
:class:`pgarch_kit.bench.loadtest.PoolAdvice`) when there are some. Pure.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from ..model.design import Design
from ..model.query import query_shape

__all__ = ["PoolingPlan", "pgbouncer_plan", "session_features"]

_SESSION = (
    (re.compile(r"\bpg_(?:try_)?advisory_lock(?:_shared)?\s*\(", re.I),
     "session-level advisory locks (pg_advisory_lock) stay with the server connection; use "
     "pg_advisory_xact_lock"),
    (re.compile(r"\bLISTEN\s+\w", re.I), "LISTEN needs its own session: keep listeners on "
     "a direct connection"),
    (re.compile(r"\bSET\s+(?!LOCAL\b)(?!TRANSACTION\b)(?!CONSTRAINTS\b)[a-z_.]+\s*(?:=|TO)\b",
                re.I),
     "SET without LOCAL changes the session the next client inherits; use SET LOCAL or "
     "set_config(…, true)"),
    (re.compile(r"\bCREATE\s+(?:GLOBAL\s+|LOCAL\s+)?TEMP(?:ORARY)?\s+TABLE\b", re.I),
     "temporary tables belong to a session; use ON COMMIT DROP inside one transaction"),
    (re.compile(r"\bWITH\s+HOLD\b", re.I), "WITH HOLD cursors outlive the transaction"),
    (re.compile(r"^\s*PREPARE\s+\w", re.I | re.M), "SQL-level PREPARE is per session "
     "(protocol-level prepared statements work with PgBouncer >= 1.21)"),
)


_ADVISORY = {"pg_advisory_lock", "pg_try_advisory_lock", "pg_advisory_lock_shared",
             "pg_try_advisory_lock_shared"}


def session_features(design: Design) -> list[str]:
    """What in the design needs a session of its own (each with the fix), by where it is."""
    found = []
    texts = [(f"routine {r.name}", r.definition) for r in design.routines]
    texts += [(f"trigger {t.name}", t.definition) for t in design.triggers]
    for where, text in texts:
        for pattern, why in _SESSION:
            if pattern.search(text or ""):
                found.append(f"{where}: {why}")
    # a query pattern is one DML statement (validation says so): of these features only a
    # session advisory lock fits in one, and its parse says whether it calls one
    found += [f"query {q.name}: {_SESSION[0][1]}" for q in design.queries
              if query_shape(q.sql).functions & _ADVISORY]
    for t in design.tables:
        for p in t.policies:
            for expr in (p.using, p.with_check):
                if expr and "current_setting(" in expr:
                    found.append(f"table {t.name} policy {p.name}: reads "
                                 f"{_setting(expr)} — the application must set it with SET "
                                 f"LOCAL (or set_config(…, true)) in every transaction")
                    break
    return list(dict.fromkeys(found))


def _setting(expr: str) -> str:
    m = re.search(r"current_setting\(\s*'([^']+)'", expr)
    return f"current_setting('{m.group(1)}')" if m else "current_setting()"


@dataclass
class PoolingPlan:
    mode: str                               # transaction | session
    pool_size: int
    max_client_conn: int
    reserve: int
    max_connections: int                    # what the server then needs
    reasons: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    database: str = "app"

    def pgbouncer_ini(self) -> str:
        return "\n".join([
            "[databases]",
            f"{self.database} = host=127.0.0.1 port=5432 dbname={self.database}",
            "",
            "[pgbouncer]",
            "listen_addr = 0.0.0.0",
            "listen_port = 6432",
            "auth_type = scram-sha-256",
            "auth_file = /etc/pgbouncer/userlist.txt",
            f"pool_mode = {self.mode}",
            f"max_client_conn = {self.max_client_conn}",
            f"default_pool_size = {self.pool_size}",
            f"reserve_pool_size = {self.reserve}",
            "reserve_pool_timeout = 3",
            "server_idle_timeout = 600",
            "query_wait_timeout = 30",
            "max_prepared_statements = 200",
            "",
        ])

    def __str__(self) -> str:
        lines = [f"PgBouncer: pool_mode = {self.mode}, default_pool_size = {self.pool_size}, "
                 f"max_client_conn = {self.max_client_conn}; the server needs "
                 f"max_connections >= {self.max_connections}"]
        lines += [f"  - {r}" for r in self.reasons]
        lines += [f"  ! {w}" for w in self.warnings]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        import html
        items = "".join(f"<li>{html.escape(r)}</li>" for r in self.reasons)
        warn = "".join(f"<li style='color:#b45309'>{html.escape(w)}</li>"
                       for w in self.warnings)
        return (f"<div><b>Connection pooling</b>: {html.escape(str(self).splitlines()[0])}"
                f"<ul>{items}{warn}</ul><pre>{html.escape(self.pgbouncer_ini())}</pre></div>")


def pgbouncer_plan(design: Design, *, cores: int, clients: int = 10_000,
                   knee_clients: int | None = None, service_ms: float | None = None,
                   target_tps: float | None = None,
                   measured_cores: int | None = None) -> PoolingPlan:
    """A PgBouncer plan for ``clients`` application connections on a ``cores``-core server.
    With load-test measurements (``knee_clients``: fewest clients reaching ~90% of the best
    throughput; ``service_ms``: time a transaction holds a connection; ``target_tps``: the
    design's rate) the pool follows them — a knee measured on ``measured_cores`` cores scaled
    to the target's; without, the usual 2 × cores + 1 rule."""
    features = session_features(design)
    blocking = [f for f in features if "current_setting" not in f]
    mode = "session" if blocking else "transaction"
    reasons = []
    if knee_clients:
        pool = knee_clients
        scaled = ""
        if measured_cores and measured_cores != cores:
            pool = math.ceil(knee_clients * cores / measured_cores)
            scaled = (f", measured on {measured_cores} cores and scaled to {cores} "
                      f"({knee_clients} x {cores}/{measured_cores})")
        reasons.append(f"pool of {pool}: the load test reached ~90% of its best throughput "
                       f"at {knee_clients} clients{scaled} — more connections only queue in "
                       f"PostgreSQL")
    else:
        pool = 2 * cores + 1
        reasons.append(f"pool of {pool} = 2 x {cores} cores + 1: enough to keep every core "
                       f"busy while others wait on I/O (run a load test to measure it)")
    if target_tps and service_ms:
        busy = target_tps * service_ms / 1000
        need = math.ceil(busy * 2)
        reasons.append(f"Little's law: {target_tps:,.0f} transactions/s x {service_ms:.2f} ms "
                       f"= {busy:.2f} connections busy on average; {need} leaves 2x headroom")
        pool = max(pool, need)
    reserve = max(2, pool // 4)
    if mode == "transaction":
        reasons.append(f"transaction pooling: {clients:,} clients share {pool} server "
                       f"connections, each held only for one transaction")
    else:
        reasons.append(f"session pooling: the design keeps state in sessions, so each "
                       f"client holds a server connection — {clients:,} clients cannot share "
                       f"a small pool until that state goes")
    warnings = blocking + [f for f in features if "current_setting" in f]
    max_conn = pool + reserve + 10
    reasons.append(f"the server needs max_connections >= {max_conn}: pool {pool} + reserve "
                   f"{reserve} + 10 for admin, migrations and replication")
    return PoolingPlan(mode, pool, clients, reserve, max_conn, reasons, warnings,
                       database=f"pgarch_{design.name}")
