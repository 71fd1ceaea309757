"""Every output format, from real runs: SARIF against the official 2.1.0 schema, the GitHub
workflow-command syntax exactly, GitLab Code Quality and JUnit against their formats."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from tests.conftest import REGISTRY_PROJECT, write_files

DATA = Path(__file__).resolve().parent / "data"

@pytest.fixture
def project(tmp_path, monkeypatch):
    """A checkout, as CI has: paths in SARIF and GitLab reports are relative to its root."""
    write_files(tmp_path, REGISTRY_PROJECT)
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    return tmp_path


def report(invoke, fmt, *extra):
    result = invoke("check", "pkg", "--output-format", fmt, *extra)
    assert result.exit_code == 1, result.stderr
    return result.stdout


def test_full_format_shows_excerpt_chain_links_and_fix(project, invoke):
    out = report(invoke, "full")
    assert ("pkg/output.py:7:9: RL101 [high] Output._chunks grows (append) in Output.emit()" in out
            and "retained by RUNS (module global, never shrinks) → Run.output → Output\n" in out)
    assert "  = note: pkg/run.py:6:9: Run.output" in out
    assert " 6 |     RUNS[run_id] = run" in out
    assert "  = fix: " in out
    assert report(invoke, "text") == out


def test_concise_format_is_one_line_each(project, invoke):
    lines = report(invoke, "concise").splitlines()
    assert len(lines) == 3 + 1  # three findings and the summary
    assert all(re.match(r"^pkg/\w+\.py:\d+:\d+: RL\d{3} \[(high|medium|low)\] ", line) for line in lines[:3])


def test_json_lines(project, invoke):
    rows = [json.loads(line) for line in report(invoke, "json-lines").splitlines()]
    assert [r["code"] for r in rows] == ["RL301", "RL101", "RL101"]
    assert all(len(r["fingerprint"]) == 32 for r in rows)


GITHUB = re.compile(r"^::warning file=(?P<file>[^,]+),line=\d+,col=\d+,endLine=\d+,endColumn=\d+,"
                    r"title=retainlint \(RL\d{3}\)::RL\d{3} \[(high|medium|low)\] .+$")


def test_github_workflow_commands(project, invoke):
    lines = report(invoke, "github").splitlines()
    assert len(lines) == 3 and all(GITHUB.match(line) for line in lines), lines
    assert lines[0].startswith("::warning file=pkg/api.py,line=6,col=5,endLine=6,endColumn=23,title=retainlint (RL301)::")


def test_github_is_chosen_automatically_in_actions(project, invoke, monkeypatch):
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    out = invoke("check", "pkg").stdout
    assert out.splitlines()[0].startswith("::warning file=pkg/api.py,line=6")
    assert "Found" not in out


def test_github_escapes_properties_and_data():
    from retainlint.report.github import _data, _property

    assert _property("a,b:c%") == "a%2Cb%3Ac%25"
    assert _data("50% of\nlines") == "50%25 of%0Alines"


def test_github_reports_file_errors(project, invoke):
    (project / "pkg" / "broken.py").write_text("def f(:\n")
    out = invoke("check", "pkg", "--output-format", "github").stdout
    assert "::error file=pkg/broken.py,line=1,col=7,title=retainlint::syntax error: " in out


def test_sarif_validates_against_the_official_schema(project, invoke):
    sarif = json.loads(report(invoke, "sarif"))
    schema = json.loads((DATA / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    jsonschema.validate(sarif, schema)
    run = sarif["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert {"RL101", "RL401", "RL403"} <= {r["id"] for r in rules}
    chain = next(r for r in run["results"] if r["ruleId"] == "RL101")
    assert rules[chain["ruleIndex"]]["id"] == "RL101"
    assert chain["level"] == "error"
    location = chain["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "pkg/output.py", "uriBaseId": "%SRCROOT%"}
    assert location["region"]["startLine"] == 7
    assert [r["message"]["text"] for r in chain["relatedLocations"]] == [
        "Output._chunks is created here", "RUNS (module global, never shrinks)", "Run.output"]
    assert len(chain["partialFingerprints"]["retainlintFingerprint/v1"]) == 32


def test_sarif_fingerprints_survive_edits_above(project, invoke):
    before = json.loads(report(invoke, "sarif"))["runs"][0]["results"]
    api = project / "pkg" / "api.py"
    api.write_text("# a comment\n\n\n" + api.read_text())
    after = json.loads(report(invoke, "sarif"))["runs"][0]["results"]
    assert [r["partialFingerprints"] for r in before] == [r["partialFingerprints"] for r in after]
    assert [r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in after if r["ruleId"] == "RL301"] == [9]


GITLAB_SCHEMA = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["description", "check_name", "fingerprint", "severity", "location"],
        "properties": {
            "description": {"type": "string", "minLength": 1},
            "check_name": {"type": "string"},
            "fingerprint": {"type": "string", "minLength": 1},
            "severity": {"enum": ["info", "minor", "major", "critical", "blocker"]},
            "location": {
                "type": "object",
                "required": ["path", "lines"],
                "properties": {"path": {"type": "string"},
                               "lines": {"type": "object", "required": ["begin"],
                                         "properties": {"begin": {"type": "integer", "minimum": 1}}}},
            },
        },
    },
}


def test_gitlab_code_quality(project, invoke):
    issues = json.loads(report(invoke, "gitlab"))
    jsonschema.validate(issues, GITLAB_SCHEMA)
    assert len({i["fingerprint"] for i in issues}) == len(issues) == 3, "fingerprints must be unique"
    assert issues[0]["location"] == {"path": "pkg/api.py", "lines": {"begin": 6, "end": 6}}


def test_junit(project, invoke):
    root = ET.fromstring(report(invoke, "junit"))
    assert root.tag == "testsuites" and root.get("failures") == "3"
    cases = root.findall("./testsuite/testcase")
    assert len(cases) == 3
    failure = cases[0].find("failure")
    assert failure.get("type") == "RL301" and "keeps every entry" in failure.get("message")


def test_junit_when_clean(tmp_path, invoke):
    write_files(tmp_path, {"ok.py": "x = 1\n"})
    root = ET.fromstring(invoke("check", tmp_path, "--output-format", "junit").stdout)
    assert root.get("failures") == "0" and len(root.findall("./testsuite/testcase")) == 1


def test_output_file(project, invoke):
    result = invoke("check", "pkg", "--output-format", "sarif", "-o", "report.sarif")
    assert result.exit_code == 1 and result.stdout == ""
    assert json.loads((project / "report.sarif").read_text())["version"] == "2.1.0"
