"""Shared helpers: write source files into a temporary project and run retainlint on them."""

from __future__ import annotations

import io
import re
import textwrap
import tokenize
from pathlib import Path
from typing import Dict, List, Set, Tuple

import pytest
from click.testing import CliRunner

from retainlint.cli import cli
from retainlint.config import Settings
from retainlint.engine import run

EXPECT = re.compile(r"#\s*expect:\s*((?:RL\d+[\s,]*)+)")


# A registry module, a run class, an output with an append-only buffer, and an API module that
# fills the registry: the incident's chain across four modules.
REGISTRY_PROJECT = {
    "pkg/__init__.py": "",
    "pkg/registry.py": "RUNS = {}\n",
    "pkg/output.py": """
        class Output:
            def __init__(self):
                self._chunks = []
                self._sizes = []

            def emit(self, chunk):
                self._chunks.append(chunk)
                self._sizes.append(len(chunk))
    """,
    "pkg/run.py": """
        from .output import Output

        class Run:
            def __init__(self, run_id):
                self.id = run_id
                self.output = Output()
    """,
    "pkg/api.py": """
        from pkg.registry import RUNS
        from pkg.run import Run

        def start(run_id, chunks):
            run = Run(run_id)
            RUNS[run_id] = run
            for chunk in chunks:
                run.output.emit(chunk)
            return run
    """,
}


def comments(source: str) -> Dict[int, str]:
    """Line → comment text, from real comments only (not strings that mention a marker)."""
    return {tok.start[0]: tok.string for tok in tokenize.generate_tokens(io.StringIO(source).readline)
            if tok.type == tokenize.COMMENT}


def expected_findings(source: str) -> Set[Tuple[int, str]]:
    """(line, code) pairs marked with ``# expect: RL101`` comments."""
    found = set()
    for number, comment in comments(source).items():
        match = EXPECT.search(comment)
        if match:
            found |= {(number, code) for code in re.findall(r"RL\d+", match.group(1))}
    return found


def write_files(root: Path, files: Dict[str, str]) -> None:
    for name, source in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source).lstrip("\n"), encoding="utf-8")


def check_files(root: Path, files: Dict[str, str], **settings) -> List:
    """Write files under root and run every rule on them at the given settings."""
    write_files(root, files)
    result = run([str(root)], Settings(root=root, **settings), jobs=1)
    assert not result.errors, [e.render() for e in result.errors]
    return result.findings


def _runner() -> CliRunner:
    """A runner that keeps stderr apart: click < 8.2 needs mix_stderr=False, later ones lack it."""
    try:
        return CliRunner(mix_stderr=False)
    except TypeError:
        return CliRunner()


@pytest.fixture
def invoke():
    runner = _runner()

    def _invoke(*args, **kwargs):
        return runner.invoke(cli, [str(a) for a in args], catch_exceptions=False, **kwargs)

    return _invoke
