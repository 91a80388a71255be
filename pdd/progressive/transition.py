"""The transition between PDD stages: every expert's start trained on the union so far
(S_1 ∪ … ∪ S_i, at that stage's learned step size), then, for trajectory methods, on real
data: the next stage's buffer. Networks are kept with a fingerprint of their union, so a
resumed run skips them and a changed union trains them afresh."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

import torch
from torch import Tensor, nn

from pdd.core.buffers import generate_buffers
from pdd.core.forgetting import correct_by_all
from pdd.core.synthetic import SyntheticStage, union
from pdd.core.train import predict
from pdd.core.trajectory import Trajectory, flatten_params
from pdd.data.tensors import Splits
from pdd.infra import checkpoint, phases
from pdd.infra.runtime import derive_seed
from pdd.infra.workers import parallel_map
from pdd.progressive.setup import StageSetup, train_from


def transition(
    setup: StageSetup,
    stages: list[SyntheticStage],
    starts: list[Tensor],
    index: int,
    work: Path,
    with_trajectories: bool = True,
) -> tuple[list[Tensor], list[Trajectory], Splits]:
    """Train each start on S_≤i with α_i; for trajectory methods continue on real data:
    stage i+1's buffer. Matching methods start their networks from the new starts.
    Also returns the real data stage i+1 learns from (correct-by-all applied)."""
    with phases.phase("transition"):
        return _transition(setup, stages, starts, index, work, with_trajectories)


def _transition(
    setup: StageSetup,
    stages: list[SyntheticStage],
    starts: list[Tensor],
    index: int,
    work: Path,
    with_trajectories: bool,
) -> tuple[list[Tensor], list[Trajectory], Splits]:
    images, labels = union(stages)
    networks = transition_networks(setup, images, labels, stages[-1].lr, starts, index, work)
    new_starts = [flatten_params(model) for model in networks]
    real = setup.real_data(index + 1)
    if setup.keep_learned is not None:
        real = drop_learned(
            real, networks, setup.keep_learned, derive_seed(setup.seed, "cba", index)
        )
    if not with_trajectories:
        return new_starts, [], real
    return new_starts, transition_buffers(setup, new_starts, real, index, work), real


def transition_buffers(
    setup: StageSetup, starts: list[Tensor], real: Splits, index: int, work: Path
) -> list[Trajectory]:
    """Stage `index + 2`'s trajectories: each start trained on the real data `real`. Kept
    in `work` in a folder named by a fingerprint of the starts, the data and the experts'
    settings, so a resumed run finishes them and other starts (a stage distilled again)
    or other data never reuse them."""
    seed = derive_seed(setup.seed, "transition-buffer", index)
    settings = repr((setup.experts, seed, tuple(real.train_x.shape)))
    fingerprint = tensor_fingerprint([*starts, real.train_y], settings)
    return generate_buffers(
        setup.make_model,
        len(starts),
        real,
        setup.experts,
        seed=seed,
        folder=work / f"buffer_stage{index + 2}-{fingerprint[:12]}",
        augment=setup.augment,
        starts=starts,
        progress=False,
        score=False,  # its accuracy is never read; scoring 6 experts on 15k images is ~30 s
    )


def transition_networks(
    setup: StageSetup,
    images: Tensor,
    labels: Tensor,
    lr: float,
    starts: list[Tensor],
    index: int,
    work: Path,
) -> list[nn.Module]:
    """Each start trained on the union S_≤i at step `lr`, over the workers. Kept in `work`
    with a fingerprint of what they were trained on, so a resumed run skips this (minutes
    per transition) and a changed union (a stage distilled again) trains them afresh."""
    path = work / f"transition_stage{index + 2}.pt"
    fingerprint = union_fingerprint(images, labels, lr, starts)
    seeds = [derive_seed(setup.seed, "transition", index, k) for k in range(len(starts))]
    saved = checkpoint.load_or_none(path)
    if saved is not None and saved.get("fingerprint") == fingerprint:
        return loaded(setup, seeds, saved["networks"], images.device)

    def trained_state(k: int) -> dict[str, Tensor]:
        start = starts[k].to(images.device)
        model = train_from(setup, start, images, labels, lr, setup.transition_epochs, seeds[k])
        # state_dict, not flat parameters: batch-norm statistics matter to correct-by-all.
        return {name: t.detach().cpu() for name, t in model.state_dict().items()}

    states = parallel_map(trained_state, range(len(starts)))
    checkpoint.save({"fingerprint": fingerprint, "networks": states}, path)
    return loaded(setup, seeds, states, images.device)


def loaded(
    setup: StageSetup, seeds: list[int], states: list[dict[str, Tensor]], device: torch.device
) -> list[nn.Module]:
    """The networks built with `seeds`, holding the trained `states`."""
    models = [setup.make_model(seed) for seed in seeds]
    for model, state in zip(models, states, strict=True):
        model.load_state_dict(state)
    return [model.to(device) for model in models]


def union_fingerprint(images: Tensor, labels: Tensor, lr: float, starts: list[Tensor]) -> str:
    return tensor_fingerprint([images, labels, torch.as_tensor(float(lr)), *starts])


def tensor_fingerprint(tensors: list[Tensor], text: str = "") -> str:
    """A digest of the tensors' values (and of `text`, when given)."""
    digest = hashlib.sha256()
    for tensor in tensors:
        digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    if text:
        digest.update(text.encode())
    return digest.hexdigest()


def drop_learned(data: Splits, networks: list[nn.Module], keep: float, seed: int) -> Splits:
    """The training split without the examples every network classifies correctly, each of
    those kept with probability `keep` instead (the paper's correct-by-all dropping)."""
    predictions = [predict(network, data.train_x) for network in networks]
    learned = correct_by_all(predictions, data.train_y).cpu()
    chance = torch.rand(len(learned), generator=torch.Generator().manual_seed(seed))
    kept = (~learned | (chance < keep)).nonzero().flatten().to(data.train_y.device)
    return replace(data, train_x=data.train_x[kept], train_y=data.train_y[kept])
