"""The command line as a user meets it: output formats, options, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import write_files

LEAKY = {
    "svc.py": """
        import logging

        logger = logging.getLogger(__name__)
        _RUNS = {}

        def handle(request):
            _RUNS[request.id] = request
            logger.addHandler(logging.StreamHandler())
    """
}


def test_text_output_has_location_excerpt_and_fix(tmp_path, invoke):
    write_files(tmp_path, LEAKY)
    result = invoke("check", tmp_path / "svc.py")
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert any(":7:5: RL301 [high]" in line for line in lines), result.output
    assert any(":8:5: RL202 [medium]" in line for line in lines), result.output  # only its parameter says "per request"
    assert " 7 |     _RUNS[request.id] = request" in result.output
    assert "^^^^" in result.output
    assert "= fix:" in result.output
    assert "Found 2 findings (1 high, 1 medium) in 1 file" in result.output


def test_json_output_has_ruffs_shape(tmp_path, invoke):
    write_files(tmp_path, LEAKY)
    result = invoke("check", tmp_path, "--output-format", "json")
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert [d["code"] for d in data] == ["RL301", "RL202"]
    first = data[0]
    assert first["location"] == {"row": 7, "column": 5}
    assert first["end_location"]["row"] == 7
    assert first["filename"].endswith("svc.py")
    assert first["confidence"] == "high"
    assert first["url"].endswith("RL301.toml")
    assert set(first) >= {"code", "message", "filename", "location", "end_location", "confidence", "url", "fix"}


def test_select_ignore_and_prefixes(tmp_path, invoke):
    write_files(tmp_path, LEAKY)
    only_listeners = json.loads(invoke("check", tmp_path, "--select", "RL2", "--output-format", "json").output)
    assert [d["code"] for d in only_listeners] == ["RL202"]
    ignored = json.loads(invoke("check", tmp_path, "--ignore", "RL202", "--output-format", "json").output)
    assert [d["code"] for d in ignored] == ["RL301"]
    extended = json.loads(invoke("check", tmp_path, "--select", "RL1", "--extend-select", "RL301",
                                 "--output-format", "json").output)
    assert [d["code"] for d in extended] == ["RL301"]


def test_unknown_selector_is_a_usage_error(tmp_path, invoke):
    write_files(tmp_path, LEAKY)
    result = invoke("check", tmp_path, "--select", "RL999")
    assert result.exit_code == 2
    assert "unknown rule selector 'RL999'" in result.stderr


def test_exit_codes(tmp_path, invoke):
    write_files(tmp_path, {"clean.py": "x = 1\n"})
    assert invoke("check", tmp_path / "clean.py").exit_code == 0
    write_files(tmp_path, LEAKY)
    assert invoke("check", tmp_path / "svc.py").exit_code == 1
    assert invoke("check", tmp_path / "svc.py", "--exit-zero").exit_code == 0
    assert invoke("check", "--bogus-option").exit_code == 2


def test_statistics_and_quiet(tmp_path, invoke):
    write_files(tmp_path, LEAKY)
    stats = invoke("check", tmp_path, "--statistics", "--quiet")
    assert stats.output.split() == ["1", "RL202", "listener-added-per-call", "1", "RL301", "global-registry-grows"]


def test_min_confidence(tmp_path, invoke):
    write_files(tmp_path, {"parser.py": """
        class Parser:
            def __init__(self):
                self._fields = []

            def feed(self, line):
                self._fields.append(line)
    """})
    assert invoke("check", tmp_path).exit_code == 0
    low = json.loads(invoke("check", tmp_path, "--min-confidence", "low", "--output-format", "json").output)
    assert [(d["code"], d["confidence"]) for d in low] == [("RL101", "low")]


def test_rule_and_rules_commands(invoke):
    listing = invoke("rules")
    assert listing.exit_code == 0
    assert "RL201  listener-never-removed" in listing.output
    doc = invoke("rule", "RL201")
    assert doc.exit_code == 0
    for heading in ("## What it does", "## Why is this bad?", "## Example", "## Use instead"):
        assert heading in doc.output
    assert invoke("rule", "listener-never-removed").output == doc.output
    assert invoke("rule", "RL999").exit_code == 2


def test_version_and_module_entry_point():
    out = subprocess.run([sys.executable, "-m", "retainlint", "--version"], capture_output=True, text=True)
    assert out.returncode == 0
    assert out.stdout.startswith("retainlint, version ")


def test_default_path_is_current_folder(tmp_path, invoke, monkeypatch):
    write_files(tmp_path, LEAKY)
    monkeypatch.chdir(tmp_path)
    result = invoke("check", "--output-format", "json")
    assert len(json.loads(result.output)) == 2


def test_parallel_extraction_matches_serial(tmp_path):
    from retainlint.config import Settings
    from retainlint.engine import PARALLEL_THRESHOLD, run

    files = {f"m{i}.py": f"_R{i} = {{}}\ndef put(request):\n    _R{i}[request.id] = request.body\n" for i in range(PARALLEL_THRESHOLD + 2)}
    write_files(tmp_path, files)
    serial = run([str(tmp_path)], Settings(root=tmp_path), jobs=1)
    parallel = run([str(tmp_path)], Settings(root=tmp_path), jobs=2)
    assert serial.findings == parallel.findings
    assert len(serial.findings) == len(files)


def test_unwritable_report_file_is_a_clear_error(tmp_path, invoke):
    write_files(tmp_path, LEAKY)
    result = invoke("check", tmp_path, "-o", tmp_path / "no-such-folder" / "report.txt")
    assert result.exit_code == 2
    assert "cannot write the report: No such file or directory" in result.stderr


def test_folders_above_the_project_do_not_make_it_test_code(tmp_path, invoke, monkeypatch):
    """Test code is where a file sits inside the project: checking ``work/test/proj`` from
    ``work`` once counted every file as a test (``/test/`` in its path) and reported nothing."""
    write_files(tmp_path / "test" / "proj", LEAKY)
    (tmp_path / "test" / "proj" / "tests").mkdir()
    (tmp_path / "test" / "proj" / "tests" / "test_app.py").write_text(
        "_SEEN = {}\n\ndef test_put(request):\n    _SEEN[request.id] = request\n")
    monkeypatch.chdir(tmp_path)
    from_above = json.loads(invoke("check", "test/proj", "--output-format", "json").output)
    monkeypatch.chdir(tmp_path / "test" / "proj")
    from_inside = json.loads(invoke("check", ".", "--output-format", "json").output)
    assert len(from_above) == len(from_inside) == 2


def test_folders_between_the_git_root_and_the_checked_folder_do_not_make_it_test_code(tmp_path, invoke, monkeypatch):
    """A work tree far above (a dotfiles ``~/.git``) with ``test/`` on the way: the checked
    folder's own files are not tests for it (found in review: 19 findings became 1)."""
    (tmp_path / ".git").mkdir()
    write_files(tmp_path / "test" / "proj" / "app", LEAKY)
    monkeypatch.chdir(tmp_path / "test" / "proj")
    assert len(json.loads(invoke("check", "app", "--output-format", "json").output)) == 2


