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
import seaborn as sns
import torch

from pdd.analyses.baselines import baselines_metrics, subset_summary
from pdd.config.context import context_from
from pdd.core.models import count_parameters
from pdd.data.splits import sample_per_class
from pdd.data.tensors import denormalize
from pdd.experiments.baselines import random_subset_scores
from pdd.infra import plots
from pdd.infra.io import write_csv, write_json
from pdd.infra.runtime import derive_seed
from pdd.pipeline.inputs import stage_inputs

# %% tags=["parameters"]
inputs = None  # the runner's {"params", "item", "workdir"}; None: params.yaml, defaults

# %%
params, item, ws = stage_inputs("baselines", inputs)

# %%
ctx = context_from(params, ws.prepared, score_cache=ws.score_cache)
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
results = random_subset_scores(
    data,
    params.baselines.ipcs,
    draws=params.eval.num_seeds,
    seed=common.seed,
    dataset=common.dataset,
    make_model=ctx.make_model,
    config=ctx.eval_config,
    augment=ctx.augment,
)
write_csv(out_dir / "random_subsets.csv", results.drop(columns="train_seconds"))

# %% [markdown]
# Mean ± std over the draws of every IPC; these scores are what `metrics.json` keeps.

# %%
summary = subset_summary(results)
metrics = baselines_metrics(
    summary, dataset=common.dataset, net=net, parameters=n_params, evals=params.eval
)
write_json(out_dir / "metrics.json", metrics)
summary

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
