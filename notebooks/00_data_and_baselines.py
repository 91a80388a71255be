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
# # 00 · Data and random-real baselines
#
# What a distilled set has to beat: a network trained on a few **random real images per
# class** (IPC). This notebook shows examples of every class and measures the test accuracy
# of random real subsets at several IPCs, mean ± std over seeds, with the same evaluation
# protocol (network, epochs, augmentation) that later notebooks use for distilled sets.
#
# Writes `artifacts/baselines/`: `metrics.json`, `random_subsets.csv`, and figures
# `class_examples` and `random_subsets`. (The full-data reference comes from the expert
# buffers of the next stage.)

# %%
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns
import torch

from pdd.core.augment import DiffAugment, DSAConfig, parse_strategy
from pdd.core.models import count_parameters, get_model
from pdd.core.train import TrainConfig, evaluate_synthetic_set
from pdd.data import denormalize, load_splits, sample_per_class
from pdd.infra import plots
from pdd.infra.io import write_csv, write_json
from pdd.infra.runtime import derive_seed, setup

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
ipcs = [1, 10, 50]
examples_per_class = 10
# locations (set by the runner)
prepared_dir = "data/prepared"
artifacts_dir = "artifacts"

# %%
torch_device = setup(seed=seed, threads=threads, device=device)
out_dir = Path(artifacts_dir) / "baselines"
figures_dir = out_dir / "figures"
data = load_splits(
    dataset, prepared_dir, val_per_class=val_per_class, seed=seed, zca=zca, device=torch_device
)
spec = data.spec
train_config = TrainConfig(
    epochs=eval_epochs,
    lr=eval_lr,
    momentum=eval_momentum,
    weight_decay=eval_weight_decay,
    batch_size=eval_batch_size,
    lr_decay_at=tuple(eval_lr_decay_at),
    lr_decay_factor=eval_lr_decay_factor,
)
augment = (
    DiffAugment(DSAConfig(strategy=parse_strategy(eval_dsa_strategy), flip=eval_dsa_flip))
    if eval_dsa
    else None
)


def make_model(model_seed: int) -> torch.nn.Module:
    return get_model(
        net_name,
        in_channels=spec.channels,
        num_classes=spec.num_classes,
        image_size=spec.image_size,
        width=net_width,
        depth=net_depth,
        norm=net_norm,
        seed=model_seed,
    ).to(torch_device)


n_params = count_parameters(make_model(0))
print(f"{dataset}: train {len(data.train_y)}, val {len(data.val_y)}, test {len(data.test_y)}")
print(f"{net_name} (width {net_width}, norm {net_norm}): {n_params:,} parameters on {torch_device}")

# %% [markdown]
# ## Examples of every class (from the training split)

# %%
plots.apply_theme()
picker = torch.Generator().manual_seed(derive_seed(seed, "examples"))
example_idx = sample_per_class(data.train_y.cpu(), examples_per_class, picker)
examples = denormalize(data.train_x[example_idx].cpu(), spec, zca=data.zca)
fig = plots.image_grid(examples, rows=spec.num_classes, titles=list(data.class_names))
plots.save(fig, figures_dir / "class_examples")
fig

# %% [markdown]
# ## Random real subsets
# For each IPC and each seed, draw a class-balanced random subset of the training split and
# train a fresh network on it with the evaluation protocol; score it on test (reported) and
# on the validation split (what later notebooks select on).

# %%
rows = []
for ipc in ipcs:
    for run in range(eval_num_seeds):
        run_seed = derive_seed(seed, "baselines", ipc, run)
        subset = sample_per_class(
            data.train_y.cpu(), ipc, torch.Generator().manual_seed(run_seed)
        ).to(torch_device)
        score = evaluate_synthetic_set(
            data.train_x[subset],
            data.train_y[subset],
            make_model=make_model,
            config=train_config,
            seeds=[run_seed],
            test=(data.test_x, data.test_y),
            val=(data.val_x, data.val_y),
            augment=augment,
        )
        rows.append(
            {
                "dataset": dataset,
                "method": "random real",
                "ipc": ipc,
                "seed": run_seed,
                "test_acc": score.test_acc[0],
                "val_acc": score.val_acc[0],
                "train_seconds": score.seconds[0],
            }
        )
        print(
            f"IPC {ipc:>3} run {run}: test {score.test_acc[0]:.2f} %  val {score.val_acc[0]:.2f} %"
        )
results = pd.DataFrame(rows)
write_csv(out_dir / "random_subsets.csv", results.drop(columns="train_seconds"))

# %%
summary = results.groupby("ipc").agg(
    test_mean=("test_acc", "mean"),
    test_std=("test_acc", lambda s: s.std(ddof=0)),
    val_mean=("val_acc", "mean"),
    n=("test_acc", "size"),
    seconds_per_run=("train_seconds", "mean"),
)
summary

# %%
metrics = {
    "dataset": dataset,
    "net": {"name": net_name, "width": net_width, "norm": net_norm, "parameters": n_params},
    "eval": {"epochs": eval_epochs, "lr": eval_lr, "dsa": eval_dsa, "seeds": eval_num_seeds},
    "random_real": {
        f"ipc{ipc}": {
            "test_mean": row.test_mean,
            "test_std": row.test_std,
            "val_mean": row.val_mean,
            "n": int(row.n),
        }
        for ipc, row in summary.iterrows()
    },
}
write_json(out_dir / "metrics.json", metrics)

# %% [markdown]
# ## Accuracy against images per class

# %%
fig, ax = plt.subplots(figsize=(3.4, 2.4), layout="constrained")
sns.pointplot(
    data=results, x="ipc", y="test_acc", errorbar="sd", capsize=0.15, ax=ax, native_scale=False
)
ax.set(xlabel="images per class (random real)", ylabel="test accuracy (%)", title=dataset)
sns.despine(fig)
plots.save(fig, figures_dir / "random_subsets")
fig
