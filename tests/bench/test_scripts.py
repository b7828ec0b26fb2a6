"""The benchmark scripts run end to end on tiny data sets (figures are not checked here)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from evaluation import runner
from paymatch import Matcher
from shopdata import GeneratorConfig, generate, write

BENCH = Path(__file__).resolve().parents[2] / "bench"


def _script(name: str, *args: str, data: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PAYMATCH_BENCH_DATA": str(data)}
    return subprocess.run(
        [sys.executable, str(BENCH / name), *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=600,
    )


def test_accuracy_script_reports_both_forms(tmp_path: Path) -> None:
    out = tmp_path / "figures.json"
    config = tmp_path / "paymatch.toml"
    config.write_text("[match.decision]\nassign_threshold = 0.999\n", encoding="utf-8")
    args = ("--orders", "1500", "--postings", "300", "--seeds", "3", "--json", str(out))
    args += ("--config", str(config))
    done = _script("accuracy.py", *args, "--show-errors", "3", "--tags", data=tmp_path / "d")
    assert done.returncode == 0, done.stderr
    assert "| exact |" in done.stdout
    figures = json.loads(out.read_text(encoding="utf-8"))
    for mode in ("batch", "incremental"):
        overall = figures[mode]["all"]
        assert overall["postings"] == 300
        assert overall["automatic_correct"] + overall["automatic_wrong"] == overall["automatic"]
        assert sum(overall["decisions"].values()) == 300


def test_speed_script_measures_a_small_size(tmp_path: Path) -> None:
    out = tmp_path / "speed.json"
    done = _script(
        "speed.py", "--sizes", "2000", "--postings", "200", "--json", str(out), data=tmp_path
    )
    assert done.returncode == 0, done.stderr
    (run,) = json.loads(out.read_text(encoding="utf-8"))["runs"]
    assert (run["orders"], run["postings"]) == (2000, 200)
    assert run["peak_rss_gb"] >= run["rss_after_index_gb"] > 0
    assert run["total_s"] == pytest.approx(run["index_s"] + run["match_s"])
    assert run["load_index_s"] >= run["index_s"]
    assert run["form"] == "incremental"
    thawed = _script("speed.py", "--sizes", "2000", "--postings", "200", "--thawed", data=tmp_path)
    assert thawed.returncode == 0, thawed.stderr
    assert "incremental, thawed" in thawed.stdout


def test_a_crash_of_the_matcher_is_reported_not_swallowed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(generate(GeneratorConfig(seed=2, orders=400, postings=60)), tmp_path)
    data = runner.load(tmp_path)
    victim = sorted(p.id for p in data.postings)[7]

    class Fragile(Matcher):
        def index(self, orders: Any, *, history: Any = None) -> Any:
            real = super().index(orders, history=history)

            class Index:
                def match(self, posting: Any) -> Any:
                    if posting.id == victim:
                        raise IndexError("boom")
                    return real.match(posting)

                def match_batch(self, postings: Any) -> Any:
                    return [self.match(posting) for posting in postings]

            return Index()

    monkeypatch.setattr(runner, "Matcher", Fragile)
    for run in (runner.run_incremental(data), runner.run_batch(data)):
        assert run.crashes == {victim: "IndexError: boom"}
        outcomes = {o.posting_id: o.decision for o in run.outcomes()}
        assert outcomes[victim] == runner.CRASHED
        assert len(outcomes) == len(data.postings)


def test_index_memory_script_weighs_an_index(tmp_path: Path) -> None:
    write(generate(GeneratorConfig(seed=2, orders=300, postings=30)), tmp_path)
    done = _script("index_memory.py", str(tmp_path), data=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "300 orders indexed" in done.stdout
    assert "objects the collector tracks for it" in done.stdout


def test_index_churn_script_leaves_the_store_alone(tmp_path: Path) -> None:
    store = tmp_path / "store.db"
    url = f"sqlite:///{store}"
    intake = ("--orders", "300", "--postings", "30", "--phase", "intake", url)
    made = _script("bench_store.py", *intake, data=tmp_path)
    assert made.returncode == 0, made.stderr
    before = store.read_bytes()
    done = _script("store_index_churn.py", str(store), "--updates", "100", data=tmp_path)
    assert done.returncode == 0, done.stderr
    assert [line.split(" CPU")[0].strip() for line in done.stdout.splitlines()] == [
        "every index",
        "without ix_orders_seq",
        "without ix_orders_state",
        "without ix_orders_next_due_at",
        "without all three",
    ]
    assert store.read_bytes() == before
