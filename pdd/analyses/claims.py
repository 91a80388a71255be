"""A verdict on every claim of the paper, from the published results of every stage
(`reports/summary/claims.csv`; the rule: docs/evidence.md and `pdd.analyses.paired`).

Each claim rests on one or more comparisons; each comparison is scored under every
protocol and recipe its stage ran. A row's verdict applies the rule to its interval; a
claim's overall verdict is the budget-fair protocols' (`FAIR`; the stage's only protocol
where it has neither) when its comparisons and recipes agree, else `inconclusive`.
Rows with role `context` (each stage count against the one before it: "up to a point"),
and rows of fewer than MIN_RUNS runs beside rows with enough, are published beside the
verdict but do not decide it."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from pdd.analyses.paired import MIN_RUNS, Paired, combined, paired_difference, verdict
from pdd.analyses.regimes import FIRST_REGIME
from pdd.infra.io import read_json

if TYPE_CHECKING:
    from pdd.config.schema import Params

# The budget-fair protocols: `equal` (every set the same steps through its stages) and,
# in cross-architecture scores, `union` (every set the same steps, all at once).
FAIR = ("equal", "union")
KEEP_MARGIN = 0.5  # points: "keeps accuracy" means no worse than this
TARGET_SHARE = 0.9  # the paper: a small fraction of the data reaches 90 % of full data
COLUMNS = (
    "claim",
    "regime",  # the experts' training the verdict holds for (pdd.analyses.regimes)
    "comparison",
    "budget",  # distillation budget: equal (the stages share one count) or paper
    "protocol",
    "recipe",
    "delta",
    "ci_low",
    "ci_high",
    "runs",
    "seeds",
    "interval",
    "threshold",
    "verdict",
    "role",  # "verdict": the claim's verdict rests on it; "context": shown beside it
    "source",
)
CLAIMS = {
    "pdd_mtt": "PDD + MTT beats MTT at equal total IPC",
    "pdd_method": "PDD + {method} beats {method} alone",
    "progressive_sequential": "progressive beats sequential stages",
    "stages": "more stages help, up to a point",
    "easy_drop": "dropping easy examples in later stages keeps accuracy",
    "cross_arch": "PDD sets transfer across architectures",
    "scaling": "a small fraction of the data reaches 90 % of full-data accuracy",
}


def claims_table(reports: Path, params: Params) -> pd.DataFrame:
    """Every published comparison behind a claim, with its verdict, regime and budget;
    claims whose stages are not published yet have no rows. Earlier regimes' rows
    (`reports/regimes/<name>/claims.csv`) follow, unless the live stages are of that
    regime themselves."""
    rows = [
        *_headline(reports),
        *_methods(reports, params.methods.names),
        *_stage_counts(reports, params.ablation.stage_counts),
        *_easy_drop(reports, params.easy_drop.drop_rates),
        *_cross_arch(reports, params.distill.method),
        *_scaling(reports),
    ]
    live = pd.DataFrame(rows, columns=list(COLUMNS))
    earlier = [
        table for table in _earlier_regimes(reports) if not set(table.regime) & set(live.regime)
    ]
    return pd.concat([live, *earlier], ignore_index=True) if earlier else live


def _earlier_regimes(reports: Path) -> list[pd.DataFrame]:
    """The claims kept from earlier regimes, one table each."""
    folder = reports / "regimes"
    paths = sorted(folder.glob("*/claims.csv")) if folder.is_dir() else []
    return [pd.read_csv(path)[list(COLUMNS)] for path in paths]


def regime_of(metrics: dict) -> str:
    """The regime a stage's metrics were produced in (published before it was recorded:
    the first)."""
    return metrics.get("regime", FIRST_REGIME)


def folder_regime(folder: Path) -> str:
    """The regime of a published stage folder: its metrics.json's, or its first item's."""
    for path in [folder / "metrics.json", *sorted(folder.glob("*/metrics.json"))]:
        if path.is_file():
            return regime_of(read_json(path))
    return FIRST_REGIME


def overall(table: pd.DataFrame) -> pd.DataFrame:
    """One row per claim and regime: its verdict (see the module), the comparisons it rests
    on, and the budget-fair interval (`FAIR` protocols', or the stage's only protocol's)
    beside the paper protocol's and the paper distillation budget's, default recipe. A
    table published before regimes and budgets were recorded is of the first regime and
    the equal budget."""
    defaults = {"regime": FIRST_REGIME, "budget": "equal"}
    table = table.assign(**{k: v for k, v in defaults.items() if k not in table.columns})
    rows = []
    for (claim, regime), group in table.groupby(["claim", "regime"], sort=False):
        group = group[group.role == "verdict"]
        paper_budget = group[group.budget == "paper"]
        equal = group[group.budget == "equal"]
        group = equal if len(equal) else group  # the equal budget decides (docs/evidence.md)
        enough = group[group.runs >= MIN_RUNS]  # a comparison of fewer runs cannot decide
        group = enough if len(enough) else group
        fair = group[group.protocol.isin(FAIR)]
        chosen = fair if len(fair) else group[group.protocol != "paper"]
        chosen = chosen if len(chosen) else group
        by_comparison = [combined(list(g.verdict)) for _, g in chosen.groupby("comparison")]
        rows.append(
            {
                "claim": claim,
                "regime": regime,
                "verdict": combined(by_comparison),
                "comparisons": "; ".join(dict.fromkeys(group.comparison)),
                "fair": _cell(chosen),
                "paper": _cell(group[group.protocol == "paper"]) if len(fair) else "",
                "paper_budget": _cell(paper_budget[paper_budget.protocol.isin(FAIR)]),
                "runs": int(group.runs.min()),
            }
        )
    return pd.DataFrame(rows)


def _cell(rows: pd.DataFrame) -> str:
    """Δ [95 % CI] of each comparison (default recipe), named when there are several, with
    the protocol when it is neither of the two."""
    chosen = rows[rows.recipe == "default"]
    several = chosen.comparison.nunique() > 1
    parts = []
    for row in chosen.itertuples():
        interval = "—" if math.isnan(row.ci_low) else f"{row.ci_low:+.2f}, {row.ci_high:+.2f}"
        name = f"{row.comparison}: " if several else ""
        protocol = "" if row.protocol in ("equal", "paper") else f" ({row.protocol})"
        parts.append(f"{name}{row.delta:+.2f} [{interval}]{protocol}")
    return "; ".join(parts)


def markdown(summary: pd.DataFrame) -> str:
    """The claims as a markdown table (differences in points, default recipe, 95 % CI)."""
    lines = [
        "| claim | regime | verdict | equal steps: Δ [95 % CI] | paper protocol: Δ [95 % CI] "
        "| paper distillation budget, equal steps: Δ [95 % CI] | runs |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in summary.itertuples():
        lines.append(
            f"| {row.claim} | {row.regime} | **{row.verdict}** | {row.fair or '—'} "
            f"| {row.paper or '—'} | {row.paper_budget or '—'} | {row.runs} |"
        )
    return "\n".join(lines) + "\n"


def _row(
    claim: str, comparison: str, protocol: str, recipe: str, paired: Paired, threshold: float,
    source: str, role: str = "verdict", *, regime: str = FIRST_REGIME, budget: str = "equal",
) -> dict[str, Any]:  # fmt: skip
    return {
        "claim": claim,
        "regime": regime,
        "comparison": comparison,
        "budget": budget,
        "protocol": protocol,
        "recipe": recipe,
        **paired.row(),
        "threshold": threshold,
        "verdict": verdict(paired, threshold),
        "role": role,
        "source": source,
    }


def _compared_rows(claim: str, metrics: dict, source: str, names: dict[str, str]) -> Iterator:
    """Rows of a stage's published paired comparisons (`comparisons` of its metrics)."""
    for entry in metrics.get("comparisons", []):
        if entry["comparison"] not in names:
            continue
        fields = {k: entry[k] for k in ("delta", "ci_low", "ci_high", "runs", "seeds", "interval")}
        fields |= {k: math.nan for k in ("ci_low", "ci_high") if fields[k] is None}  # one value
        yield _row(
            claim.format(**metrics) if "{" in claim else claim,
            names[entry["comparison"]],
            entry["protocol"],
            entry["recipe"],
            Paired(**fields),
            0.0,
            source,
            regime=regime_of(metrics),
            budget=entry.get("budget", "equal"),
        )


def _headline(reports: Path) -> Iterator:
    path = reports / "evaluate" / "metrics.json"
    if not path.is_file():
        return
    metrics = read_json(path)
    source = "reports/evaluate"
    yield from _compared_rows(
        CLAIMS["pdd_mtt"],
        metrics,
        source,
        {
            "progressive − union": "PDD − MTT (union)",
            "progressive-paper − union": "PDD − MTT (union)",
        },
    )
    yield from _compared_rows(
        CLAIMS["progressive_sequential"],
        metrics,
        source,
        {
            "progressive − sequential": "progressive − sequential",
            "progressive-paper − sequential-paper": "progressive − sequential",
        },
    )


def _methods(reports: Path, names: list[str]) -> Iterator:
    for name in names:
        path = reports / "methods" / name / "metrics.json"
        if name == "mtt" or not path.is_file():
            continue
        claim = CLAIMS["pdd_method"].format(method=name.upper())
        label = f"PDD + {name.upper()} − {name.upper()}"
        yield from _compared_rows(
            claim, read_json(path), f"reports/methods/{name}", {"progressive − union": label}
        )


def _final(folder: Path) -> pd.DataFrame | None:
    path = folder / "final.csv"
    return pd.read_csv(path) if path.is_file() else None


def _paired_finals(
    claim: str,
    comparison: str,
    a: pd.DataFrame,
    b: pd.DataFrame,
    threshold: float,
    source: str,
    role: str = "verdict",
    regime: str = FIRST_REGIME,
) -> Iterator:
    for (protocol, recipe), group_a in a.groupby(["protocol", "recipe"], sort=False):
        group_b = b[(b.protocol == protocol) & (b.recipe == recipe)]
        if len(group_b):
            paired = paired_difference(group_a, group_b)
            yield _row(
                claim, comparison, protocol, recipe, paired, threshold, source, role, regime=regime
            )


def _stage_counts(reports: Path, counts: list[int]) -> Iterator:
    finals = {p: _final(reports / "ablation_stages" / str(p)) for p in counts}
    finals = {p: rows for p, rows in finals.items() if rows is not None}
    ordered = sorted(finals)
    if 1 not in finals:
        return
    # the verdict: every P against one stage; "up to a point": each P against the one
    # before it, shown beside the verdict
    pairs = [(p, 1, "verdict") for p in ordered if p > 1]
    pairs += [(b, a, "context") for a, b in zip(ordered[1:], ordered[2:], strict=False)]
    for a, b, role in pairs:
        yield from _paired_finals(
            CLAIMS["stages"],
            f"P={a} − P={b}",
            finals[a],
            finals[b],
            0.0,
            "reports/ablation_stages",
            role,
            folder_regime(reports / "ablation_stages"),
        )


def _easy_drop(reports: Path, rates: list[float]) -> Iterator:
    finals = {r: _final(reports / "easy_drop" / str(r)) for r in rates}
    base = finals.get(0.0)
    if base is None:
        return
    for rate, rows in finals.items():
        if rate != 0.0 and rows is not None:
            yield from _paired_finals(
                CLAIMS["easy_drop"],
                f"drop {rate} − drop 0",
                rows,
                base,
                -KEEP_MARGIN,
                "reports/easy_drop",
                regime=folder_regime(reports / "easy_drop"),
            )


def _cross_arch(reports: Path, method: str) -> Iterator:
    path = reports / "cross_arch" / "scores.csv"
    if not path.is_file():
        return
    scores = pd.read_csv(path)
    pdd, alone = "PDD (progressive)", f"{method.upper()} (union)"
    for (net, protocol), rows in scores.groupby(["net", "protocol"], sort=False):
        if {pdd, alone} <= set(rows.set):
            paired = paired_difference(rows[rows.set == pdd], rows[rows.set == alone])
            yield _row(
                CLAIMS["cross_arch"],
                f"{net}: PDD − {method.upper()}",
                protocol,
                "default",
                paired,
                0.0,
                "reports/cross_arch",
                regime=folder_regime(reports / "cross_arch"),
            )


def _scaling(reports: Path) -> Iterator:
    folder = reports / "scaling"
    rows = _final(folder)
    if rows is None or not (folder / "metrics.json").is_file():
        return
    full = read_json(folder / "metrics.json")["full_data"]["test_acc"]
    target = rows.assign(test_acc=TARGET_SHARE * full)
    yield from _paired_finals(
        CLAIMS["scaling"],
        "grown PDD set − 90 % of full data",
        rows,
        target,
        0.0,
        "reports/scaling",
        regime=folder_regime(folder),
    )
