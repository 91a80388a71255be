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
# split with plain SGD (no momentum, no weight decay, DSA on every batch). Each expert's
# parameters are saved after every epoch. The experts' mean final accuracy is the
# project's **full-data reference** for this protocol.
#
# Resumable and shardable: state lives in `artifacts/work/` keyed by the parameters; a
# rerun skips finished experts and continues an unfinished one from its last epoch. Run
# `torchrun --nproc-per-node N -m pdd buffers` (or `python -m pdd buffers --item
# shard=i --item num_shards=N` in N processes, e.g. N DVC queue workers), then once plainly
# (`dvc repro`): it finds every expert done and only publishes them.
#
# Writes `artifacts/buffers/`: `expert_NNN.pt`, `experts.csv`, `metrics.json`.

# %%
import shutil

import pandas as pd
from IPython.display import display

from pdd.config.context import context_from
from pdd.core.buffers import ExpertConfig, expert_path, generate_buffers, load_buffers
from pdd.core.models import count_parameters
from pdd.infra.io import write_csv, write_json
from pdd.infra.paths import work_dir
from pdd.pipeline.inputs import stage_inputs

# %% tags=["parameters"]
inputs = None  # the runner's {"params", "item", "workdir"}; None: params.yaml, defaults

# %%
params, item, ws = stage_inputs("buffers", inputs)
shard, num_shards = item.shard, item.num_shards

# %%
ctx = context_from(params, ws.prepared)
common, evals, buffers = params.common, params.eval, params.buffers
config = ExpertConfig(
    epochs=buffers.epochs,
    lr=buffers.lr_teacher,
    batch_size=buffers.batch_size,
    examples_per_epoch=buffers.examples_per_epoch,
)
key = {
    "dataset": common.dataset,
    "seed": common.seed,
    "net": ctx.net,
    "config": config,
    "zca": common.zca,
    "val": common.val_per_class,
    "dsa": [evals.dsa, evals.dsa_strategy, evals.dsa_flip],
}
work = work_dir(ws.artifacts, "buffers", key)
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
    experts = load_buffers(work, buffers.num_experts)
    out_dir.mkdir(parents=True, exist_ok=True)
    for index in range(buffers.num_experts):
        shutil.copyfile(expert_path(work, index), expert_path(out_dir, index))
    rows = [{"expert": i, "seed": t.seed, **t.metrics} for i, t in enumerate(experts)]
    table = pd.DataFrame(rows)
    write_csv(out_dir / "experts.csv", table)
    metrics = {
        "dataset": common.dataset,
        "full_data_reference": {
            "test_mean": table.test_acc.mean(),
            "test_std": table.test_acc.std(ddof=0),
            "val_mean": table.val_acc.mean(),
            "n": buffers.num_experts,
            "what": f"experts after {buffers.epochs} epochs of "
            f"{buffers.examples_per_epoch or 'all'} real images, SGD lr {buffers.lr_teacher}, "
            "no momentum",
        },
    }
    write_json(out_dir / "metrics.json", metrics)
    display(table)
else:
    print(f"shard {shard} of {num_shards} done; a plain run publishes every expert")
