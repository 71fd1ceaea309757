"""``--diff REF``: which lines changed since a git ref, so that a pull-request check reports only
findings on code the pull request touches.  Untracked files count as changed throughout."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from typing import Dict, Optional, Set

_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")
WHOLE_FILE: Optional[Set[int]] = None


class DiffError(ValueError):
    """git is missing, the folder is not a repository, or the ref does not exist."""


def _git(args, cwd: Path) -> str:
    try:
        out = subprocess.run(["git", "-c", "core.quotepath=off", *args], cwd=cwd, capture_output=True,
                             encoding="utf-8", errors="surrogateescape", check=False)
    except FileNotFoundError:
        raise DiffError("--diff needs git, and git is not installed") from None
    if out.returncode != 0:
        raise DiffError(f"git {' '.join(args)}: {out.stderr.strip() or 'failed'}")
    return out.stdout


_ESCAPES = {"a": 7, "b": 8, "t": 9, "n": 10, "v": 11, "f": 12, "r": 13, '"': 34, "\\": 92}
_QUOTED = re.compile(r'\\([0-7]{3}|.)', re.DOTALL)


def unquote_path(name: str) -> str:
    """A path as git prints it in a diff header: ``"a/x\\303\\251.py"`` (C-quoted when it holds a
    quote, a backslash, a control or — without core.quotepath=off — a non-ASCII character), else
    plain, with a tab after it when it contains a space."""
    if not name.startswith('"'):
        return name.rstrip("\t")
    raw = bytearray()
    position = 1
    for match in _QUOTED.finditer(name, 1):
        raw += name[position:match.start()].encode("utf-8", "surrogateescape")
        escape = match.group(1)
        raw.append(int(escape, 8) if len(escape) == 3 else _ESCAPES.get(escape, ord(escape[0]) & 0xFF))
        position = match.end()
    raw += name[position:name.rindex('"')].encode("utf-8", "surrogateescape")
    return raw.decode("utf-8", "surrogateescape")


def changed_lines(ref: str, start: Path) -> Dict[str, Optional[Set[int]]]:
    """Absolute path → changed line numbers (None: the whole file is new)."""
    folder = start if start.is_dir() else start.parent
    top = Path(_git(["rev-parse", "--show-toplevel"], folder).strip())
    _git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], top)
    changed: Dict[str, Optional[Set[int]]] = {}
    current: Optional[Set[int]] = None
    diff = _git(["diff", "--no-color", "--no-ext-diff", "--no-renames", "--src-prefix=a/", "--dst-prefix=b/",
                 "--unified=0", ref, "--"], top)
    for line in diff.split("\n"):
        if line.startswith("+++ "):
            name = unquote_path(line[4:])
            current = None
            if name != "/dev/null":
                current = changed.setdefault(os.path.normpath(top / name[2:]), set())
        elif current is not None:
            match = _HUNK.match(line)
            if match:
                first, count = int(match.group(1)), int(match.group(2) or "1")
                current.update(range(first, first + count))
    for name in _git(["ls-files", "-z", "--others", "--exclude-standard"], top).split("\0"):
        if name:
            changed[os.path.normpath(top / name)] = WHOLE_FILE
    return changed


def touches(changed: Dict[str, Optional[Set[int]]], path: str, first: int, last: int) -> bool:
    key = os.path.normpath(os.path.abspath(path))
    if key not in changed:
        return False
    lines = changed[key]
    return lines is None or any(line in lines for line in range(first, last + 1))
