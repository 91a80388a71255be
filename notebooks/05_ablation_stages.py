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
# # 05 · Stage count: the same images and iterations in P stages
#
# One P per run (`python -m pdd ablation_stages --item stages=P`; DVC runs
# `ablation_stages@<P>` for every P in `stage_counts`). The total IPC
# (`distill_stages × distill_ipc_per_stage`) and the iteration budget
# (`distill_stages × distill_iterations`) stay fixed; PDD learns them in P stages of
# total/P images per class and budget/P iterations each, every stage conditioned on the
# earlier ones. P = 1 is plain MTT on the whole set (the union baseline). The two P values
# the main run already distilled (1 and `distill_stages`) reuse its published sets instead
# of distilling again. Every P is then evaluated the same way: progressively,
# `evaluate_stage_epochs` per stage, `num_seeds` networks.
#
# The per-stage IPC ablation uses the same notebook with `stages` = per-stage IPCs joined
# by `-` (`--item stages=2-8`; DVC: `ablation_ipcs@<split>` for every split in
# `stage_ipcs`): P = the number of parts, the same total IPC and budget/P iterations per
# stage, but the images shared out unevenly.
#
# Writes `artifacts/ablation_stages/<P or split>/`: the set (when distilled here),
# `progressive.csv` and `metrics.json` (accuracy and the seconds of distillation and of
# the whole schedule).

# %%
from pathlib import Path

import matplotlib.pyplot as plt
import seaborn as sns

from pdd.analyses.variant_run import (
    distil_progressive,
    reuse_published,
    score_progressively,
    split_stage_ipcs,
)
from pdd.config.context import context_from
from pdd.infra import plots
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
# buffers (the main run this ablation varies)
buffers_num_experts = 6
buffers_epochs = 10
buffers_lr_teacher = 0.01
buffers_batch_size = 256
buffers_examples_per_epoch = 6000
# distill (the main run this ablation varies)
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
# matching (the main run this ablation varies)
matching_iterations = 100
matching_batch_real = 64
matching_lr_img = 0.1
matching_lr_net = 0.01
matching_net_steps = 5
matching_net_batch = 256
matching_refresh_every = 10
matching_idc_factor = 2
# dm (the main run this ablation varies)
dm_iterations = 200
dm_batch_real = 128
dm_lr_img = 1.0
# evaluate (the main run this ablation varies)
evaluate_stage_epochs = 300
# this stage
stage_counts = [1, 2, 5, 10]
stage_ipcs = ["2-8", "8-2"]
num_seeds = 3
# per run (set by the runner)
stages = 2
prepared_dir = "data/prepared"
artifacts_dir = "artifacts"
reports_dir = "reports"  # the published sets of the main run

# %%
ctx = context_from(globals())
published = Path(reports_dir)
out_dir = Path(artifacts_dir) / "ablation_stages" / str(stages)
total_ipc = distill_stages * distill_ipc_per_stage
budget = distill_stages * distill_iterations
split = split_stage_ipcs(stages, total_ipc)  # raises naming the item when it cannot
P = len(split)
uniform = isinstance(stages, int)
if budget % P:
    raise ValueError(f"ablation: P={P} must divide the iteration budget ({budget})")
REUSED = {1: "union", distill_stages: "progressive"}
print(f"P={P}: IPC {'+'.join(map(str, split))}, {budget // P} iterations each")

# %% [markdown]
# ## The set: reused from the main run, or distilled here

# %%
if uniform and stages in REUSED and (published / "distill" / REUSED[stages]).is_dir():
    variant = reuse_published(published, f"distill/{REUSED[stages]}")
else:
    varied = globals() | {
        "distill_stages": P,
        "distill_ipc_per_stage": total_ipc // P,
        "distill_iterations": budget // P,
        "distill_stage_ipcs": () if uniform else split,
    }
    variant = distil_progressive(
        varied, ctx, work_name=f"ablation-stages-{stages}", out_dir=out_dir
    )
print(variant.origin, [s.ipc for s in variant.stages])

# %% [markdown]
# ## Progressive evaluation

# %%
rows, final = score_progressively(
    variant, ctx, stage_epochs=evaluate_stage_epochs, num_seeds=num_seeds, seed=seed
)
progressive = rows.assign(P=P)
write_csv(out_dir / "progressive.csv", progressive)
metrics = {
    "P": P,
    "ipc_per_stage": total_ipc // P if uniform else None,
    "stage_ipcs": list(split),
    "iterations_per_stage": budget // P,
    **final,
}
write_json(out_dir / "metrics.json", metrics)
metrics

# %%
plots.apply_theme()
fig, ax = plt.subplots(figsize=(4, 2.8), layout="constrained")
sns.lineplot(data=progressive, x="images_per_class", y="test_acc", marker="o", errorbar="sd", ax=ax)
ax.set(
    xlabel="images per class so far",
    ylabel="test accuracy (%)",
    title=f"P = {P} stages of IPC {'+'.join(map(str, split))}",
)
plots.save(fig, out_dir / "figures" / "accuracy_by_stage")
fig
