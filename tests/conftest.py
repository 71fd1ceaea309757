"""Shared helpers: write source files into a temporary project and run retainlint on them."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path
from typing import Dict, List, Set, Tuple

import pytest
from click.testing import CliRunner

from retainlint.cli import cli
from retainlint.config import Settings
from retainlint.engine import run

EXPECT = re.compile(r"#\s*expect:\s*((?:RL\d+[\s,]*)+)")


def expected_findings(source: str) -> Set[Tuple[int, str]]:
    """(line, code) pairs marked with ``# expect: RL101`` comments."""
    found = set()
    for number, line in enumerate(source.splitlines(), start=1):
        match = EXPECT.search(line)
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


@pytest.fixture
def invoke():
    runner = CliRunner()

    def _invoke(*args, **kwargs):
        return runner.invoke(cli, [str(a) for a in args], catch_exceptions=False, **kwargs)

    return _invoke
