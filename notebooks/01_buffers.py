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
# # 01 · Expert trajectory buffers
#
# MTT matches the parameter trajectories of *experts*: networks trained on the real training
# split with plain SGD (no momentum, no weight decay, DSA on every batch), every epoch a
# full pass over the split, as MTT's `buffer.py`. Each expert's parameters are saved after
# every epoch, with its validation and test accuracy. The experts' mean final accuracy is
# the project's **full-data reference** for this protocol; PDD's claim needs experts that
# end well above every set distilled from them (notebook 03 shows the gap).
#
# Resumable and shardable: state lives in `artifacts/work/` keyed by the parameters; a
# rerun skips finished experts and continues an unfinished one from its last epoch. Run
# `torchrun --nproc-per-node N -m pdd buffers` (or `python -m pdd buffers --item
# shard=i --item num_shards=N` in N processes, e.g. N DVC queue workers), then once plainly
# (`dvc repro`): it finds every expert done and only publishes them.
#
# Writes `artifacts/buffers/`: `expert_NNN.pt`, `experts.csv`, `experts_curve.csv` (accuracy
# by epoch), `metrics.json` and `figures/experts_curve`.

# %%
from IPython.display import display

from pdd.analyses.experts import (
    buffers_key,
    buffers_metrics,
    curve_figure,
    experts_curve,
    experts_table,
    publish_experts,
)
from pdd.config.context import context_from, expert_config
from pdd.core.buffers import generate_buffers
from pdd.core.models import count_parameters
from pdd.infra import plots
from pdd.infra.io import write_csv, write_json
from pdd.infra.paths import work_dir
from pdd.pipeline.inputs import stage_inputs

# %% tags=["parameters"]
inputs = None  # the runner's {"params", "item", "workdir"}; None: params.yaml, defaults

# %%
params, item, ws = stage_inputs("buffers", inputs)
shard, num_shards = item.shard, item.num_shards

# %%
ctx = context_from(params, ws.prepared, score_cache=ws.score_cache)
common, buffers = params.common, params.buffers
config = expert_config(buffers)
work = work_dir(ws.artifacts, "buffers", buffers_key(common, params.eval, ctx.net, config))
out_dir = ws.artifacts / "buffers"
n_params = count_parameters(ctx.make_model(0))
print(f"{buffers.num_experts} experts x {buffers.epochs} epochs, {n_params:,} params")
print(f"resumable state in {work}")

# %%
generate_buffers(
    ctx.make_model,
    buffers.num_experts,
    ctx.data,
    config,
    seed=common.seed,
    folder=work,
    augment=ctx.augment,
    shard=shard,
    num_shards=num_shards,
)

# %% [markdown]
# ## Publish (only when every shard is done)

# %%
publishing = num_shards == 1  # a shard of an N-process run only trains its experts
if publishing:
    experts = publish_experts(work, out_dir, buffers.num_experts)
    table = experts_table(experts)
    write_csv(out_dir / "experts.csv", table)
    curve = experts_curve(experts)
    write_csv(out_dir / "experts_curve.csv", curve)
    metrics = buffers_metrics(table, dataset=common.dataset, buffers=buffers)
    write_json(out_dir / "metrics.json", metrics)
    display(table)
    plots.apply_theme()
    plots.save(curve_figure(curve), out_dir / "figures" / "experts_curve")
else:
    print(f"shard {shard} of {num_shards} done; a plain run publishes every expert")
