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
# (`distill.stages × mtt.iterations`) stay fixed; PDD learns them in P stages of
# total/P images per class and budget/P iterations each, every stage conditioned on the
# earlier ones. P = 1 is plain MTT on the whole set (the union baseline). The two P values
# the main run already distilled (1 and `distill.stages`) reuse its published runs instead
# of distilling again; the others use the MTT settings the progressive schedule's search
# chose (P = 1 keeps the union's own, chosen by its search). Every P comes in
# `ablation.runs` independent runs (or its own count in `ablation.runs_by_item`; run r of
# every P shares its seed and experts), each scored the same way: both protocols of notebook 03
# (`paper`: `evaluate.stage_epochs` per stage; `equal`: `evaluate.equal_steps` in all) under
# every recipe, `ablation.num_seeds` networks per run.
#
# The per-stage IPC ablation uses the same notebook with `stages` = per-stage IPCs joined
# by `-` (`--item stages=2-8`; DVC: `ablation_ipcs@<split>` for every split in
# `ablation.stage_ipcs`): P = the number of parts, the same total IPC and budget/P iterations per
# stage, but the images shared out unevenly.
#
# Writes `artifacts/ablation_stages/<P or split>/`: the runs (when distilled here),
# `progressive.csv` (every network after every stage), `final.csv` (after the last stage:
# what the report pairs across P) and `metrics.json` (accuracy per protocol and recipe, and
# the seconds of distillation and of the whole schedule).

# %%
from pdd.analyses.ablation import ablation_metrics, reused_folder, stage_point, varied_settings
from pdd.analyses.variants import accuracy_curve, variant_summary
from pdd.config.context import context_from
from pdd.experiments.search import searched_settings
from pdd.experiments.variants import run_variant
from pdd.infra import plots
from pdd.infra.io import write_csv, write_json
from pdd.pipeline.inputs import stage_inputs

# %% tags=["parameters"]
inputs = None  # the runner's {"params", "item", "workdir"}; None: params.yaml, defaults

# %%
params, item, ws = stage_inputs("ablation_stages", inputs)
stages = item.stages

# %%
ctx = context_from(params, ws.prepared, score_cache=ws.score_cache)
out_dir = ws.artifacts / "ablation_stages" / str(stages)
# PDD's MTT settings as the progressive schedule's search chose them (notebook 02)
settings = searched_settings(params, ws.reports / "distill" / "progressive")
point = stage_point(stages, settings)  # raises naming the item when it cannot
print(point.describe())

# %% [markdown]
# ## The set, reused from the main run or distilled here, and its progressive evaluation
#
# `ws.reports` holds the main run's published runs.

# %%
run = run_variant(
    params,
    ctx,
    artifacts=ws.artifacts,
    work_name=f"ablation-stages-{stages}",
    out_dir=out_dir,
    num_seeds=params.ablation.num_seeds,
    runs=params.ablation.runs_of(stages),
    label={"P": point.count},
    published=ws.reports,
    reuse=reused_folder(point, params.distill.stages),
    settings=varied_settings(point, settings),
    stage_ipcs=point.planned_ipcs,
)
print(run.variant.origin, [s.ipc for s in run.variant.stages])
write_csv(out_dir / "progressive.csv", run.progressive)
write_csv(out_dir / "final.csv", run.final_rows)

# %%
metrics = ablation_metrics(point, variant_summary(run.variant, run.final_rows))
write_json(out_dir / "metrics.json", metrics)
metrics

# %%
plots.apply_theme()
title = f"P = {point.count} stages of IPC {point.sizes}"
paper = run.progressive.query("protocol == 'paper' and recipe == 'default'")
fig = accuracy_curve(paper, title=title, figsize=(4, 2.8))
plots.save(fig, out_dir / "figures" / "accuracy_by_stage")
fig
