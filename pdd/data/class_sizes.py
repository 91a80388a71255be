"""Does every class hold the images the params will draw from it? Checked by the data stage
before it writes anything, so a dataset too small for the params fails there, naming the
class and the params key, rather than hours later inside a stage."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from pdd.data.errors import DataFileError


@dataclass(frozen=True)
class Draw:
    """Training images some stage draws at random from every class."""

    key: str  # the params key(s) behind it, for the error message
    images: int  # per class; a class-balanced total when `balanced`
    balanced: bool = False
    kept: float = 1.0  # share of each class left to draw from (easy-example dropping)

    def train_needed(self, num_classes: int) -> int:
        """Training images a class needs (after the validation split) for this draw: with
        `kept` < 1, enough that n - round((1 - kept) n) still holds the draw."""
        wanted = self.images // num_classes if self.balanced else self.images
        needed = wanted
        while needed - round((1 - self.kept) * needed) < wanted:
            needed += 1
        return needed


@dataclass(frozen=True)
class ClassNeeds:
    """What the params take from each class: the validation images carved from train, the
    random draws from what is left, and the test images scored (`test_per_class`)."""

    val_per_class: int
    draws: tuple[Draw, ...]
    test_per_class: int = 1

    def train_minimum(self, num_classes: int) -> tuple[int, str]:
        """(images each class needs in train, why: the params keys behind the number)."""
        why = f"common.val_per_class {self.val_per_class}"
        if not self.draws:
            return self.val_per_class, why
        largest = max(self.draws, key=lambda draw: draw.train_needed(num_classes))
        needed = largest.train_needed(num_classes)
        return self.val_per_class + needed, f"{why} + {largest.key}: {needed}"


def check_class_sizes(data: dict, needs: ClassNeeds, source: str) -> None:
    """DataFileError naming the first class of `data` (the prepared-data dict) that holds
    fewer training or test images than `needs` asks for."""
    names = data["class_names"]
    need_train, why = needs.train_minimum(len(names))
    for split, need, reason in (
        ("train", need_train, why),
        ("test", needs.test_per_class, "common.test_per_class"),
    ):
        counts = torch.bincount(data[f"{split}_y"], minlength=len(names)).tolist()
        for name, count in zip(names, counts, strict=True):
            if count < need:
                raise DataFileError(
                    f"{source}: class {name!r} has {count} {split} images; the params need "
                    f"{need} per class ({reason}): add images or lower those keys"
                )
