"""Resumable state: atomic checkpoints, distrust of torn files, one run per piece of work,
and no `torch.load` anywhere that could execute code from a file."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import torch

from pdd.infra import checkpoint
from pdd.infra.paths import ROOT


def test_save_load_round_trip_leaves_no_temporary_files(tmp_path):
    checkpoint.save({"x": torch.arange(3), "step": 7}, tmp_path / "state.pt")
    loaded = checkpoint.load(tmp_path / "state.pt")
    assert torch.equal(loaded["x"], torch.arange(3)) and loaded["step"] == 7
    assert [p.name for p in tmp_path.iterdir()] == ["state.pt"]


@pytest.mark.parametrize("content", [b"", b"PK\x03\x04 torn", b"not a checkpoint"])
def test_unreadable_checkpoint_is_ignored_with_a_warning(tmp_path, content):
    (tmp_path / "state.pt").write_bytes(content)
    with pytest.warns(UserWarning, match="state.pt: unreadable checkpoint ignored"):
        assert checkpoint.load_or_none(tmp_path / "state.pt") is None
    assert checkpoint.load_or_none(tmp_path / "absent.pt") is None


def test_a_checkpoint_holding_code_is_refused(tmp_path):
    torch.save({"hook": Path}, tmp_path / "state.pt")  # a pickled class, not plain tensors
    with pytest.warns(UserWarning, match="unreadable checkpoint ignored"):
        assert checkpoint.load_or_none(tmp_path / "state.pt") is None


def test_one_holder_per_lock(tmp_path):
    with checkpoint.exclusive(tmp_path, "expert_000"):
        with pytest.raises(checkpoint.FolderBusy, match="expert_000 is in use by another run"):
            with checkpoint.exclusive(tmp_path, "expert_000"):
                pass
        with checkpoint.exclusive(tmp_path, "expert_001"):  # another shard's piece: fine
            pass
    with checkpoint.exclusive(tmp_path, "expert_000"):  # released with its holder
        pass


def torch_load_calls(path: Path):
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "load"
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "torch"
        ):
            yield node


def test_every_torch_load_is_weights_only():
    sources = [*(ROOT / "pdd").rglob("*.py"), *(ROOT / "notebooks").glob("*.py")]
    unsafe = [
        f"{path.relative_to(ROOT)}:{call.lineno}"
        for path in sources
        for call in torch_load_calls(path)
        if not any(
            k.arg == "weights_only" and isinstance(k.value, ast.Constant) and k.value.value is True
            for k in call.keywords
        )
    ]
    assert not unsafe, f"torch.load without weights_only=True: {unsafe}"
    assert any(True for path in sources for _ in torch_load_calls(path))  # the scan sees them
