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
# One schedule per run (DVC runs them as `distill@progressive`, `@sequential`, `@union`):
# - **progressive** (PDD): stage i learns S_i while S_1 … S_{i-1} stay frozen in every
#   mini-batch pool, on trajectories that start from the transition parameters (experts'
#   starts trained on the earlier union, then on real data);
# - **sequential**: each stage is plain MTT on the original trajectories;
# - **union**: one stage with all images (plain MTT at the total IPC).
#
# Two distillation budgets: **equal** (`distill@<schedule>`): the stages share the
# one-stage iteration count, stages × `mtt.iterations`, the union's; **paper**
# (`distill@<schedule>-paper`, for the schedules of `distill.paper_budget`): every stage
# gets the whole one-stage count, as in the paper's runs. The union is the same set under
# both.
#
# Every schedule is distilled in `distill.runs` independent runs, each with its own seed
# (initial images, expert sampling, validation and transition networks) and its own seeded
# draw of `distill.experts_per_run` experts: the comparisons of notebook 03 rest on runs,
# not on one set scored by several networks. Each schedule distils with the configuration
# the shared search (notebook 01b) chose for it on the validation split.
#
# The best snapshot of each stage is chosen on the **validation split**; a stage whose best
# snapshot is its last is marked *still improving*. Writes
# `artifacts/distill/<schedule>[-paper]/run<r>/`: `stage_k.pt` (+ PNG grid) and
# `manifest.json`; and beside them `history.csv`, `stages.csv` (every run's stages),
# `mechanism.csv` and `mechanism_windows.csv` (the mechanism check), `metrics.json` (the
# search's winner; every run's stages, seed and experts; which stages learned) and
# `figures/distillation`, `figures/mechanism`.

# %%
import pandas as pd

from pdd.analyses.distillation import (
    distillation_figure,
    schedule_metrics,
    stage_table,
    take_history,
)
from pdd.analyses.mechanism import mechanism_figure, mechanism_summary, stage_verdicts
from pdd.config.budgets import split_budget
from pdd.config.context import context_from
from pdd.core.buffers import load_buffers
from pdd.experiments.mechanism import check_schedule
from pdd.experiments.plan import Settings, distill_runs
from pdd.experiments.runs import distill_schedule
from pdd.experiments.search import chosen_for
from pdd.infra import plots
from pdd.infra.io import read_json, write_csv, write_json
from pdd.pipeline.inputs import stage_inputs

# %% tags=["parameters"]
inputs = None  # the runner's {"params", "item", "workdir"}; None: params.yaml, defaults

# %%
params, item, ws = stage_inputs("distill", inputs)
schedule, budget = split_budget(item.schedule)

# %%
ctx = context_from(params, ws.prepared, score_cache=ws.score_cache)
experts = load_buffers(ws.artifacts / "buffers", params.buffers.num_experts)
method = params.distill.method
out_dir = ws.artifacts / "distill" / item.schedule
runs = distill_runs(params)
print(f"{method} {schedule}, {budget} budget: {len(runs)} runs, experts")
print([run.experts for run in runs])

# %% [markdown]
# ## This schedule's settings: the shared search's winner, under this budget

# %%
published_search = ws.reports / "search" / "metrics.json"
if not published_search.is_file():
    raise FileNotFoundError(f"{published_search}: run the search stage first (dvc repro -s search)")
search = read_json(published_search)["search"]
chosen = chosen_for({"search": search}, schedule)
settings = Settings.of(params).varied("mtt", **chosen).with_budget(budget)
print(f"chosen: {chosen or 'the mtt section (no search)'}")
print(f"{settings.section.iterations} iterations per stage ({budget} budget)")

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
    settings=settings,
)

# %% [markdown]
# ## The mechanism check: did each stage's student learn?
# For `distill.mechanism_windows` windows of every run's stages: where the window sits
# (validation accuracy of its start and end; its trajectory's start is the transition
# network for PDD's later stages), the student's final matching loss against the floor
# (two real-data runs from the same start, other batch orders) and 1 (no move), how far
# it moved against the window and the new images' share of its push.

# %%
checks = check_schedule(
    params,
    ctx,
    schedule=schedule,
    distilled=results,
    experts=experts,
    artifacts=ws.artifacts,
    work_name=f"distill-{schedule}",
    settings=settings,
)
write_csv(out_dir / "mechanism_windows.csv", checks)

# %%
histories = [take_history(stages).assign(run=run.index) for run, stages in results.items()]
history = pd.concat(histories, ignore_index=True)
write_csv(out_dir / "history.csv", history)
search_record = {**search, "chosen": chosen}  # this schedule's winner (later stages read it)
metrics = {**schedule_metrics(schedule, results), "budget": budget, "search": search_record}
write_json(out_dir / "metrics.json", metrics)
stages = stage_table(metrics)
write_csv(out_dir / "stages.csv", stages)
stages

# %%
verdicts = stage_verdicts(checks, stages)
write_csv(out_dir / "mechanism.csv", verdicts)
metrics["mechanism"] = mechanism_summary(verdicts)
write_json(out_dir / "metrics.json", metrics)
plots.apply_theme()
plots.save(mechanism_figure(verdicts, item.schedule), out_dir / "figures" / "mechanism")
verdicts

# %% [markdown]
# ## Matching loss and validation accuracy during distillation (mean over runs)

# %%
plots.apply_theme()
fig = distillation_figure(history, schedule)
plots.save(fig, out_dir / "figures" / "distillation")
fig
