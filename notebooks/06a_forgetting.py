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
# # 06a · Forgetting statistics: which real training examples are easy
#
# One ConvNet trains on the whole training split for `easy_drop.forgetting_epochs` (plain
# SGD at `buffers.lr_teacher`, the experts' batch size, no augmentation, so every
# presentation sees the example itself). Every mini-batch updates each example's statistics
# (Toneva et al. 2019): *learnt* the first time it is classified correctly, *forgotten*
# each time it goes from correct to incorrect. Easy = learnt early and never forgotten; never
# learnt = hardest. Notebook 06b drops the easiest fraction of every class before PDD's later
# stages.
#
# Writes `artifacts/forgetting/`: `easiness.pt` (one score per training example, in the
# order of the training split), `metrics.json` and the figure `easiest_and_hardest`.

# %%
import pandas as pd
import torch

from pdd.config.context import context_from
from pdd.core.forgetting import ForgettingTracker
from pdd.core.train import TrainConfig, evaluate, train_classifier
from pdd.data import denormalize
from pdd.infra import plots
from pdd.infra.io import save_torch, write_json
from pdd.infra.runtime import derive_seed
from pdd.pipeline.inputs import stage_inputs

# %% tags=["parameters"]
inputs = None  # the runner's {"params", "item", "workdir"}; None: params.yaml, defaults

# %%
params, item, ws = stage_inputs("forgetting", inputs)

# %%
ctx = context_from(params, ws.prepared)
forgetting_epochs, seed = params.easy_drop.forgetting_epochs, params.common.seed
out_dir = ws.artifacts / "forgetting"
train_x, train_y = ctx.data.train_x, ctx.data.train_y
tracker = ForgettingTracker(len(train_y))
config = TrainConfig(  # the experts' plain SGD: no momentum, no decay, constant step size
    epochs=forgetting_epochs,
    lr=params.buffers.lr_teacher,
    momentum=0.0,
    weight_decay=0.0,
    batch_size=params.buffers.batch_size,
    lr_decay_at=(),
)
result = train_classifier(
    ctx.make_model(derive_seed(seed, "forgetting")),
    train_x,
    train_y,
    config,
    seed=derive_seed(seed, "forgetting"),
    progress=True,
    desc="forgetting statistics",
    on_batch=tracker.update,
)
easiness = tracker.easiness()
save_torch({"easiness": easiness, "forgotten": tracker.forgotten}, out_dir / "easiness.pt")
never_learnt = int((tracker.first_learnt < 0).sum())
metrics = {
    "examples": len(train_y),
    "epochs": forgetting_epochs,
    "never_forgotten": int(((tracker.forgotten == 0) & (tracker.first_learnt >= 0)).sum()),
    "forgotten_at_least_once": int((tracker.forgotten > 0).sum()),
    "never_learnt": never_learnt,
    "test_acc": evaluate(result.model, ctx.data.test_x, ctx.data.test_y)[0],
    "seconds": round(result.seconds, 1),
}
write_json(out_dir / "metrics.json", metrics)
metrics

# %% [markdown]
# ## Forgetting events per class

# %%
events = pd.DataFrame(
    {
        "class": [ctx.data.class_names[c] for c in train_y.cpu().tolist()],
        "forgotten": tracker.forgotten.tolist(),
    }
)
events.groupby("class").forgotten.describe()[["mean", "50%", "max"]]

# %% [markdown]
# ## The easiest and the hardest examples of every class
# Left half: the easiest (learnt first, never forgotten); right half: the hardest.

# %%
plots.apply_theme()
per_side = 4
columns = []
for label in range(ctx.data.spec.num_classes):
    members = (train_y.cpu() == label).nonzero().flatten()
    order = torch.sort(easiness[members], descending=True, stable=True).indices
    columns.append(torch.cat([members[order[:per_side]], members[order[-per_side:]]]))
picked = torch.cat(columns).to(train_x.device)
images = denormalize(train_x[picked].cpu(), ctx.data.spec, ctx.data.zca)
fig = plots.image_grid(images, rows=ctx.data.spec.num_classes, titles=list(ctx.data.class_names))
plots.save(fig, out_dir / "figures" / "easiest_and_hardest")
fig
