# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 06b · Easy-example dropping: later stages learn from the hardest examples
#
# One drop rate per run (`python -m pdd easy_drop --item rate=R`; DVC runs
# `easy_drop@<R>` for every R in `easy_drop.drop_rates`). Stage 1 is learnt as in the main
# run; every later stage draws its initial images, and its transition trajectories (the
# experts that continue on real data from the networks trained on the earlier union), from
# the training split without its easiest fraction R of every class (forgetting statistics,
# notebook 06a). Rate 0 is the main run: its published progressive set is reused.
# Evaluation as in notebook 05: progressively, `evaluate.stage_epochs` per stage,
# `easy_drop.num_seeds` networks.
# Trajectory matching (MTT) only: the matching methods draw real batches inside the
# distiller, which this notebook does not restrict.
#
# `rate=correct-by-all` (DVC: `easy_drop_correct`) is the paper's other criterion: before
# each later stage, the real examples that every transition network (trained on the union
# so far) classifies correctly are dropped, each kept with probability
# `easy_drop.correct_by_all_keep` instead (the official MTT code keeps 0.2). What is
# dropped then depends on the stage, so the notebook records the examples each stage learnt
# from.
#
# Writes `artifacts/easy_drop/<R>/`: the set (when distilled here), `progressive.csv`,
# `metrics.json` (accuracy, the fraction of real data later stages learn from, seconds).

# %%
import dataclasses

import torch

from pdd.analyses.variant_run import distil_progressive, reuse_published, score_progressively
from pdd.config.context import context_from
from pdd.core.forgetting import keep_hardest
from pdd.infra.io import write_csv, write_json
from pdd.pipeline.inputs import stage_inputs

# %% tags=["parameters"]
inputs = None  # the runner's {"params", "item", "workdir"}; None: params.yaml, defaults

# %%
params, item, ws = stage_inputs("easy_drop", inputs)
rate = item.rate

# %%
ctx = context_from(params, ws.prepared)
published = ws.reports  # the published progressive set of the main run
out_dir = ws.artifacts / "easy_drop" / str(rate)
method, keep = params.distill.method, params.easy_drop.correct_by_all_keep
if method != "mtt":
    raise ValueError(f"distill.method: easy-example dropping runs with mtt, got {method}")
CORRECT_BY_ALL = "correct-by-all"
by_forgetting = rate != CORRECT_BY_ALL
train_size = len(ctx.data.train_y)
if by_forgetting:
    easiness = torch.load(ws.artifacts / "forgetting" / "easiness.pt", weights_only=True)
    kept = keep_hardest(ctx.data.train_y.cpu(), easiness["easiness"], rate)
    kept = kept.to(ctx.data.train_y.device)
    later_data = dataclasses.replace(
        ctx.data, train_x=ctx.data.train_x[kept], train_y=ctx.data.train_y[kept]
    )
    print(f"rate {rate}: later stages learn from {len(kept)} of {train_size} examples")
else:
    later_data = None
    print(f"correct-by-all: learnt examples kept with probability {keep}")

# %% [markdown]
# ## The set: the main run's for rate 0, distilled here otherwise

# %%
if rate == 0 and (published / "distill" / "progressive").is_dir():
    variant = reuse_published(published, "distill/progressive")
else:
    variant = distil_progressive(
        params,
        ctx,
        artifacts=ws.artifacts,
        work_name=f"easy-drop-{rate}",
        out_dir=out_dir,
        later_data=later_data,
        keep_learned=None if by_forgetting else keep,
    )
print(variant.origin, [s.ipc for s in variant.stages])

# %% [markdown]
# ## Progressive evaluation

# %%
rows, final = score_progressively(
    variant,
    ctx,
    stage_epochs=params.evaluate.stage_epochs,
    num_seeds=params.easy_drop.num_seeds,
    seed=params.common.seed,
)
progressive = rows.assign(rate=rate)
write_csv(out_dir / "progressive.csv", progressive)
# the share of the training split each later stage learnt from (stage 1: all of it)
kept_by_stage = [
    s.info.get("real_examples", len(later_data.train_y) if later_data else train_size) / train_size
    for s in variant.stages[1:]
]
metrics = {
    "rate": rate,
    "criterion": "forgetting" if by_forgetting else CORRECT_BY_ALL,
    "keep_learned": None if by_forgetting else keep,
    "kept_fraction": sum(kept_by_stage) / len(kept_by_stage) if kept_by_stage else 1.0,
    "kept_by_stage": kept_by_stage,
    **final,
}
write_json(out_dir / "metrics.json", metrics)
metrics
