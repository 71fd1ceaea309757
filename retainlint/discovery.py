"""Which files a run checks: ``*.py`` and ``*.pyi`` under the given paths, minus what is excluded.

Skipped always: version-control folders, virtual environments (any folder with ``pyvenv.cfg``,
and any folder named ``.venv``), build output, caches, ``node_modules``, ``site-packages``; then
whatever ``.gitignore`` files and the ``exclude``/``extend-exclude`` globs say.  Paths named
explicitly are always checked, the way pre-commit passes them.

Discovery only looks (``stat``); it never opens a file, since opening a FIFO blocks.  Only
regular files are checked: a FIFO, socket or device, a broken symbolic link or a link loop, a
folder it may not read — each gets one line naming the path and the reason, and the walk goes on.
Symbolic links to folders are not followed (they could lead back up the tree).
"""

from __future__ import annotations

import errno
import fnmatch
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, List, Optional, Sequence, Tuple

from retainlint.extract import FileError
from retainlint.gitignore import GitIgnore, is_ignored

DEFAULT_EXCLUDES = (
    ".git", ".hg", ".svn", ".bzr", ".venv", ".tox", ".nox", "__pycache__", "node_modules",
    "build", "dist", "site-packages", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".eggs",
    "*.egg-info", ".retainlint_cache", "__pypackages__",
)
SOURCE_SUFFIXES = (".py", ".pyi")
NOT_REGULAR = "not a regular file (a FIFO, socket or device): skipped"


@dataclass(frozen=True)
class SourceFile:
    path: Path
    display: str
    # where the file sits in what was asked for: a checked folder's own name (not the current
    # folder's) and the path inside it, or a named file's path as given.  Test code is told by
    # it, so that folders above the checked one (``~/test/proj``) do not make every file a test.
    scope: str


def is_test_module(path: str) -> bool:
    """Test suites and test support (``tests/``, ``test_x.py``, ``conftest.py``, ``testing/``, and a
    package's own ``test.py`` or ``testing.py`` module, as a ``testing/`` folder: taskflow's
    ``taskflow/test.py``, whose capturing log handler each test resets)."""
    path = "/" + path.replace("\\", "/")
    name = path.rsplit("/", 1)[-1]
    return (any(f"/{folder}/" in path for folder in ("tests", "test", "testing")) or name.startswith("test_")
            or name.endswith("_test.py") or name == "conftest.py" or name in ("test.py", "testing.py"))



