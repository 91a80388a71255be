"""Score a saved distilled set on fresh networks, one per evaluation seed, sharded over
torchrun workers:
`[torchrun --nproc-per-node N] python -m pdd.pipeline.score_set FOLDER [--net NAME]`.

FOLDER is a set written by the pipeline (`artifacts/distill/<schedule>/`, or its published
copy `reports/distill/<schedule>/`). The network, the evaluation protocol (`eval.*`) and the seeds
come from params.yaml (with `--profile` / `--set`), the architecture can be swapped with
`--net` (cross-architecture scores). `progressive` trains through S_1, S_1 ∪ S_2, … as the
paper evaluates; `union` trains once on all stages at the last stage's step size. Seeds are
sharded rank mod N and gathered in seed order, so the JSON written by rank 0 equals the
single-process one (same threads per process).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from pdd.config.context import context_from
from pdd.config.params import ParamsError, load_params
from pdd.core.evaluate import progressive_evaluation, union_from_scratch
from pdd.core.models import MODEL_NAMES
from pdd.core.synthetic import load_stages
from pdd.infra import paths
from pdd.infra.distributed import close_world, init_world, map_sharded
from pdd.infra.io import write_json
from pdd.pipeline.run import parse_overrides

PROTOCOLS = ("progressive", "union")


def score(folder: Path, ctx, protocol: str, world) -> dict:
    stages = load_stages(folder)

    def one_seed(seed: int) -> tuple[float, float]:
        if protocol == "progressive":
            last = progressive_evaluation(
                stages,
                make_model=ctx.make_model,
                config=ctx.eval_config,
                seeds=[seed],
                data=ctx.data,
                augment=ctx.augment,
            )[-1]
            return last["test_acc"], last["val_acc"]
        scored = union_from_scratch(
            stages,
            make_model=ctx.make_model,
            config=ctx.eval_config,
            seeds=[seed],
            data=ctx.data,
            augment=ctx.augment,
        )
        return scored.test_acc[0], scored.val_acc[0]

    scores = map_sharded(one_seed, ctx.eval_seeds, world)
    test = [test for test, _ in scores]
    return {
        "set": str(folder),
        "protocol": protocol,
        "net": ctx.net,
        "images_per_class": sum(stage.ipc for stage in stages),
        "seeds": ctx.eval_seeds,
        "test_acc": test,
        "val_acc": [val for _, val in scores],
        "test_mean": float(np.mean(test)),
        "test_std": float(np.std(test)),
        "workers": world.size,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pdd.pipeline.score_set", description=__doc__)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--net", choices=MODEL_NAMES, help="architecture (default: net.name)")
    parser.add_argument("--protocol", choices=PROTOCOLS, default="progressive")
    parser.add_argument("--out", type=Path, help="JSON file (default: print it)")
    parser.add_argument("--profile")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="K=V")
    parser.add_argument("--params", type=Path, default=paths.PARAMS_FILE)
    parser.add_argument("--prepared", type=Path, default=paths.ROOT / "data" / "prepared")
    args = parser.parse_args(argv)
    try:
        overrides = parse_overrides(args.overrides)
        if args.net:
            overrides["net.name"] = args.net
        params = load_params(args.params, profile=args.profile, overrides=overrides)
    except ParamsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if not (args.folder / "manifest.json").is_file():
        print(f"error: {args.folder}: no manifest.json (not a saved set)", file=sys.stderr)
        return 2
    world = init_world()
    ctx = context_from(params, args.prepared)
    result = score(args.folder, ctx, args.protocol, world)
    if world.rank == 0:
        if args.out:
            write_json(args.out, result)
        else:
            print(result)
    close_world(world)
    return 0


if __name__ == "__main__":
    sys.exit(main())
