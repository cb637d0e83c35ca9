"""A real streaming replica on this machine, measured under a write load."""
from __future__ import annotations

from pathlib import Path

from pgarch_kit.bench.replica import replica_lag
from pgarch_kit.display import replica_lag_plot
from pgarch_kit.model.serde import load_design

ROOT = Path(__file__).resolve().parents[2]


def test_replica_streams_and_its_lag_is_measured() -> None:
    design = load_design(ROOT / "data" / "designs" / "saas.yaml")
    lag = replica_lag(design, scale=0.005, clients=2, duration=2, probes=20)
    assert lag.run is not None and lag.run.tps > 0 and lag.run.transactions > 0
    assert len(lag.samples) >= 5
    # the replica replays: the age of its last replayed commit stays small and is measured
    ages = [a for _, _, a in lag.samples if a is not None]
    assert ages and min(ages) >= 0
    assert len(lag.visible_ms) == 20 and all(0 <= v < 10_000 for v in lag.visible_ms)
    assert "streaming replica of" in str(lag)
    assert replica_lag_plot(lag).png()[:4] == b"\x89PNG"
