"""Class-incremental continual learning (`pdd.experiments.continual` trains the networks
on each memory after every task), as the stage's metrics and figure: each source's accuracy
on the seen classes after every task, and averaged over the tasks, per protocol.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import matplotlib.pyplot as plt
import pandas as pd

from pdd.analyses.cross_arch import seed_summary
from pdd.analyses.figures import lines_over_seeds

if TYPE_CHECKING:
    from pdd.config.schema import Params


def continual_metrics(
    params: Params, accuracy: pd.DataFrame, by_task: pd.DataFrame, *, tasks: list[list[int]]
) -> dict:
    """The stage's metrics.json, per protocol: each source's score after every task
    (`by_task`, a `seed_summary` by protocol, source and task) and averaged over the tasks,
    per network (run, seed) first."""
    distill = params.distill
    per_network = accuracy.groupby(["protocol", "source", "run", "seed"], sort=False).test_acc
    average = seed_summary(per_network.mean().reset_index(), ["protocol", "source"])
    return {
        "dataset": params.common.dataset,
        "memory_ipc": distill.stages * distill.ipc_per_stage,
        "tasks": tasks,
        "epochs": params.continual.epochs,
        "runs": params.continual.runs,
        "by_task": {
            protocol: {
                source: [_task_score(row) for row in rows.itertuples()]
                for source, rows in by_protocol.groupby("source", sort=False)
            }
            for protocol, by_protocol in by_task.groupby("protocol", sort=False)
        },
        "average_over_tasks": {
            protocol: {
                row.source: {"test_mean": row.test_mean, "test_std": row.test_std, "n": int(row.n)}
                for row in rows.itertuples()
            }
            for protocol, rows in average.groupby("protocol", sort=False)
        },
    }


def _task_score(row: Any) -> dict:
    return {
        "task": int(row.task),
        "test_mean": row.test_mean,
        "test_std": row.test_std,
        "n": int(row.n),
    }


def accuracy_by_task_figure(accuracy: pd.DataFrame, *, title: str) -> plt.Figure:
    """Test accuracy on the seen classes against classes seen, one line per source."""
    fig = lines_over_seeds(
        accuracy,
        x="classes_seen",
        hue="source",
        xlabel="classes seen",
        ylabel="test accuracy on seen classes (%)",
        title=title,
    )
    fig.axes[0].legend(fontsize="small", title=None)
    return fig
