"""How tables name a base method alone and under PDD. Apart, and importing only the schedule
names, so that the report's tables name the rows notebook 04 published without depending
on the code that distils them."""

from __future__ import annotations

from pdd.progressive.schedule import ALONE_AND_PDD


def schedule_labels(method: str) -> dict[str, str]:
    """The table's name of each schedule of `ALONE_AND_PDD`."""
    return {"union": f"{method.upper()} alone", "progressive": f"PDD + {method.upper()}"}


def method_labels(method: str) -> tuple[str, str]:
    """The labels of a method's rows, alone then with PDD."""
    labels = schedule_labels(method)
    return tuple(labels[schedule] for schedule in ALONE_AND_PDD)
