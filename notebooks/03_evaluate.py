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
# # 03 · PDD against MTT: every run, both protocols, every recipe
#
# Each schedule (progressive = PDD, sequential, union = MTT at the total IPC) was distilled
# in `distill.runs` independent runs (notebook 02), under two distillation budgets: `equal`
# (the stages share the union's iteration count) and `paper` (every stage gets it all; the
# schedules of `distill.paper_budget`; the union is one set under both). Every run is
# scored by the same `evaluate.num_seeds` networks under two evaluation protocols:
# - **paper**: one network trains on S_1, then continues (optimiser state kept) on
#   S_1 ∪ S_2, …, each stage for `evaluate.stage_epochs` at its learned step size. A
#   five-stage set trains five times the steps of the one-stage union.
# - **equal**: the same, but every set trains `evaluate.equal_steps` optimiser steps
#   (default: stages × stage_epochs) shared out over its stages; the union gets them all.
#
# and under every recipe of `evaluate.recipes` (default: the `eval` section with DSA;
# shift: translations only). Also a fresh network on the whole union (`scratch`,
# `eval.epochs`). Comparisons are paired by run and seed, with a 95 % t interval over runs.
# Every row names its budget and protocol. Every number is test accuracy; nothing here
# selects anything.
#
# Writes `artifacts/evaluate/`: `scores.csv` (every network after every stage),
# `summary.csv`, `comparisons.csv`, `headline.csv`, `metrics.json`, figures
# `accuracy_by_stage` and `stage_images_<schedule>` (run 0).

# %%
import pandas as pd

from pdd.analyses import figures, protocols
from pdd.analyses.headline import (
    PAIRS,
    headline_metrics,
    headline_rows,
    schedule_labels,
    set_names,
    with_budget,
    with_result,
)
from pdd.analyses.regimes import regime_check, regime_name
from pdd.config.budgets import BUDGETS
from pdd.config.context import context_from
from pdd.core.synthetic import load_runs
from pdd.experiments import scoring
from pdd.experiments.headline import score_schedules
from pdd.infra import plots
from pdd.infra.io import read_json, write_csv, write_json
from pdd.infra.runtime import derive_seed
from pdd.pipeline.inputs import stage_inputs

# %% tags=["parameters"]
inputs = None  # the runner's {"params", "item", "workdir"}; None: params.yaml, defaults

# %%
params, item, ws = stage_inputs("evaluate", inputs)

# %%
ctx = context_from(params, ws.prepared, score_cache=ws.score_cache)
distill = params.distill
published = ws.reports  # the published sets and metrics of the earlier stages
out_dir = ws.artifacts / "evaluate"
names = list(dict.fromkeys(name for budget in BUDGETS for name in set_names(distill, budget)))
sets = {name: load_runs(published / "distill" / name) for name in names}
seeds = [derive_seed(params.common.seed, "eval", k) for k in range(params.evaluate.num_seeds)]
print({name: [[s.ipc for s in run] for run in runs] for name, runs in sets.items()})

# %% [markdown]
# ## Every run of every schedule, under every protocol and recipe

# %%
scores = score_schedules(sets, ctx, params, seeds)
write_csv(out_dir / "scores.csv", scores)
final = scoring.final_rows(scores)
table = with_budget(protocols.summary(final))
write_csv(out_dir / "summary.csv", table)
table

# %% [markdown]
# ## Paired comparisons (run by run, seed by seed; 95 % t interval over runs)

# %%
compared = pd.concat(
    [
        protocols.comparisons(final[final.protocol != "scratch"], pairs).assign(budget=budget)
        for budget, pairs in PAIRS.items()
    ],
    ignore_index=True,
)
write_csv(out_dir / "comparisons.csv", compared)
compared

# %% [markdown]
# ## Headline tables (default recipe), total IPC = stages × ipc_per_stage
# Random real images at the same total IPC (from the baselines) and the experts' full-data
# accuracy (from the buffers) frame each schedule: mean ± std over its runs.

# %%
random_real = read_json(published / "baselines" / "metrics.json")["random_real"]
reference = read_json(published / "buffers" / "metrics.json")["full_data_reference"]
rows = {
    (budget, protocol): headline_rows(
        table,
        distill=distill,
        random_real=random_real,
        reference=reference,
        protocol=protocol,
        budget=budget,
    )
    for budget in BUDGETS
    for protocol in scoring.PROTOCOLS
}
headline = pd.concat(
    [pd.DataFrame(r).assign(budget=b, protocol=p) for (b, p), r in rows.items()],
    ignore_index=True,
)
write_csv(out_dir / "headline.csv", headline)
with_result(headline)

# %% [markdown]
# `metrics.json` keeps both tables, every summary row and comparison, and the union from
# scratch.

# %%
metrics = headline_metrics(
    rows,
    table,
    compared,
    params=params,
    runs=distill.runs,
    seeds=len(seeds),
    regime=regime_name(params.buffers),
)
metrics["regime_check"] = regime_check(reference, table)
write_json(out_dir / "metrics.json", metrics)
print(metrics["regime_check"])
{k: metrics[k] for k in ("headline", "headline_equal") if k in metrics}

# %% [markdown]
# ## Accuracy after each stage (default recipe; mean ± sd over runs and seeds)

# %%
plots.apply_theme()
labels = schedule_labels(distill.method)
by_stage = scores[(scores.recipe == "default") & scores.protocol.isin(scoring.PROTOCOLS)]
fig = figures.accuracy_by_stage(
    by_stage.assign(schedule=by_stage.set.map(labels)),
    title=f"{params.common.dataset}: progressive evaluation",
    col="protocol",
)
plots.save(fig, out_dir / "figures" / "accuracy_by_stage")
fig

# %% [markdown]
# ## The images of every stage of run 0 (one row per stage, classes left to right)

# %%
for name, runs in sets.items():
    fig = figures.stage_image_rows(runs[0], ctx.data.spec, ctx.data.zca)
    plots.save(fig, out_dir / "figures" / f"stage_images_{name}")
fig
