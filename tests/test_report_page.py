"""reports/README.md: the landing page links what is published and says what is not."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd

from pdd.analyses.methods_table import COLUMNS
from pdd.analyses.results_table import RESULT_COLUMNS
from pdd.pipeline.report_page import (
    figure_lines,
    figure_links,
    landing_page,
    published_stages,
    setup_sentence,
    stage_lines,
    table_lines,
)

FOLDERS = {"evaluate": "evaluate", "methods": "methods/dm", "continual": "continual"}


def published(tmp_path):
    """reports/ with evaluate (one figure) and methods/dm (no figure) published."""
    reports = tmp_path / "reports"
    for path in (
        "evaluate/figures/b_curve.png",
        "evaluate/figures/a_images.png",
        "evaluate/figures/a_images.svg",
        "methods/dm/metrics.json",
        "notebooks/03_evaluate.ipynb",
        "notebooks/04_methods_dm.ipynb",
    ):
        (reports / path).parent.mkdir(parents=True, exist_ok=True)
        (reports / path).write_text("x")
    return reports


def params(dsa=True):
    return SimpleNamespace(
        common=SimpleNamespace(dataset="fashion-mnist"),
        net=SimpleNamespace(name="convnet", width=128, norm="instance"),
        eval=SimpleNamespace(epochs=300, dsa=dsa),
    )


def test_published_stages_are_those_with_a_folder(tmp_path):
    assert published_stages(published(tmp_path), FOLDERS) == {
        "evaluate": True,
        "methods": True,
        "continual": False,
    }


def test_figure_links_are_the_pngs_relative_to_reports(tmp_path):
    reports = published(tmp_path)
    assert figure_links(reports, "evaluate") == [
        "![a_images](evaluate/figures/a_images.png)",
        "![b_curve](evaluate/figures/b_curve.png)",
    ]
    assert figure_links(reports, "methods/dm") == []


def test_setup_sentence_names_the_network_and_the_protocol():
    sentence = setup_sentence(params(dsa=False))
    assert sentence.startswith("Dataset fashion-mnist, network convnet-128 (instance norm), ")
    assert "evaluation 300 epochs with DSA off;" in sentence


def test_figure_lines_skip_stages_without_figures_and_missing_report_figures(tmp_path):
    reports, page = published(tmp_path), tmp_path / "page"
    (page / "summary" / "figures").mkdir(parents=True)
    (page / "summary" / "figures" / "easy_drop.png").write_text("x")
    stage_figures = {"union": "u.png", "progressive": "p.png"}
    lines = figure_lines(reports, FOLDERS, page_dir=page, stage_figures=stage_figures)
    assert lines == [
        "## Figures",
        "",
        "### evaluate",
        "",
        "![a_images](evaluate/figures/a_images.png)",
        "![b_curve](evaluate/figures/b_curve.png)",
        "",
        "### Easy-example dropping",
        "",
        "![easy_drop](summary/figures/easy_drop.png)",
        "",
        "### Stage images beside real images",
        "",
        "![progressive](p.png)",
        "![union](u.png)",
        "",
    ]


def test_stage_lines_link_results_and_notebooks_or_say_not_published(tmp_path):
    lines = stage_lines(published(tmp_path), FOLDERS)
    assert lines[4:] == [
        "| `evaluate` | [`evaluate/`](evaluate/) | "
        "[03_evaluate.ipynb](notebooks/03_evaluate.ipynb) |",
        "| `methods` | [`methods/dm/`](methods/dm/) | "
        "[04_methods_dm.ipynb](notebooks/04_methods_dm.ipynb) |",
        "| `continual` | not published yet | — |",
    ]


def empty_tables():
    times = pd.DataFrame(
        {
            "stage": ["evaluate"],
            "notebook": ["03_evaluate"],
            "minutes": [2.0],
            "machine": ["m"],
            "threads": [2],
            "workers": [2],
            "started": [None],
            "ended": [None],
            "commit": ["—"],
        }
    )
    return pd.DataFrame(columns=RESULT_COLUMNS), pd.DataFrame(columns=COLUMNS), times


def test_an_unpublished_methods_table_is_said_so():
    lines = table_lines(*empty_tables())
    assert lines[-1] == "Not published yet.\n"
    times = lines[lines.index("## Measured time of every stage") + 8]
    assert times.splitlines()[-1] == "| **total** | **2.0** |  |  |  |  |"


def test_landing_page_is_the_sections_in_order(tmp_path):
    page = landing_page(
        params(),
        reports=published(tmp_path),
        folders=FOLDERS,
        tables=empty_tables(),
        page_dir=tmp_path / "page",
        stage_figures={},
    )
    assert page.startswith("# Results of the published run\n\n")
    assert "do not edit by hand. Dataset fashion-mnist, network convnet-128" in page
    headings = [line for line in page.splitlines() if line.startswith("## ")]
    assert "The published stages ran at commit `—` (" in page
    assert headings == [
        "## The paper's claims",
        "## Stale stages",
        "## Measured time of every stage",
        "## All results",
        "## Base methods alone and with PDD",
        "## Figures",
        "## Stages",
    ]
    assert page.endswith("| `continual` | not published yet | — |\n")
