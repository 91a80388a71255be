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
# # 07 · Cross-architecture: the published sets on other networks
#
# The sets of notebook 02 were distilled with `net` (ConvNet). Here each of them, and
# random real images at the same total IPC, trains fresh networks of every architecture in
# `nets`, `num_seeds` seeds each, the same way for every set (`protocol`: `union` trains
# one network on the whole set at the set's last learned step size, `progressive` trains
# through its stages as PDD evaluates; random real images use `eval_lr`). Networks use
# `net_norm` and the evaluation protocol of `eval` except `epochs`. Test accuracy is on a
# seeded subset of `test_images` test images (ResNet inference dominates on CPU); nothing
# is selected, so no validation split is used.
#
# Reads the published sets `reports/distill/<schedule>/`. Writes
# `artifacts/cross_arch/`: `scores.csv` (one row per network, set and seed),
# `metrics.json` (mean ± std and seconds per network) and the figure `cross_arch`. Finished
# (network, set) pairs are kept under `artifacts/work/cross_arch-*` and a rerun with the same
# parameters reuses them (their seconds then count as 0).

# %%
import dataclasses
import time
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from pdd.analyses.cross_arch import cross_arch_rows, held_out_subset, random_real_set
from pdd.config.context import context_from
from pdd.core.synthetic import load_stages
from pdd.infra import plots
from pdd.infra.io import write_csv, write_json
from pdd.infra.paths import work_dir
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
# network (the one the sets were distilled with)
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
nets = ["convnet", "mlp", "resnet10", "resnet18"]
schedules = ["union", "progressive"]
protocol = "union"
epochs = 100
num_seeds = 3
test_images = 2000
# locations (set by the runner)
prepared_dir = "data/prepared"
artifacts_dir = "artifacts"
reports_dir = "reports"  # the published sets and metrics of the earlier stages

# %%
ctx = context_from(globals())
published = Path(reports_dir)
out_dir = Path(artifacts_dir) / "cross_arch"
total_ipc = distill_stages * distill_ipc_per_stage
LABELS = {
    "union": f"{distill_method.upper()} (union)",
    "sequential": "sequential",
    "progressive": "PDD (progressive)",
}
sets = {"random real": random_real_set(ctx.data, total_ipc, eval_lr, derive_seed(seed, "real"))}
for schedule in schedules:
    sets[LABELS[schedule]] = load_stages(published / "distill" / schedule)
config = dataclasses.replace(ctx.eval_config, epochs=epochs)
seeds = [derive_seed(seed, "eval", run) for run in range(num_seeds)]
test = held_out_subset(ctx.data, test_images, derive_seed(seed, "test subset"))
print({name: [s.ipc for s in stages] for name, stages in sets.items()}, len(test[1]), "test")
# Finished (network, set) pairs are kept here and reused by a rerun; the key holds what
# shapes a score besides the set itself (each entry checks its set's digest).
key = {
    "dataset": dataset,
    "net": ctx.net,
    "config": config,
    "seeds": seeds,
    "test": [test_images, derive_seed(seed, "test subset")],
    "protocol": protocol,
    "val": val_per_class,
    "zca": zca,
    "dsa": [eval_dsa, eval_dsa_strategy, eval_dsa_flip],
    "threads": threads,
}
resume = work_dir(artifacts_dir, "cross_arch", key)
print(f"resumable state in {resume}")


def model_for(net: str):
    return dataclasses.replace(ctx, net={**ctx.net, "name": net}).make_model


# %% [markdown]
# ## Every set on every network

# %%
rows, seconds = [], {}
for net in nets:
    started = time.perf_counter()
    rows += cross_arch_rows(
        sets,
        [net],
        model_for=model_for,
        config=config,
        seeds=seeds,
        test=test,
        augment=ctx.augment,
        protocol=protocol,
        resume_dir=resume,
    )
    seconds[net] = round(time.perf_counter() - started, 1)
    print(net, f"{seconds[net]:.0f} s")
scores = pd.DataFrame(rows)
write_csv(out_dir / "scores.csv", scores)

# %% [markdown]
# ## Table: test accuracy (%) mean ± std over seeds

# %%
summary = (
    scores.groupby(["net", "set"], sort=False)
    .test_acc.agg(test_mean="mean", test_std=lambda a: a.std(ddof=0), n="count")
    .reset_index()
)
metrics = {
    "dataset": dataset,
    "distilled_with": net_name,
    "total_ipc": total_ipc,
    "protocol": protocol,
    "epochs": epochs,
    "test_images": len(test[1]),
    "seconds_per_net": seconds,
    "scores": {
        net: {
            row.set: {"test_mean": row.test_mean, "test_std": row.test_std, "n": int(row.n)}
            for row in summary[summary.net == net].itertuples()
        }
        for net in nets
    },
}
write_json(out_dir / "metrics.json", metrics)
summary.assign(
    result=lambda t: t.test_mean.map("{:.2f}".format) + " ± " + t.test_std.map("{:.2f}".format)
).pivot(index="set", columns="net", values="result").loc[list(sets)]

# %%
plots.apply_theme()
fig, ax = plt.subplots(figsize=(5.5, 2.8), layout="constrained")
sns.barplot(data=scores, x="net", y="test_acc", hue="set", errorbar="sd", ax=ax)
ax.set(
    xlabel=f"network trained on the set (sets distilled with {net_name})",
    ylabel="test accuracy (%)",
    title=f"{dataset}, {total_ipc} images per class",
)
ax.legend(fontsize="small", title=None)
plots.save(fig, out_dir / "figures" / "cross_arch")
fig
