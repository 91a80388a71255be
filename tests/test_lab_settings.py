"""`make setup` installs the project's JupyterLab defaults (lab/overrides.json) where the
venv's JupyterLab reads them: a double-click opens a notebooks/*.py as a notebook through
jupytext, and no first-run pop-up asks about Jupyter news. Read back as the server does."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jupyter_core.paths import jupyter_path
from jupyterlab.commands import get_app_dir
from jupyterlab_server.settings_utils import get_settings

REPO = Path(__file__).resolve().parents[1]
JUPYTEXT_VIEWER = "Jupytext Notebook"


def _default(plugin: str, key: str, settings_dir: Path):
    """A setting's default once the installed overrides are applied (no user settings)."""
    app = Path(get_app_dir())
    if not any((app / "settings" / "overrides.d").glob("*.json")):
        pytest.fail(f"no JupyterLab overrides in {app / 'settings'}: run make setup")
    found, _ = get_settings(
        str(app / "settings"), str(app / "schemas"), str(settings_dir), schema_name=plugin
    )
    return found["schema"]["properties"][key]["default"]


def test_python_files_open_in_the_jupytext_notebook_viewer(tmp_path):
    viewers = _default("@jupyterlab/docmanager-extension:plugin", "defaultViewers", tmp_path)
    assert viewers.get("python") == JUPYTEXT_VIEWER


def test_no_news_prompt(tmp_path):
    # "none" (the stock default) is what makes JupyterLab ask on first run
    assert _default("@jupyterlab/apputils-extension:notification", "fetchNews", tmp_path) == (
        "false"
    )


def test_the_installed_jupytext_registers_that_viewer():
    # the name is jupytext's; a rename upstream would silently bring back the text editor
    bundles = [
        js
        for folder in jupyter_path("labextensions")
        for js in (Path(folder) / "jupyterlab-jupytext" / "static").glob("*.js")
    ]
    assert bundles, "jupytext's JupyterLab extension is not installed"
    assert any(f'"{JUPYTEXT_VIEWER}"' in js.read_text(encoding="utf-8") for js in bundles)


def test_the_installed_settings_are_the_committed_ones():
    committed = json.loads((REPO / "lab" / "overrides.json").read_text(encoding="utf-8"))
    installed = Path(get_app_dir()) / "settings" / "overrides.d" / "pdd.json"
    assert installed.is_file(), "run make setup"
    assert json.loads(installed.read_text(encoding="utf-8")) == committed
