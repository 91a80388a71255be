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
# The best snapshot of each stage is chosen on the **validation split**. Writes
# `artifacts/distill/<schedule>/`: `stage_k.pt` (+ PNG grid), `manifest.json`,
# `history.csv`, `metrics.json`.

# %%
import pandas as pd

from pdd.analyses.distillation import distillation_figure, schedule_metrics, take_history
from pdd.config.context import context_from
from pdd.config.distill_plan import plan_schedule
from pdd.core.buffers import load_buffers
from pdd.core.progressive import run_schedule
from pdd.core.synthetic import save_stages
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
plan, setup, work = plan_schedule(
    params,
    ctx,
    method=method,
    schedule=schedule,
    experts=experts,
    work_name=f"distill-{schedule}",
    artifacts=ws.artifacts,
)
out_dir = ws.artifacts / "distill" / schedule
distiller = setup.distiller
print(f"{method} {schedule}: stage IPCs {plan.ipcs()}, {distiller.config.iterations} iterations")

# %%
result = run_schedule(plan, setup, experts, folder=out_dir, work=work)

# %%
history = take_history(result)
save_stages(out_dir, result, ctx.data.spec, ctx.data.zca)
write_csv(out_dir / "history.csv", history)
metrics = schedule_metrics(schedule, result)
write_json(out_dir / "metrics.json", metrics)
pd.DataFrame(metrics["stages"])

# %% [markdown]
# ## Matching loss and validation accuracy during distillation

# %%
plots.apply_theme()
fig = distillation_figure(history, schedule)
plots.save(fig, out_dir / "figures" / "distillation")
fig
