"""Decode a dataset's verified raw files once into one uint8 tensor file
(`data/prepared/<name>.pt`), which every stage then loads in a second."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import torch

from pdd.data.errors import DataFileError
from pdd.data.fetch import materialize, md5_of, mirror_from_env
from pdd.data.readers import read_cifar, read_idx_pair, read_tiny_imagenet
from pdd.data.registry import DatasetSpec, get_spec
from pdd.io import atomic_path


def decode(spec: DatasetSpec, files: dict[str, Path]) -> dict[str, object]:
    """The raw files as uint8 NCHW tensors and int64 labels, plus class names."""
    if spec.format == "idx":
        train_x, train_y = read_idx_pair(
            files["train-images-idx3-ubyte.gz"],
            files["train-labels-idx1-ubyte.gz"],
            spec.num_classes,
        )
        test_x, test_y = read_idx_pair(
            files["t10k-images-idx3-ubyte.gz"], files["t10k-labels-idx1-ubyte.gz"], spec.num_classes
        )
        names = list(spec.class_names)
    else:
        (archive,) = files.values()
        reader = read_cifar if spec.format == "cifar-python" else read_tiny_imagenet
        extra = (spec.name,) if spec.format == "cifar-python" else ()
        train_x, train_y, test_x, test_y, names = reader(archive, *extra)
    expected = (spec.channels, spec.image_size, spec.image_size)
    for split, images in (("train", train_x), ("test", test_x)):
        if images.shape[1:] != expected:
            raise DataFileError(
                f"{spec.name} {split}: images are {images.shape[1:]}, expected {expected}"
            )
    return {
        "train_x": torch.from_numpy(np.ascontiguousarray(train_x)),
        "train_y": torch.from_numpy(train_y),
        "test_x": torch.from_numpy(np.ascontiguousarray(test_x)),
        "test_y": torch.from_numpy(test_y),
        "class_names": list(names),
    }


def prepare_dataset(
    name: str,
    raw_dir: str | Path,
    prepared_dir: str | Path,
    mirror_dir: str | Path | None = None,
    allow_download: bool = True,
) -> dict[str, object]:
    """Materialise, verify and decode `name` into `prepared_dir/<name>.pt`; return a summary."""
    spec = get_spec(name)
    files = materialize(
        spec, Path(raw_dir), Path(mirror_dir) if mirror_dir else None, allow_download
    )
    tensors = decode(spec, files)
    with atomic_path(Path(prepared_dir) / f"{name}.pt") as tmp:
        torch.save(tensors, tmp)
    return {
        "name": name,
        "image_shape": [spec.channels, spec.image_size, spec.image_size],
        "num_classes": spec.num_classes,
        "class_names": tensors["class_names"],
        "train_count": len(tensors["train_y"]),
        "test_count": len(tensors["test_y"]),
        "train_per_class": torch.bincount(tensors["train_y"], minlength=spec.num_classes).tolist(),
        "test_per_class": torch.bincount(tensors["test_y"], minlength=spec.num_classes).tolist(),
        "md5": {
            remote.name: md5_of(
                files[remote.name], decompressed=remote.checksum_of == "decompressed"
            )
            for remote in spec.files
        },
    }


def load_prepared(name: str, prepared_dir: str | Path) -> dict[str, object]:
    path = Path(prepared_dir) / f"{name}.pt"
    if not path.is_file():
        raise DataFileError(
            f"{path}: prepared dataset missing; run `dvc repro data` "
            f"(or `python -m pdd.data.prepare --dataset {name}`)"
        )
    try:
        return torch.load(path, weights_only=True)
    except Exception as error:  # truncated or foreign file
        raise DataFileError(f"{path}: cannot be loaded ({error}); rerun the data stage") from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pdd.data.prepare", description=__doc__)
    parser.add_argument("--dataset", default="fashion-mnist")
    parser.add_argument("--raw-dir", type=Path, default=Path("data/raw"))
    parser.add_argument("--out", type=Path, default=Path("data/prepared"))
    parser.add_argument("--mirror", type=Path, default=None)
    parser.add_argument("--no-download", action="store_true")
    args = parser.parse_args(argv)
    try:
        summary = prepare_dataset(
            args.dataset,
            args.raw_dir,
            args.out,
            args.mirror or mirror_from_env(),
            not args.no_download,
        )
    except (DataFileError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
