"""`params.yaml` is the single source of every hyper-parameter; this module reads it,
applies the profile overlays and validates it against the schema in `pdd.config.schema`.

Layout: the sections of `params.yaml` (`common`, `net`, `eval`, one per stage) hold the
`default` profile, the real CPU run. `profiles/<name>.yaml` beside it are overlays that
replace individual keys (`profiles/default.yaml` replaces none), and `profile:` picks the
active one. Each overlay is its own params file so that DVC tracks only the active one's
sections (`profiles/${profile}.yaml` in dvc.yaml). A bad value in any profile stops the run
before any work with one line naming the file, the key and what is allowed.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from pdd.config.errors import ParamsError
from pdd.config.schema import SECTIONS, Params
from pdd.config.sections.ablation import STAGE_SPLIT
from pdd.config.sections.distill import MOVED_KEYS
from pdd.config.stages import foreach_lists

__all__ = [
    "PROFILES",
    "STAGE_SPLIT",
    "Params",
    "ParamsError",
    "load_params",
    "resolve_raw",
]

PROFILES = ("smoke", "default", "paper")
PROFILES_FOLDER = "profiles"


def load_params(
    path: str | Path, *, profile: str | None = None, overrides: dict[str, Any] | None = None
) -> Params:
    """Read, validate and resolve `path` for `profile` (default: the file's `profile:` key).

    `overrides` maps dotted keys (`eval.epochs`) to values and is applied after the profile
    overlay. Every profile is validated, so a typo anywhere fails early."""
    raw = _read_yaml(Path(path))
    active = _active_profile(raw, profile)
    overlays = read_overlays(Path(path))
    for name in PROFILES:
        if name != active:
            _validate(resolve_raw(raw, overlays[name]), f"{path} (profile {name})")
    merged = resolve_raw(raw, overlays[active])
    for dotted, value in (overrides or {}).items():
        _refuse_moved(dotted.split(".", 1), f"--set {dotted}")
        _set_dotted(merged, dotted, value)
    return _validate(merged, f"{path} (profile {active})")


# Lists that DVC's `foreach` expands into stages (declared by the stage registry). DVC
# reads them from the top level of params.yaml and never sees a profile overlay, so an
# overlay must not set them.
FOREACH_LISTS = foreach_lists()


def overlay_file(params_file: Path, profile: str) -> Path:
    return params_file.parent / PROFILES_FOLDER / f"{profile}.yaml"


def read_overlays(params_file: Path) -> dict[str, dict[str, Any]]:
    """Every profile's overlay, checked: each lists every section (DVC tracks them) and
    none sets a foreach list (DVC expands those from params.yaml alone)."""
    overlays = {}
    for name in PROFILES:
        path = overlay_file(params_file, name)
        overlay = _read_yaml(path, allowed=SECTIONS)
        missing = [section for section in SECTIONS if section not in overlay]
        if missing:
            raise ParamsError(
                f"{path}: section {missing[0]!r} missing (write `{missing[0]}: {{}}`)"
            )
        for section, key in FOREACH_LISTS:
            if key in (overlay.get(section) or {}):
                raise ParamsError(
                    f"{path}: {section}.{key}: DVC's foreach reads params.yaml's "
                    f"{section}.{key} only; set it there (or with dvc exp run -S)"
                )
        overlays[name] = overlay
    return overlays


def resolve_raw(raw: dict[str, Any], overlay: dict[str, Any]) -> dict[str, Any]:
    """The sections of params.yaml with a profile's overlay applied."""
    base = {key: copy.deepcopy(value) for key, value in raw.items() if key in SECTIONS}
    return _deep_merge(base, {key: value or {} for key, value in overlay.items()})


def _read_yaml(path: Path, allowed: tuple[str, ...] = ("profile", *SECTIONS)) -> dict[str, Any]:
    if not path.is_file():
        raise ParamsError(f"{path}: file not found")
    try:
        raw = yaml.safe_load(path.read_text())
    except yaml.YAMLError as error:
        raise ParamsError(f"{path}: not valid YAML ({' '.join(str(error).split())})") from None
    if not isinstance(raw, dict):
        raise ParamsError(f"{path}: expected a mapping of sections at the top level")
    unknown = sorted(set(raw) - set(allowed))
    if unknown:
        raise ParamsError(
            f"{path}: unknown top-level key {unknown[0]!r}; allowed: " + ", ".join(allowed)
        )
    for key in raw.get("distill") or {}:
        _refuse_moved(["distill", key], str(path))
    return raw


def _refuse_moved(dotted: list[str], where: str) -> None:
    """One line naming the new key of a key that left its section."""
    if dotted[0] == "distill" and len(dotted) > 1 and dotted[1] in MOVED_KEYS:
        raise ParamsError(
            f"{where}: distill.{dotted[1]} is now {MOVED_KEYS[dotted[1]]} "
            "(MTT's settings have their own section)"
        )


def _active_profile(raw: dict[str, Any], requested: str | None) -> str:
    active = requested or raw.get("profile", "default")
    if active not in PROFILES:
        raise ParamsError(f"profile: unknown profile {active!r}; allowed: {', '.join(PROFILES)}")
    return active


def _deep_merge(base: dict[str, Any], overlay: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in overlay.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _set_dotted(tree: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, leaf = dotted.split(".")
    node = tree
    for part in parents:
        node = node.setdefault(part, {})
        if not isinstance(node, dict):
            raise ParamsError(f"{dotted}: {part!r} is not a section")
    node[leaf] = value


def _validate(tree: dict[str, Any], where: str) -> Params:
    try:
        return Params.model_validate(tree)
    except ValidationError as error:
        raise ParamsError(f"{where}: {_describe(error)}") from None


def _describe(error: ValidationError) -> str:
    """One readable line per problem: `eval.epochs = 0: Input should be greater than 0`."""
    problems = []
    for item in error.errors():
        key = ".".join(str(part) for part in item["loc"]) or "params"
        if item["type"] == "extra_forbidden":
            allowed = ", ".join(_fields_at(item["loc"][:-1]))
            problems.append(f"{key}: unknown key; allowed keys here: {allowed}")
        elif item["type"] == "missing":
            problems.append(f"{key}: missing (required)")
        elif not item["loc"] or isinstance(item["input"], dict):
            # a check across sections or keys names its own keys
            problems.append(item["msg"].removeprefix("Value error, "))
        else:
            message = item["msg"].removeprefix("Value error, ")
            problems.append(f"{key} = {item['input']!r}: {message}")
    return "; ".join(problems)


def _fields_at(loc: tuple[Any, ...]) -> list[str]:
    model: type[BaseModel] = Params
    for part in loc:
        annotation = model.model_fields[str(part)].annotation
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return []
        model = annotation
    return list(model.model_fields)
