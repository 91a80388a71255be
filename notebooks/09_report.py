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
# # 09 · Report: every published result in one table
#
# The cheap last stage. It trains nothing: it reads what every stage has published under
# `reports/<stage>/` and writes one results table (test accuracy, mean ± std over seeds,
# the literature's number beside it where one exists), the base-methods table, a figure of
# every schedule's stage images beside real images, and `reports/README.md`, the page
# that links every table, figure and executed notebook. Stages not published yet are
# listed as such, so the report also runs after a partial `dvc repro -s …`.
#
# Writes `artifacts/report/`: `summary/` (`results.{csv,md}`, `methods.{csv,md}`,
# figures `stages_vs_real_<schedule>`) and `README.md`.

# %%
import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns
import torch

from pdd.analyses.results import (
    CORRECT_BY_ALL,
    methods_markdown,
    methods_table,
    published_runs,
    results_markdown,
    results_table,
    split_label,
    stage_times,
    stage_times_markdown,
)
from pdd.config.context import context_from
from pdd.core.synthetic import grid_order, load_stages
from pdd.data import denormalize, sample_per_class
from pdd.infra import plots
from pdd.infra.runtime import derive_seed
from pdd.pipeline.inputs import stage_inputs
from pdd.pipeline.stages import publication_folders

# %% tags=["parameters"]
inputs = None  # the runner's {"params", "item", "workdir"}; None: params.yaml, defaults

# %%
params, item, ws = stage_inputs("report", inputs)

# %%
ctx = context_from(params, ws.prepared)
distill, ablation = params.distill, params.ablation
methods_names, drop_rates = params.methods.names, params.easy_drop.drop_rates
published = ws.reports
out_dir = ws.artifacts / "report"
summary_dir = out_dir / "summary"
summary_dir.mkdir(parents=True, exist_ok=True)
STAGE_FOLDERS = publication_folders(params)
present = {stage: (published / folder).is_dir() for stage, folder in STAGE_FOLDERS.items()}
pd.Series(present, name="published")

# %% [markdown]
# ## All results

# %%
results = results_table(
    published, methods_names, ablation.stage_counts, drop_rates, ablation.stage_ipcs
)
results.to_csv(summary_dir / "results.csv", index=False)
(summary_dir / "results.md").write_text(results_markdown(results))
results

# %% [markdown]
# ## Base methods alone and with PDD

# %%
methods = methods_table(published, methods_names)
methods.to_csv(summary_dir / "methods.csv", index=False)
(summary_dir / "methods.md").write_text(methods_markdown(methods))
methods

# %% [markdown]
# ## Measured time of every stage
# papermill's wall time of each published notebook, as it ran when it was published
# (stages that shared the cores with other work took longer than they would alone).

# %%
times = stage_times(published / "notebooks")
times.to_csv(summary_dir / "stage_times.csv", index=False)
(summary_dir / "stage_times.md").write_text(stage_times_markdown(times))
times

# %% [markdown]
# ## Stage count: accuracy and cost against P

# %%
counts = published_runs(published, "ablation_stages", ablation.stage_counts)
if not counts.empty:
    plots.apply_theme()
    fig, axes = plt.subplots(1, 2, figsize=(7, 2.6), layout="constrained")
    axes[0].errorbar(counts.P, counts.test_mean, yerr=counts.test_std, marker="o", capsize=3)
    axes[0].set(xscale="log", xlabel="stages P", ylabel="test accuracy (%)", title="accuracy")
    axes[0].set_xticks(counts.P, [str(p) for p in counts.P])
    axes[0].minorticks_off()
    sns.barplot(data=counts, x="P", y="distill_seconds", ax=axes[1], color="C0")
    # reused sets carry the seconds of the run that made them (maybe another machine)
    axes[1].set(xlabel="stages P", ylabel="distillation seconds", title="cost (as run)")
    plots.save(fig, summary_dir / "figures" / "stage_count")
counts

# %% [markdown]
# ## Per-stage IPC: the same P and total, the images shared out differently

# %%
splits = published_runs(published, "ablation_stages", ablation.stage_ipcs)
if not splits.empty:
    even = counts[counts.P.isin(splits.P)] if not counts.empty else counts
    compared = pd.concat([even, splits], ignore_index=True)
    compared["split"] = [split_label(row) for row in compared.to_dict("records")]
    fig, ax = plt.subplots(figsize=(4, 2.8), layout="constrained")
    ax.errorbar(compared.split, compared.test_mean, yerr=compared.test_std, fmt="o", capsize=3)
    ax.set(
        xlabel="images per class of each stage", ylabel="test accuracy (%)", title="per-stage IPC"
    )
    plots.save(fig, summary_dir / "figures" / "stage_ipcs")
splits

# %% [markdown]
# ## Easy-example dropping: accuracy against the real data later stages learn from

