"""Every line ending CPython accepts — ``\\n``, ``\\r\\n``, a lone ``\\r`` — gives the same rows as
CPython's ``ast``, and the same suppressions and fingerprints; characters that ``str.splitlines``
would split at (form feed, ``\\u2028`` …) inside strings and comments end no line."""

from __future__ import annotations

import ast

import pytest

from retainlint.config import Settings
from retainlint.engine import run
from retainlint.lines import count_lines, line_starts, split_lines

LINES = [
    '"""Module doc with a form feed \x0c, a vertical tab \x0b and a line separator \u2028."""',
    "# a comment with \x0c and \u2028 and \x85 in it",
    "_SEEN = set()",
    'TEXT = "a\x0cb\u2028c\x1dd"',
    "",
    "def handle(request):",
    '    """Docstring with \u2029 and \x0c."""',
    "    _SEEN.add(request.id){comment}",
]
ENDINGS = {"lf": "\n", "crlf": "\r\n", "cr": "\r", "cr-crlf": "\r\r\n", "mixed": None}


def _source(ending: str, comment: str = "") -> str:
    lines = [line.format(comment=comment) for line in LINES]
    if ending == "mixed":
        separators = ["\n", "\r", "\r\n", "\r\r\n"]
        return "".join(line + separators[i % 4] for i, line in enumerate(lines))
    return "".join(line + ENDINGS[ending] for line in lines)


def _check(tmp_path, source: str):
    (tmp_path / "mod.py").write_bytes(source.encode("utf-8"))
    result = run([str(tmp_path)], Settings(root=tmp_path), jobs=1)
    assert not result.errors, [e.render() for e in result.errors]
    return result


def _cpython_position(source: str):
    call = next(node for node in ast.walk(ast.parse(source))
                if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "add")
    return call.lineno, call.col_offset + 1


@pytest.mark.parametrize("ending", sorted(ENDINGS))
def test_rows_agree_with_cpython(tmp_path, ending):
    source = _source(ending)
    [finding] = _check(tmp_path, source).findings
    assert (finding.span.line, finding.span.col) == _cpython_position(source)
    assert finding.statement == "_SEEN.add(request.id)"


@pytest.mark.parametrize("ending", sorted(ENDINGS))
def test_suppressions_are_on_the_right_line(tmp_path, ending):
    assert _check(tmp_path, _source(ending, "  # noqa: RL301")).findings == []


def test_fingerprints_do_not_depend_on_line_endings(tmp_path):
    prints = set()
    for ending in ENDINGS:
        [finding] = _check(tmp_path, _source(ending)).findings
        prints.add(finding.fingerprint)
    assert len(prints) == 1


def test_report_excerpt_shows_the_reported_line(tmp_path, invoke):
    (tmp_path / "mod.py").write_bytes(_source("cr").encode("utf-8"))
    result = invoke("check", tmp_path, "--no-cache")
    assert "| _SEEN.add(request.id)" in result.stdout.replace("    _SEEN", "_SEEN")


@pytest.mark.parametrize("text", ["", "a", "a\n", "a\r\rb", "a\r\r\nb\n", "x\x0cy\u2028z\x85\n", "\n\n"])
def test_line_table_matches_the_tokenizer(text):
    """CPython's compiler numbers lines the same way: the last line's number is the count."""
    source = "".join(f"x{i} = 1{end}" for i, end in enumerate(["\n", "\r", "\r\n"] * 3))
    tree = ast.parse(source)
    assert tree.body[-1].lineno == count_lines(source) == len(split_lines(source))
    assert "".join(split_lines(text, keep_ends=True)) == text
    assert len(line_starts(text)) == text.count("\r\n") + text.replace("\r\n", "").count("\r") \
        + text.replace("\r\n", "").count("\n") + 1
