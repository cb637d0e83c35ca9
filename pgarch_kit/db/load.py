"""Fast loading: a design's generated data streamed into its sandbox with COPY.

The order of work is the one pg_dump's restore uses, for the same reasons:

1. ``load_phases(design)[0]``: tables with their primary key, unique, check and exclusion
   constraints but **no foreign keys and no secondary indexes** (a duplicate still fails
   during the load, with the server's message);
2. one ``COPY t (cols) FROM STDIN`` per table, parents first, in one transaction. A producer
   thread renders the next COPY batch (numpy, releases the GIL in its C loops) while the main
   thread writes the current one to the server; a bounded queue (two batches) keeps memory
   flat whatever the row count;
3. deferred foreign keys (cycles, self-references written as NULL in the first pass) through
   a temporary table and one ``UPDATE ... FROM``;
4. ``load_phases(design)[1]``: foreign keys, indexes, RLS, views, triggers, comments — each
   index is built once by a sort over the whole table instead of being maintained row by
   row, and each foreign key is checked by one anti-join instead of one lookup per row;
5. identity and serial sequences set to ``max(column)`` (the generator writes explicit
   keys 1..n), ``ANALYZE``, and :func:`pgarch_kit.db.verify.verify`.

Measured on the 2-core machine (embedded PostgreSQL 18, ``ecommerce`` design, 8 tables x
100 000 rows, two runs each; ``load(..., defer_constraints=False)`` is the comparison):

================================  ==========  ============  ==========
order of work                     COPY phase  keys+indexes  whole load
================================  ==========  ============  ==========
indexes and FKs before the data   7.2-7.5 s   0.0 s         7.8-8.2 s
indexes and FKs after (default)   4.5-4.7 s   0.9 s         6.0-6.2 s
================================  ==========  ============  ==========

so deferring makes the load about 25% faster here (more with more indexes per table). For the
8 foreign keys on the loaded tables, plain ``ADD FOREIGN KEY`` took 0.20-0.23 s and
``ADD ... NOT VALID`` + ``VALIDATE CONSTRAINT`` 0.20-0.21 s: the same, since both run one
validation query per key. The post-load script uses the plain form (``NOT VALID`` only buys a
weaker lock, which a private sandbox does not need).

Loads run only into kit sandboxes (:func:`pgarch_kit.db.sandbox.guard_destructive`).
"""
from __future__ import annotations

import queue
import re
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pgarch_kit.db.connect import KIT_MARK, dsn_dbname, redact_dsn, server_dsn
from pgarch_kit.db.design_roles import check_design_roles_on
from pgarch_kit.db.runner import runner_dsn
from pgarch_kit.db.sandbox import create_sandbox, guard_destructive, sandbox_lock, sandbox_name
from pgarch_kit.errors import PgArchError
from pgarch_kit.model.names import quote_ident

if TYPE_CHECKING:
    import psycopg

    from pgarch_kit.datagen import DataPlan
    from pgarch_kit.db.verify import Verification
    from pgarch_kit.model import Design

__all__ = ["LoadError", "LoadResult", "load"]

_QUEUE_BATCHES = 2
_NEXTVAL = re.compile(r"nextval\('((?:[^']|'')+)'(?:::regclass)?\)", re.IGNORECASE)


class LoadError(PgArchError):
    """PostgreSQL rejected generated data (or the load's DDL); the message is the server's."""


def _hint(dp: object, exc: Exception | None = None) -> str:
    """Name the constraint PostgreSQL reports and the strategy the plan chose for it (see
    :func:`pgarch_kit.datagen.explain_rejection`), else the plan's warnings."""
    from pgarch_kit.datagen import explain_rejection
    diag = getattr(exc, "diag", None)
    return explain_rejection(dp, table=getattr(diag, "table_name", None),
                             constraint=getattr(diag, "constraint_name", None),
                             column=getattr(diag, "column_name", None),
                             message=getattr(diag, "message_primary", None) or str(exc or ""))


