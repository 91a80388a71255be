"""Outputs are atomic and byte-stable, so DVC sees no change when numbers do not change."""

from __future__ import annotations

import hashlib
import math

import matplotlib
import matplotlib.pyplot as plt
import pytest
import torch

from pdd.infra import plots
from pdd.infra.io import atomic_path, read_json, write_json


def test_json_is_sorted_rounded_and_stable(tmp_path):
    path = tmp_path / "m.json"
    write_json(path, {"b": 1 / 3, "a": [2.0, {"z": 0.1 + 0.2}]})
    first = path.read_bytes()
    write_json(path, {"a": [2.0, {"z": 0.30000000000000004}], "b": 0.333333333})
    assert path.read_bytes() == first
    assert list(read_json(path)) == ["a", "b"]


def test_json_refuses_non_finite(tmp_path):
    with pytest.raises(ValueError, match="non-finite"):
        write_json(tmp_path / "m.json", {"acc": math.nan})
    assert not (tmp_path / "m.json").exists()


def test_atomic_path_leaves_nothing_on_failure(tmp_path):
    target = tmp_path / "out.txt"
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("killed")
    assert list(tmp_path.iterdir()) == []


def test_figures_are_byte_identical_for_the_same_data(tmp_path):
    digests = []
    for run in range(2):
        plots.apply_theme()
        fig, ax = plt.subplots(figsize=(2, 2))
        ax.plot([1, 2, 3], [3, 1, 2])
        written = plots.save(fig, tmp_path / f"run{run}" / "fig")
        digests.append([hashlib.md5(p.read_bytes()).hexdigest() for p in written])
    assert digests[0] == digests[1]


def test_figures_saved_before_the_theme_are_byte_identical_too(tmp_path):
    digests = []
    for run in range(2):
        with matplotlib.rc_context():  # restores the settings other tests see
            matplotlib.rcdefaults()  # e.g. a stage's image grid, saved before apply_theme()
            fig = plots.image_grid(
                torch.rand(4, 1, 8, 8, generator=torch.Generator().manual_seed(0)), rows=2
            )
            written = plots.save(fig, tmp_path / f"run{run}" / "grid")
        digests.append([hashlib.md5(p.read_bytes()).hexdigest() for p in written])
    assert digests[0] == digests[1]


def test_image_grid_shapes(tmp_path):
    images = torch.rand(6, 1, 8, 8)
    fig = plots.image_grid(images, rows=2, titles=["a", "b"])
    (axes,) = fig.axes  # one picture of 2 rows x 3 images, 2 px apart
    assert axes.images[0].get_array().shape == (2 * 8 + 2, 3 * 8 + 2 * 2)
    assert [label.get_text() for label in axes.get_yticklabels()] == ["a", "b"]
    plots.save(fig, tmp_path / "grid")
    assert (tmp_path / "grid.png").stat().st_size > 0


def test_saved_tensors_are_byte_identical_whatever_the_file_name(tmp_path):
    import torch

    from pdd.infra import checkpoint
    from pdd.infra.io import save_torch

    payload = {"x": torch.arange(6.0).view(2, 3), "n": 3}
    first = save_torch(payload, tmp_path / "a.pt")
    second = save_torch(payload, tmp_path / "other" / "b.pt")
    checkpoint.save(payload, tmp_path / "c.pt")
    assert first.read_bytes() == second.read_bytes() == (tmp_path / "c.pt").read_bytes()
    assert torch.equal(checkpoint.load(second)["x"], payload["x"])
