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
# Writes `artifacts/report/`: `summary/` (`metrics.json`, `results.{csv,md}`, `methods.{csv,md}`,
# figures `stages_vs_real_<schedule>`) and `README.md`.

# %%
import pandas as pd
import torch

from pdd.analyses import claims, figures, regimes, report_figures, summary
from pdd.analyses.easy_drop import CORRECT_BY_ALL
from pdd.analyses.methods_table import methods_markdown, methods_table
from pdd.analyses.published import published_runs
from pdd.analyses.results_table import results_markdown, results_table
from pdd.config.context import context_from
from pdd.config.stages import publication_folders
from pdd.core.synthetic import grid_order, load_stages, run_folder
from pdd.data.splits import sample_per_class
from pdd.data.tensors import denormalize
from pdd.infra import plots
from pdd.infra.io import write_json
from pdd.infra.runtime import derive_seed
from pdd.pipeline import report_page
from pdd.pipeline.freshness import known_stale
from pdd.pipeline.inputs import stage_inputs
from pdd.pipeline.stage_times import stage_times, stage_times_markdown

# %% tags=["parameters"]
inputs = None  # the runner's {"params", "item", "workdir"}; None: params.yaml, defaults

# %%
params, item, ws = stage_inputs("report", inputs)

# %%
ctx = context_from(params, ws.prepared, score_cache=ws.score_cache)
distill, ablation = params.distill, params.ablation
methods_names, drop_rates = params.methods.names, params.easy_drop.drop_rates
published = ws.reports
out_dir = ws.artifacts / "report"
summary_dir = out_dir / "summary"
summary_dir.mkdir(parents=True, exist_ok=True)
STAGE_FOLDERS = publication_folders(params)
pd.Series(report_page.published_stages(published, STAGE_FOLDERS), name="published")

# %% [markdown]
# ## All results

# %%
all_results = results_table(
    published, methods_names, ablation.stage_counts, drop_rates, ablation.stage_ipcs
)
all_results.to_csv(summary_dir / "results.csv", index=False)
(summary_dir / "results.md").write_text(results_markdown(all_results))
all_results

# %% [markdown]
# ## A verdict on every claim of the paper
# Every published comparison behind a claim, paired by distillation run and evaluation
# seed, with its 95 % interval and the verdict of the rule in docs/evidence.md; then one
# row per claim.

# %%
claim_rows = claims.claims_table(published, params)
claim_rows.to_csv(summary_dir / "claims.csv", index=False)
claim_summary = claims.overall(claim_rows)
(summary_dir / "claims.md").write_text(claims.markdown(claim_summary))
claim_summary

# %% [markdown]
# ## The headline against the regime
# PDD − MTT in every regime published (the experts' training), under both distillation
# budgets and both evaluation protocols, with its paired 95 % interval.

# %%
gaps = regimes.pdd_gap_by_regime(claim_rows, claims.CLAIMS["pdd_mtt"])
gaps.to_csv(summary_dir / "regimes.csv", index=False)
if len(gaps):
    plots.apply_theme()
    plots.save(regimes.regime_figure(gaps), summary_dir / "figures" / "pdd_by_regime")
gaps

# %% [markdown]
# ## The flat summary that DVC shows
# `summary/metrics.json`: one short key per published number (test accuracy %, mean over
# seeds), for `dvc metrics diff` and `dvc exp show`.

# %%
flat = summary.summary_metrics(
    published, methods_names, ablation.stage_counts, ablation.stage_ipcs, drop_rates
)
write_json(summary_dir / "metrics.json", flat)
pd.Series(flat, name="test_acc")

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
    plots.save(report_figures.stage_count_figure(counts), summary_dir / "figures" / "stage_count")
counts

# %% [markdown]
# ## Per-stage IPC: the same P and total, the images shared out differently
# Each uneven split beside the even run with the same number of stages.

# %%
splits = published_runs(published, "ablation_stages", ablation.stage_ipcs)
if not splits.empty:
    fig = report_figures.stage_ipcs_figure(report_figures.split_comparison(counts, splits))
    plots.save(fig, summary_dir / "figures" / "stage_ipcs")
splits

# %% [markdown]
# ## Easy-example dropping: accuracy against the real data later stages learn from

# %%
drops = published_runs(published, "easy_drop", drop_rates)
correct = published_runs(published, "easy_drop", [CORRECT_BY_ALL])
if not drops.empty:
    fig = report_figures.easy_drop_figure(drops, correct)
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
real_images = denormalize(ctx.data.train_x[real_idx].cpu(), spec, zca)
real = grid_order(real_images, ctx.data.train_y[real_idx].cpu())
stage_figures = {}  # schedule -> its figure, relative to the page
for schedule in distill.schedules:
    folder = published / "distill" / schedule / run_folder(0)
    if folder.is_dir():
        fig = figures.stage_image_rows(load_stages(folder), spec, zca, real=real, scale=0.45)
        stage_figures[schedule] = f"summary/figures/stages_vs_real_{schedule}.png"
        plots.save(fig, out_dir / stage_figures[schedule])
sorted(stage_figures)

# %% [markdown]
# ## reports/README.md
# The landing page: the set-up, the three tables, every published figure and one row per
# stage with its results and executed notebook.

# %%
readme = report_page.landing_page(
    params,
    reports=published,
    folders=STAGE_FOLDERS,
    tables=(all_results, methods, times),
    claims_markdown=claims.markdown(claim_summary),
    stale=known_stale(ws.root),
    page_dir=out_dir,
    stage_figures=stage_figures,
)
(out_dir / "README.md").write_text(readme)
print(readme[:1500])
