"""The data stage: obtain and verify a dataset's raw files, decode them with the matching
reader, check them against the registry, and write the prepared file once. A user's own
dataset (`folder`, `npz`) is decoded from `--path` instead, and gets its per-channel
statistics from its training split.

    python -m pdd.data.prepare --dataset fashion-mnist [--raw-dir data/raw]
        [--out data/prepared] [--mirror DIR] [--no-download]
    python -m pdd.data.prepare --dataset folder --path my_images [--image-size 32]
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from pdd.data.arrays import read_npz
from pdd.data.class_sizes import ClassNeeds, check_class_sizes
from pdd.data.errors import DataFileError
from pdd.data.fetch import materialize, mirror_from_env
from pdd.data.images import read_image_folder
from pdd.data.prepared import content_digest, prepared_path, save_prepared
from pdd.data.readers import read_cifar, read_idx_pair, read_tiny_imagenet
from pdd.data.registry import DATASET_CHOICES, USER_FORMATS, DatasetSpec, get_spec
from pdd.infra.io import atomic_path


@dataclass(frozen=True)
class UserSource:
    """A user's own dataset: where it is (`common.data_path`, resolved), the side every image
    is resized to (None: keep their one size), and, for a folder of class folders, the
    share of each class held out as test and the seed of that split."""

    path: Path
    image_size: int | None = None
    test_fraction: float = 0.2
    seed: int = 0


def _idx_file(files: dict[str, Path], prefix: str) -> Path:
    (path,) = (path for name, path in files.items() if name.startswith(prefix))
    return path


def decode(spec: DatasetSpec, files: dict[str, Path]) -> dict:
    """The raw files of `spec` as uint8 NCHW tensors, int64 labels and class names,
    checked against the spec's image shape, number of classes and class names."""
    if spec.format == "idx":
        train_x, train_y = read_idx_pair(
            _idx_file(files, "train-images"), _idx_file(files, "train-labels"), spec.num_classes
        )
        test_x, test_y = read_idx_pair(
            _idx_file(files, "t10k-images"), _idx_file(files, "t10k-labels"), spec.num_classes
        )
        names: list[str] = []
    elif spec.format == "cifar-python":
        (archive,) = files.values()
        variant = "cifar10" if spec.num_classes == 10 else "cifar100"
        train_x, train_y, test_x, test_y, names = read_cifar(archive, variant)
    else:
        (archive,) = files.values()
        train_x, train_y, test_x, test_y, names = read_tiny_imagenet(archive)
    names = list(spec.class_names) or names  # the registry's names win where it has them
    source = ", ".join(str(path) for path in files.values())

    expected = (spec.channels, spec.image_size, spec.image_size)
    for split, x, y in (("train", train_x, train_y), ("test", test_x, test_y)):
        if x.ndim != 4 or x.shape[1:] != expected or x.dtype != np.uint8:
            raise DataFileError(
                f"{source}: {split} images are {x.dtype} {x.shape[1:]}, expected uint8 {expected}"
            )
        if len(x) != len(y) or (len(y) and y.max() >= spec.num_classes):
            raise DataFileError(f"{source}: {split} labels do not match images or classes")
    if len(names) != spec.num_classes:
        raise DataFileError(f"{source}: {len(names)} class names, expected {spec.num_classes}")
    return {
        "train_x": torch.from_numpy(np.ascontiguousarray(train_x)),
        "train_y": torch.from_numpy(np.asarray(train_y, dtype=np.int64)),
        "test_x": torch.from_numpy(np.ascontiguousarray(test_x)),
        "test_y": torch.from_numpy(np.asarray(test_y, dtype=np.int64)),
        "class_names": names,
    }


