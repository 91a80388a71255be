"""The benchmark suite on tiny settings: the project's unrolls give the reference's loss
and gradients, sharded expert generation and evaluation equal the single-process run, and
the summary page renders from what the scripts wrote."""

from __future__ import annotations

import json

import pytest
import torch

from benchmarks import mtt_unroll, scale_out, summary
from pdd.infra.distributed import World, map_sharded


@pytest.mark.parametrize(("dtype", "tolerance"), [(torch.float64, 1e-9), (torch.float32, 1e-4)])
def test_project_unrolls_give_the_reference_gradients(dtype, tolerance):
    report = mtt_unroll.gradient_check(width=4, steps=3, dtype=dtype)
    assert set(report) == {"graph", "adjoint"}
    for diffs in report.values():
        assert max(diffs.values()) < tolerance, diffs


def test_reference_gradients_are_not_trivial():
    loss, image_grad, lr_grad = mtt_unroll.iteration(mtt_unroll.make_problem(4, 3), "reference")
    assert loss > 0 and image_grad.abs().sum() > 0 and lr_grad.abs() > 0


def test_a_world_of_one_maps_in_order():
    assert map_sharded(lambda x: x * x, [3, 1, 2], World()) == [9, 1, 4]
    assert [i for i in range(5) if World(rank=1, size=2).owns(i)] == [1, 3]


def test_sharded_runs_equal_the_single_process_run(tmp_path):
    tiny = ["--experts", "3", "--expert-epochs", "1", "--expert-images", "100"]
    tiny += ["--eval-seeds", "3", "--eval-epochs", "2", "--eval-ipc", "2"]
    out = tmp_path / "scaling.json"
    scale_out.main(["--out", str(out), "--workers", "1", "2", "--cores", "1", "--", *tiny])
    result = json.loads(out.read_text())
    assert result["identical_to_single_process"] == {
        "experts": True,
        "evaluation": True,
        "compared_workers": [1, 2],
    }
    summary.main(["--folder", str(tmp_path)])
    page = (tmp_path / "README.md").read_text()
    assert "| experts | 2 | 1 |" in page and (tmp_path / "scaling.png").exists()


def test_every_stage_speed_measurement_gets_its_rows_oldest_first(tmp_path):
    def measurement(date, before_s, after_s):
        row = {"stage": "evaluate", "before": {"seconds": before_s}, "after": {"seconds": after_s}}
        return {
            "command": f"python -m benchmarks.stage_speed --out {date}.json",
            "date": f"{date}T01:00:00+00:00",
            "machine": {"cpu": "AMD EPYC", "cores": 2, "gpu": None, "torch": "2"},
            "commits": {"before": "aaaaaaa", "after": "bbbbbbb"},
            "stages": [{**row, "speedup": round(before_s / after_s, 2)}],
        }

    for name, date, times in [("stage_speed_b", "2026-12-01", (900, 500)),
                              ("stage_speed", "2026-12-07", (660, 368))]:  # fmt: skip
        (tmp_path / f"{name}.json").write_text(json.dumps(measurement(date, *times)))
    summary.main(["--folder", str(tmp_path)])
    page = (tmp_path / "README.md").read_text()
    run = "| AMD EPYC, 2 cores | evaluate | aaaaaaa | bbbbbbb |"
    first, second = (
        f"| 2026-12-01 01:00 {run} 900 | 500 | 1.80× |",
        f"| 2026-12-07 01:00 {run} 660 | 368 | 1.79× |",
    )
    assert first in page and second in page and page.index(first) < page.index(second)
    assert page.index("2026-12-01.json`") < page.index("2026-12-07.json`")
