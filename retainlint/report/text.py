"""The human format: ``path:line:col: CODE [confidence] message``, a source excerpt and the fix."""

from __future__ import annotations

from functools import lru_cache
from typing import List

from retainlint.findings import Finding
from retainlint.report import formatter
from retainlint.extract import decode_source


@lru_cache(maxsize=32)
def _lines(path: str) -> List[str]:
    try:
        with open(path, "rb") as handle:
            return decode_source(handle.read()).splitlines()
    except (OSError, UnicodeDecodeError, SyntaxError):
        return []


def excerpt(finding: Finding) -> List[str]:
    lines = _lines(finding.path)
    number = finding.span.line
    if not 0 < number <= len(lines):
        return []
    text = lines[number - 1].rstrip()
    width = len(str(number))
    end = finding.span.end_col if finding.span.end_line == number else len(text) + 1
    caret = " " * (finding.span.col - 1) + "^" * max(1, end - finding.span.col)
    return [f" {' ' * width} |", f" {number} | {text}", f" {' ' * width} | {caret}"]


def render_finding(finding: Finding) -> List[str]:
    out = [f"{finding.path}:{finding.span.line}:{finding.span.col}: {finding.code} [{finding.confidence}] "
           f"{finding.message}"]
    out += excerpt(finding)
    if finding.fix:
        out.append(f"  = fix: {finding.fix}")
    return out


@formatter("text")
def text_format(result) -> str:
    out: List[str] = []
    for finding in result.findings:
        out += render_finding(finding)
        out.append("")
    _lines.cache_clear()
    return "\n".join(out)
