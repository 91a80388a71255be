"""A user's image folder, decoded once by Pillow into uint8 NCHW arrays. Two layouts:

    <root>/train/<class>/<image>  and  <root>/test/<class>/<image>   (splits given)
    <root>/<class>/<image>                                           (split here)

Classes are the folder names in sorted order. In the second layout every class is split
into train and test by a seeded permutation (`test_fraction` of it, at least one image,
goes to test): stratified, and the same on every machine. Hidden files and folders are
skipped, as are plain files directly under <root> (a README, a licence); every other file
in a class folder must be an image Pillow can read. Images keep one channel when every
one of them is greyscale, else all become RGB (alpha dropped). They keep their size when
they share one square size; `image_size` resizes every image to a square of that side."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from pdd.data.errors import DataFileError

SPLITS = ("train", "test")
GREY_MODES = {"1", "L", "LA"}
# 16-bit and float pixels have no agreed mapping to 0-255: refused, not guessed.
UNSUPPORTED_MODES = {"I", "I;16", "I;16B", "I;16L", "I;16N", "F"}


@dataclass(frozen=True)
class ImageFile:
    path: Path
    label: int
    split: str  # "train" | "test"


def read_image_folder(
    root: str | Path, *, image_size: int | None, test_fraction: float, seed: int
) -> tuple[dict, dict]:
    """(data, described): the prepared-data dict (train_x, train_y, test_x, test_y,
    class_names) and what the summary records about the folder (layout, sizes, files)."""
    root = Path(root)
    if not root.is_dir():
        raise DataFileError(f"{root}: no such folder (common.data_path)")
    names, files, layout = list_images(root, test_fraction, seed)
    images, sizes = decode_images([f.path for f in files], image_size, root)
    data = {"class_names": names}
    for split in SPLITS:
        chosen = [i for i, f in enumerate(files) if f.split == split]
        data[f"{split}_x"] = torch.from_numpy(images[chosen])
        data[f"{split}_y"] = torch.tensor([files[i].label for i in chosen], dtype=torch.int64)
    described = {
        "layout": layout,
        "original_sizes": dict(sorted(Counter(f"{w}x{h}" for w, h in sizes).items())),
        "resized": sum(size != (image_size, image_size) for size in sizes) if image_size else 0,
        "files": [(f.path.relative_to(root).as_posix(), f.split, names[f.label]) for f in files],
    }
    return data, described


def list_images(root: Path, test_fraction: float, seed: int) -> tuple[list[str], list, str]:
    """(class names, every image with its label and split, layout name)."""
    if any((root / split).is_dir() for split in SPLITS):
        return _given_splits(root) + ("train/ and test/ folders",)
    names = [folder.name for folder in _subfolders(root)]
    _check_classes(root, names)
    files = []
    generator = torch.Generator().manual_seed(seed)
    for label, name in enumerate(names):
        members = _images_in(root / name)
        if len(members) < 2:
            raise DataFileError(
                f"{root / name}: class {name!r} has {len(members)} image(s); splitting it into "
                "train and test needs at least 2"
            )
        order = torch.randperm(len(members), generator=generator).tolist()
        test_count = min(len(members) - 1, max(1, round(test_fraction * len(members))))
        chosen = set(order[:test_count])
        files += [
            ImageFile(path, label, "test" if i in chosen else "train")
            for i, path in enumerate(members)
        ]
    return names, files, f"one folder of classes, split here (test_fraction {test_fraction})"


def _given_splits(root: Path) -> tuple[list[str], list]:
    for split in SPLITS:
        if not (root / split).is_dir():
            raise DataFileError(
                f"{root / split}: missing; a folder with {'/ or '.join(SPLITS)}/ needs both "
                "(or give one folder of class folders, which the data stage splits)"
            )
    names = [folder.name for folder in _subfolders(root / "train")]
    _check_classes(root / "train", names)
    test_names = [folder.name for folder in _subfolders(root / "test")]
    if test_names != names:
        extra = sorted(set(test_names) - set(names))
        missing = sorted(set(names) - set(test_names))
        raise DataFileError(
            f"{root / 'test'}: its class folders differ from train/ "
            f"(only in test: {extra or 'none'}; missing from test: {missing or 'none'})"
        )
    files = []
    for split in SPLITS:
        for label, name in enumerate(names):
            members = _images_in(root / split / name)
            if not members:
                raise DataFileError(f"{root / split / name}: class {name!r} has no images")
            files += [ImageFile(path, label, split) for path in members]
    return names, files


def _subfolders(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))


def _images_in(folder: Path) -> list[Path]:
    """Every non-hidden file of a class folder (nested folders are refused, not searched)."""
    members = sorted(p for p in folder.iterdir() if not p.name.startswith("."))
    nested = [p for p in members if p.is_dir()]
    if nested:
        raise DataFileError(f"{nested[0]}: a folder inside a class folder; images go directly in")
    return members


def _check_classes(folder: Path, names: list[str]) -> None:
    if not names:
        raise DataFileError(
            f"{folder}: no class folders (expected <class>/<image> or train/ and test/ folders)"
        )
    if len(names) == 1:
        raise DataFileError(f"{folder}: a single class ({names[0]!r}); distillation needs two")


def decode_images(
    paths: list[Path], image_size: int | None, where: Path
) -> tuple[np.ndarray, list]:
    """(N, C, H, W) uint8 pixels of every image and its original (width, height); `where`
    names the folder in errors about the set as a whole."""
    from PIL import Image  # imported here: only user datasets need Pillow

    pixels, sizes, grey = [], [], True
    for path in paths:
        try:
            with Image.open(path) as picture:
                picture.load()  # decodes now: a truncated file fails here, named
                if picture.mode in UNSUPPORTED_MODES:
                    raise DataFileError(
                        f"{path}: {picture.mode} pixels (16-bit or float); save 8-bit images"
                    )
                sizes.append(picture.size)
                mode = "L" if picture.mode in GREY_MODES else "RGB"
                grey &= mode == "L"
                converted = picture.convert(mode)
                if image_size and picture.size != (image_size, image_size):
                    converted = converted.resize((image_size, image_size), Image.Resampling.BICUBIC)
                pixels.append(np.asarray(converted))
        except DataFileError:
            raise
        except Exception as error:  # Pillow raises OSError, ValueError, DecompressionBombError
            reason = " ".join(str(error).split())
            raise DataFileError(f"{path}: not a readable image ({reason})") from None
    if not pixels:
        raise DataFileError(f"{where}: no images")
    _check_one_size(where, paths, sizes, image_size)
    if not grey:  # one colour image makes the dataset RGB: greys repeat their channel
        pixels = [np.repeat(p[..., None], 3, axis=2) if p.ndim == 2 else p for p in pixels]
    stacked = np.stack(pixels)
    stacked = stacked[:, None] if stacked.ndim == 3 else stacked.transpose(0, 3, 1, 2)
    return np.ascontiguousarray(stacked), sizes


def _check_one_size(where: Path, paths: list[Path], sizes: list, image_size: int | None) -> None:
    if image_size:
        return
    counts = Counter(sizes)
    if len(counts) > 1:
        example = {size: paths[sizes.index(size)] for size in counts}
        listed = "; ".join(
            f"{w}x{h}: {n} image(s), e.g. {example[(w, h)]}" for (w, h), n in counts.most_common()
        )
        (w, h), _ = counts.most_common(1)[0]
        raise DataFileError(
            f"{where}: images of different sizes ({listed}); set "
            f"common.image_size to resize them all (the most common size is {max(w, h)})"
        )
    ((width, height),) = counts
    if width != height:
        raise DataFileError(
            f"{paths[0]}: images are {width}x{height}; the networks take square images, so set "
            f"common.image_size to resize them (e.g. {max(width, height)})"
        )