def prepare_dataset(
    name: str,
    raw_dir: str | Path,
    prepared_dir: str | Path,
    mirror_dir: str | Path | None = None,
    allow_download: bool = True,
    *,
    source: UserSource | None = None,
    needs: ClassNeeds | None = None,
) -> dict:
    """Materialise, verify and decode dataset `name` (a user's own from `source`), check
    its classes against `needs`, then write `prepared_dir/<name>.pt`; return a JSON-ready
    summary (counts, per-class counts, shape, content hash, raw-file MD5s or the source).
    Nothing is written unless every check passes."""
    if name in USER_FORMATS:
        if source is None:
            raise ValueError(f"dataset {name!r} needs a source (common.data_path)")
        data, described = read_user_dataset(name, source)
        where = str(source.path)
    else:
        spec = get_spec(name)
        mirror = Path(mirror_dir) if mirror_dir is not None else None
        files = materialize(spec, Path(raw_dir), mirror, allow_download)
        data = decode(spec, files)
        described = {
            # materialize has verified every file against these, so they are the files' MD5s
            "md5": {remote.name: remote.md5 for remote in spec.files},
            "checksum_of": {remote.name: remote.checksum_of for remote in spec.files},
        }
        where = ", ".join(str(path) for path in files.values())
    if needs is not None:
        check_class_sizes(data, needs, where)
    listed = described.pop("files", None)
    if listed is not None:  # which image went to which split: beside the prepared file
        write_file_list(listed, Path(prepared_dir) / f"{name}_files.csv")
    save_prepared(data, prepared_path(name, prepared_dir))
    return summarize(name, data) | described


def read_user_dataset(name: str, source: UserSource) -> tuple[dict, dict]:
    """A user's folder or array file as prepared data, with its training split's per-channel
    mean and std (the validation split, carved from train later, is part of it; test is not)."""
    if name == "folder":
        data, described = read_image_folder(
            source.path,
            image_size=source.image_size,
            test_fraction=source.test_fraction,
            seed=source.seed,
        )
        described["split_seed"] = source.seed
    else:
        data, described = read_npz(source.path, image_size=source.image_size)
    pixels = data["train_x"].double().div(255).transpose(0, 1).flatten(1)
    data["mean"] = pixels.mean(dim=1).tolist()
    data["std"] = pixels.std(dim=1).clamp_min(1e-6).tolist()  # a flat channel divides by ~0
    return data, described | {"mean": data["mean"], "std": data["std"]}


def summarize(name: str, data: dict) -> dict:
    """Counts, shape, class names and content hash of prepared data."""
    num_classes = len(data["class_names"])
    return {
        "name": name,
        "num_classes": num_classes,
        "image_shape": list(data["train_x"].shape[1:]),
        "train_count": len(data["train_y"]),
        "test_count": len(data["test_y"]),
        "train_per_class": torch.bincount(data["train_y"], minlength=num_classes).tolist(),
        "test_per_class": torch.bincount(data["test_y"], minlength=num_classes).tolist(),
        "class_names": data["class_names"],
        "content_sha256": content_digest(data),
    }


def write_file_list(rows: list[tuple[str, str, str]], path: Path) -> None:
    """file, split, class of every image, atomically."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(["file", "split", "class"])
    writer.writerows(rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        tmp.write_text(text.getvalue())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pdd.data.prepare",
        description="Fetch, verify and decode a dataset into <out>/<dataset>.pt.",
    )
    parser.add_argument("--dataset", choices=DATASET_CHOICES, default=DATASET_CHOICES[0])
    parser.add_argument("--path", type=Path, help="a folder or .npz file (--dataset folder|npz)")
    parser.add_argument("--image-size", type=int, default=None, help="resize to this side")
    parser.add_argument("--test-fraction", type=float, default=0.2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--raw-dir", type=Path, default=Path("data/raw"))
    parser.add_argument("--out", type=Path, default=Path("data/prepared"))
    parser.add_argument(
        "--mirror", type=Path, default=None, help="mirror folder (default: $PDD_DATA_MIRROR)"
    )
    parser.add_argument("--no-download", action="store_true", help="never use the network")
    args = parser.parse_args(argv)
    source = None
    if args.dataset in USER_FORMATS:
        if args.path is None:
            parser.error(f"--dataset {args.dataset} needs --path")
        source = UserSource(args.path, args.image_size, args.test_fraction, args.seed)
    try:
        summary = prepare_dataset(
            args.dataset,
            args.raw_dir,
            args.out,
            mirror_dir=args.mirror or mirror_from_env(),
            allow_download=not args.no_download,
            source=source,
        )
    except DataFileError as error:
        print(f"error: {' '.join(str(error).split())}", file=sys.stderr)
        return 2
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
