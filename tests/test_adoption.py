"""Adopting retainlint in an existing codebase: suppressions, baselines, --diff, pre-commit."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import check_files, write_files

REPO = Path(__file__).resolve().parent.parent
HAZARD = "_SEEN = set()\n\ndef handle(request):\n    _SEEN.add(request.id)\n"


def codes(findings):
    return [(f.span.line, f.code) for f in findings]


# ---------------------------------------------------------------------------------- suppressions
def test_suppression_on_first_line_of_a_multi_line_statement(tmp_path):
    findings = check_files(tmp_path, {"a.py": """
        _SEEN = {}

        def handle(request):
            _SEEN[  # noqa: RL301
                request.id
            ] = request.body
    """})
    assert findings == []


def test_file_level_suppression(tmp_path):
    source = "# retainlint: ignore-file[RL3]\n" + HAZARD
    assert check_files(tmp_path, {"a.py": source}) == []
    other = "# retainlint: ignore-file[RL2]\n" + HAZARD
    assert codes(check_files(tmp_path, {"a.py": other})) == [(5, "RL301")]


def test_unused_suppressions_only_with_the_flag(tmp_path):
    source = HAZARD.replace("request.id)", "request.id)  # noqa: RL301, RL202") + "x = 1  # noqa: RL101\n"
    assert check_files(tmp_path, {"a.py": source}) == []
    found = check_files(tmp_path, {"a.py": source}, warn_unused_ignores=True)
    assert [(f.span.line, f.code, f.message.split(" suppresses")[0]) for f in found] == [
        (4, "RL001", "suppression comment for RL202"), (5, "RL001", "suppression comment for RL101")]


# ---------------------------------------------------------------------------------- baselines
def test_baseline_reports_only_new_findings(tmp_path, invoke):
    write_files(tmp_path, {"a.py": HAZARD})
    baseline = tmp_path / "baseline.json"
    assert invoke("check", tmp_path, "--write-baseline", baseline).exit_code == 0
    data = json.loads(baseline.read_text())
    assert data["version"] == 1 and [e["code"] for e in data["findings"]] == ["RL301"]
    assert invoke("check", tmp_path, "--baseline", baseline).exit_code == 0

    # Code added above moves the old finding; it stays known.  A new hazard is reported.
    (tmp_path / "a.py").write_text("import os\n\n\n" + HAZARD + "\n_RUNS = {}\n\ndef start(run):\n    _RUNS[run.id] = run\n    run.go()\n")
    result = invoke("check", tmp_path, "--baseline", baseline, "--output-format", "json")
    assert [(d["code"], d["location"]["row"]) for d in json.loads(result.stdout)] == [("RL301", 12)]


def test_prune_baseline(tmp_path, invoke):
    write_files(tmp_path, {"a.py": HAZARD, "b.py": HAZARD.replace("_SEEN", "_OTHER")})
    baseline = tmp_path / "baseline.json"
    invoke("check", tmp_path, "--write-baseline", baseline)
    assert len(json.loads(baseline.read_text())["findings"]) == 2
    (tmp_path / "b.py").write_text("x = 1\n")
    result = invoke("check", tmp_path, "--baseline", baseline, "--prune-baseline")
    assert result.exit_code == 0 and "Pruned 1 stale entries" in result.stderr
    assert [e["path"] for e in json.loads(baseline.read_text())["findings"]] == ["a.py"]


def test_bad_baseline_is_a_usage_error(tmp_path, invoke):
    write_files(tmp_path, {"a.py": HAZARD})
    assert invoke("check", tmp_path, "--baseline", tmp_path / "missing.json").exit_code == 2
    (tmp_path / "bad.json").write_text("{}")
    result = invoke("check", tmp_path, "--baseline", tmp_path / "bad.json")
    assert result.exit_code == 2 and "not a retainlint baseline" in result.stderr
    assert invoke("check", tmp_path, "--prune-baseline").exit_code == 2


# ---------------------------------------------------------------------------------- --diff
def git(cwd, *args):
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.invalid",
               GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.invalid")
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, env=env)


needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


@needs_git
def test_diff_reports_only_changed_lines(tmp_path, invoke):
    write_files(tmp_path, {"a.py": HAZARD})
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-qm", "old hazard")
    (tmp_path / "a.py").write_text(HAZARD + "\n_RUNS = {}\n\ndef start(run):\n    _RUNS[run.id] = run\n    run.go()\n")
    write_files(tmp_path, {"new.py": HAZARD.replace("_SEEN", "_NEW")})
    result = invoke("check", tmp_path, "--diff", "HEAD", "--output-format", "json")
    found = sorted((Path(d["filename"]).name, d["location"]["row"]) for d in json.loads(result.stdout))
    assert found == [("a.py", 9), ("new.py", 4)]
    bad = invoke("check", tmp_path, "--changed-since", "no-such-ref")
    assert bad.exit_code == 2 and "no-such-ref" in bad.stderr


@needs_git
@pytest.mark.parametrize("name", ["my file.py", "café.py", 'quo"te.py', "tab\there.py"])
def test_diff_handles_names_git_quotes(tmp_path, invoke, name):
    write_files(tmp_path, {"a.py": "x = 1\n"})
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-qm", "start")
    write_files(tmp_path, {name: "x = 1\n"})
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-qm", "tracked")
    (tmp_path / name).write_text("x = 1\n" + HAZARD)
    (tmp_path / f"new {name}").write_text(HAZARD)  # untracked: changed throughout
    result = invoke("check", tmp_path, "--diff", "HEAD", "--output-format", "json")
    found = sorted((Path(d["filename"]).name, d["location"]["row"]) for d in json.loads(result.stdout))
    assert found == sorted([(name, 5), (f"new {name}", 4)])


# ---------------------------------------------------------------------------------- pre-commit
@pytest.mark.precommit
@needs_git
@pytest.mark.skipif(shutil.which("pre-commit") is None and not Path(sys.executable).with_name("pre-commit").exists(),
                    reason="pre-commit is not installed")
def test_pre_commit_hook_fails_on_hazards_and_passes_on_clean_code(tmp_path):
    pre_commit = shutil.which("pre-commit") or str(Path(sys.executable).with_name("pre-commit"))
    write_files(tmp_path, {"leaky.py": HAZARD, "clean.py": "def handle(request):\n    return request.key\n"})
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", ".")
    env = dict(os.environ, PRE_COMMIT_HOME=str(tmp_path.parent / "pre-commit-home"))

    def hook(*files):
        return subprocess.run([pre_commit, "try-repo", str(REPO), "retainlint", "--files", *files],
                              cwd=tmp_path, capture_output=True, text=True, env=env, timeout=600)

    failing = hook("leaky.py", "clean.py")
    assert failing.returncode == 1, failing.stdout + failing.stderr
    assert "leaky.py:4:5: RL301" in failing.stdout
    passing = hook("clean.py")
    assert passing.returncode == 0, passing.stdout + passing.stderr
    assert "Passed" in passing.stdout
