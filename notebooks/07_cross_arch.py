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
# `cross_arch.nets`: `cross_arch.runs` independent runs of every set (random real: a fresh
# draw per run) × `cross_arch.num_seeds` networks, paired run by run. Protocols:
# - `union` (every network): one network on the whole set at the set's last learned step
#   size, `cross_arch.epochs` epochs; every set gets the same steps;
# - `paper` (the networks of `cross_arch.progressive_nets`): through the set's stages as PDD
#   evaluates, `cross_arch.epochs` per stage, each at its learned step size; a five-stage
#   set gets five times the steps of a one-stage set;
# - `equal` (the same networks): through the stages, the union's steps shared over them.
#
# Random real images use `eval.lr`. Networks use `net.norm` and the evaluation protocol of
# `eval` except `epochs`. Test accuracy is on a seeded subset of `cross_arch.test_images`
# test images (ResNet inference dominates on CPU); nothing is selected, so no validation
# split is used.
#
# Reads the published sets `reports/distill/<schedule>/`. Writes
# `artifacts/cross_arch/`: `scores.csv` (one row per network, set and seed),
# `metrics.json` (mean ± std and seconds per network) and the figure `cross_arch`. Finished
# (network, set) pairs are kept under `artifacts/work/cross_arch-*` and a rerun with the same
# parameters reuses them (their seconds then count as 0).

# %%
import dataclasses

from pdd.analyses.cross_arch import (
    cross_arch_figure,
    cross_arch_metrics,
    mean_std_table,
    seed_summary,
)
from pdd.config.context import context_from
from pdd.experiments import scoring
from pdd.experiments.cross_arch import (
    compared_sets,
    held_out_subset,
    model_factories,
    scores_by_network,
)
from pdd.infra import plots
from pdd.infra.io import write_csv, write_json
from pdd.infra.runtime import derive_seed
from pdd.pipeline.inputs import stage_inputs

# %% tags=["parameters"]
inputs = None  # the runner's {"params", "item", "workdir"}; None: params.yaml, defaults

# %%
params, item, ws = stage_inputs("cross_arch", inputs)

# %% [markdown]
# The compared sets (random real images first), the training protocol, the seeds and the
# test subset. Finished (network, set) pairs are kept in a folder named by everything else
# that shapes a score, and a rerun reuses them.

# %%
ctx = context_from(params, ws.prepared, score_cache=ws.score_cache)
common, cross = params.common, params.cross_arch
out_dir = ws.artifacts / "cross_arch"
total_ipc = params.distill.stages * params.distill.ipc_per_stage
sets = compared_sets(params, ctx.data, ws.reports, cross.schedules, cross.runs)
config = dataclasses.replace(ctx.eval_config, epochs=cross.epochs)
seeds = scoring.eval_seeds(common.seed, cross.num_seeds)
test_seed = derive_seed(common.seed, "test subset")
test = held_out_subset(ctx.data, cross.test_images, test_seed)
print({name: [s.ipc for s in runs[0]] for name, runs in sets.items()}, len(test[1]), "test")

# %% [markdown]
# ## Every set on every network
# One network at a time; the seconds each took (0 for pairs reused from a previous run).

# %%
scores, seconds = scores_by_network(
    sets,
    cross.nets,
    model_for=model_factories(ctx),
    config=config,
    seeds=seeds,
    test=test,
    augment=ctx.augment,
    progressive_nets=cross.progressive_nets,
)
write_csv(out_dir / "scores.csv", scores)
seconds

# %% [markdown]
# ## All at once: test accuracy (%), mean ± std over runs × networks

# %%
summary = seed_summary(scores, ["protocol", "net", "set"])
metrics = cross_arch_metrics(params, summary, test_images=len(test[1]), seconds_per_net=seconds)
write_json(out_dir / "metrics.json", metrics)
all_at_once = summary[summary.protocol == "union"]
mean_std_table(all_at_once, index="set", columns="net", order=sets)

# %% [markdown]
# ## Through the stages: the paper's protocol beside the equal-budget one
#
# One-stage sets (random real, the union) train the same under all three protocols.

# %%
staged = summary[summary.net.isin(cross.progressive_nets)]
cells = staged.assign(column=staged.net + " · " + staged.protocol)
mean_std_table(cells, index="set", columns="column", order=sets)

# %%
plots.apply_theme()
title = f"{common.dataset}, {total_ipc} images per class"
fig = cross_arch_figure(
    scores[scores.protocol == "union"], distilled_with=params.net.name, title=title
)
plots.save(fig, out_dir / "figures" / "cross_arch")
fig
