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
from pathlib import Path

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

# %% tags=["parameters"]
seed = 0
dataset = "fashion-mnist"
device = "auto"
threads = 2
data_mirror = None
download = True
val_per_class = 500
zca = False
net_name = "convnet"
net_width = 32
net_depth = None
net_norm = "instance"
eval_epochs = 300
eval_lr = 0.01
eval_momentum = 0.9
eval_weight_decay = 0.0005
eval_batch_size = 256
eval_lr_decay_at = [0.5]
eval_lr_decay_factor = 0.1
eval_dsa = True
eval_dsa_strategy = "color_crop_cutout_flip_scale_rotate"
eval_dsa_flip = True
eval_num_seeds = 5
buffers_num_experts = 6
buffers_epochs = 10
buffers_lr_teacher = 0.01
buffers_batch_size = 256
buffers_examples_per_epoch = 6000
distill_method = "mtt"
distill_stages = 5
distill_ipc_per_stage = 2
distill_schedules = ["progressive", "sequential", "union"]
distill_iterations = 150
distill_syn_steps = 20
distill_expert_epochs = 2
distill_max_start_epoch = 2
distill_batch_syn = 20
distill_lr_img = 1000.0
distill_lr_lr = 0.01
distill_eval_every = 50
distill_checkpoint_every = 25
distill_select_nets = 2
distill_select_epochs = 150
distill_transition_epochs = 300
distill_unroll = "graph"
matching_iterations = 100
matching_batch_real = 64
matching_lr_img = 0.1
matching_lr_net = 0.01
matching_net_steps = 5
matching_net_batch = 256
matching_refresh_every = 10
matching_idc_factor = 2
dm_iterations = 200
dm_batch_real = 128
dm_lr_img = 1.0
evaluate_stage_epochs = 300
names = ["dm", "dsa", "dc", "idc"]
num_seeds = 3
# per run (set by the runner)
method = "dm"
prepared_dir = "data/prepared"
artifacts_dir = "artifacts"

# %%
ctx = context_from(globals())
artifacts = Path(artifacts_dir)
out_dir = artifacts / "methods" / method
experts = load_buffers(artifacts / "buffers", buffers_num_experts)
SCHEDULES = ("union", "progressive")


def distil(schedule: str) -> list:
    plan, setup, work = plan_schedule(
        globals(),
        ctx,
        method=method,
        schedule=schedule,
        experts=experts,
        work_name=f"methods-{method}-{schedule}",
        prefix="distill_",
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
stage_config = dataclasses.replace(ctx.eval_config, epochs=evaluate_stage_epochs)
rows = []
for name, stages in sets.items():
    for row in progressive_evaluation(
        stages,
        make_model=ctx.make_model,
        config=stage_config,
        seeds=ctx.eval_seeds[:num_seeds],
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
    "dataset": dataset,
    "total_ipc": distill_stages * distill_ipc_per_stage,
    "stages": distill_stages,
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
ax.set(xlabel="images per class so far", ylabel="test accuracy (%)", title=f"{dataset}: {method}")
plots.save(fig, out_dir / "figures" / "accuracy_by_stage")
