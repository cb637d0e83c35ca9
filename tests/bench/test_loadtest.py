"""pgbench load tests: generated scripts, real runs, parsed logs, pool advice."""
from __future__ import annotations

import json

import pytest

from pgarch_kit.bench import BenchError, load_test
from pgarch_kit.bench.pgbench import (
    Script,
    _check_log,
    _parse_summary,
    run_pgbench,
    sampling_rate,
    weights,
)
from pgarch_kit.display import load_test_plot

from .conftest import shop


def test_weights_follow_per_second() -> None:
    assert weights([100, 50, None, 0.5]) == [664, 332, 1, 3]
    assert weights([None, None]) == [1, 1]


SUMMARY = """pgbench (18.6)
transaction type: multiple scripts
number of transactions actually processed: 59
number of failed transactions: 2 (3.279%)
latency average = 0.370 ms
tps = 5408.378403 (without initial connection time)
SQL script 1: /tmp/01_a.sql
 - weight: 9 (targets 90.0% of total)
 - 50 transactions (84.7% of total)
 - number of transactions actually processed: 50 (tps = 4583.4)
 - number of failed transactions: 0 (0.000%)
 - statement latencies in milliseconds and failures:
         0.001           0 \\set id random(1, 100000)
         0.277           0 SELECT v FROM t WHERE id = :id;
SQL script 2: /tmp/02_b.sql
 - weight: 1 (targets 10.0% of total)
 - 9 transactions (15.3% of total)
 - number of transactions actually processed: 9 (tps = 825.0)
 - number of failed transactions: 2 (18.182%)
 - statement latencies in milliseconds and failures:
         0.050           0 SELECT x FROM pgarch_bench.q_b WHERE pgarch_n = :pgarch_n \\gset
         1.500           2 SELECT 1 FROM u WHERE x = :x;
"""


def test_summary_and_log_checks() -> None:
    s = _parse_summary(SUMMARY, [Script("a", ""), Script("b", "")])
    assert (s.tps, s.processed, s.failed) == (5408.378403, 59, 2)
    assert s.per_script == {"a": 50, "b": 9}
    assert s.statement_ms == {"a": 0.277, "b": 1.5}  # the pattern's SQL, not the \\gset
    with pytest.raises(BenchError, match="could not read pgbench's summary"):
        _parse_summary("pgbench: fatal", [])
    _check_log(1000, 1000, 1.0)
    _check_log(98, 1000, 0.1)
    with pytest.raises(BenchError, match="log holds 30 transactions"):
        _check_log(30, 1000, 0.1)
    assert sampling_rate(None) == 1.0 and sampling_rate(2000) == 1.0
    assert sampling_rate(80_000) == pytest.approx(0.05)


def test_short_load_test_is_parsed(loaded_shop) -> None:
    lt = load_test(loaded_shop.design, clients=(1, 2), duration=2, dsn=loaded_shop.dsn,
                   progress=False, per_statement=True)
    assert [r.clients for r in lt.runs] == [1, 2]
    for r in lt.runs:
        assert r.tps > 0 and r.transactions > 0 and r.failed == 0
        # pgbench's per-script counts add up (its per-script tally may miss the few
        # transactions that end as -T expires); the (sampled) log holds its share
        assert r.transactions * 0.999 <= sum(r.per_script.values()) <= r.transactions
        assert 0 < r.sampling_rate <= 1
        assert abs(r.latency_ms.size - r.transactions * r.sampling_rate) \
            <= 6 * (r.transactions * r.sampling_rate) ** 0.5 + 1
        assert set(r.script_of) == {0, 1, 2, 3}  # all four patterns ran
        p = r.percentiles()
        assert 0 < p["p50"] <= p["p95"] <= p["p99"]
        assert len(r.per_second()) >= 1 and (r.per_second()["tps"] > 0).all()
        assert set(r.statement_ms) == set(lt.patterns)
    frame = lt.pattern_frame()
    assert set(frame["pattern"]) == set(lt.patterns) and (frame["transactions"] > 0).all()
    a = lt.advice
    assert a.target_tps == 172 and a.service_ms > 0 and a.knee_clients in (1, 2)
    assert a.busy_connections == pytest.approx(172 * a.service_ms / 1000)
    assert "default_pool_size" in str(lt) and "Little" in lt._repr_html_()
    json.dumps(lt.to_dict())  # plain data
    assert load_test_plot(lt).png()[:4] == b"\x89PNG"


def test_a_failing_script_fails_the_run(loaded_shop) -> None:
    bad = Script("bad", "SELECT 1 / 0;\n")
    with pytest.raises(BenchError, match="division by zero"):
        run_pgbench(loaded_shop.dsn, [bad], clients=1, duration=1)


def test_too_many_clients_are_refused_before_running(loaded_shop) -> None:
    with pytest.raises(BenchError, match="max_connections"):
        load_test(loaded_shop.design, clients=(5000,), duration=1, dsn=loaded_shop.dsn,
                  progress=False)


def test_load_test_refuses_a_database_that_is_not_a_sandbox(pg_dsn: str) -> None:
    from pgarch_kit.db import server_dsn
    from pgarch_kit.errors import UnsafeOperationError
    with pytest.raises(UnsafeOperationError):
        load_test(shop(), clients=(1,), duration=1, dsn=server_dsn(pg_dsn, "postgres"),
                  progress=False)
