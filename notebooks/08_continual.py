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
# `continual.num_tasks` tasks of equal size (seeded random order). After each task the
# memory holds the images of every class seen so far from one source, at the same budget for
# every source (the total IPC, `distill.stages × distill.ipc_per_stage` per class): random
# real images, or a published distilled set (MTT = `union`, PDD = `progressive`). A fresh
# network trains on the memory alone for `continual.epochs` (distilled sets at their last
# learned step size, real images at `eval.lr`) and is tested on the test images of the seen
# classes, answering among them. Mean ± std over `continual.num_seeds` seeds.
#
# Reads the published sets `reports/distill/<schedule>/`. Writes `artifacts/continual/`:
# `accuracy.csv` (source, seed, task, test accuracy), `metrics.json` and the figure
# `accuracy_by_task`.

# %%
import dataclasses

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
from pdd.pipeline.inputs import stage_inputs

# %% tags=["parameters"]
inputs = None  # the runner's {"params", "item", "workdir"}; None: params.yaml, defaults

# %%
params, item, ws = stage_inputs("continual", inputs)

# %%
ctx = context_from(params, ws.prepared)
common, distill, continual = params.common, params.distill, params.continual
published = ws.reports
out_dir = ws.artifacts / "continual"
total_ipc = distill.stages * distill.ipc_per_stage
LABELS = {
    "union": f"{distill.method.upper()} (union)",
    "sequential": "sequential",
    "progressive": "PDD (progressive)",
}
real_seed = derive_seed(common.seed, "real")
memories = {"random real": random_real_set(ctx.data, total_ipc, params.eval.lr, real_seed)}
for schedule in continual.schedules:
    memories[LABELS[schedule]] = load_stages(published / "distill" / schedule)
order_seed = derive_seed(common.seed, "class order")
tasks = class_tasks(ctx.data.spec.num_classes, continual.num_tasks, order_seed)
seeds = [derive_seed(common.seed, "eval", i) for i in range(continual.num_seeds)]
print("tasks:", [[ctx.data.class_names[c] for c in task] for task in tasks])

# %% [markdown]
# ## Accuracy on the seen classes after every task

# %%
rows = []
for source, stages in memories.items():
    config = dataclasses.replace(ctx.eval_config, epochs=continual.epochs, lr=stages[-1].lr)
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
    "dataset": common.dataset,
    "memory_ipc": total_ipc,
    "tasks": tasks,
    "epochs": continual.epochs,
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
    title=f"{common.dataset}: class-incremental, memory {total_ipc}/class",
)
ax.legend(fontsize="small", title=None)
plots.save(fig, out_dir / "figures" / "accuracy_by_task")
fig
