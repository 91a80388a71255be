"""The stage graph in docs/pipeline.md: `dvc dag --mermaid`, pasted between the markers
`<!-- dag -->` and `<!-- /dag -->` by `python -m pdd.pipeline.dagdoc` (`--check` fails when
the page is out of date; a test runs it)."""

from __future__ import annotations

import argparse
import re
import subprocess
import sys

from pdd.infra.paths import ROOT
from pdd.pipeline.dvcfile import write_or_check

PAGE = ROOT / "docs" / "pipeline.md"
BLOCK = re.compile(r"<!-- dag -->\n.*?<!-- /dag -->", re.DOTALL)


def mermaid() -> str:
    command = [sys.executable, "-m", "dvc", "dag", "--mermaid", "dvc.yaml"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def rendered(page: str, graph: str) -> str:
    return BLOCK.sub(lambda _: f"<!-- dag -->\n```mermaid\n{graph}\n```\n<!-- /dag -->", page)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pdd.pipeline.dagdoc")
    parser.add_argument("--check", action="store_true", help="fail if the page is out of date")
    args = parser.parse_args(argv)
    text = rendered(PAGE.read_text(), mermaid())
    return write_or_check(PAGE, text, args.check, "python -m pdd.pipeline.dagdoc")


if __name__ == "__main__":
    sys.exit(main())