@dataclass
class LoadResult:
    """What :func:`load` did: where, how many rows, how fast, and the verification."""

    database: str
    dsn: str
    rows: dict[str, int]
    seconds: float
    warnings: list[str] = field(default_factory=list)
    verification: Verification | None = None
    phases: dict[str, float] = field(default_factory=dict)  # seconds per step

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())

    @property
    def rows_per_second(self) -> float:
        return self.total_rows / self.seconds if self.seconds > 0 else 0.0

    @property
    def ok(self) -> bool:
        return self.verification is None or self.verification.ok

    def __repr__(self) -> str:
        # the DSN stays usable on the object (time and bench connect with it) but never shows
        return (f"LoadResult(database={self.database!r}, dsn={redact_dsn(self.dsn)!r}, "
                f"rows={self.rows!r}, seconds={self.seconds!r})")

    def to_dict(self) -> dict:
        return {"database": self.database, "dsn": redact_dsn(self.dsn), "rows": dict(self.rows),
                "seconds": round(self.seconds, 3),
                "rows_per_second": round(self.rows_per_second, 1)}

    def __str__(self) -> str:
        lines = [f"loaded {self.total_rows} rows into {self.database} in {self.seconds:.2f}s "
                 f"({self.rows_per_second:,.0f} rows/s)"]
        lines += [f"  {t}: {n}" for t, n in self.rows.items()]
        lines += [f"  warning: {w}" for w in self.warnings]
        if self.verification is not None:
            lines.append(str(self.verification))
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        import html
        head = html.escape(str(self).splitlines()[0])
        ver = self.verification._repr_html_() if self.verification is not None else ""
        warn = "".join(f"<li>{html.escape(w)}</li>" for w in self.warnings)
        return f"<p>{head}</p>" + (f"<ul>{warn}</ul>" if warn else "") + ver


def _server_message(exc: Exception) -> str:
    diag = getattr(exc, "diag", None)
    if diag is None or not diag.message_primary:
        return str(exc)
    parts = [diag.message_primary]
    for label, value in (("DETAIL", diag.message_detail), ("CONTEXT", diag.context)):
        if value:
            parts.append(f"{label}: {value}")
    return "\n".join(parts)


def _rel(table) -> str:
    return f"{quote_ident(table.schema)}.{quote_ident(table.name)}"


def _produce(dp: DataPlan, tables: list[str], batch_rows: int, out: queue.Queue,
             stop: threading.Event) -> None:
    """Generate every table's batches in load order; (table, bytes) items, (table, None)
    at the end of a table, and an exception object if generation fails."""
    from pgarch_kit.datagen import batches

    def put(item) -> bool:
        while not stop.is_set():
            try:
                out.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    try:
        for t in tables:
            for chunk in batches(dp, t, batch_rows=batch_rows):
                if not put((t, chunk)):
                    return
            if not put((t, None)):
                return
    except BaseException as exc:  # handed to the consumer, which re-raises it
        put((None, exc))


def _stream(conn: psycopg.Connection, dp: DataPlan, tables: list[str], batch_rows: int,
            progress: bool) -> dict[str, int]:
    from psycopg import sql
    from tqdm.auto import tqdm

    q: queue.Queue = queue.Queue(maxsize=_QUEUE_BATCHES)
    stop = threading.Event()
    worker = threading.Thread(target=_produce, args=(dp, tables, batch_rows, q, stop),
                              name="pgarch-datagen", daemon=True)
    worker.start()
    loaded: dict[str, int] = {}
    try:
        for t in tables:
            table = dp.tables[t].table
            cols = dp.copy_columns(t)
            stmt = sql.SQL("COPY {} ({}) FROM STDIN").format(
                sql.SQL(_rel(table)), sql.SQL(", ").join(sql.Identifier(c) for c in cols))
            bar = tqdm(total=dp.rows(t), desc=t, unit="rows", disable=not progress,
                       leave=True)
            n = 0
            try:
                with conn.cursor() as cur, cur.copy(stmt) as copy:
                    while True:
                        name, chunk = q.get()
                        if name is None:
                            raise chunk
                        if chunk is None:
                            break
                        copy.write(chunk)
                        k = chunk.count(b"\n")
                        n += k
                        bar.update(k)
            finally:
                bar.close()
            loaded[t] = n
    finally:
        stop.set()
        worker.join(timeout=10)
    return loaded


