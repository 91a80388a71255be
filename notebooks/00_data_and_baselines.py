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
# # 00 · Data and random-real baselines
#
# What a distilled set has to beat: a network trained on a few **random real images per
# class** (IPC). This notebook shows examples of every class and measures the test accuracy
# of random real subsets at several IPCs, mean ± std over seeds, with the same evaluation
# protocol (network, epochs, augmentation) that later notebooks use for distilled sets.
#
# Writes `artifacts/baselines/`: `metrics.json`, `random_subsets.csv`, and figures
# `class_examples` and `random_subsets`. (The full-data reference comes from the expert
# buffers of the next stage.)

# %%
import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns
import torch

from pdd.config.context import context_from
from pdd.core.models import count_parameters
from pdd.core.train import evaluate_synthetic_set
from pdd.data import denormalize, sample_per_class
from pdd.infra import plots
from pdd.infra.io import write_csv, write_json
from pdd.infra.runtime import derive_seed
from pdd.pipeline.inputs import stage_inputs

# %% tags=["parameters"]
inputs = None  # the runner's {"params", "item", "workdir"}; None: params.yaml, defaults

# %%
params, item, ws = stage_inputs("baselines", inputs)

# %%
ctx = context_from(params, ws.prepared)
common, net = params.common, params.net
out_dir = ws.artifacts / "baselines"
figures_dir = out_dir / "figures"
data, spec = ctx.data, ctx.data.spec
n_params = count_parameters(ctx.make_model(0))
sizes = f"train {len(data.train_y)}, val {len(data.val_y)}, test {len(data.test_y)}"
print(f"{common.dataset}: {sizes}")
print(f"{net.name} (width {net.width}, norm {net.norm}): {n_params:,} parameters on {ctx.device}")

# %% [markdown]
# ## Examples of every class (from the training split)

# %%
plots.apply_theme()
picker = torch.Generator().manual_seed(derive_seed(common.seed, "examples"))
example_idx = sample_per_class(data.train_y.cpu(), params.baselines.examples_per_class, picker)
examples = denormalize(data.train_x[example_idx].cpu(), spec, zca=data.zca)
fig = plots.image_grid(examples, rows=spec.num_classes, titles=list(data.class_names))
plots.save(fig, figures_dir / "class_examples")
fig

# %% [markdown]
# ## Random real subsets
# For each IPC and each seed, draw a class-balanced random subset of the training split and
# train a fresh network on it with the evaluation protocol; score it on test (reported) and
# on the validation split (what later notebooks select on).

# %%
rows = []
for ipc in params.baselines.ipcs:
    for draw in range(params.eval.num_seeds):
        run_seed = derive_seed(common.seed, "baselines", ipc, draw)
        subset = sample_per_class(
            data.train_y.cpu(), ipc, torch.Generator().manual_seed(run_seed)
        ).to(ctx.device)
        score = evaluate_synthetic_set(
            data.train_x[subset],
            data.train_y[subset],
            make_model=ctx.make_model,
            config=ctx.eval_config,
            seeds=[run_seed],
            test=(data.test_x, data.test_y),
            val=(data.val_x, data.val_y),
            augment=ctx.augment,
        )
        rows.append(
            {
                "dataset": common.dataset,
                "method": "random real",
                "ipc": ipc,
                "seed": run_seed,
                "test_acc": score.test_acc[0],
                "val_acc": score.val_acc[0],
                "train_seconds": score.seconds[0],
            }
        )
        print(
            f"IPC {ipc:>3} run {draw}: test {score.test_acc[0]:.2f} %  val {score.val_acc[0]:.2f} %"
        )
results = pd.DataFrame(rows)
write_csv(out_dir / "random_subsets.csv", results.drop(columns="train_seconds"))

# %%
summary = results.groupby("ipc").agg(
    test_mean=("test_acc", "mean"),
    test_std=("test_acc", lambda s: s.std(ddof=0)),
    val_mean=("val_acc", "mean"),
    n=("test_acc", "size"),
    seconds_per_run=("train_seconds", "mean"),
)
summary

# %%
metrics = {
    "dataset": common.dataset,
    "net": {"name": net.name, "width": net.width, "norm": net.norm, "parameters": n_params},
    "eval": {
        "epochs": params.eval.epochs,
        "lr": params.eval.lr,
        "dsa": params.eval.dsa,
        "seeds": params.eval.num_seeds,
    },
    "random_real": {
        f"ipc{ipc}": {
            "test_mean": row.test_mean,
            "test_std": row.test_std,
            "val_mean": row.val_mean,
            "n": int(row.n),
        }
        for ipc, row in summary.iterrows()
    },
}
write_json(out_dir / "metrics.json", metrics)

# %% [markdown]
# ## Accuracy against images per class

# %%
fig, ax = plt.subplots(figsize=(3.4, 2.4), layout="constrained")
sns.pointplot(
    data=results, x="ipc", y="test_acc", errorbar="sd", capsize=0.15, ax=ax, native_scale=False
)
ax.set(xlabel="images per class (random real)", ylabel="test accuracy (%)", title=common.dataset)
sns.despine(fig)
plots.save(fig, figures_dir / "random_subsets")
fig
