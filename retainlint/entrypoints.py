"""The program's entry points, as its packaging metadata declares them.

A console script (``devpi-server = devpi_server.main:main``) is a function the installed program
runs once per process: what only it reaches is start-up, not traffic, whatever its name.  This is
a fact about the program that no call in its source shows, so it is read from where the project
declares it — ``[project.scripts]`` and ``[project.gui-scripts]`` (and Poetry's
``[tool.poetry.scripts]``) in ``pyproject.toml``, ``console_scripts`` and ``gui_scripts`` in
``setup.cfg``, and an installed or unpacked distribution's ``entry_points.txt`` — next to the
folder that holds the checked packages, or one folder up (a ``src/`` layout).

The files are read as data, never run (``setup.py`` is not read), as regular files of a bounded
size (a FIFO or ``/dev/zero`` planted under the name is refused, see ``retainlint.readfile``).
They are hints, not checked files: one that cannot be read or parsed declares nothing, and the
run goes on without it.
"""

from __future__ import annotations

import configparser
import os
from pathlib import Path
from typing import Dict, Iterable, Iterator, Tuple

from retainlint._toml import TomlError, load_toml_text
from retainlint.readfile import read_regular_file

_SCRIPT_GROUPS = ("console_scripts", "gui_scripts")
_METADATA_LIMIT = 1 << 20  # bytes: packaging metadata is a few kilobytes
_NO_DEFAULTS = "\0"  # a section name no file can write: no ``[DEFAULT]`` keys leak into every section


def declared_entry_points(modules: Iterable[Tuple[str, str]]) -> Dict[str, str]:
    """``{dotted target: how it is declared}`` for the scripts declared next to the source roots
    of the given ``(path, module name)`` pairs (``pkg.cli.main`` → ``console script
    devpi-server (entry_points.txt)``)."""
    folders: Dict[Path, None] = {}
    for path, module in modules:
        root = _source_root(path, module)
        if root is not None:
            folders[root] = None
            folders[root.parent] = None
    declared: Dict[str, str] = {}
    for folder in folders:
        for target, how in _declared_in(folder):
            declared.setdefault(target, how)
    return declared


def _source_root(path: str, module: str) -> "Path | None":
    """The folder a module's dotted name is relative to: ``src/`` for ``src/pkg/cli.py`` named
    ``pkg.cli``.  None for a module whose name is not its path (two scripts of one name)."""
    if not module or "@" in module:
        return None
    file = Path(os.path.abspath(path))
    depth = len(module.split(".")) - (0 if file.stem == "__init__" else 1)
    folder = file.parent
    for _ in range(depth):
        folder = folder.parent
    return folder


def _declared_in(folder: Path) -> Iterator[Tuple[str, str]]:
    pyproject = folder / "pyproject.toml"
    if pyproject.is_file():
        yield from _from_pyproject(pyproject)
    setup_cfg = folder / "setup.cfg"
    if setup_cfg.is_file():
        parser = _ini(setup_cfg, ("=", ":"))  # setuptools reads ``key: value`` too
        if parser is not None and parser.has_section("options.entry_points"):
            for group in _SCRIPT_GROUPS:
                value = parser.get("options.entry_points", group, fallback="")
                for name, reference in _ini_lines(value):
                    yield from _target(reference, f"{_script(group)} {name} (setup.cfg)")
    for metadata in sorted(folder.glob("*.dist-info/entry_points.txt")) + sorted(folder.glob("*.egg-info/entry_points.txt")):
        parser = _ini(metadata, ("=",))  # a script's reference holds a colon
        for group in _SCRIPT_GROUPS:
            if parser is not None and parser.has_section(group):
                for name, reference in parser.items(group):
                    yield from _target(reference, f"{_script(group)} {name} (entry_points.txt)")


def _read(path: Path) -> "str | None":
    try:
        return read_regular_file(path, _METADATA_LIMIT).decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def _from_pyproject(path: Path) -> Iterator[Tuple[str, str]]:
    text = _read(path)
    if text is None:
        return
    try:
        data = load_toml_text(text, str(path))
    except TomlError:
        return
    project = data.get("project")
    poetry = data.get("tool", {}).get("poetry") if isinstance(data.get("tool"), dict) else None
    tables = [(project, "scripts", "console script"), (project, "gui-scripts", "GUI script"),
              (poetry, "scripts", "console script")]
    for owner, key, kind in tables:
        scripts = owner.get(key) if isinstance(owner, dict) else None
        if not isinstance(scripts, dict):
            continue
        for name, value in scripts.items():
            if isinstance(value, dict):  # Poetry's ``{ reference = "pkg.cli:main", type = "console" }``
                value = value.get("reference") or value.get("callable")
            if isinstance(value, str):
                yield from _target(value, f"{kind} {name} (pyproject.toml)")


def _ini(path: Path, delimiters: Tuple[str, ...]) -> "configparser.RawConfigParser | None":
    parser = configparser.RawConfigParser(delimiters=delimiters, default_section=_NO_DEFAULTS)
    parser.optionxform = str  # script names keep their case
    text = _read(path)
    if text is None:
        return None
    try:
        parser.read_string(text, str(path))
    except configparser.Error:
        return None
    return parser


def _ini_lines(value: str) -> Iterator[Tuple[str, str]]:
    """``name = module:attr`` lines of a setup.cfg option's multi-line value."""
    for line in value.splitlines():
        name, equals, reference = line.partition("=")
        if equals:
            yield name.strip(), reference


def _target(reference: str, how: str) -> Iterator[Tuple[str, str]]:
    """``pkg.cli:main [extra]`` → ``pkg.cli.main``.  A reference without an attribute names a
    module run as a whole, which the module's own ``__main__`` block already tells."""
    reference = reference.split("[", 1)[0].strip()
    module, colon, attribute = reference.partition(":")
    if colon and module.strip() and attribute.strip():
        yield f"{module.strip()}.{attribute.strip()}", how


def _script(group: str) -> str:
    return "GUI script" if group == "gui_scripts" else "console script"
