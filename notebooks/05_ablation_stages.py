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
# # 05 · Stage count: the same images and iterations in P stages
#
# One P per run (`python -m pdd ablation_stages --item stages=P`; DVC runs
# `ablation_stages@<P>` for every P in `ablation.stage_counts`). The total IPC
# (`distill.stages × distill.ipc_per_stage`) and the iteration budget
# (`distill.stages × distill.iterations`) stay fixed; PDD learns them in P stages of
# total/P images per class and budget/P iterations each, every stage conditioned on the
# earlier ones. P = 1 is plain MTT on the whole set (the union baseline). The two P values
# the main run already distilled (1 and `distill.stages`) reuse its published sets instead
# of distilling again. Every P is then evaluated the same way: progressively,
# `evaluate.stage_epochs` per stage, `ablation.num_seeds` networks.
#
# The per-stage IPC ablation uses the same notebook with `stages` = per-stage IPCs joined
# by `-` (`--item stages=2-8`; DVC: `ablation_ipcs@<split>` for every split in
# `ablation.stage_ipcs`): P = the number of parts, the same total IPC and budget/P iterations per
# stage, but the images shared out unevenly.
#
# Writes `artifacts/ablation_stages/<P or split>/`: the set (when distilled here),
# `progressive.csv` and `metrics.json` (accuracy and the seconds of distillation and of
# the whole schedule).

# %%
import matplotlib.pyplot as plt
import seaborn as sns

from pdd.analyses.variant_run import (
    distil_progressive,
    reuse_published,
    score_progressively,
    split_stage_ipcs,
)
from pdd.config.context import context_from
from pdd.infra import plots
from pdd.infra.io import write_csv, write_json
from pdd.pipeline.inputs import stage_inputs

# %% tags=["parameters"]
inputs = None  # the runner's {"params", "item", "workdir"}; None: params.yaml, defaults

# %%
params, item, ws = stage_inputs("ablation_stages", inputs)
stages = item.stages

# %%
ctx = context_from(params, ws.prepared)
published = ws.reports  # the published sets of the main run
out_dir = ws.artifacts / "ablation_stages" / str(stages)
total_ipc = params.distill.stages * params.distill.ipc_per_stage
budget = params.distill.stages * params.distill.iterations
split = split_stage_ipcs(stages, total_ipc)  # raises naming the item when it cannot
P = len(split)
uniform = isinstance(stages, int)
if budget % P:
    raise ValueError(f"ablation: P={P} must divide the iteration budget ({budget})")
REUSED = {1: "union", params.distill.stages: "progressive"}
print(f"P={P}: IPC {'+'.join(map(str, split))}, {budget // P} iterations each")

# %% [markdown]
# ## The set: reused from the main run, or distilled here

# %%
if uniform and stages in REUSED and (published / "distill" / REUSED[stages]).is_dir():
    variant = reuse_published(published, f"distill/{REUSED[stages]}")
else:
    varied = params.distill.model_copy(
        update={"stages": P, "ipc_per_stage": total_ipc // P, "iterations": budget // P}
    )
    variant = distil_progressive(
        params,
        ctx,
        artifacts=ws.artifacts,
        work_name=f"ablation-stages-{stages}",
        out_dir=out_dir,
        distill=varied,
        stage_ipcs=() if uniform else split,
    )
print(variant.origin, [s.ipc for s in variant.stages])

# %% [markdown]
# ## Progressive evaluation

# %%
rows, final = score_progressively(
    variant,
    ctx,
    stage_epochs=params.evaluate.stage_epochs,
    num_seeds=params.ablation.num_seeds,
    seed=params.common.seed,
)
progressive = rows.assign(P=P)
write_csv(out_dir / "progressive.csv", progressive)
metrics = {
    "P": P,
    "ipc_per_stage": total_ipc // P if uniform else None,
    "stage_ipcs": list(split),
    "iterations_per_stage": budget // P,
    **final,
}
write_json(out_dir / "metrics.json", metrics)
metrics

# %%
plots.apply_theme()
fig, ax = plt.subplots(figsize=(4, 2.8), layout="constrained")
sns.lineplot(data=progressive, x="images_per_class", y="test_acc", marker="o", errorbar="sd", ax=ax)
ax.set(
    xlabel="images per class so far",
    ylabel="test accuracy (%)",
    title=f"P = {P} stages of IPC {'+'.join(map(str, split))}",
)
plots.save(fig, out_dir / "figures" / "accuracy_by_stage")
fig
