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
# `easy_drop@<R>` for every R in `drop_rates`). Stage 1 is learnt as in the main run; every
# later stage draws its initial images, and its transition trajectories (the experts that
# continue on real data from the networks trained on the earlier union), from the training
# split without its easiest fraction R of every class (forgetting statistics, notebook
# 06a). Rate 0 is the main run: its published progressive set is reused. Evaluation as in
# notebook 05: progressively, `evaluate_stage_epochs` per stage, `num_seeds` networks.
# Trajectory matching (MTT) only: the matching methods draw real batches inside the
# distiller, which this notebook does not restrict.
#
# `rate=correct-by-all` (DVC: `easy_drop_correct`) is the paper's other criterion: before
# each later stage, the real examples that every transition network (trained on the union
# so far) classifies correctly are dropped, each kept with probability
# `correct_by_all_keep` instead (the official MTT code keeps 0.2). What is dropped then
# depends on the stage, so the notebook records the examples each stage learnt from.
#
# Writes `artifacts/easy_drop/<R>/`: the set (when distilled here), `progressive.csv`,
# `metrics.json` (accuracy, the fraction of real data later stages learn from, seconds).

# %%
import dataclasses
from pathlib import Path

import torch

from pdd.analyses.variant_run import distil_progressive, reuse_published, score_progressively
from pdd.config.context import context_from
from pdd.core.forgetting import keep_hardest
from pdd.infra.io import write_csv, write_json

# %% tags=["parameters"]
# data and run
seed = 0
dataset = "fashion-mnist"
device = "auto"
threads = 2
data_mirror = None
download = True
val_per_class = 500
zca = False
# network
net_name = "convnet"
net_width = 32
net_depth = None
net_norm = "instance"
# evaluation protocol
eval_epochs = 300
eval_lr = 0.01
eval_momentum = 0.9
eval_weight_decay = 0.0005
eval_batch_size = 256
eval_lr_decay_at = [0.5]
eval_lr_decay_factor = 0.1
eval_dsa = True
eval_dsa_strategy = "color_crop_cutout_flip_scale_rotate"
eval_dsa_flip = True
eval_num_seeds = 5
# buffers
buffers_num_experts = 6
buffers_epochs = 10
buffers_lr_teacher = 0.01
buffers_batch_size = 256
buffers_examples_per_epoch = 6000
# distill
distill_method = "mtt"
distill_stages = 5
distill_ipc_per_stage = 2
distill_schedules = ["progressive", "sequential", "union"]
distill_iterations = 150
distill_syn_steps = 20
distill_expert_epochs = 2
distill_max_start_epoch = 2
distill_batch_syn = 20
distill_lr_img = 1000.0
distill_lr_lr = 0.01
distill_eval_every = 50
distill_checkpoint_every = 25
distill_select_nets = 2
distill_select_epochs = 150
distill_transition_epochs = 300
distill_unroll = "graph"
# matching
matching_iterations = 100
matching_batch_real = 64
matching_lr_img = 0.1
matching_lr_net = 0.01
matching_net_steps = 5
matching_net_batch = 256
matching_refresh_every = 10
matching_idc_factor = 2
# dm
dm_iterations = 200
dm_batch_real = 128
dm_lr_img = 1.0
# evaluate
evaluate_stage_epochs = 300
# this stage
forgetting_epochs = 10
drop_rates = [0.0, 0.4, 0.8]
correct_by_all_keep = 0.2
num_seeds = 3
# per run (set by the runner)
rate = 0.2
prepared_dir = "data/prepared"
artifacts_dir = "artifacts"
reports_dir = "reports"  # the published progressive set of the main run

# %%
ctx = context_from(globals())
published = Path(reports_dir)
out_dir = Path(artifacts_dir) / "easy_drop" / str(rate)
if distill_method != "mtt":
    raise ValueError(f"distill.method: easy-example dropping runs with mtt, got {distill_method}")
CORRECT_BY_ALL = "correct-by-all"
by_forgetting = rate != CORRECT_BY_ALL
train_size = len(ctx.data.train_y)
if by_forgetting:
    easiness = torch.load(Path(artifacts_dir) / "forgetting" / "easiness.pt", weights_only=True)
    kept = keep_hardest(ctx.data.train_y.cpu(), easiness["easiness"], rate)
    kept = kept.to(ctx.data.train_y.device)
    later_data = dataclasses.replace(
        ctx.data, train_x=ctx.data.train_x[kept], train_y=ctx.data.train_y[kept]
    )
    print(f"rate {rate}: later stages learn from {len(kept)} of {train_size} examples")
else:
    later_data = None
    print(f"correct-by-all: learnt examples kept with probability {correct_by_all_keep}")

# %% [markdown]
# ## The set: the main run's for rate 0, distilled here otherwise

# %%
if rate == 0 and (published / "distill" / "progressive").is_dir():
    variant = reuse_published(published, "distill/progressive")
else:
    variant = distil_progressive(
        globals(),
        ctx,
        work_name=f"easy-drop-{rate}",
        out_dir=out_dir,
        later_data=later_data,
        keep_learned=None if by_forgetting else correct_by_all_keep,
    )
print(variant.origin, [s.ipc for s in variant.stages])

# %% [markdown]
# ## Progressive evaluation

# %%
rows, final = score_progressively(
    variant, ctx, stage_epochs=evaluate_stage_epochs, num_seeds=num_seeds, seed=seed
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
    "keep_learned": None if by_forgetting else correct_by_all_keep,
    "kept_fraction": sum(kept_by_stage) / len(kept_by_stage) if kept_by_stage else 1.0,
    "kept_by_stage": kept_by_stage,
    **final,
}
write_json(out_dir / "metrics.json", metrics)
metrics
