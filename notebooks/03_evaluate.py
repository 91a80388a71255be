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
# on S_1 ∪ S_2, …, each stage for `evaluate.stage_epochs` at its learned step size;
# accuracy after every stage. Also a fresh network on the whole union. Every number is test
# accuracy, mean ± std over `eval.num_seeds` networks; nothing here selects anything.
#
# Writes `artifacts/evaluate/`: `progressive.csv`, `union_from_scratch.csv`,
# `headline.csv`, `metrics.json`, figures `accuracy_by_stage` and `stage_images_<schedule>`.

# %%
import dataclasses

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
from pdd.pipeline.inputs import stage_inputs

# %% tags=["parameters"]
inputs = None  # the runner's {"params", "item", "workdir"}; None: params.yaml, defaults

# %%
params, item, ws = stage_inputs("evaluate", inputs)

# %%
ctx = context_from(params, ws.prepared)
distill = params.distill
published = ws.reports  # the published sets and metrics of the earlier stages
out_dir = ws.artifacts / "evaluate"
stage_config = dataclasses.replace(ctx.eval_config, epochs=params.evaluate.stage_epochs)
sets = {name: load_stages(published / "distill" / name) for name in distill.schedules}
total_ipc = distill.stages * distill.ipc_per_stage
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
# ## A fresh network on the whole union (eval.epochs, last stage's step size)

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
    "union": f"{distill.method.upper()} (union, one stage)",
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
for name in distill.schedules:
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
    "dataset": params.common.dataset,
    "total_ipc": total_ipc,
    "stages": distill.stages,
    "headline": {
        row["method"]: {k: row[k] for k in ("test_mean", "test_std", "n")} for row in table
    },
    "union_from_scratch": {
        n: {"test_mean": sc.mean, "test_std": sc.std} for n, sc in scratch.items()
    },
    "eval": {
        "stage_epochs": params.evaluate.stage_epochs,
        "dsa": params.eval.dsa,
        "seeds": params.eval.num_seeds,
    },
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
    title=f"{params.common.dataset}: progressive evaluation",
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