def _apply_updates(conn: psycopg.Connection, dp: DataPlan, batch_rows: int) -> None:
    from psycopg import sql

    from pgarch_kit.datagen import update_batches
    for i, up in enumerate(dp.updates):
        table = dp.tables[up.table].table
        if not up.key_columns:
            raise LoadError(f"{up.table}: deferred foreign key {up.columns} needs a primary "
                            "key to be written in a second pass")
        cols = (*up.key_columns, *up.columns)
        tmp = f"pgarch_load_update_{i}"
        typed = sql.SQL(", ").join(sql.Identifier(c) for c in cols)
        conn.execute(sql.SQL("CREATE TEMP TABLE {} ON COMMIT DROP AS SELECT {} FROM {} "
                             "WITH NO DATA").format(sql.Identifier(tmp), typed,
                                                    sql.SQL(_rel(table))))
        with conn.cursor() as cur, cur.copy(sql.SQL("COPY {} ({}) FROM STDIN").format(
                sql.Identifier(tmp), typed)) as copy:
            for chunk in update_batches(dp, up, batch_rows=batch_rows):
                copy.write(chunk)
        sets = sql.SQL(", ").join(sql.SQL("{0} = u.{0}").format(sql.Identifier(c))
                                  for c in up.columns)
        where = sql.SQL(" AND ").join(sql.SQL("t.{0} = u.{0}").format(sql.Identifier(c))
                                      for c in up.key_columns)
        conn.execute(sql.SQL("UPDATE {} AS t SET {} FROM {} AS u WHERE {}" + KIT_MARK).format(
            sql.SQL(_rel(table)), sets, sql.Identifier(tmp), where))


def _reset_sequences(conn: psycopg.Connection, dp: DataPlan) -> None:
    from psycopg import sql
    for t in dp.order:
        table = dp.tables[t].table
        for c in dp.sequence_columns(t):
            seq = conn.execute("SELECT pg_get_serial_sequence(%s, %s)",
                               (_rel(table), c)).fetchone()[0]
            if seq is None:
                m = _NEXTVAL.search(table.column(c).default or "")
                if m is None:
                    continue
                seq = m[1].replace("''", "'")
            # clamped into the sequence's range: the generator writes 1..n, which a
            # descending or bounded identity sequence (START/MINVALUE/MAXVALUE) may not hold
            conn.execute(sql.SQL(
                "SELECT setval({0}::regclass, LEAST(GREATEST(COALESCE(m.v, 1), s.seqmin), "
                "s.seqmax), m.v IS NOT NULL AND m.v BETWEEN s.seqmin AND s.seqmax) "
                "FROM (SELECT max({1})::bigint AS v FROM {2}) m "
                "JOIN pg_catalog.pg_sequence s ON s.seqrelid = {0}::regclass" + KIT_MARK).format(
                sql.Literal(seq), sql.Identifier(c), sql.SQL(_rel(table))))


def _target(design: Design, dsn: str | None) -> tuple[str, str]:
    """(database, dsn): the database ``dsn`` names, or the design's sandbox (recreated)."""
    if dsn is None:
        dbname = create_sandbox(design.name, recreate=True)
        return dbname, server_dsn(None, dbname)
    return dsn_dbname(dsn), dsn


