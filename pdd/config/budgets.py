"""The two distillation budgets and how a stage item names them. `equal`: the stages share
the one-stage iteration count (stages x the method's iterations, the union's); `paper`:
every stage gets all of it, as the paper's runs do. A schedule under the paper's budget is
the item `<schedule>-paper` (`distill@progressive-paper`, `reports/distill/progressive-paper`)."""

from __future__ import annotations

BUDGETS = ("equal", "paper")
PAPER_SUFFIX = "-paper"


def split_budget(name: str) -> tuple[str, str]:
    """'progressive-paper' -> ('progressive', 'paper'); 'progressive' -> (.., 'equal')."""
    if name.endswith(PAPER_SUFFIX):
        return name.removesuffix(PAPER_SUFFIX), "paper"
    return name, "equal"


def budget_name(schedule: str, budget: str) -> str:
    """The item (and published folder) of `schedule` under `budget`."""
    if budget not in BUDGETS:
        raise ValueError(f"unknown budget {budget!r}; allowed: {', '.join(BUDGETS)}")
    return schedule + (PAPER_SUFFIX if budget == "paper" else "")
