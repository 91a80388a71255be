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
# # 08 · Continual learning with a replay memory of distilled images
#
# Class-incremental, as in the distillation papers (GDumb-style): the classes arrive in
# `continual.num_tasks` tasks of equal size (seeded random order). After each task the
# memory holds the images of every class seen so far from one source, at the same budget for
# every source (the total IPC, `distill.stages × distill.ipc_per_stage` per class): random
# real images, or a published distilled set (MTT = `union`, PDD = `progressive`), each in
# `continual.runs` independent runs (random real: a fresh draw per run) × `continual.num_seeds`
# networks. A fresh network trains on the memory alone and is tested on the test images of
# the seen classes, answering among them. It trains under three protocols: `union`, the
# whole memory at once for `continual.epochs` at its last learned step size (every memory
# the same steps); `paper`, through the memory's stages as PDD evaluates, `continual.epochs`
# each at its own step size; `equal`, through the stages with the union's steps. Random
# real images (one stage, `eval.lr`) train the same under all three.
#
# Reads the published sets `reports/distill/<schedule>/`. Writes `artifacts/continual/`:
# `accuracy.csv` (source, seed, task, test accuracy), `metrics.json` and the figure
# `accuracy_by_task`.

# %%
from pdd.analyses.continual import accuracy_by_task_figure, continual_metrics
from pdd.analyses.cross_arch import mean_std_table, seed_summary
from pdd.config.context import context_from
from pdd.experiments import scoring
from pdd.experiments.continual import accuracy_by_memory, class_tasks
from pdd.experiments.cross_arch import compared_sets
from pdd.infra import plots
from pdd.infra.io import write_csv, write_json
from pdd.infra.runtime import derive_seed
from pdd.pipeline.inputs import stage_inputs

# %% tags=["parameters"]
inputs = None  # the runner's {"params", "item", "workdir"}; None: params.yaml, defaults

# %%
params, item, ws = stage_inputs("continual", inputs)

# %% [markdown]
# The memories (random real images first, as in notebook 07), the tasks and the seeds.

# %%
ctx = context_from(params, ws.prepared, score_cache=ws.score_cache)
common = params.common
out_dir = ws.artifacts / "continual"
total_ipc = params.distill.stages * params.distill.ipc_per_stage
memories = compared_sets(
    params, ctx.data, ws.reports, params.continual.schedules, params.continual.runs
)
order_seed = derive_seed(common.seed, "class order")
tasks = class_tasks(ctx.data.spec.num_classes, params.continual.num_tasks, order_seed)
seeds = scoring.eval_seeds(common.seed, params.continual.num_seeds)
print("tasks:", [[ctx.data.class_names[c] for c in task] for task in tasks])

# %% [markdown]
# ## Accuracy on the seen classes after every task

# %%
accuracy = accuracy_by_memory(
    memories,
    tasks,
    make_model=ctx.make_model,
    eval_config=ctx.eval_config,
    epochs=params.continual.epochs,
    seeds=seeds,
    data=ctx.data,
    augment=ctx.augment,
)
write_csv(out_dir / "accuracy.csv", accuracy)

# %%
by_task = seed_summary(accuracy, ["protocol", "source", "task"])
metrics = continual_metrics(params, accuracy, by_task, tasks=tasks)
write_json(out_dir / "metrics.json", metrics)
cells = by_task.assign(column=by_task.protocol + " · task " + by_task.task.astype(str))
mean_std_table(cells, index="source", columns="column", order=memories)

# %%
plots.apply_theme()
title = f"{common.dataset}: class-incremental, memory {total_ipc}/class, all at once"
fig = accuracy_by_task_figure(accuracy[accuracy.protocol == "union"], title=title)
plots.save(fig, out_dir / "figures" / "accuracy_by_task")
fig
