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
# trained on the earlier union). Both are evaluated the same progressive way as notebook 03,
# on `methods.num_seeds` networks. MTT's row is the headline of notebook 03.
#
# Writes `artifacts/methods/<method>/`: the sets of both schedules, `progressive.csv`,
# `metrics.json` and figures.

# %%
import dataclasses

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from pdd.config.context import context_from
from pdd.config.distill_plan import plan_schedule
from pdd.core.buffers import load_buffers
from pdd.core.evaluate import progressive_evaluation
from pdd.core.progressive import run_schedule
from pdd.core.synthetic import save_stages
from pdd.infra import plots
from pdd.infra.io import write_csv, write_json
from pdd.pipeline.inputs import stage_inputs

# %% tags=["parameters"]
inputs = None  # the runner's {"params", "item", "workdir"}; None: params.yaml, defaults

# %%
params, item, ws = stage_inputs("methods", inputs)
method = item.method

# %%
ctx = context_from(params, ws.prepared)
out_dir = ws.artifacts / "methods" / method
experts = load_buffers(ws.artifacts / "buffers", params.buffers.num_experts)
SCHEDULES = ("union", "progressive")


def distil(schedule: str) -> list:
    plan, setup, work = plan_schedule(
        params,
        ctx,
        method=method,
        schedule=schedule,
        experts=experts,
        work_name=f"methods-{method}-{schedule}",
        artifacts=ws.artifacts,
    )
    iterations = setup.distiller.config.iterations
    print(f"{method} {schedule}: stage IPCs {plan.ipcs()}, {iterations} iterations")
    stages = run_schedule(plan, setup, experts, folder=out_dir / schedule, work=work)
    for stage in stages:
        stage.info.pop("history")
    save_stages(out_dir / schedule, stages, ctx.data.spec, ctx.data.zca)
    return stages


sets = {schedule: distil(schedule) for schedule in SCHEDULES}
seconds = {name: sum(s.info["seconds"] for s in stages) for name, stages in sets.items()}
seconds

# %% [markdown]
# ## Progressive evaluation of both sets

# %%
stage_config = dataclasses.replace(ctx.eval_config, epochs=params.evaluate.stage_epochs)
rows = []
for name, stages in sets.items():
    for row in progressive_evaluation(
        stages,
        make_model=ctx.make_model,
        config=stage_config,
        seeds=ctx.eval_seeds[: params.methods.num_seeds],
        data=ctx.data,
        augment=ctx.augment,
    ):
        rows.append({"method": method, "schedule": name, **row})
progressive = pd.DataFrame(rows)
write_csv(out_dir / "progressive.csv", progressive)

# %%
last = progressive[progressive.stage == progressive.groupby("schedule").stage.transform("max")]
LABELS = {"union": f"{method.upper()} alone", "progressive": f"PDD + {method.upper()}"}
table = {}
for name in SCHEDULES:
    accs = last[last.schedule == name].test_acc
    table[LABELS[name]] = {
        "test_mean": accs.mean(),
        "test_std": accs.std(ddof=0),
        "n": len(accs),
        "distill_seconds": seconds[name],
    }
metrics = {
    "method": method,
    "dataset": params.common.dataset,
    "total_ipc": params.distill.stages * params.distill.ipc_per_stage,
    "stages": params.distill.stages,
    "factor": sets["union"][0].factor,
    "results": table,
    "pdd_minus_alone": table[LABELS["progressive"]]["test_mean"]
    - table[LABELS["union"]]["test_mean"],
}
write_json(out_dir / "metrics.json", metrics)
pd.DataFrame(table).T

# %% [markdown]
# ## Accuracy after each stage

# %%
plots.apply_theme()
fig, ax = plt.subplots(figsize=(4.5, 3), layout="constrained")
curve = progressive.assign(ipc=progressive.images_per_class)
sns.lineplot(
    data=curve,
    x="ipc",
    y="test_acc",
    hue="schedule",
    style="schedule",
    marker="o",
    errorbar="sd",
    ax=ax,
)
ax.set(
    xlabel="images per class so far",
    ylabel="test accuracy (%)",
    title=f"{params.common.dataset}: {method}",
)
plots.save(fig, out_dir / "figures" / "accuracy_by_stage")
