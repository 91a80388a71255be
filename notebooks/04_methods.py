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
# # 04 · Base methods alone and with PDD
#
# One base method per run (`python -m pdd methods --item method=<name>`; DVC runs
# `methods@<name>` for every name in `methods.names`): the method alone at the total IPC
# (the *union* schedule: one stage of `distill.stages × distill.ipc_per_stage` images per
# class) against the same method under PDD (the *progressive* schedule: each stage
# conditioned on the frozen earlier ones, its matching networks starting from parameters
# trained on the earlier union). Both come in `methods.runs` independent runs (run r of
# both schedules shares its seed and experts), scored under the two protocols of notebook
# 03 (`paper`, `equal`) and every recipe, on `methods.num_seeds` networks per run, and
# compared run by run. MTT's row is the headline of notebook 03.
#
# Writes `artifacts/methods/<method>/`: the runs of both schedules, `progressive.csv`,
# `final.csv`, `comparisons.csv`, `metrics.json` and figures.

# %%
import pandas as pd

from pdd.analyses import protocols
from pdd.analyses.methods import mean_distill_seconds, method_metrics, results_table
from pdd.analyses.variants import accuracy_curve
from pdd.config.context import context_from
from pdd.core.buffers import load_buffers
from pdd.experiments import scoring
from pdd.experiments.methods import distill_schedules, score_schedules
from pdd.experiments.plan import distill_runs
from pdd.infra import plots
from pdd.infra.io import write_csv, write_json
from pdd.pipeline.inputs import stage_inputs

# %% tags=["parameters"]
inputs = None  # the runner's {"params", "item", "workdir"}; None: params.yaml, defaults

# %%
params, item, ws = stage_inputs("methods", inputs)
method = item.method

# %%
ctx = context_from(params, ws.prepared, score_cache=ws.score_cache)
out_dir = ws.artifacts / "methods" / method
experts = load_buffers(ws.artifacts / "buffers", params.buffers.num_experts)
runs = distill_runs(params, params.methods.runs)
sets = distill_schedules(
    params, ctx, method=method, runs=runs, experts=experts, artifacts=ws.artifacts, out_dir=out_dir
)
seconds = mean_distill_seconds(sets)
seconds

# %% [markdown]
# ## Every run of both sets, both protocols, every recipe

# %%
scores = score_schedules(sets, ctx, params)
write_csv(out_dir / "progressive.csv", scores)
final = scoring.final_rows(scores)
write_csv(out_dir / "final.csv", final)
compared = protocols.comparisons(final, [("progressive", "union")])
write_csv(out_dir / "comparisons.csv", compared)
compared

# %%
table = results_table(protocols.summary(final), seconds, method=method)
metrics = method_metrics(
    table,
    compared,
    method=method,
    dataset=params.common.dataset,
    stages=params.distill.stages,
    ipc_per_stage=params.distill.ipc_per_stage,
    factor=sets["union"][0][0].factor,
)
write_json(out_dir / "metrics.json", metrics)
pd.DataFrame(table).T

# %% [markdown]
# ## Accuracy after each stage (paper protocol, default recipe)

# %%
plots.apply_theme()
title = f"{params.common.dataset}: {method}"
paper = scores.query("protocol == 'paper' and recipe == 'default'").rename(
    columns={"set": "schedule"}
)
fig = accuracy_curve(paper, title=title, figsize=(4.5, 3), hue="schedule")
plots.save(fig, out_dir / "figures" / "accuracy_by_stage")
fig
