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
from pdd.analyses.easiness import easiest_and_hardest, forgetting_metrics, forgotten_by_class
from pdd.config.context import context_from
from pdd.core.train import evaluate
from pdd.data.tensors import denormalize
from pdd.experiments.forgetting import forgetting_config, track_forgetting
from pdd.infra import plots
from pdd.infra.io import save_torch, write_json
from pdd.pipeline.inputs import stage_inputs

# %% tags=["parameters"]
inputs = None  # the runner's {"params", "item", "workdir"}; None: params.yaml, defaults

# %%
params, item, ws = stage_inputs("forgetting", inputs)

# %%
ctx = context_from(params, ws.prepared, score_cache=ws.score_cache)
epochs = params.easy_drop.forgetting_epochs
out_dir = ws.artifacts / "forgetting"
train_x, train_y = ctx.data.train_x, ctx.data.train_y
config = forgetting_config(params.buffers, epochs)
tracker, result = track_forgetting(
    ctx.make_model, train_x, train_y, config, seed=params.common.seed
)
easiness = tracker.easiness()
save_torch({"easiness": easiness, "forgotten": tracker.forgotten}, out_dir / "easiness.pt")
test_acc = evaluate(result.model, ctx.data.test_x, ctx.data.test_y)[0]
metrics = forgetting_metrics(tracker, epochs=epochs, test_acc=test_acc, seconds=result.seconds)
write_json(out_dir / "metrics.json", metrics)
metrics

# %% [markdown]
# ## Forgetting events per class

# %%
forgotten_by_class(tracker.forgotten, train_y, ctx.data.class_names)

# %% [markdown]
# ## The easiest and the hardest examples of every class
# Left half: the easiest (learnt first, never forgotten); right half: the hardest.

# %%
plots.apply_theme()
spec = ctx.data.spec
picked = easiest_and_hardest(easiness, train_y, num_classes=spec.num_classes, per_side=4)
images = denormalize(train_x[picked.to(train_x.device)].cpu(), spec, ctx.data.zca)
fig = plots.image_grid(images, rows=spec.num_classes, titles=list(ctx.data.class_names))
plots.save(fig, out_dir / "figures" / "easiest_and_hardest")
fig
