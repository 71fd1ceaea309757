"""Lines as CPython counts them.

``ast`` line numbers, libcst positions, suppression comments, statement starts, report excerpts
and baseline fingerprints must all agree on what line N is.  CPython ends a line at ``\\r\\n``,
``\\r`` or ``\\n`` and nowhere else; ``str.splitlines()`` also splits at form feeds, vertical
tabs, ``\\x1c``–``\\x1e``, ``\\x85``, ``\\u2028`` and ``\\u2029``, which may appear in strings and
comments, and ``text.count("\\n")`` misses old Mac line ends.  Everything that splits source into
lines goes through this module instead.
"""

from __future__ import annotations

import re
from typing import List

_LINE_END = re.compile(r"\r\n|\r|\n")
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def line_starts(text: str) -> List[int]:
    """Offset of the start of each line; after a final line end, one more (empty) line starts."""
    starts = [0]
    starts.extend(match.end() for match in _LINE_END.finditer(text))
    return starts


def split_lines(text: str, keep_ends: bool = False) -> List[str]:
    """The lines of the text, like ``str.splitlines`` but with CPython's line ends only."""
    lines = _LINE.findall(text)
    if keep_ends:
        return lines
    return [line.rstrip("\r\n") for line in lines]


def count_lines(text: str) -> int:
    return len(_LINE.findall(text))
