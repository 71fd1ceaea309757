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
        out = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise DiffError("--diff needs git, and git is not installed") from None
    if out.returncode != 0:
        raise DiffError(f"git {' '.join(args)}: {out.stderr.strip() or 'failed'}")
    return out.stdout


def changed_lines(ref: str, start: Path) -> Dict[str, Optional[Set[int]]]:
    """Absolute path → changed line numbers (None: the whole file is new)."""
    folder = start if start.is_dir() else start.parent
    top = Path(_git(["rev-parse", "--show-toplevel"], folder).strip())
    _git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], top)
    changed: Dict[str, Optional[Set[int]]] = {}
    current: Optional[Set[int]] = None
    for line in _git(["diff", "--no-color", "--no-ext-diff", "--unified=0", ref, "--"], top).splitlines():
        if line.startswith("+++ "):
            name = line[4:]
            current = None
            if name != "/dev/null":
                current = changed.setdefault(os.path.normpath(top / name[2:]), set())
        elif current is not None:
            match = _HUNK.match(line)
            if match:
                first, count = int(match.group(1)), int(match.group(2) or "1")
                current.update(range(first, first + count))
    for name in _git(["ls-files", "--others", "--exclude-standard"], top).splitlines():
        changed[os.path.normpath(top / name)] = WHOLE_FILE
    return changed


def touches(changed: Dict[str, Optional[Set[int]]], path: str, first: int, last: int) -> bool:
    key = os.path.normpath(os.path.abspath(path))
    if key not in changed:
        return False
    lines = changed[key]
    return lines is None or any(line in lines for line in range(first, last + 1))
