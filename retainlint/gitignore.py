"""A small ``.gitignore`` matcher: enough of git's pattern rules to skip what a project ignores.

Supported: comments, blank lines, ``!`` negation, trailing ``/`` (directories only), anchoring by
a leading or inner ``/``, ``*``, ``?``, ``[...]`` and ``**``.  Patterns are evaluated in order and
the last match wins, as in git.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import List, Optional, Tuple

from retainlint.readfile import read_regular_file

MAX_GITIGNORE_BYTES = 1024 * 1024


def _translate(pattern: str) -> str:
    out = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("/**", i) and i + 3 == len(pattern):
            out.append("/.*")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        elif pattern[i] == "[":
            end = pattern.find("]", i + 1)
            if end == -1:
                out.append(re.escape(pattern[i]))
                i += 1
            else:
                body = pattern[i + 1:end].replace("\\", "\\\\")
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append(f"[{body}]")
                i = end + 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return "".join(out)


class GitIgnore:
    """The patterns of one ``.gitignore`` file, matched against paths relative to its folder."""

    def __init__(self, base: Path, rules: List[Tuple["re.Pattern[str]", bool, bool]]) -> None:
        self.base = base
        self.rules = rules

    @classmethod
    def load(cls, folder: Path) -> Optional["GitIgnore"]:
        try:  # a FIFO or a huge file in its place must not stop the walk
            text = read_regular_file(folder / ".gitignore", MAX_GITIGNORE_BYTES).decode("utf-8", errors="replace")
        except OSError:
            return None
        rules = []
        for raw in text.splitlines():
            line = raw.rstrip()
            if not line or line.startswith("#"):
                continue
            negate = line.startswith("!")
            if negate:
                line = line[1:]
            dir_only = line.endswith("/")
            line = line.rstrip("/")
            if not line:
                continue
            anchored = "/" in line
            line = line.lstrip("/")
            regex = _translate(line)
            if not anchored:
                regex = "(?:.*/)?" + regex
            rules.append((re.compile(f"^{regex}$"), negate, dir_only))
        return cls(folder, rules) if rules else None

    def verdict(self, path: Path, is_dir: bool) -> Optional[bool]:
        """True if ignored, False if re-included by ``!``, None if no pattern speaks of it."""
        try:
            relative = path.relative_to(self.base).as_posix()
        except ValueError:
            return None
        result = None
        for regex, negate, dir_only in self.rules:
            if dir_only and not is_dir:
                continue
            if regex.match(relative):
                result = not negate
        return result


def is_ignored(ignores: List[GitIgnore], path: Path, is_dir: bool) -> bool:
    result = False
    for ignore in ignores:
        verdict = ignore.verdict(path, is_dir)
        if verdict is not None:
            result = verdict
    return result
