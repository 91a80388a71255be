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
# # 08 · Continual learning with a replay memory of distilled images
#
# Class-incremental, as in the distillation papers (GDumb-style): the classes arrive in
# `num_tasks` tasks of equal size (seeded random order). After each task the memory holds
# the images of every class seen so far from one source, at the same budget for every
# source (the total IPC, `distill_stages × distill_ipc_per_stage` per class): random real
# images, or a published distilled set (MTT = `union`, PDD = `progressive`). A fresh
# network trains on the memory alone for `epochs` (distilled sets at their last learned
# step size, real images at `eval_lr`) and is tested on the test images of the seen
# classes, answering among them. Mean ± std over `num_seeds` seeds.
#
# Reads the published sets `reports/distill/<schedule>/`. Writes `artifacts/continual/`:
# `accuracy.csv` (source, seed, task, test accuracy), `metrics.json` and the figure
# `accuracy_by_task`.

# %%
import dataclasses
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from pdd.analyses.continual import class_tasks, continual_accuracy
from pdd.analyses.cross_arch import random_real_set
from pdd.config.context import context_from
from pdd.core.synthetic import load_stages, union
from pdd.infra import plots
from pdd.infra.io import write_csv, write_json
from pdd.infra.runtime import derive_seed

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
# evaluation protocol (epochs: this stage's own)
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
# distillation (names the published sets)
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
# this stage
num_tasks = 5
schedules = ["union", "progressive"]
epochs = 200
num_seeds = 3
# locations (set by the runner)
prepared_dir = "data/prepared"
artifacts_dir = "artifacts"
reports_dir = "reports"  # the published sets of notebook 02

# %%
ctx = context_from(globals())
published = Path(reports_dir)
out_dir = Path(artifacts_dir) / "continual"
total_ipc = distill_stages * distill_ipc_per_stage
LABELS = {
    "union": f"{distill_method.upper()} (union)",
    "sequential": "sequential",
    "progressive": "PDD (progressive)",
}
memories = {"random real": random_real_set(ctx.data, total_ipc, eval_lr, derive_seed(seed, "real"))}
for schedule in schedules:
    memories[LABELS[schedule]] = load_stages(published / "distill" / schedule)
tasks = class_tasks(ctx.data.spec.num_classes, num_tasks, derive_seed(seed, "class order"))
seeds = [derive_seed(seed, "eval", run) for run in range(num_seeds)]
print("tasks:", [[ctx.data.class_names[c] for c in task] for task in tasks])

# %% [markdown]
# ## Accuracy on the seen classes after every task

# %%
rows = []
for source, stages in memories.items():
    config = dataclasses.replace(ctx.eval_config, epochs=epochs, lr=stages[-1].lr)
    for row in continual_accuracy(
        union(stages),
        tasks,
        make_model=ctx.make_model,
        config=config,
        seeds=seeds,
        data=ctx.data,
        augment=ctx.augment,
    ):
        rows.append({"source": source, **row})
    print(source, [round(r["test_acc"], 1) for r in rows if r["source"] == source])
accuracy = pd.DataFrame(rows)
write_csv(out_dir / "accuracy.csv", accuracy)

# %%
by_task = (
    accuracy.groupby(["source", "task"], sort=False)
    .test_acc.agg(test_mean="mean", test_std=lambda a: a.std(ddof=0), n="count")
    .reset_index()
)
per_seed_average = accuracy.groupby(["source", "seed"], sort=False).test_acc.mean()
metrics = {
    "dataset": dataset,
    "memory_ipc": total_ipc,
    "tasks": tasks,
    "epochs": epochs,
    "by_task": {
        source: [
            {"task": int(r.task), "test_mean": r.test_mean, "test_std": r.test_std, "n": int(r.n)}
            for r in by_task[by_task.source == source].itertuples()
        ]
        for source in memories
    },
    "average_over_tasks": {
        source: {
            "test_mean": float(per_seed_average[source].mean()),
            "test_std": float(per_seed_average[source].std(ddof=0)),
            "n": int(per_seed_average[source].count()),
        }
        for source in memories
    },
}
write_json(out_dir / "metrics.json", metrics)
by_task.assign(
    result=lambda t: t.test_mean.map("{:.2f}".format) + " ± " + t.test_std.map("{:.2f}".format)
).pivot(index="source", columns="task", values="result").loc[list(memories)]

# %%
plots.apply_theme()
fig, ax = plt.subplots(figsize=(4, 2.8), layout="constrained")
sns.lineplot(
    data=accuracy,
    x="classes_seen",
    y="test_acc",
    hue="source",
    style="source",
    markers=True,
    errorbar="sd",
    ax=ax,
)
ax.set(
    xlabel="classes seen",
    ylabel="test accuracy on seen classes (%)",
    title=f"{dataset}: class-incremental, memory {total_ipc}/class",
)
ax.legend(fontsize="small", title=None)
plots.save(fig, out_dir / "figures" / "accuracy_by_task")
fig
