"""Tiny-ImageNet-200 from the official zip or its extracted folder, laid out as
`tiny-imagenet-200/wnids.txt`, `words.txt` (optional: readable class names),
`train/<wnid>/images/*.JPEG` and `val/images/*.JPEG` with `val/val_annotations.txt`
(tab-separated: file, wnid, bounding box). The official test split has no labels, so the
labelled `val` split (50 images per class) serves as this project's test set."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np

from pdd.data.errors import DataFileError
from pdd.data.labels import check_labels

ROOT = "tiny-imagenet-200"


class TinyImageNetTree:
    """Uniform read access to the files under `tiny-imagenet-200/`, in a zip or a folder
    (the `tiny-imagenet-200` folder itself or its parent). Names are relative to it."""

    def __init__(self, source: Path):
        self.source = source
        self._zip: zipfile.ZipFile | None = None
        if source.is_dir():
            self._base = source / ROOT if (source / ROOT).is_dir() else source
            self.names = {p.relative_to(self._base).as_posix() for p in self._base.rglob("*")}
            return
        try:
            self._zip = zipfile.ZipFile(source)
        except (OSError, zipfile.BadZipFile) as error:
            raise DataFileError(f"{source}: not a readable zip ({error})") from None
        prefix = f"{ROOT}/"
        self.names = {n.removeprefix(prefix) for n in self._zip.namelist() if n.startswith(prefix)}

    def where(self, name: str) -> str:
        """How to name a member in error messages."""
        if self._zip is not None:
            return f"{self.source}:{ROOT}/{name}"
        return str(self._base / name)

    def read(self, name: str) -> bytes:
        try:
            if self._zip is not None:
                return self._zip.read(f"{ROOT}/{name}")
            return (self._base / name).read_bytes()
        except (KeyError, OSError, zipfile.BadZipFile) as error:
            raise DataFileError(f"{self.where(name)}: cannot be read ({error})") from None

    def text(self, name: str) -> str:
        return self.read(name).decode("utf-8")


def read_tiny_imagenet(zip_or_dir: str | Path):
    """Returns (train_x, train_y, test_x, test_y, class_names); test is the `val` split."""
    try:
        from PIL import Image  # only this reader needs Pillow (it comes with matplotlib)
    except ImportError:
        raise DataFileError(
            f"{zip_or_dir}: decoding Tiny-ImageNet JPEGs needs Pillow (pip install pillow)"
        ) from None
    tree = TinyImageNetTree(Path(zip_or_dir))
    wnids = tree.text("wnids.txt").split()
    label_of = {wnid: label for label, wnid in enumerate(wnids)}

    train_paths = sorted(
        n for n in tree.names if n.startswith("train/") and "/images/" in n and n.endswith(".JPEG")
    )
    for path in train_paths:
        if path.split("/")[1] not in label_of:
            raise DataFileError(f"{tree.where(path)}: its class folder is not in wnids.txt")
    train_y = [label_of[path.split("/")[1]] for path in train_paths]

    test_paths, test_y = _val_annotations(tree, label_of)
    return (
        _decode(tree, train_paths, Image),
        check_labels(train_y, len(wnids), tree.where("train")),
        _decode(tree, test_paths, Image),
        check_labels(test_y, len(wnids), tree.where("val/val_annotations.txt")),
        _class_names(tree, wnids),
    )


def _val_annotations(tree: TinyImageNetTree, label_of: dict[str, int]):
    name = "val/val_annotations.txt"
    paths, labels = [], []
    for number, line in enumerate(tree.text(name).splitlines(), start=1):
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) < 2 or fields[1] not in label_of:
            raise DataFileError(f"{tree.where(name)}: line {number} names no known class")
        paths.append(f"val/images/{fields[0]}")
        labels.append(label_of[fields[1]])
    return paths, labels


def _decode(tree: TinyImageNetTree, paths: list[str], image_module) -> np.ndarray:
    """JPEGs -> (N, 3, H, W) uint8, filled into one preallocated array (the full training
    set is 1.2 GB; stacking a list would need twice that)."""
    out: np.ndarray | None = None
    for i, path in enumerate(paths):  # one decode call per file is unavoidable for JPEG
        try:
            with image_module.open(io.BytesIO(tree.read(path))) as picture:
                pixels = np.asarray(picture.convert("RGB"))  # a few are greyscale
        except OSError as error:  # PIL.UnidentifiedImageError is an OSError
            raise DataFileError(f"{tree.where(path)}: not a readable JPEG ({error})") from None
        if out is None:
            out = np.empty((len(paths), 3, *pixels.shape[:2]), dtype=np.uint8)
        if pixels.shape[:2] != out.shape[2:]:
            raise DataFileError(
                f"{tree.where(path)}: image is {pixels.shape[:2]}, expected {out.shape[2:]}"
            )
        out[i] = pixels.transpose(2, 0, 1)
    return out if out is not None else np.zeros((0, 3, 64, 64), dtype=np.uint8)


def _class_names(tree: TinyImageNetTree, wnids: list[str]) -> list[str]:
    """The first synonym of each wnid from words.txt ("n02124075\tEgyptian cat"), or the
    wnid itself where words.txt is absent or silent."""
    words: dict[str, str] = {}
    if "words.txt" in tree.names:
        for line in tree.text("words.txt").splitlines():
            wnid, _, text = line.partition("\t")
            words[wnid.strip()] = text.split(",")[0].strip()
    return [words.get(wnid) or wnid for wnid in wnids]
