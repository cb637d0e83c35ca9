"""Measured index advice: each candidate built for real, measured, and dropped again."""
from __future__ import annotations

import psycopg
import pytest

from pgarch_kit.bench import BenchError, index_advice
from pgarch_kit.display import index_advice_plot


def _indexes(dsn: str) -> set[str]:
    with psycopg.connect(dsn) as conn:
        return {r[0] for r in conn.execute(
            "SELECT indexname FROM pg_indexes WHERE schemaname = 'public'")}


def test_a_scan_gets_an_index_that_is_measured_and_kept(loaded_shop) -> None:
    before = _indexes(loaded_shop.dsn)
    advice = index_advice(loaded_shop.design, "revenue_since", dsn=loaded_shop.dsn, runs=15,
                          insert_rows=2000)
    assert _indexes(loaded_shop.dsn) == before  # every trial index was dropped again
    kinds = {t.candidate.kind for t in advice.trials}
    assert {"btree", "covering", "brin"} <= kinds
    assert advice.before.plan.seq_scans == ["orders"]
    kept = advice.kept
    assert len(kept) == 1 and kept[0].candidate.kind in ("btree", "covering")
    assert kept[0].used and advice.speedup(kept[0]) >= 1.5
    for t in advice.trials:
        assert t.size_bytes > 0 and t.build_seconds > 0 and t.after.runs == 15
        assert t.insert_us_before > 0 and t.insert_us_after > 0
        assert t.verdict in ("keep", "drop") and t.why
    # B-tree trials cost more per insert than nothing: the scratch copy measured it
    assert max(t.insert_extra_pct for t in advice.trials) > 0
    design = advice.apply(loaded_shop.design)
    names = {i.name for i in design.table("orders").indexes}
    assert any(n.startswith("orders_placed_at") for n in names)
    assert "HypoPG" in str(advice) and "keep" in advice._repr_html_()
    assert index_advice_plot(advice).png()[:4] == b"\x89PNG"


def test_nothing_to_try_is_said(loaded_shop) -> None:
    with pytest.raises(BenchError, match="no index candidates"):
        index_advice(loaded_shop.design, "customer_by_email", dsn=loaded_shop.dsn,
                     only=["gin"])


@pytest.mark.pg15
def test_hypopg_what_if_on_postgresql_15(pg15_dsn: str) -> None:
    import secrets

    from pgarch_kit.db import create_sandbox, drop_sandbox, server_dsn
    from pgarch_kit.db.load import load

    from .conftest import shop
    with psycopg.connect(pg15_dsn) as conn:
        if conn.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'hypopg'"
                        ).fetchone() is None:
            pytest.fail("HypoPG is not installed for PostgreSQL 15: scripts/setup.sh "
                        "installs postgresql-15-hypopg")
    design = shop()
    name = create_sandbox(f"pgarch_test_hypo_{secrets.token_hex(3)}", dsn=pg15_dsn)
    try:
        dsn = server_dsn(pg15_dsn, name)
        load(design, dsn=dsn, seed=2, progress=False, verify=False)
        advice = index_advice(design, "revenue_since", dsn=dsn, runs=10, insert_rows=1000)
        assert advice.hypopg == "used"
        btree = next(t for t in advice.trials if t.candidate.kind == "btree")
        assert btree.hypo is not None and btree.hypo.used
        assert btree.hypo.cost_after < btree.hypo.cost_before
        gin_like = [t for t in advice.trials if t.candidate.index.method == "gin"]
        assert all(t.hypo is None for t in gin_like)  # HypoPG cannot simulate GIN
    finally:
        drop_sandbox(name, dsn=pg15_dsn)
