"""The linter agrees with the runtime model, in both directions.

Every hazard the runtime tests prove in the leaky variant is marked in its source with
``# expect: RLxxx`` (what retainlint must report on that line) or ``# runtime-only: <reason>``
(what it cannot see yet).  The linter must report exactly the ``expect`` marks, and nothing at
all on the fixed variant.  Each ``runtime-only`` mark is a strict expected failure naming the
missing capability, so the day the linter learns it, the test says so.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from retainlint.config import Settings
from retainlint.engine import run
from tests.conftest import comments, expected_findings

STREAMSYS = Path(__file__).resolve().parent.parent / "fixtures" / "streamsys"
RUNTIME_ONLY = re.compile(r"#\s*runtime-only:\s*(.+)$")


def marks(variant: str):
    expected, gaps = set(), []
    for path in sorted((STREAMSYS / variant).glob("*.py")):
        source = path.read_text(encoding="utf-8")
        expected |= {(path.name, line, code) for line, code in expected_findings(source)}
        for number, comment in comments(source).items():
            match = RUNTIME_ONLY.search(comment)
            if match:
                gaps.append(pytest.param(path.name, number, id=f"{path.name}:{number}",
                                         marks=pytest.mark.xfail(strict=True, reason=match.group(1))))
    return expected, gaps


def lint(variant: str):
    result = run([str(STREAMSYS / variant)], Settings(root=STREAMSYS), jobs=1)
    assert not result.errors
    return {(Path(f.path).name, f.span.line, f.code) for f in result.findings}


def test_leaky_variant_reports_exactly_the_hazards_the_runtime_proves():
    expected, _ = marks("leaky")
    assert len(expected) >= 10
    assert lint("leaky") == expected


def test_fixed_variant_is_clean():
    assert lint("fixed") == set()


@pytest.mark.parametrize("filename, line", marks("leaky")[1])
def test_runtime_only_hazard_is_seen_by_the_linter(filename, line):
    assert any(f == filename and l == line for f, l, _ in lint("leaky"))


def test_cli_on_the_fixtures(invoke):
    assert invoke("check", STREAMSYS / "fixed").exit_code == 0
    leaky = invoke("check", STREAMSYS / "leaky")
    assert leaky.exit_code == 1
    assert "AGENT (module global) → Agent._pubsub → EventEmitter (listener Run._on_abort) → Run.output → ModelOutput" in leaky.output
