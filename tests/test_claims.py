"""The verdict on every claim, from published results written here: the stages' paired
comparisons and their final rows, the rule, and one row per claim."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pandas as pd

from pdd.analyses import claims


def write(path: Path, payload) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(payload, pd.DataFrame):
        payload.to_csv(path, index=False)
    else:
        path.write_text(json.dumps(payload))


def comparison(name: str, protocol: str, delta: float, low: float, high: float, runs=3) -> dict:
    return {
        "comparison": name,
        "protocol": protocol,
        "recipe": "default",
        "delta": delta,
        "ci_low": low,
        "ci_high": high,
        "runs": runs,
        "seeds": 3,
        "interval": "t over runs",
    }


def final(offset: float, runs: int = 3) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"protocol": "equal", "recipe": "default", "run": r, "seed": s,
             "test_acc": 80.0 + offset + 0.1 * r + 0.01 * s}
            for r in range(runs) for s in (1, 2)
        ]
    )  # fmt: skip


PARAMS = SimpleNamespace(
    methods=SimpleNamespace(names=["idc"]),
    ablation=SimpleNamespace(stage_counts=[1, 2, 5]),
    easy_drop=SimpleNamespace(drop_rates=[0.0, 0.8]),
    distill=SimpleNamespace(method="mtt"),
)


def published(reports: Path) -> None:
    write(
        reports / "evaluate" / "metrics.json",
        {
            "comparisons": [
                comparison("progressive − union", "paper", 0.5, 0.1, 0.9),
                comparison("progressive − union", "equal", -0.4, -0.9, 0.1),
                comparison("progressive − sequential", "equal", 0.8, 0.3, 1.3),
            ]
        },
    )
    write(
        reports / "methods" / "idc" / "metrics.json",
        {"comparisons": [comparison("progressive − union", "equal", -1.0, -1.5, -0.5)]},
    )
    for p, offset in ((1, 0.0), (2, 1.0), (5, 1.5)):
        write(reports / "ablation_stages" / str(p) / "final.csv", final(offset))
    write(reports / "easy_drop" / "0.0" / "final.csv", final(0.0, runs=1))
    write(reports / "easy_drop" / "0.8" / "final.csv", final(-0.2, runs=1))


def test_every_published_comparison_gets_the_rules_verdict(tmp_path):
    published(tmp_path)
    table = claims.claims_table(tmp_path, PARAMS)
    assert list(table.columns) == list(claims.COLUMNS)
    verdicts = {(r.comparison, r.protocol): r.verdict for r in table.itertuples()}
    assert verdicts[("PDD − MTT (union)", "paper")] == "reproduced"
    assert verdicts[("PDD − MTT (union)", "equal")] == "inconclusive"
    assert verdicts[("progressive − sequential", "equal")] == "reproduced"
    assert verdicts[("PDD + IDC − IDC", "equal")] == "not reproduced"
    assert verdicts[("P=2 − P=1", "equal")] == "reproduced"  # +1.0 in every run
    assert verdicts[("P=5 − P=2", "equal")] == "reproduced"
    drop = table[table.comparison == "drop 0.8 − drop 0"].iloc[0]
    assert drop.threshold == -claims.KEEP_MARGIN and drop.runs == 1
    assert drop.verdict == "inconclusive"  # one run: no verdict, whatever the interval


def test_one_row_per_claim_from_its_equal_protocol_rows(tmp_path):
    published(tmp_path)
    summary = claims.overall(claims.claims_table(tmp_path, PARAMS))
    by_claim = summary.set_index("claim").verdict.to_dict()
    assert by_claim[claims.CLAIMS["pdd_mtt"]] == "inconclusive"  # equal: straddles 0
    assert by_claim["PDD + IDC beats IDC alone"] == "not reproduced"
    assert by_claim[claims.CLAIMS["stages"]] == "reproduced"
    first = summary.set_index("claim").loc[claims.CLAIMS["pdd_mtt"]]
    assert first.fair == "-0.40 [-0.90, +0.10]" and first.paper == "+0.50 [+0.10, +0.90]"
    stages = summary.set_index("claim").loc[claims.CLAIMS["stages"]]
    assert stages.fair.startswith("P=2 − P=1: +1.00 [")
    page = claims.markdown(summary)
    first_regime = "experts of 10 epochs x 6,000 images"  # nothing published says otherwise
    assert f"| PDD + MTT beats MTT at equal total IPC | {first_regime} | **inconclusive** |" in page


def test_the_paper_budget_is_shown_beside_the_equal_one_that_decides(tmp_path):
    published(tmp_path)
    metrics = json.loads((tmp_path / "evaluate" / "metrics.json").read_text())
    metrics["regime"] = "experts of 30 full epochs"
    for entry in metrics["comparisons"]:
        entry["budget"] = "equal"
    paper = comparison("progressive-paper − union", "equal", 2.0, 1.0, 3.0)
    metrics["comparisons"].append({**paper, "budget": "paper"})
    write(tmp_path / "evaluate" / "metrics.json", metrics)
    table = claims.claims_table(tmp_path, PARAMS)
    headline = table[table.claim == claims.CLAIMS["pdd_mtt"]]
    assert set(headline.regime) == {"experts of 30 full epochs"}
    assert headline.set_index("budget").loc["paper", "comparison"] == "PDD − MTT (union)"
    row = claims.overall(table).set_index("claim").loc[claims.CLAIMS["pdd_mtt"]]
    assert row.verdict == "inconclusive"  # the equal budget decides, not the paper's +2
    assert row.paper_budget == "+2.00 [+1.00, +3.00]"


def test_an_earlier_regime_keeps_its_rows_beside_the_live_ones(tmp_path):
    published(tmp_path)
    metrics = json.loads((tmp_path / "evaluate" / "metrics.json").read_text())
    write(
        tmp_path / "evaluate" / "metrics.json", {**metrics, "regime": "experts of 30 full epochs"}
    )
    earlier = claims.claims_table(tmp_path, PARAMS).assign(regime="an earlier regime")
    write(tmp_path / "regimes" / "earlier" / "claims.csv", earlier)
    table = claims.claims_table(tmp_path, PARAMS)
    headline = table[table.claim == claims.CLAIMS["pdd_mtt"]]
    assert set(headline.regime) == {"experts of 30 full epochs", "an earlier regime"}
    summary = claims.overall(table)
    assert len(summary[summary.claim == claims.CLAIMS["pdd_mtt"]]) == 2  # one row per regime
    # a live regime of the same name replaces the kept rows rather than doubling them
    write(
        tmp_path / "regimes" / "earlier" / "claims.csv",
        earlier.assign(regime="experts of 30 full epochs"),
    )
    again = claims.claims_table(tmp_path, PARAMS)
    assert len(again) == len(table) - len(earlier)


def test_nothing_published_gives_no_rows(tmp_path):
    table = claims.claims_table(tmp_path, PARAMS)
    assert table.empty and list(table.columns) == list(claims.COLUMNS)


def test_each_stage_count_against_the_one_before_is_context_only(tmp_path):
    published(tmp_path)
    write(tmp_path / "ablation_stages" / "5" / "final.csv", final(0.5))  # P=5 below P=2
    table = claims.claims_table(tmp_path, PARAMS)
    context = table[table.role == "context"]
    assert list(context.comparison) == ["P=5 − P=2"] and context.verdict.iat[0] == "not reproduced"
    summary = claims.overall(table).set_index("claim")
    assert summary.loc[claims.CLAIMS["stages"], "verdict"] == "reproduced"  # P − 1 only


def test_a_comparison_of_too_few_runs_does_not_decide_beside_ones_with_enough(tmp_path):
    published(tmp_path)
    write(tmp_path / "ablation_stages" / "10" / "final.csv", final(-3.0, runs=1))
    params = SimpleNamespace(
        **{**vars(PARAMS), "ablation": SimpleNamespace(stage_counts=[1, 2, 5, 10])}
    )
    table = claims.claims_table(tmp_path, params)
    ten = table[table.comparison == "P=10 − P=1"].iloc[0]
    assert ten.runs == 1 and ten.role == "verdict" and ten.verdict == "inconclusive"
    summary = claims.overall(table).set_index("claim")
    assert summary.loc[claims.CLAIMS["stages"], "verdict"] == "reproduced"  # P=2, P=5: 3 runs


def test_cross_architecture_rests_on_the_budget_fair_protocols(tmp_path):
    rows = []
    for protocol, gap in (("union", 2.0), ("paper", -3.0)):
        for run in range(3):
            for name, acc in (("PDD (progressive)", 70.0 + gap + 0.1 * run), ("MTT (union)", 70.0)):
                rows.append(
                    {"net": "convnet", "set": name, "run": run, "protocol": protocol, "seed": 1,
                     "test_acc": acc}
                )  # fmt: skip
    write(tmp_path / "cross_arch" / "scores.csv", pd.DataFrame(rows))
    table = claims.claims_table(tmp_path, PARAMS)
    assert set(table.protocol) == {"union", "paper"}
    paper = table[table.protocol == "paper"].iloc[0]
    assert paper.verdict == "not reproduced" and paper.delta < 0
    (row,) = claims.overall(table).itertuples()
    assert row.verdict == "reproduced" and "(union)" in row.fair and row.paper.startswith("-")