def load(design: Design, *, dsn: str | None = None, scale: float = 1.0,
         rows: Mapping[str, int] | None = None, seed: int = 0, progress: bool = True,
         batch_rows: int = 50_000, plan: DataPlan | None = None,
         defer_constraints: bool = True, verify: bool = True,
         vacuum: bool = False) -> LoadResult:
    """Create ``design``'s tables in a sandbox, fill them with generated data and verify.

    ``dsn`` names the target database, which must be an empty kit sandbox; without it the
    design's own sandbox ``pgarch_<design>`` is (re)created. ``plan`` replaces the plan made
    from ``scale``/``rows``/``seed`` (:func:`pgarch_kit.datagen.plan`), e.g. to pass
    overrides. ``defer_constraints=False`` creates foreign keys and indexes before the data
    (kept for measuring the difference). ``vacuum=True`` ends with ``VACUUM (ANALYZE)``
    instead of ``ANALYZE``: the visibility map is then set, as autovacuum would leave a
    table in steady state, so index-only scans read no heap pages (the benchmarks want that;
    a plain load skips the extra pass). Raises :class:`LoadError` with the server's message
    when PostgreSQL rejects a row (a duplicate key, a failed check or foreign key)."""

    from pgarch_kit.datagen import plan as make_plan
    from pgarch_kit.model.extensions import check_extensions
    from pgarch_kit.model.validate import check

    check(design)
    check_extensions(design, f"load design {design.name!r}")
    dp = plan if plan is not None else make_plan(design, scale=scale, rows=rows, seed=seed)
    # Two loads of one design (two `pgarch seed`, a notebook and the CLI) take turns: the
    # second would otherwise drop the first's database in the middle of its COPY.
    lock_db = sandbox_name(design.name) if dsn is None else dsn_dbname(dsn)
    with sandbox_lock(lock_db, dsn, on_wait=_tell):
        return _load_locked(design, dsn, dp, progress=progress, batch_rows=batch_rows,
                            defer_constraints=defer_constraints, verify=verify, vacuum=vacuum)


# Test hook: called once the load's database is (re)created, with its name; race tests hold
# a load there to show that a second load of the same design waits.
after_target: Callable[[str], None] | None = None


# Sections of the design's DDL that only the kit's own role may run (it makes roles, and
# extensions that PostgreSQL does not mark trusted), from the kit's fixed SQL.
_PRIVILEGED = ("roles", "extensions")


def _apply_pre(parts: list, target: str, runner: str, source: str) -> None:
    """Apply the pre-load DDL in order, each run of sections as the role it needs."""
    import itertools

    import psycopg

    from pgarch_kit.db.apply import apply_sql
    from pgarch_kit.ddl.script import _script
    groups = itertools.groupby((p for p in parts if p.statements),
                               key=lambda p: p.title in _PRIVILEGED)
    for privileged, run in groups:
        sections = list(run)
        with psycopg.connect(target if privileged else runner, autocommit=True) as conn:
            apply_sql(conn, _script(sections),
                      source=f"{source} ({', '.join(s.title for s in sections)})")


def _sandbox_partitions(runner: str, dp: DataPlan, source: str) -> None:
    """Partitions the plan adds for partitioned tables that have none (see
    :mod:`pgarch_kit.datagen.partitions`); the bound text is the plan's own."""
    import psycopg

    from pgarch_kit.db.apply import apply_sql
    stmts = [f"CREATE TABLE {quote_ident(p.schema)}.{quote_ident(p.name)} PARTITION OF "
             f"{quote_ident(p.schema)}.{quote_ident(p.parent)} {p.bound};"
             for p in dp.partitions]
    with psycopg.connect(runner, autocommit=True) as conn:
        apply_sql(conn, "\n".join(stmts), source=f"{source} (sandbox partitions)")


def _tell(message: str) -> None:
    print(f"pgarch: {message}", file=sys.stderr, flush=True)


