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
# # 02 · Progressive distillation (PDD with MTT)
#
# One schedule per run (DVC runs the three as `distill@progressive`, `@sequential`,
# `@union`):
# - **progressive** (PDD): stage i learns S_i while S_1 … S_{i-1} stay frozen in every
#   mini-batch pool, on trajectories that start from the transition parameters (experts'
#   starts trained on the earlier union, then on real data);
# - **sequential**: each stage is plain MTT on the original trajectories;
# - **union**: one stage with all images (plain MTT at the total IPC), trained for
#   stages × iterations, the same budget.
#
# Every schedule is distilled in `distill.runs` independent runs, each with its own seed
# (initial images, expert sampling, validation and transition networks) and its own seeded
# draw of `distill.experts_per_run` experts: the comparisons of notebook 03 rest on runs,
# not on one set scored by several networks.
#
# Before the runs, each schedule searches its own MTT settings (`tune`): the `mtt`
# section and `tune.configs - 1` seeded draws from `tune.grid`, each distilled at
# `tune.iterations` per stage and scored on the **validation split**. Every schedule gets
# the same search budget, so MTT alone (the union) is not held to PDD's per-stage settings.
#
# The best snapshot of each stage is chosen on the **validation split**. Writes
# `artifacts/distill/<schedule>/run<r>/`: `stage_k.pt` (+ PNG grid) and `manifest.json`;
# and beside them `search.csv` (every configuration's validation score), `history.csv` and
# `metrics.json` (the search's winner; every run's stages, seed and experts).

# %%
import pandas as pd

from pdd.analyses.distillation import distillation_figure, schedule_metrics, take_history
from pdd.config.context import context_from
from pdd.core.buffers import load_buffers
from pdd.experiments.plan import distill_runs
from pdd.experiments.runs import distill_schedule
from pdd.experiments.search import search_schedule
from pdd.infra import plots
from pdd.infra.io import write_csv, write_json
from pdd.pipeline.inputs import stage_inputs

# %% tags=["parameters"]
inputs = None  # the runner's {"params", "item", "workdir"}; None: params.yaml, defaults

# %%
params, item, ws = stage_inputs("distill", inputs)
schedule = item.schedule

# %%
ctx = context_from(params, ws.prepared, score_cache=ws.score_cache)
experts = load_buffers(ws.artifacts / "buffers", params.buffers.num_experts)
method = params.distill.method
out_dir = ws.artifacts / "distill" / schedule
runs = distill_runs(params)
print(f"{method} {schedule}: {len(runs)} runs, experts {[run.experts for run in runs]}")

# %% [markdown]
# ## The search: this schedule's settings, chosen on the validation split

# %%
search = search_schedule(
    params, ctx, schedule=schedule, experts=experts, artifacts=ws.artifacts, run=runs[0]
)
write_csv(out_dir / "search.csv", search.table)
print(f"chosen: {search.chosen or 'the mtt section (no search)'}")
search.table

# %% [markdown]
# ## The runs, one after another (each resumes from its checkpoints)

# %%
results = distill_schedule(
    params,
    ctx,
    schedule=schedule,
    runs=runs,
    experts=experts,
    artifacts=ws.artifacts,
    work_name=f"distill-{schedule}",
    out_dir=out_dir,
    settings=search.settings,
)

# %%
histories = [take_history(stages).assign(run=run.index) for run, stages in results.items()]
history = pd.concat(histories, ignore_index=True)
write_csv(out_dir / "history.csv", history)
metrics = {**schedule_metrics(schedule, results), "search": search.summary(params.tune)}
write_json(out_dir / "metrics.json", metrics)
pd.DataFrame([{"run": r["run"], **stage} for r in metrics["runs"] for stage in r["stages"]])

# %% [markdown]
# ## Matching loss and validation accuracy during distillation (mean over runs)

# %%
plots.apply_theme()
fig = distillation_figure(history, schedule)
plots.save(fig, out_dir / "figures" / "distillation")
fig
