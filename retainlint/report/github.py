"""GitHub Actions workflow commands: one annotation per finding on the pull request's diff.

    ::warning file=app.py,line=7,col=5,endLine=7,endColumn=14,title=retainlint (RL301)::message

Values are escaped as the runner expects (``%``, CR and LF everywhere; ``:`` and ``,`` in
properties).  Files that could not be checked become ``::error`` annotations.
"""

from __future__ import annotations

from retainlint.report import formatter


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


@formatter("github")
def github_format(result, context) -> str:
    lines = []
    for f in result.findings:
        span = f.span
        lines.append(
            f"::warning file={_property(f.path)},line={span.line},col={span.col},endLine={span.end_line},"
            f"endColumn={span.end_col},title={_property(f'retainlint ({f.code})')}::"
            f"{_data(f'{f.code} [{f.confidence}] {f.message}')}")
    for error in result.errors:
        lines.append(f"::error file={_property(error.path)},line={error.line},col={error.col},"
                     f"title={_property('retainlint')}::{_data(error.reason)}")
    return "\n".join(lines)
