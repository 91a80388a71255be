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
# `cross_arch.nets`, `cross_arch.num_seeds` seeds each, the same way for every set
# (`cross_arch.protocol`: `union` trains one network on the whole set at the set's last
# learned step size, `progressive` trains through its stages as PDD evaluates; random real
# images use `eval.lr`). Networks use `net.norm` and the evaluation protocol of `eval` except
# `epochs`. Test accuracy is on a seeded subset of `cross_arch.test_images` test images
# (ResNet inference dominates on CPU); nothing is selected, so no validation split is used.
#
# Reads the published sets `reports/distill/<schedule>/`. Writes
# `artifacts/cross_arch/`: `scores.csv` (one row per network, set and seed),
# `metrics.json` (mean ± std and seconds per network) and the figure `cross_arch`. Finished
# (network, set) pairs are kept under `artifacts/work/cross_arch-*` and a rerun with the same
# parameters reuses them (their seconds then count as 0).

# %%
import dataclasses
import time

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
from pdd.pipeline.inputs import stage_inputs

# %% tags=["parameters"]
inputs = None  # the runner's {"params", "item", "workdir"}; None: params.yaml, defaults

# %%
params, item, ws = stage_inputs("cross_arch", inputs)

# %%
ctx = context_from(params, ws.prepared)
common, distill, cross = params.common, params.distill, params.cross_arch
published = ws.reports
out_dir = ws.artifacts / "cross_arch"
total_ipc = distill.stages * distill.ipc_per_stage
LABELS = {
    "union": f"{distill.method.upper()} (union)",
    "sequential": "sequential",
    "progressive": "PDD (progressive)",
}
real_seed = derive_seed(common.seed, "real")
sets = {"random real": random_real_set(ctx.data, total_ipc, params.eval.lr, real_seed)}
for schedule in cross.schedules:
    sets[LABELS[schedule]] = load_stages(published / "distill" / schedule)
config = dataclasses.replace(ctx.eval_config, epochs=cross.epochs)
seeds = [derive_seed(common.seed, "eval", i) for i in range(cross.num_seeds)]
test = held_out_subset(ctx.data, cross.test_images, derive_seed(common.seed, "test subset"))
print({name: [s.ipc for s in stages] for name, stages in sets.items()}, len(test[1]), "test")
# Finished (network, set) pairs are kept here and reused by a rerun; the key holds what
# shapes a score besides the set itself (each entry checks its set's digest).
key = {
    "dataset": common.dataset,
    "net": ctx.net,
    "config": config,
    "seeds": seeds,
    "test": [cross.test_images, derive_seed(common.seed, "test subset")],
    "protocol": cross.protocol,
    "val": common.val_per_class,
    "zca": common.zca,
    "dsa": [params.eval.dsa, params.eval.dsa_strategy, params.eval.dsa_flip],
    "threads": common.threads,
}
resume = work_dir(ws.artifacts, "cross_arch", key)
print(f"resumable state in {resume}")


def model_for(net: str):
    return dataclasses.replace(ctx, net={**ctx.net, "name": net}).make_model


# %% [markdown]
# ## Every set on every network

# %%
rows, seconds = [], {}
for net in cross.nets:
    started = time.perf_counter()
    rows += cross_arch_rows(
        sets,
        [net],
        model_for=model_for,
        config=config,
        seeds=seeds,
        test=test,
        augment=ctx.augment,
        protocol=cross.protocol,
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
    "dataset": common.dataset,
    "distilled_with": params.net.name,
    "total_ipc": total_ipc,
    "protocol": cross.protocol,
    "epochs": cross.epochs,
    "test_images": len(test[1]),
    "seconds_per_net": seconds,
    "scores": {
        net: {
            row.set: {"test_mean": row.test_mean, "test_std": row.test_std, "n": int(row.n)}
            for row in summary[summary.net == net].itertuples()
        }
        for net in cross.nets
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
    xlabel=f"network trained on the set (sets distilled with {params.net.name})",
    ylabel="test accuracy (%)",
    title=f"{common.dataset}, {total_ipc} images per class",
)
ax.legend(fontsize="small", title=None)
plots.save(fig, out_dir / "figures" / "cross_arch")
fig
