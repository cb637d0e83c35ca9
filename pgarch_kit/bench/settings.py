"""A configuration plan tried on the sandbox: the settings a database may take for itself
applied with ``ALTER DATABASE … SET`` (new sessions pick them up; the server and every other
database are untouched), the design's query patterns timed before and after, and the
settings that need ``postgresql.conf`` and a restart listed, not applied.
"""
from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ._html import table
from .target import resolve_target
from .timing import Timings, time_patterns

if TYPE_CHECKING:
    from pgarch_kit.model import Design
    from pgarch_kit.scale.config import ConfigPlan

__all__ = ["SettingsTrial", "server_choices", "try_settings"]


def server_choices(conn: Any) -> dict[str, list[str]]:
    """The values each enum setting of this server accepts (``pg_settings.enumvals``), for
    :func:`pgarch_kit.scale.config.configure` to fit a plan to this build."""
    return {name: list(vals) for name, vals in conn.execute(
        "SELECT name, enumvals FROM pg_settings WHERE enumvals IS NOT NULL").fetchall()}


@dataclass
class SettingsTrial:
    database: str
    applied: list[tuple[str, str, str]] = field(default_factory=list)   # name, before, after
    skipped: list[tuple[str, str, str]] = field(default_factory=list)   # name, value, why
    before: Timings | None = None
    after: Timings | None = None
    kept: bool = False

    def frame(self) -> Any:
        import pandas as pd
        rows = []
        for b in self.before or ():
            a = self.after[b.pattern] if self.after else None
            rows.append({"pattern": b.pattern, "median before": b.median_ms,
                         "median after": a.median_ms if a else None,
                         "p95 before": b.p95_ms, "p95 after": a.p95_ms if a else None,
                         "plan before": b.plan.summary() if b.plan else "",
                         "plan after": a.plan.summary() if a and a.plan else ""})
        return pd.DataFrame(rows)

    def __str__(self) -> str:
        lines = [f"settings tried on {self.database}: "
                 + ", ".join(f"{n} {b} -> {a}" for n, b, a in self.applied)]
        for _, r in self.frame().iterrows():
            lines.append(f"  {r['pattern']:<32} median {r['median before']:.3f} -> "
                         f"{r['median after']:.3f} ms, p95 {r['p95 before']:.3f} -> "
                         f"{r['p95 after']:.3f} ms")
        lines += [f"  not applied: {n} = {v} ({why})" for n, v, why in self.skipped]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        applied = table(("setting", "sandbox had", "tried"), self.applied)
        rows = []
        for _, r in self.frame().iterrows():
            change = r["median after"] / r["median before"] if r["median before"] else 1.0
            rows.append((r["pattern"], f"{r['median before']:.3f}", f"{r['median after']:.3f}",
                         f"{change:.2f}×", f"{r['p95 before']:.3f}", f"{r['p95 after']:.3f}",
                         r["plan after"] if r["plan after"] != r["plan before"] else "same"))
        timings = table(("pattern", "median before", "median after", "after/before",
                         "p95 before", "p95 after", "plan after"), rows)
        skipped = "".join(f"<li><code>{html.escape(n)} = {html.escape(v)}</code> — "
                          f"{html.escape(w)}</li>" for n, v, w in self.skipped)
        return (f"<div><b>Settings tried on {html.escape(self.database)}</b> "
                f"({'kept' if self.kept else 'reset afterwards'})</div>{applied}{timings}"
                + (f"<div>Not applied here:<ul>{skipped}</ul></div>" if skipped else ""))


def try_settings(design: Design, plan: ConfigPlan, *, dsn: str | None = None, runs: int = 30,
                 keep: bool = False) -> SettingsTrial:
    """Time the design's patterns, apply the plan's per-session settings to the sandbox
    database (and its per-table autovacuum settings), time them again; ``keep=False`` puts
    the database settings back afterwards."""
    import psycopg
    from psycopg import sql

    from pgarch_kit.db.sandbox import guard_destructive
    target = resolve_target(design, dsn)
    guard_destructive(target.dbname, "change database settings", dsn=target.dsn)
    trial = SettingsTrial(target.dbname)
    with psycopg.connect(target.dsn, autocommit=True) as conn:
        context = dict(conn.execute("SELECT name, context FROM pg_settings").fetchall())
        settable = [s for s in plan.settings if context.get(s.name) in ("user", "superuser")]
        for s in plan.settings:
            if s not in settable:
                why = ("not a setting of this server version" if s.name not in context else
                       f"{context[s.name]}-level: set in postgresql.conf"
                       + (" and restart" if context[s.name] == "postmaster" else " and reload"))
                trial.skipped.append((s.name, s.value, why))
        _reset(conn, target.dbname, settable)  # "before" is the server's own settings
        current = dict(conn.execute("SELECT name, current_setting(name) FROM pg_settings"
                                    ).fetchall())
    trial.before = time_patterns(design, dsn=target.dsn, runs=runs)
    applied = []
    try:
        with psycopg.connect(target.dsn, autocommit=True) as conn:
            for s in settable:
                try:
                    conn.execute(sql.SQL("ALTER DATABASE {} SET {} = {}").format(
                        sql.Identifier(target.dbname), sql.Identifier(s.name),
                        sql.Literal(s.value)))
                except psycopg.Error as exc:  # e.g. lz4 on a server built without it
                    trial.skipped.append((s.name, s.value, f"this server refuses it: "
                                          f"{exc.diag.message_primary}"))
                    continue
                applied.append(s)
                trial.applied.append((s.name, current.get(s.name, "?"), s.value))
            for t in plan.tables:
                table_obj = design.table(t.table)
                if table_obj is not None:
                    conn.execute(f"ALTER TABLE {_rel(table_obj)} SET ({', '.join(t.options)})")
        trial.after = time_patterns(design, dsn=target.dsn, runs=runs)
    finally:
        if not keep:
            with psycopg.connect(target.dsn, autocommit=True) as conn:
                _reset(conn, target.dbname, applied)
    trial.kept = keep
    return trial


def _reset(conn: Any, dbname: str, settings: list) -> None:
    """Remove these per-database settings (never RESET ALL: the sandbox marker is one)."""
    from psycopg import sql
    for s in settings:
        conn.execute(sql.SQL("ALTER DATABASE {} RESET {}").format(
            sql.Identifier(dbname), sql.Identifier(s.name)))


def _rel(t: Any) -> str:
    from pgarch_kit.model.names import quote_ident
    return f"{quote_ident(t.schema)}.{quote_ident(t.name)}"
