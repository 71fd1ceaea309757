"""Configuration: ``[tool.retainlint]`` in the nearest ``pyproject.toml`` that has it, or ``--config``.

Every key is validated: an unknown key or a value of the wrong type is a :class:`ConfigError`
naming the file and the key (the CLI turns it into exit code 2), because a typo that silently
disables a rule is worse than no configuration at all.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from retainlint._toml import TomlError, load_toml_text

CONFIDENCES = ("low", "medium", "high")


class ConfigError(ValueError):
    """A configuration problem a person must fix; the message names the file and the key."""


@dataclass
class Settings:
    root: Path
    source: Optional[Path] = None
    select: List[str] = field(default_factory=lambda: ["RL"])
    ignore: List[str] = field(default_factory=list)
    extend_select: List[str] = field(default_factory=list)
    exclude: List[str] = field(default_factory=list)
    extend_exclude: List[str] = field(default_factory=list)
    per_file_ignores: Dict[str, List[str]] = field(default_factory=dict)
    min_confidence: str = "medium"
    api: Dict[str, Any] = field(default_factory=dict)
    cache: bool = True
    warn_unused_ignores: bool = False


def _string_list(value: Any, where: str) -> List[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: expected a list of strings, got {type(value).__name__} {value!r}")
    return list(value)


def _listener_entry(entry: Any, where: str) -> Dict[str, Any]:
    known = {"add": str, "remove": list, "remove-all": list, "event": int, "callback": int, "weak": bool,
             "strong-when": str, "one-shot": bool, "receiver": str, "idempotent": bool, "callback-keywords": list,
             "registry": str}
    if not isinstance(entry, dict):
        raise ConfigError(f"{where}: each listener API must be a table")
    for key, value in entry.items():
        if key not in known:
            raise ConfigError(f"{where}.{key}: unknown key (known: {', '.join(sorted(known))})")
        if not isinstance(value, known[key]) or (known[key] is int and isinstance(value, bool)):
            raise ConfigError(f"{where}.{key}: expected {known[key].__name__}, got {type(value).__name__}")
        if known[key] is list:
            _string_list(value, f"{where}.{key}")
    if "add" not in entry:
        raise ConfigError(f"{where}: a listener API needs 'add' (the method that registers)")
    return entry


def _bounded_entry(entry: Any, where: str) -> Any:
    if isinstance(entry, str):
        return entry
    if not isinstance(entry, dict):
        raise ConfigError(f"{where}: expected a dotted name or a table with name, argument, position")
    known = {"name": str, "argument": str, "position": int}
    for key, value in entry.items():
        if key not in known:
            raise ConfigError(f"{where}.{key}: unknown key (known: argument, name, position)")
        if not isinstance(value, known[key]) or isinstance(value, bool):
            raise ConfigError(f"{where}.{key}: expected {known[key].__name__}, got {type(value).__name__}")
    if "name" not in entry:
        raise ConfigError(f"{where}: a bounded constructor needs 'name' (its dotted name)")
    return entry


def _api(value: Any, where: str) -> Dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: expected a table")
    api: Dict[str, Any] = {}
    for key, item in value.items():
        here = f"{where}.{key}"
        if key == "listeners":
            if not isinstance(item, list):
                raise ConfigError(f"{here}: expected an array of tables")
            api[key] = [_listener_entry(e, f"{here}[{i}]") for i, e in enumerate(item)]
        elif key == "bounded-constructors":
            if not isinstance(item, list):
                raise ConfigError(f"{here}: expected a list")
            api[key] = [_bounded_entry(e, f"{here}[{i}]") for i, e in enumerate(item)]
        elif key == "lifecycles":
            if not isinstance(item, list):
                raise ConfigError(f"{here}: expected an array of tables")
            api[key] = [_lifecycle_entry(e, f"{here}[{i}]") for i, e in enumerate(item)]
        elif key in ("weak-constructors", "runs-once", "long-lived-bases", "teardown", "uncollectable", "value-types",
                     "per-event-identities"):
            api[key] = _string_list(item, here)
        else:
            raise ConfigError(f"{here}: unknown key (known: bounded-constructors, lifecycles, listeners, "
                              f"long-lived-bases, per-event-identities, runs-once, teardown, uncollectable, value-types, "
                              f"weak-constructors)")
    return api


def _lifecycle_entry(entry: Any, where: str) -> Dict[str, Any]:
    """``{ name = "job", start = ["begin"], end = ["done", "failed"] }``: a family of methods."""
    if not isinstance(entry, dict):
        raise ConfigError(f"{where}: each lifecycle must be a table")
    unknown = set(entry) - {"name", "start", "end"}
    if unknown:
        raise ConfigError(f"{where}.{sorted(unknown)[0]}: unknown key (known: end, name, start)")
    if not isinstance(entry.get("name"), str):
        raise ConfigError(f"{where}.name: expected a string naming the lifecycle")
    for key in ("start", "end"):
        if key not in entry:
            raise ConfigError(f"{where}: a lifecycle needs '{key}' (a list of method names)")
        _string_list(entry[key], f"{where}.{key}")
    return entry


def apply_table(settings: Settings, table: Mapping[str, Any], where: str) -> Settings:
    for key, value in table.items():
        here = f"{where}.{key}"
        if key in ("select", "ignore", "extend-select", "exclude", "extend-exclude"):
            setattr(settings, key.replace("-", "_"), _string_list(value, here))
        elif key == "per-file-ignores":
            if not isinstance(value, dict):
                raise ConfigError(f"{here}: expected a table of glob = [codes]")
            settings.per_file_ignores = {glob: _string_list(codes, f"{here}.{glob}") for glob, codes in value.items()}
        elif key == "min-confidence":
            if value not in CONFIDENCES:
                raise ConfigError(f"{here}: expected one of {', '.join(CONFIDENCES)}, got {value!r}")
            settings.min_confidence = value
        elif key == "api":
            settings.api = _api(value, here)
        else:
            raise ConfigError(f"{here}: unknown key (known: api, exclude, extend-exclude, extend-select, ignore, "
                              f"min-confidence, per-file-ignores, select)")
    return settings


def _read(path: Path) -> Dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the configuration: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: configuration is not UTF-8: {exc}") from None
    try:
        return load_toml_text(text, str(path))
    except TomlError as exc:
        raise ConfigError(str(exc)) from None


def _table_of(path: Path, data: Mapping[str, Any], explicit: bool) -> Optional[Mapping[str, Any]]:
    if path.name == "pyproject.toml":
        tool = data.get("tool", {})
        table = tool.get("retainlint") if isinstance(tool, dict) else None
        if table is not None and not isinstance(table, dict):
            raise ConfigError(f"{path}: [tool.retainlint] must be a table")
        return table
    return data if explicit else None


def find_config(start: Path) -> Optional[Path]:
    """The nearest ``pyproject.toml`` with a ``[tool.retainlint]`` table, searching upward."""
    current = start.resolve()
    if current.is_file():
        current = current.parent
    for folder in [current, *current.parents]:
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            try:
                if _table_of(candidate, _read(candidate), explicit=False) is not None:
                    return candidate
            except ConfigError:
                return candidate  # broken but ours to report: load_settings raises with the reason
    return None


def default_root(start: Path) -> Path:
    """Without a configuration, the project is the git work tree around the first path, else
    the first path's folder: paths in baselines and fingerprints are relative to it, wherever
    retainlint is run from."""
    folder = start.resolve()
    if not folder.is_dir():
        folder = folder.parent
    for candidate in [folder, *folder.parents]:
        if (candidate / ".git").exists():
            return candidate
    return folder


def load_settings(paths: Sequence[str], config: Optional[str] = None) -> Settings:
    if config is not None:
        path = Path(config)
        if not path.is_file():
            raise ConfigError(f"{config}: configuration file not found")
        table = _table_of(path, _read(path), explicit=True) or {}
        where = "[tool.retainlint]" if path.name == "pyproject.toml" else str(path)
        return apply_table(Settings(root=path.resolve().parent, source=path), table, f"{path}: {where}")
    start = Path(paths[0]) if paths else Path(".")
    if not start.exists():
        start = Path(".")
    found = find_config(start)
    if found is None:
        return Settings(root=default_root(start))
    table = _table_of(found, _read(found), explicit=False) or {}
    return apply_table(Settings(root=found.parent.resolve(), source=found), table, f"{found}: tool.retainlint")


def per_file_ignored(settings: Settings, path: str) -> Tuple[str, ...]:
    """Codes ignored for a file by ``per-file-ignores`` globs, matched like ruff does: against the
    path relative to the project root (where the configuration is) and against the file name."""
    absolute = Path(path).resolve()
    try:
        relative = absolute.relative_to(settings.root).as_posix()
    except ValueError:
        relative = absolute.as_posix()
    codes: List[str] = []
    for glob, ignored in settings.per_file_ignores.items():
        if fnmatch.fnmatch(relative, glob) or fnmatch.fnmatch(absolute.name, glob):
            codes += ignored
    return tuple(codes)