def display_path(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def _excluded(path: Path, root: Path, globs: Sequence[str]) -> bool:
    name = path.name
    try:
        relative = path.resolve().relative_to(root).as_posix()
    except (ValueError, OSError, RuntimeError):
        relative = path.as_posix()
    return any(fnmatch.fnmatch(name, g) or fnmatch.fnmatch(relative, g) or fnmatch.fnmatch(relative, g.rstrip("/") + "/*")
               for g in globs)


def _parent_ignores(folder: Path) -> List[GitIgnore]:
    """``.gitignore`` files above ``folder`` up to the repository root (the folder with ``.git``).

    Outside a git repository only the checked folders' own ``.gitignore`` files count.
    """
    current = folder.resolve()
    if _exists(current / ".git"):
        return []
    chain = []
    while current.parent != current:
        current = current.parent
        chain.append(current)
        if _exists(current / ".git"):
            ignores = [GitIgnore.load(f) for f in reversed(chain)]
            return [i for i in ignores if i is not None]
    return []


def _exists(path: Path) -> bool:
    """Like ``Path.exists``, but a path that may not be looked at does not exist."""
    try:
        return os.path.lexists(path) and path.exists()
    except OSError:
        return False


def _unreachable(path: Path, exc: OSError) -> Optional[str]:
    """Why a path cannot be checked, from the error its ``stat`` raised."""
    if isinstance(exc, FileNotFoundError):
        try:
            return f"broken symbolic link (points to {os.readlink(path)})"
        except OSError:
            return None  # gone since the folder was listed: nothing to check
    if exc.errno == errno.ELOOP:
        return "symbolic link loop: cannot be resolved"
    if isinstance(exc, PermissionError):
        return "permission denied: cannot look at this path"
    return f"cannot look at this path: {exc.strerror or exc}"


def discover(paths: Iterable[str], root: Path, excludes: Sequence[str],
             with_root: bool = False) -> Tuple[List[SourceFile], List[FileError]]:
    """``with_root``: walk the project's root folder too (the files named are linked against
    their whole project); its own name is not part of what was asked for."""
    files: List[SourceFile] = []
    named: List[SourceFile] = []
    errors: List[FileError] = []
    globs = tuple(DEFAULT_EXCLUDES) + tuple(excludes)
    root = root.resolve()
    if with_root:
        _walk(root, root, globs, _parent_ignores(root), files, errors, "")
    for raw in paths:
        path = Path(raw)
        try:
            mode = os.stat(path).st_mode
        except OSError as exc:
            reason = _unreachable(path, exc) if os.path.islink(path) or not isinstance(exc, FileNotFoundError) \
                else "no such file or directory"
            errors.append(FileError(raw, 1, 1, reason or "no such file or directory"))
            continue
        if stat.S_ISDIR(mode):
            _walk(path, root, globs, _parent_ignores(path), files, errors, _scope_of_folder(path))
        elif stat.S_ISREG(mode):
            named.append(SourceFile(path, display_path(path), _scope_of_file(path, root if with_root else None)))
        else:
            errors.append(FileError(raw, 1, 1, NOT_REGULAR))
    unique = {}
    for source in named + files:  # a file named and also found in a folder: as named, where it is told apart
        unique.setdefault(os.path.abspath(source.path), source)
    return sorted(unique.values(), key=lambda s: s.display), errors


def _scope_of_file(path: Path, root: Optional[Path]) -> str:
    """A named file's place: inside its project's root when it is linked with the whole project
    (where the current folder is says nothing), else its path as given."""
    if root is not None:
        try:
            return path.resolve().relative_to(root).as_posix()
        except ValueError:
            pass  # outside the project's folder
    return display_path(path)


def _scope_of_folder(folder: Path) -> str:
    """The name a checked folder gives the files under it: its own, unless it is the current
    folder (``check .``), whose name says nothing about the files in it."""
    resolved = folder.resolve()
    return "" if resolved == Path.cwd().resolve() else resolved.name


def _walk(folder: Path, root: Path, globs: Sequence[str], ignores: List[GitIgnore],
          files: List[SourceFile], errors: List[FileError], scope: str) -> None:
    own = GitIgnore.load(folder)
    if own is not None:
        ignores = ignores + [own]
    try:
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=lambda e: e.name)
    except OSError as exc:
        reason = "permission denied" if isinstance(exc, PermissionError) else (exc.strerror or str(exc))
        errors.append(FileError(display_path(folder), 1, 1, f"cannot read the folder: {reason}"))
        return
    for entry in entries:
        path = Path(entry.path)
        is_source = entry.name.endswith(SOURCE_SUFFIXES)
        try:
            is_link = entry.is_symlink()
            mode = entry.stat().st_mode
        except OSError as exc:
            reason = _unreachable(path, exc) if is_source else None
            if reason and not _excluded(path, root, globs) and not is_ignored(ignores, path, False):
                errors.append(FileError(display_path(path), 1, 1, reason))
            continue
        is_dir = stat.S_ISDIR(mode)
        if _excluded(path, root, globs) or is_ignored(ignores, path, is_dir):
            continue
        inside = f"{scope}/{entry.name}" if scope else entry.name
        if is_dir:
            if not is_link and not _exists(path / "pyvenv.cfg"):
                _walk(path, root, globs, ignores, files, errors, inside)
        elif is_source:
            if stat.S_ISREG(mode):
                files.append(SourceFile(path, display_path(path), inside))
            else:
                errors.append(FileError(display_path(path), 1, 1, NOT_REGULAR))
