"""Inline suppression comments.

* ``# retainlint: ignore[RL201]`` or ``# noqa: RL201`` on the reported line, or on the first
  line of the statement the finding is in (for statements over several lines);
* ``# retainlint: ignore`` or a bare ``# noqa`` suppresses every code on its line;
* ``# retainlint: ignore-file[RL2]`` anywhere in a file suppresses those codes (prefixes allowed)
  in the whole file, ``# retainlint: ignore-file`` all of them.

Read from the comment tokens of :mod:`tokenize`, so that a comment on any physical line counts
and text inside a string literal (``"# noqa"``, a docstring quoting ``# retainlint: ignore-file``)
never does.  Line numbers are CPython's (see :mod:`retainlint.lines`).
"""

from __future__ import annotations

import re
import tokenize
from dataclasses import dataclass, field
from typing import Dict, FrozenSet, List, Optional, Set, Tuple

from retainlint.lines import split_lines

ALL = "*"
FILE_LINE = 0  # suppressions keyed by this "line" apply to the whole file
_IGNORE = re.compile(r"#\s*retainlint:\s*ignore(?!-file)(?:\[(?P<codes>[^\]]*)\])?", re.IGNORECASE)
_IGNORE_FILE = re.compile(r"#\s*retainlint:\s*ignore-file(?:\[(?P<codes>[^\]]*)\])?", re.IGNORECASE)
_MARKER = re.compile(r"noqa|retainlint", re.IGNORECASE)
_NOQA = re.compile(r"#\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]*(?:[\s,]+[A-Z]+[0-9]*)*))?", re.IGNORECASE)


def _codes(group) -> FrozenSet[str]:
    if not group:
        return frozenset({ALL})
    return frozenset(c.strip().upper() for c in re.split(r"[\s,]+", group) if c.strip())


def _comments(text: str) -> List[Tuple[int, str]]:
    """(line, comment) for every comment token.  Lines are fed to tokenize with their ends
    normalised, so a lone ``\\r`` ends a line for tokenize as it does for CPython.  Should tokenize
    refuse a file that the parser accepted, every ``#`` on a line is taken as a comment start."""
    lines = [line.rstrip("\r\n") + "\n" for line in split_lines(text, keep_ends=True)]
    try:
        return [(token.start[0], token.string)
                for token in tokenize.generate_tokens(iter(lines).__next__)
                if token.type == tokenize.COMMENT]
    except (tokenize.TokenError, SyntaxError, ValueError, StopIteration):
        return [(number, line[line.index("#"):]) for number, line in enumerate(lines, start=1) if "#" in line]


def scan_suppressions(text: str) -> Dict[int, FrozenSet[str]]:
    """Line → suppressed codes ("*" for all); line 0 holds the file-level codes."""
    found: Dict[int, FrozenSet[str]] = {}
    if not _MARKER.search(text):
        return found
    for number, comment in _comments(text):
        for match in _IGNORE_FILE.finditer(comment):
            found[FILE_LINE] = found.get(FILE_LINE, frozenset()) | _codes(match.group("codes"))
        codes: FrozenSet[str] = frozenset()
        for pattern in (_IGNORE, _NOQA):
            for match in pattern.finditer(comment):
                codes |= _codes(match.group("codes"))
        if codes:
            found[number] = found.get(number, frozenset()) | codes
    return found


def _matching(codes: FrozenSet[str], code: str) -> Optional[str]:
    if ALL in codes:
        return ALL
    return next((c for c in sorted(codes) if code.startswith(c)), None)


@dataclass
class SuppressionTracker:
    """Decides whether a finding is suppressed and remembers which comments did something."""

    used: Set[Tuple[str, int, str]] = field(default_factory=set)

    def suppressed(self, path: str, suppressions: Dict[int, FrozenSet[str]], statement_start: int,
                   line: int, code: str) -> bool:
        for where in dict.fromkeys((line, statement_start, FILE_LINE)):
            codes = suppressions.get(where)
            if codes:
                selector = _matching(codes, code)
                if selector is not None:
                    self.used.add((path, where, selector))
                    return True
        return False

    def unused(self, path: str, suppressions: Dict[int, FrozenSet[str]]):
        """(line, codes) of retainlint suppressions that suppressed nothing.  Bare ``# noqa`` and
        other tools' codes are not ours to judge."""
        for line, codes in sorted(suppressions.items()):
            ours = {c for c in codes if c.startswith("RL")}
            idle = sorted(c for c in ours if (path, line, c) not in self.used)
            if idle:
                yield line, idle
