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
from pathlib import Path

import pandas as pd
from IPython.display import display

from pdd.config.context import context_from
from pdd.core.buffers import ExpertConfig, expert_path, generate_buffers, load_buffers
from pdd.core.models import count_parameters
from pdd.infra.io import write_csv, write_json
from pdd.infra.paths import work_dir

# %% tags=["parameters"]
# data and run
dataset = "fashion-mnist"
seed = 0
device = "auto"
threads = 2
data_mirror = None
download = True
val_per_class = 500
zca = False
# network
net_name = "convnet"
net_width = 32
net_depth = None
net_norm = "instance"
# evaluation protocol
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
# this stage
num_experts = 6
epochs = 10
lr_teacher = 0.01
batch_size = 256
examples_per_epoch = 6000
# per run (set by the runner)
shard = 0
num_shards = 1
prepared_dir = "data/prepared"
artifacts_dir = "artifacts"

# %%
ctx = context_from(globals())
config = ExpertConfig(
    epochs=epochs, lr=lr_teacher, batch_size=batch_size, examples_per_epoch=examples_per_epoch
)
key = {
    "dataset": dataset,
    "seed": seed,
    "net": ctx.net,
    "config": config,
    "zca": zca,
    "val": val_per_class,
    "dsa": [eval_dsa, eval_dsa_strategy, eval_dsa_flip],
}
work = work_dir(artifacts_dir, "buffers", key)
out_dir = Path(artifacts_dir) / "buffers"
print(f"{num_experts} experts x {epochs} epochs, {count_parameters(ctx.make_model(0)):,} params")
print(f"resumable state in {work}")

# %%
generate_buffers(
    ctx.make_model,
    num_experts,
    ctx.data,
    config,
    seed=seed,
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
    experts = load_buffers(work, num_experts)
    out_dir.mkdir(parents=True, exist_ok=True)
    for index in range(num_experts):
        shutil.copyfile(expert_path(work, index), expert_path(out_dir, index))
    rows = [{"expert": i, "seed": t.seed, **t.metrics} for i, t in enumerate(experts)]
    table = pd.DataFrame(rows)
    write_csv(out_dir / "experts.csv", table)
    metrics = {
        "dataset": dataset,
        "full_data_reference": {
            "test_mean": table.test_acc.mean(),
            "test_std": table.test_acc.std(ddof=0),
            "val_mean": table.val_acc.mean(),
            "n": num_experts,
            "what": f"experts after {epochs} epochs of {examples_per_epoch or 'all'} real "
            f"images, SGD lr {lr_teacher}, no momentum",
        },
    }
    write_json(out_dir / "metrics.json", metrics)
    display(table)
else:
    print(f"shard {shard} of {num_shards} done; a plain run publishes every expert")
