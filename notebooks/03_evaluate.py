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
# # 03 · Progressive evaluation: PDD against MTT
#
# The paper's protocol: one network trains on S_1, then continues (optimiser state kept)
# on S_1 ∪ S_2, …, each stage for `stage_epochs` at its learned step size; accuracy after
# every stage. Also a fresh network on the whole union. Every number is test accuracy, mean
# ± std over `eval_num_seeds` networks; nothing here selects anything.
#
# Writes `artifacts/evaluate/`: `progressive.csv`, `union_from_scratch.csv`,
# `headline.csv`, `metrics.json`, figures `accuracy_by_stage` and `stage_images_<schedule>`.

# %%
import dataclasses
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns
import torch

from pdd.config.context import context_from
from pdd.core.evaluate import progressive_evaluation, union_from_scratch
from pdd.core.synthetic import grid_order, load_stages
from pdd.data import denormalize
from pdd.infra import plots
from pdd.infra.io import read_json, write_csv, write_json

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
# distillation (to find its outputs and name the setting)
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
stage_epochs = 300
# locations (set by the runner)
prepared_dir = "data/prepared"
artifacts_dir = "artifacts"
reports_dir = "reports"  # the published sets and metrics of the earlier stages

# %%
ctx = context_from(globals())
published = Path(reports_dir)
out_dir = Path(artifacts_dir) / "evaluate"
stage_config = dataclasses.replace(ctx.eval_config, epochs=stage_epochs)
sets = {name: load_stages(published / "distill" / name) for name in distill_schedules}
total_ipc = distill_stages * distill_ipc_per_stage
print({name: [s.ipc for s in stages] for name, stages in sets.items()})

# %% [markdown]
# ## Progressive evaluation of every schedule

# %%
rows = []
for name, stages in sets.items():
    for row in progressive_evaluation(
        stages,
        make_model=ctx.make_model,
        config=stage_config,
        seeds=ctx.eval_seeds,
        data=ctx.data,
        augment=ctx.augment,
    ):
        rows.append({"schedule": name, **row})
        print(name, row)
progressive = pd.DataFrame(rows)
write_csv(out_dir / "progressive.csv", progressive)

# %% [markdown]
# ## A fresh network on the whole union (eval_epochs, last stage's step size)

# %%
scratch = {
    name: union_from_scratch(
        stages,
        make_model=ctx.make_model,
        config=ctx.eval_config,
        seeds=ctx.eval_seeds,
        data=ctx.data,
        augment=ctx.augment,
    )
    for name, stages in sets.items()
}
write_csv(
    out_dir / "union_from_scratch.csv",
    pd.DataFrame(
        [
            {"schedule": n, "seed": s, "test_acc": a}
            for n, sc in scratch.items()
            for s, a in zip(sc.seeds, sc.test_acc, strict=True)
        ]
    ),
)
{name: str(score) for name, score in scratch.items()}

# %% [markdown]
# ## Headline table (Fashion-MNIST, total IPC = stages × ipc_per_stage)

# %%
last_stage = progressive.groupby("schedule").stage.transform("max")
final_rows = progressive[progressive.stage == last_stage].set_index("schedule")
baselines = read_json(published / "baselines" / "metrics.json")["random_real"]
reference = read_json(published / "buffers" / "metrics.json")["full_data_reference"]
LABELS = {
    "union": f"{distill_method.upper()} (union, one stage)",
    "sequential": "sequential stages",
    "progressive": "PDD (progressive)",
}
table = []
if f"ipc{total_ipc}" in baselines:
    random_real = baselines[f"ipc{total_ipc}"]
    table.append(
        {
            "method": "random real",
            "test_mean": random_real["test_mean"],
            "test_std": random_real["test_std"],
            "n": random_real["n"],
        }
    )
for name in distill_schedules:
    accs = final_rows.loc[[name]].test_acc
    table.append(
        {
            "method": LABELS[name],
            "test_mean": accs.mean(),
            "test_std": accs.std(ddof=0),
            "n": len(accs),
        }
    )
table.append(
    {
        "method": "full data (experts)",
        "test_mean": reference["test_mean"],
        "test_std": reference["test_std"],
        "n": reference["n"],
    }
)
headline = pd.DataFrame(table)
write_csv(out_dir / "headline.csv", headline)
metrics = {
    "dataset": dataset,
    "total_ipc": total_ipc,
    "stages": distill_stages,
    "headline": {
        row["method"]: {k: row[k] for k in ("test_mean", "test_std", "n")} for row in table
    },
    "union_from_scratch": {
        n: {"test_mean": sc.mean, "test_std": sc.std} for n, sc in scratch.items()
    },
    "eval": {"stage_epochs": stage_epochs, "dsa": eval_dsa, "seeds": eval_num_seeds},
}
if "progressive" in sets and "union" in sets:
    gap = (
        metrics["headline"][LABELS["progressive"]]["test_mean"]
        - metrics["headline"][LABELS["union"]]["test_mean"]
    )
    metrics["pdd_minus_mtt"] = gap
write_json(out_dir / "metrics.json", metrics)
headline.assign(
    result=lambda t: t.test_mean.map("{:.2f}".format) + " ± " + t.test_std.map("{:.2f}".format)
)

# %% [markdown]
# ## Accuracy after each stage

# %%
plots.apply_theme()
fig, ax = plt.subplots(figsize=(4, 2.8), layout="constrained")
sns.lineplot(
    data=progressive,
    x="images_per_class",
    y="test_acc",
    hue="schedule",
    style="schedule",
    markers=True,
    errorbar="sd",
    ax=ax,
)
ax.set(
    xlabel="images per class so far",
    ylabel="test accuracy (%)",
    title=f"{dataset}: progressive evaluation",
)
plots.save(fig, out_dir / "figures" / "accuracy_by_stage")
fig

# %% [markdown]
# ## The images of every stage (one row per stage, classes left to right)

# %%
for name, stages in sets.items():
    ordered = [
        grid_order(denormalize(s.images.cpu(), ctx.data.spec, ctx.data.zca), s.labels.cpu())
        for s in stages
    ]
    # one row per stage: put each stage's class-sorted images side by side
    width = max(len(o) for o in ordered)
    rows_of_images = torch.cat(
        [torch.cat([o, torch.zeros(width - len(o), *o.shape[1:])]) for o in ordered]
    )
    fig = plots.image_grid(
        rows_of_images, rows=len(stages), titles=[f"S{i + 1}" for i in range(len(stages))]
    )
    plots.save(fig, out_dir / "figures" / f"stage_images_{name}")
fig
