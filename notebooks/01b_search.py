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
# # 01b · One search of MTT's settings, shared by every schedule
#
# Before the distillation runs (notebook 02), every schedule (progressive = PDD,
# sequential, union = MTT alone) is distilled on the **same** configurations: the `mtt`
# section, then `tune.configs - 1` seeded draws from `tune.grid`, one draw for all
# schedules. A configuration names MTT's one-stage M; each stage of a schedule of several
# stages draws its start from the first `round(M × mtt.stage_start_share)` epochs (the
# paper: M 20 for MTT alone, 5 per stage for PDD). Each is distilled at `tune.iterations`
# per stage with run 0's seed and experts, and scored on the **validation split** by
# `tune.num_seeds` fresh networks trained for the equal protocol's budget; the test split
# is never read. Each schedule takes its best configuration.
#
# Writes `artifacts/search/`: `search.csv` (the schedules side by side per configuration,
# and the winner of each), `scores.csv` (one row per configuration and schedule),
# `metrics.json` (every schedule's winner) and `figures/search`.

# %%
from pdd.analyses.search import search_figure
from pdd.config.context import context_from
from pdd.core.buffers import load_buffers
from pdd.experiments.plan import distill_runs
from pdd.experiments.search import search_schedules
from pdd.infra import plots
from pdd.infra.io import write_csv, write_json
from pdd.pipeline.inputs import stage_inputs

# %% tags=["parameters"]
inputs = None  # the runner's {"params", "item", "workdir"}; None: params.yaml, defaults

# %%
params, item, ws = stage_inputs("search", inputs)

# %%
ctx = context_from(params, ws.prepared, score_cache=ws.score_cache)
experts = load_buffers(ws.artifacts / "buffers", params.buffers.num_experts)
out_dir = ws.artifacts / "search"
run = distill_runs(params, count=1)[0]
schedules = params.distill.schedules
print(f"{params.tune.configs} configurations x {schedules}, run 0's experts {run.experts}")

# %% [markdown]
# ## Every configuration under every schedule, scored on the validation split

# %%
search = search_schedules(
    params, ctx, schedules=schedules, experts=experts, artifacts=ws.artifacts, run=run
)
write_csv(out_dir / "scores.csv", search.scores)
table = search.table()
write_csv(out_dir / "search.csv", table)
write_json(out_dir / "metrics.json", {"search": search.summary(params.tune)})
table

# %% [markdown]
# ## Validation accuracy of every configuration, schedule by schedule

# %%
plots.apply_theme()
fig = search_figure(search.scores)
plots.save(fig, out_dir / "figures" / "search")
fig
