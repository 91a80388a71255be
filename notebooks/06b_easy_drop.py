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
# # 06b · Easy-example dropping: later stages learn from the hardest examples
#
# One drop rate per run (`python -m pdd easy_drop --item rate=R`; DVC runs
# `easy_drop@<R>` for every R in `easy_drop.drop_rates`). Stage 1 is learnt as in the main
# run; every later stage draws its initial images, and its transition trajectories (the
# experts that continue on real data from the networks trained on the earlier union), from
# the training split without its easiest fraction R of every class (forgetting statistics,
# notebook 06a). Rate 0 is the main run: its published progressive set is reused.
# Evaluation as in notebook 05: progressively, `evaluate.stage_epochs` per stage,
# `easy_drop.num_seeds` networks.
# Trajectory matching (MTT) only: the matching methods draw real batches inside the
# distiller, which this notebook does not restrict.
#
# `rate=correct-by-all` (DVC: `easy_drop_correct`) is the paper's other criterion: before
# each later stage, the real examples that every transition network (trained on the union
# so far) classifies correctly are dropped, each kept with probability
# `easy_drop.correct_by_all_keep` instead (the official MTT code keeps 0.2). What is
# dropped then depends on the stage, so the notebook records the examples each stage learnt
# from.
#
# Writes `artifacts/easy_drop/<R>/`: the set (when distilled here), `progressive.csv`,
# `metrics.json` (accuracy, the fraction of real data later stages learn from, seconds).

# %%
from pdd.analyses.easy_drop import (
    CORRECT_BY_ALL,
    drop_summary,
    easy_drop_metrics,
    kept_by_stage,
    later_stage_data,
    require_mtt,
)
from pdd.analyses.variants import variant_summary
from pdd.config.context import context_from
from pdd.experiments.search import searched_settings
from pdd.experiments.variants import run_variant
from pdd.infra.io import write_csv, write_json
from pdd.pipeline.inputs import stage_inputs

# %% tags=["parameters"]
inputs = None  # the runner's {"params", "item", "workdir"}; None: params.yaml, defaults

# %%
params, item, ws = stage_inputs("easy_drop", inputs)
rate = item.rate

# %%
require_mtt(params.distill.method)
ctx = context_from(params, ws.prepared, score_cache=ws.score_cache)
out_dir = ws.artifacts / "easy_drop" / str(rate)
keep, train_size = params.easy_drop.correct_by_all_keep, len(ctx.data.train_y)
easiness_file = ws.artifacts / "forgetting" / "easiness.pt"
later_data = later_stage_data(ctx.data, rate, easiness_file=easiness_file)
print(drop_summary(rate, later_data, train_size=train_size, keep=keep))

# %% [markdown]
# ## The set (the main run's for rate 0, distilled here otherwise), evaluated progressively
#
# `ws.reports` holds the main run's published progressive set.

# %%
run = run_variant(
    params,
    ctx,
    artifacts=ws.artifacts,
    work_name=f"easy-drop-{rate}",
    out_dir=out_dir,
    num_seeds=params.easy_drop.num_seeds,
    runs=params.easy_drop.runs,
    label={"rate": rate},
    published=ws.reports,
    reuse="distill/progressive" if rate == 0 else None,
    settings=searched_settings(params, ws.reports / "distill" / "progressive"),
    later_data=later_data,
    keep_learned=keep if rate == CORRECT_BY_ALL else None,
)
print(run.variant.origin, [s.ipc for s in run.variant.stages])
write_csv(out_dir / "progressive.csv", run.progressive)
write_csv(out_dir / "final.csv", run.final_rows)

# %%
kept = kept_by_stage(run.variant.stages, later_data, train_size=train_size)
final = variant_summary(run.variant, run.final_rows)
metrics = easy_drop_metrics(rate, keep=keep, kept=kept, final=final)
write_json(out_dir / "metrics.json", metrics)
metrics
