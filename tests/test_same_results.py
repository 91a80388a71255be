"""Two runs compare equal when only their timing differs, and not when a result does."""

from __future__ import annotations

import json

import pandas as pd
import torch

from benchmarks.same_results import compare, is_timing


def write_run(root, *, lr: float, seconds: float) -> None:
    folder = root / "artifacts" / "distill"
    folder.mkdir(parents=True)
    torch.save({"images": torch.ones(2, 1, 4, 4), "lr": torch.tensor(lr)}, folder / "stage_1.pt")
    metrics = {"best_val": 50.0, "seconds": seconds, "runs": [{"distill_seconds": seconds}]}
    (folder / "metrics.json").write_text(json.dumps(metrics))
    table = pd.DataFrame({"test_acc": [70.0, float("nan")], "alone_distill_s": [seconds, 1.0]})
    table.to_csv(folder / "scores.csv", index=False)
    (root / "reports").mkdir()
    (root / "reports" / "run.ipynb").write_text(str(seconds))  # timestamps: skipped


def test_runs_that_differ_only_in_timing_are_the_same(tmp_path):
    write_run(tmp_path / "a", lr=0.01, seconds=3.0)
    write_run(tmp_path / "b", lr=0.01, seconds=4.5)
    found = compare(tmp_path / "a", tmp_path / "b")
    assert found["compared"] == {".pt": 1, ".json": 1, ".csv": 1}
    assert found["differ"] == [] and found["only_first"] == found["only_second"] == []


def test_a_changed_result_or_a_missing_file_is_named(tmp_path):
    write_run(tmp_path / "a", lr=0.01, seconds=3.0)
    write_run(tmp_path / "b", lr=0.02, seconds=3.0)
    (tmp_path / "b" / "artifacts" / "extra.json").write_text("{}")
    found = compare(tmp_path / "a", tmp_path / "b")
    assert found["differ"] == ["artifacts/distill/stage_1.pt"]
    assert found["only_second"] == ["artifacts/extra.json"]


def test_timing_keys_are_named_by_their_words():
    assert all(map(is_timing, ["seconds", "wall_seconds", "pdd_distill_s", "date", "machine"]))
    assert not any(map(is_timing, ["test_acc", "best_val", "stages", "lr"]))
