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
import pandas as pd

from pdd.analyses import figures
from pdd.analyses.headline import (
    headline_metrics,
    headline_rows,
    progressive_table,
    scratch_scores,
    scratch_table,
    with_result,
)
from pdd.config.context import context_from
from pdd.core.synthetic import load_stages
from pdd.infra import plots
from pdd.infra.io import read_json, write_csv, write_json
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
sets = {name: load_stages(published / "distill" / name) for name in distill.schedules}
print({name: [s.ipc for s in stages] for name, stages in sets.items()})

# %% [markdown]
# ## Progressive evaluation of every schedule

# %%
progressive = progressive_table(
    sets,
    make_model=ctx.make_model,
    config=ctx.eval_config,
    stage_epochs=params.evaluate.stage_epochs,
    seeds=ctx.eval_seeds,
    data=ctx.data,
    augment=ctx.augment,
)
write_csv(out_dir / "progressive.csv", progressive)

# %% [markdown]
# ## A fresh network on the whole union (eval.epochs, last stage's step size)

# %%
scratch = scratch_scores(
    sets,
    make_model=ctx.make_model,
    config=ctx.eval_config,
    seeds=ctx.eval_seeds,
    data=ctx.data,
    augment=ctx.augment,
)
write_csv(out_dir / "union_from_scratch.csv", scratch_table(scratch))
{name: str(score) for name, score in scratch.items()}

# %% [markdown]
# ## Headline table (Fashion-MNIST, total IPC = stages × ipc_per_stage)
# Random real images at the same total IPC (from the baselines) and the experts' full-data
# accuracy (from the buffers) frame each schedule's accuracy after its last stage.

# %%
rows = headline_rows(
    progressive,
    distill=distill,
    random_real=read_json(published / "baselines" / "metrics.json")["random_real"],
    reference=read_json(published / "buffers" / "metrics.json")["full_data_reference"],
)
headline = pd.DataFrame(rows)
write_csv(out_dir / "headline.csv", headline)
with_result(headline)

# %% [markdown]
# `metrics.json` keeps the table by method, the union from scratch and PDD's gain over the
# one-stage union.

# %%
metrics = headline_metrics(
    rows,
    scratch,
    dataset=params.common.dataset,
    distill=distill,
    stage_epochs=params.evaluate.stage_epochs,
    evals=params.eval,
)
write_json(out_dir / "metrics.json", metrics)
metrics

# %% [markdown]
# ## Accuracy after each stage

# %%
plots.apply_theme()
fig = figures.accuracy_by_stage(
    progressive, title=f"{params.common.dataset}: progressive evaluation"
)
plots.save(fig, out_dir / "figures" / "accuracy_by_stage")
fig

# %% [markdown]
# ## The images of every stage (one row per stage, classes left to right)

# %%
for name, stages in sets.items():
    fig = figures.stage_image_rows(stages, ctx.data.spec, ctx.data.zca)
    plots.save(fig, out_dir / "figures" / f"stage_images_{name}")
fig