def _load_locked(design: Design, dsn: str | None, dp: DataPlan, *, progress: bool,
                 batch_rows: int, defer_constraints: bool, verify: bool,
                 vacuum: bool) -> LoadResult:
    import psycopg

    from pgarch_kit.db.apply import apply_sql
    from pgarch_kit.db.verify import verify as run_verify
    from pgarch_kit.ddl.script import _script, load_sections
    check_design_roles_on(dsn, design, f"load design {design.name!r}")
    dbname, target = _target(design, dsn)
    if after_target is not None:
        after_target(dbname)
    guard_destructive(dbname, f"load generated data for design {design.name!r}", dsn=target)
    phases: dict[str, float] = {}
    started = time.perf_counter()
    source = f"design {design.name!r}"
    with psycopg.connect(target, autocommit=True) as admin:
        version = admin.info.server_version
        pre_parts, post_parts = load_sections(design, server_version=version)
        runner = runner_dsn(admin, target)
    if not defer_constraints:  # keys and indexes before the data; triggers still after
        early = ("foreign keys", "indexes", "foreign keys needing unique indexes")
        pre_parts += [s for s in post_parts if s.title in early]
        post_parts = [s for s in post_parts if s.title not in early]
    post = _script(post_parts)
    tick = time.perf_counter()
    _apply_pre(pre_parts, target, runner, source)
    if dp.partitions:
        _sandbox_partitions(runner, dp, source)
    # Everything from here runs the design's own SQL (defaults, checks, triggers, index
    # expressions, views): as the unprivileged runner, never as the kit's superuser.
    with psycopg.connect(runner, autocommit=True) as conn:
        phases["tables"] = time.perf_counter() - tick
        tick = time.perf_counter()
        try:
            with conn.transaction():
                conn.execute("SET LOCAL synchronous_commit = off")
                loaded = _stream(conn, dp, list(dp.order), batch_rows, progress)
                if dp.updates:
                    _apply_updates(conn, dp, batch_rows)
        except psycopg.Error as exc:
            raise LoadError(f"PostgreSQL rejected the generated data for design "
                            f"{design.name!r}: {_server_message(exc)}{_hint(dp, exc)}") from exc
        phases["copy"] = time.perf_counter() - tick
        tick = time.perf_counter()
        if post_parts:
            from pgarch_kit.errors import SqlApplyError
            try:
                apply_sql(conn, post, source=f"{source} (constraints and indexes)")
            except SqlApplyError as exc:
                cause = exc.__cause__ if exc.__cause__ is not None else exc
                raise LoadError(f"the loaded data breaks a constraint or index of design "
                                f"{design.name!r}: {exc}{_hint(dp, cause)}") from exc
        phases["constraints"] = time.perf_counter() - tick
        tick = time.perf_counter()
        # materialized views were created WITH NO DATA before the rows existed: fill them,
        # in creation order (a view over another view comes after it), so the sandbox answers
        # every query pattern
        for v in design.views:
            if v.materialized:
                conn.execute(f"REFRESH MATERIALIZED VIEW {quote_ident(v.schema)}."
                             f"{quote_ident(v.name)}")
        _reset_sequences(conn, dp)
        # the design's relations only: a database-wide ANALYZE also walks every system
        # catalog (0.2 s, most of a small load); a partitioned table covers its partitions
        targets = [_rel(t) for t in design.tables if t.partition_of is None]
        targets += [_rel(v) for v in design.views if v.materialized]
        if targets:
            conn.execute(("VACUUM (ANALYZE) " if vacuum else "ANALYZE ") + ", ".join(targets))
        phases["analyze"] = time.perf_counter() - tick
        seconds = time.perf_counter() - started
        verification = None
        if verify:
            tick = time.perf_counter()
            verification = run_verify(conn, design, dp)
            phases["verify"] = time.perf_counter() - tick
    return LoadResult(dbname, target, loaded, seconds, list(dp.warnings), verification, phases)