# %%
drops = published_runs(published, "easy_drop", drop_rates)
correct = published_runs(published, "easy_drop", [CORRECT_BY_ALL])
if not drops.empty:
    fig, ax = plt.subplots(figsize=(4, 2.8), layout="constrained")
    ax.errorbar(
        100 * drops.kept_fraction,
        drops.test_mean,
        yerr=drops.test_std,
        marker="o",
        capsize=3,
        label="forgetting: easiest dropped",
    )
    if not correct.empty:  # kept share: the mean over later stages
        ax.errorbar(
            100 * correct.kept_fraction,
            correct.test_mean,
            yerr=correct.test_std,
            fmt="s",
            capsize=3,
            label="correct-by-all",
        )
    ax.legend(fontsize="x-small")
    ax.set(
        xlabel="real training data kept for later stages (%)",
        ylabel="test accuracy (%)",
        title="PDD + MTT, easiest examples dropped",
    )
    plots.save(fig, summary_dir / "figures" / "easy_drop")
drops

# %% [markdown]
# ## Every schedule's stages beside real images
# Top row: `distill.ipc_per_stage` random real training images per class; below, one row
# per stage, classes left to right in the same order.

# %%
plots.apply_theme()
spec, zca = ctx.data.spec, ctx.data.zca
picker = torch.Generator().manual_seed(derive_seed(params.common.seed, "report examples"))
real_idx = sample_per_class(ctx.data.train_y.cpu(), distill.ipc_per_stage, picker)
real = grid_order(
    denormalize(ctx.data.train_x[real_idx].cpu(), spec, zca), ctx.data.train_y[real_idx].cpu()
)
stage_figures = {}
for schedule in distill.schedules:
    folder = published / "distill" / schedule
    if not folder.is_dir():
        continue
    rows = [real]
    for stage in load_stages(folder):
        images = denormalize(stage.images.cpu(), spec, zca)
        rows.append(grid_order(images, stage.labels.cpu()))
    width = max(len(r) for r in rows)
    padded = torch.cat([torch.cat([r, torch.zeros(width - len(r), *r.shape[1:])]) for r in rows])
    titles = ["real"] + [f"S{i}" for i in range(1, len(rows))]
    fig = plots.image_grid(padded, rows=len(rows), titles=titles, scale=0.45)
    name = f"stages_vs_real_{schedule}"
    plots.save(fig, summary_dir / "figures" / name)
    stage_figures[schedule] = f"summary/figures/{name}.png"
sorted(stage_figures)

# %% [markdown]
# ## reports/README.md


# %%
def figure_links(folder: str) -> list[str]:
    """Markdown images of a published stage's figures (paths relative to reports/)."""
    return [
        f"![{path.stem}]({path.relative_to(published).as_posix()})"
        for path in sorted((published / folder).rglob("figures/*.png"))
    ]


net, protocol = params.net, params.eval
lines = [
    "# Results of the published run",
    "",
    "Generated by the `report` stage (`notebooks/09_report.py`) from what every stage",
    "published under `reports/<stage>/`; do not edit by hand. Dataset "
    f"{params.common.dataset}, network {net.name}-{net.width} ({net.norm} norm), evaluation "
    f"{protocol.epochs} epochs with DSA {'on' if protocol.dsa else 'off'}; test accuracy (%), "
    "mean ± std over seeds.",
    "",
    "## All results",
    "",
    results_markdown(results),
    "Source: [`summary/results.csv`](summary/results.csv). Literature numbers are for the",
    "same dataset where the literature has one; CIFAR-10 numbers only show the paper's scale.",
    "",
    "## Base methods alone and with PDD",
    "",
    methods_markdown(methods) if not methods.empty else "Not published yet.\n",
    "## Measured time of every stage",
    "",
    "Wall time of each published notebook (papermill's record;",
    "[`summary/stage_times.csv`](summary/stage_times.csv)). Stages published in different",
    "sessions may come from different 2-core machines: each row names the machine that ran",
    "it (— for notebooks published before the machine was recorded). A stage that shared",
    "the cores with other work took longer than it would alone.",
    "",
    stage_times_markdown(times),
    "## Figures",
    "",
]
for stage, folder in STAGE_FOLDERS.items():
    if present[stage] and figure_links(folder):
        lines += [f"### {stage}", "", *figure_links(folder), ""]
if (summary_dir / "figures" / "stage_count.png").is_file():
    lines += ["### Stage count", "", "![stage_count](summary/figures/stage_count.png)", ""]
if (summary_dir / "figures" / "stage_ipcs.png").is_file():
    lines += ["### Per-stage IPC", "", "![stage_ipcs](summary/figures/stage_ipcs.png)", ""]
if (summary_dir / "figures" / "easy_drop.png").is_file():
    lines += ["### Easy-example dropping", "", "![easy_drop](summary/figures/easy_drop.png)", ""]
lines += ["### Stage images beside real images", ""]
lines += [f"![{s}]({path})" for s, path in sorted(stage_figures.items())] + [""]
lines += ["## Stages", "", "| stage | published results | executed notebook |", "|---|---|---|"]
for stage, folder in STAGE_FOLDERS.items():
    notebooks = sorted((published / "notebooks").glob(f"*_{folder.replace('/', '_')}.ipynb"))
    notebook = ", ".join(f"[{p.name}](notebooks/{p.name})" for p in notebooks) or "—"
    result = f"[`{folder}/`]({folder}/)" if present[stage] else "not published yet"
    lines.append(f"| `{stage}` | {result} | {notebook} |")
readme = "\n".join(lines) + "\n"
(out_dir / "README.md").write_text(readme)
print(readme[:1500])
