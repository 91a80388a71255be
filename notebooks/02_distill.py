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
# # 02 · Progressive distillation (PDD with MTT)
#
# One schedule per run (DVC runs the three as `distill@progressive`, `@sequential`,
# `@union`):
# - **progressive** (PDD): stage i learns S_i while S_1 … S_{i-1} stay frozen in every
#   mini-batch pool, on trajectories that start from the transition parameters (experts'
#   starts trained on the earlier union, then on real data);
# - **sequential**: each stage is plain MTT on the original trajectories;
# - **union**: one stage with all images (plain MTT at the total IPC), trained for
#   stages × iterations, the same budget.
#
# The best snapshot of each stage is chosen on the **validation split**. Writes
# `artifacts/distill/<schedule>/`: `stage_k.pt` (+ PNG grid), `manifest.json`,
# `history.csv`, `metrics.json`.

# %%
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from pdd.config.context import context_from
from pdd.config.distill_plan import plan_schedule
from pdd.core.buffers import load_buffers
from pdd.core.progressive import run_schedule
from pdd.core.synthetic import save_stages
from pdd.infra import plots
from pdd.infra.io import write_csv, write_json

# %% tags=["parameters"]
# data and run
dataset = "fashion-mnist"
seed = 0
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
# expert buffers (their shape is needed to read them and for transitions)
buffers_num_experts = 6
buffers_epochs = 10
buffers_lr_teacher = 0.01
buffers_batch_size = 256
buffers_examples_per_epoch = 6000
# other base methods (used when method is not mtt)
matching_iterations = 100
matching_batch_real = 64
matching_lr_img = 0.1
matching_lr_net = 0.01
matching_net_steps = 5
matching_net_batch = 256
matching_refresh_every = 10
matching_idc_factor = 2
dm_iterations = 200
dm_batch_real = 128
dm_lr_img = 1.0
# this stage
method = "mtt"
stages = 5
ipc_per_stage = 2
schedules = ["progressive", "sequential", "union"]
iterations = 150
syn_steps = 20
expert_epochs = 2
max_start_epoch = 2
batch_syn = 20
lr_img = 1000.0
lr_lr = 0.01
eval_every = 50
checkpoint_every = 25
select_nets = 2
select_epochs = 150
transition_epochs = 300
unroll = "graph"
# per run (set by the runner)
schedule = "progressive"
prepared_dir = "data/prepared"
artifacts_dir = "artifacts"

# %%
ctx = context_from(globals())
experts = load_buffers(Path(artifacts_dir) / "buffers", buffers_num_experts)
plan, setup, work = plan_schedule(
    globals(),
    ctx,
    method=method,
    schedule=schedule,
    experts=experts,
    work_name=f"distill-{schedule}",
)
out_dir = Path(artifacts_dir) / "distill" / schedule
distiller = setup.distiller
print(f"{method} {schedule}: stage IPCs {plan.ipcs()}, {distiller.config.iterations} iterations")

# %%
result = run_schedule(plan, setup, experts, folder=out_dir, work=work)

# %%
history = pd.DataFrame(
    [{"stage": s.info["stage"], **row} for s in result for row in s.info.pop("history")]
)
save_stages(out_dir, result, ctx.data.spec, ctx.data.zca)
write_csv(out_dir / "history.csv", history)
metrics = {
    "schedule": schedule,
    "stages": [
        {
            "stage": s.info["stage"],
            "ipc": s.ipc,
            "lr": s.lr,
            "best_val": s.info["best_val"],
            "best_iteration": s.info["best_iteration"],
            "seconds": s.info["seconds"],
        }
        for s in result
    ],
}
write_json(out_dir / "metrics.json", metrics)
pd.DataFrame(metrics["stages"])

# %% [markdown]
# ## Matching loss and validation accuracy during distillation

# %%
plots.apply_theme()
fig, axes = plt.subplots(1, 2, figsize=(7, 2.6), layout="constrained")
losses = history.dropna(subset=["loss"])
sns.lineplot(data=losses, x="iteration", y="loss", hue="stage", ax=axes[0], palette="viridis")
axes[0].set(title=f"{schedule}: matching loss", yscale="log")
selection = history.dropna(subset=["val_acc"])
sns.lineplot(
    data=selection,
    x="iteration",
    y="val_acc",
    hue="stage",
    marker="o",
    ax=axes[1],
    palette="viridis",
)
axes[1].set(title="validation accuracy (selection)", ylabel="val acc (%)")
plots.save(fig, out_dir / "figures" / "distillation")
fig