def test_a_checked_tests_folder_is_still_test_code(tmp_path, invoke, monkeypatch):
    """``retainlint check tests``: the folder's own name says its files are tests, though no
    path inside it does (found in review: a helper's registry became a new finding)."""
    write_files(tmp_path / "proj" / "tests", {
        "helpers.py": "_CREATED = []\n\n\ndef make_request(path):\n    request = object()\n"
                      "    _CREATED.append(request)\n    return request\n\n\ndef handle(request):\n"
                      "    return make_request(request)\n"})
    monkeypatch.chdir(tmp_path / "proj")
    assert json.loads(invoke("check", "tests", "--output-format", "json").output) == []
    assert json.loads(invoke("check", "tests/helpers.py", "--output-format", "json").output) == []


def test_a_named_file_is_told_apart_by_where_it_sits_in_its_project(tmp_path, invoke, monkeypatch):
    """Pre-commit passes files, linked with their whole work tree: a repository kept in a folder
    named ``tests`` and checked from above is not test code, whatever the current folder (found in
    review: the file's path as given made it one)."""
    project = tmp_path / "tests" / "proj"
    (project / ".git").mkdir(parents=True)
    write_files(project / "app", LEAKY)
    monkeypatch.chdir(tmp_path)
    named = sorted(str(p.relative_to(tmp_path)) for p in (project / "app").rglob("*.py"))
    assert len(json.loads(invoke("check", *named, "--output-format", "json").output)) == 2
