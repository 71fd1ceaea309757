"""Which files a run checks: ``*.py`` and ``*.pyi`` under the given paths, minus what is excluded.

Skipped always: version-control folders, virtual environments (any folder with ``pyvenv.cfg``),
build output, caches, ``node_modules``, ``site-packages``; then whatever ``.gitignore`` files and
the ``exclude``/``extend-exclude`` globs say.  Paths named explicitly are always checked, the
way pre-commit passes them.
"""

from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, List, Sequence, Tuple

from retainlint.extract import FileError
from retainlint.gitignore import GitIgnore, is_ignored

DEFAULT_EXCLUDES = (
    ".git", ".hg", ".svn", ".bzr", ".venv", "venv", ".tox", ".nox", "__pycache__", "node_modules",
    "build", "dist", "site-packages", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".eggs",
    "*.egg-info", ".retainlint_cache", "__pypackages__",
)
SOURCE_SUFFIXES = (".py", ".pyi")


@dataclass(frozen=True)
class SourceFile:
    path: Path
    display: str


def display_path(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def _excluded(path: Path, root: Path, globs: Sequence[str]) -> bool:
    name = path.name
    try:
        relative = path.resolve().relative_to(root).as_posix()
    except ValueError:
        relative = path.as_posix()
    return any(fnmatch.fnmatch(name, g) or fnmatch.fnmatch(relative, g) or fnmatch.fnmatch(relative, g.rstrip("/") + "/*")
               for g in globs)


def _parent_ignores(folder: Path) -> List[GitIgnore]:
    """``.gitignore`` files above ``folder`` up to the repository root (the folder with ``.git``).

    Outside a git repository only the checked folders' own ``.gitignore`` files count.
    """
    current = folder.resolve()
    if (current / ".git").exists():
        return []
    chain = []
    while current.parent != current:
        current = current.parent
        chain.append(current)
        if (current / ".git").exists():
            ignores = [GitIgnore.load(f) for f in reversed(chain)]
            return [i for i in ignores if i is not None]
    return []


def discover(paths: Iterable[str], root: Path, excludes: Sequence[str]) -> Tuple[List[SourceFile], List[FileError]]:
    files: List[SourceFile] = []
    errors: List[FileError] = []
    globs = tuple(DEFAULT_EXCLUDES) + tuple(excludes)
    root = root.resolve()
    for raw in paths:
        path = Path(raw)
        if path.is_symlink() and not path.exists():
            errors.append(FileError(raw, 1, 1, f"broken symbolic link (points to {os.readlink(path)})"))
        elif path.is_file():
            files.append(SourceFile(path, display_path(path)))
        elif path.is_dir():
            _walk(path, root, globs, _parent_ignores(path), files, errors)
        else:
            errors.append(FileError(raw, 1, 1, "no such file or directory"))
    unique = {}
    for source in files:
        unique.setdefault(os.path.abspath(source.path), source)
    return sorted(unique.values(), key=lambda s: s.display), errors


def _walk(folder: Path, root: Path, globs: Sequence[str], ignores: List[GitIgnore],
          files: List[SourceFile], errors: List[FileError]) -> None:
    own = GitIgnore.load(folder)
    if own is not None:
        ignores = ignores + [own]
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError as exc:
        errors.append(FileError(display_path(folder), 1, 1, f"cannot read the folder: {exc.strerror or exc}"))
        return
    for entry in entries:
        path = Path(entry.path)
        try:
            is_dir = entry.is_dir()
            is_link = entry.is_symlink()
        except OSError:
            continue
        if _excluded(path, root, globs) or is_ignored(ignores, path, is_dir):
            continue
        if is_dir:
            if is_link or (path / "pyvenv.cfg").exists():
                continue
            _walk(path, root, globs, ignores, files, errors)
        elif entry.name.endswith(SOURCE_SUFFIXES):
            if is_link and not path.exists():
                errors.append(FileError(display_path(path), 1, 1,
                                        f"broken symbolic link (points to {os.readlink(path)})"))
            else:
                files.append(SourceFile(path, display_path(path)))
