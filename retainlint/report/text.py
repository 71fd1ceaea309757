"""Human formats.  ``full`` (also ``text``): ``path:line:col: CODE [confidence] message``, the
source line with a caret, the related places (the links of a retention chain), the fix.
``concise``: one line per finding."""

from __future__ import annotations

from functools import lru_cache
from typing import List

from retainlint.findings import Finding
from retainlint.fingerprint import source_lines
from retainlint.report import formatter

_lines = lru_cache(maxsize=32)(source_lines)


def headline(finding: Finding) -> str:
    return (f"{finding.path}:{finding.span.line}:{finding.span.col}: {finding.code} [{finding.confidence}] "
            f"{finding.message}")


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
    out = [headline(finding)] + excerpt(finding)
    for related in finding.related:
        out.append(f"  = note: {related.path}:{related.span.line}:{related.span.col}: {related.message}")
    if finding.fix:
        out.append(f"  = fix: {finding.fix}")
    return out


@formatter("full", "text")
def full_format(result, context) -> str:
    out: List[str] = []
    for finding in result.findings:
        out += render_finding(finding)
        out.append("")
    _lines.cache_clear()
    return "\n".join(out)


@formatter("concise")
def concise_format(result, context) -> str:
    return "\n".join(headline(finding) for finding in result.findings)
