"""Configuration in pyproject.toml: found upward, validated strictly, extending the API tables."""

from __future__ import annotations

import json

import pytest

from tests.conftest import write_files

HAZARDS = {
    "pkg/__init__.py": "",
    "pkg/svc.py": """
        _RUNS = {}

        def handle(request):
            _RUNS[request.id] = request
            request.run()
    """,
    "pkg/tests/test_svc.py": """
        _SEEN = []

        def record(x):
            _SEEN.append(x.key)
    """,
}


def codes(result):
    return sorted((d["code"], d["filename"].rsplit("/", 1)[-1]) for d in json.loads(result.stdout))


def test_config_found_upward_from_checked_path(tmp_path, invoke):
    write_files(tmp_path, HAZARDS)
    (tmp_path / "pyproject.toml").write_text('[tool.retainlint]\nignore = ["RL301"]\n')
    result = invoke("check", tmp_path / "pkg", "--output-format", "json")
    assert result.exit_code == 0, result.output


def test_pyproject_without_our_table_is_skipped(tmp_path, invoke):
    write_files(tmp_path, HAZARDS)
    (tmp_path / "pyproject.toml").write_text('[tool.retainlint]\nignore = ["RL3"]\n')
    (tmp_path / "pkg" / "pyproject.toml").write_text('[project]\nname = "pkg"\n')
    assert invoke("check", tmp_path / "pkg").exit_code == 0


def test_per_file_ignores_and_exclude(tmp_path, invoke):
    write_files(tmp_path, HAZARDS)
    (tmp_path / "pyproject.toml").write_text(
        '[tool.retainlint]\nper-file-ignores = { "test_*.py" = ["RL3"] }\n')
    assert codes(invoke("check", tmp_path, "--output-format", "json")) == [("RL301", "svc.py")]
    (tmp_path / "pyproject.toml").write_text('[tool.retainlint]\nextend-exclude = ["tests"]\n')
    assert codes(invoke("check", tmp_path, "--output-format", "json")) == [("RL301", "svc.py")]
    assert codes(invoke("check", tmp_path, "--extend-exclude", "svc.py", "--output-format", "json")) == []


@pytest.mark.parametrize("config, message", [
    ('[tool.retainlint]\nselekt = ["RL1"]\n', "tool.retainlint.selekt: unknown key"),
    ('[tool.retainlint]\nignore = "RL301"\n', "tool.retainlint.ignore: expected a list of strings"),
    ('[tool.retainlint\nignore = [\n', "pyproject.toml: invalid TOML"),
    ('[tool.retainlint]\nmin-confidence = "certain"\n', "min-confidence: expected one of low, medium, high"),
    ('[[tool.retainlint.api.lifecycles]]\nname = "job"\nstart = ["begin"]\n', "needs 'end'"),
    ('[[tool.retainlint.api.listeners]]\nremove = ["off"]\n', "needs 'add'"),
], ids=["unknown-key", "wrong-type", "invalid-toml", "bad-value", "lifecycle-without-end", "listener-without-add"])
def test_bad_configuration_is_an_error_naming_the_key(tmp_path, invoke, config, message):
    write_files(tmp_path, HAZARDS)
    (tmp_path / "pyproject.toml").write_text(config)
    result = invoke("check", tmp_path)
    assert result.exit_code == 2
    assert message in result.stderr


def test_explicit_config_file(tmp_path, invoke):
    write_files(tmp_path, HAZARDS)
    (tmp_path / "lint.toml").write_text('select = ["RL1"]\n')
    assert invoke("check", tmp_path, "--config", tmp_path / "lint.toml").exit_code == 0
    assert invoke("check", tmp_path, "--config", tmp_path / "missing.toml").exit_code == 2


def test_api_extension_adds_listener_pair(tmp_path, invoke):
    write_files(tmp_path, {"app.py": """
        hub = Hub()

        def handle(request):
            hub.watch("tick", request.on_tick)
    """})
    assert invoke("check", tmp_path).exit_code == 0
    (tmp_path / "pyproject.toml").write_text(
        '[[tool.retainlint.api.listeners]]\nadd = "watch"\nremove = ["unwatch"]\nevent = 0\ncallback = 1\n')
    result = invoke("check", tmp_path, "--output-format", "json")
    assert [d["code"] for d in json.loads(result.stdout)] == ["RL202"]
    (tmp_path / "app.py").write_text(
        "hub = Hub()\n\ndef handle(request):\n    hub.watch('tick', request.on_tick)\n"
        "    try:\n        request.run()\n    finally:\n        hub.unwatch('tick', request.on_tick)\n")
    assert invoke("check", tmp_path).exit_code == 0


def test_api_extension_weak_and_bounded_constructors_and_runs_once(tmp_path, invoke):
    write_files(tmp_path, {"app.py": """
        from mylib import BoundedDict, WeakBag

        _A = BoundedDict(100)
        _B = WeakBag()
        _C = []

        def put(k):
            _A[k] = k
            _B.add(k)

        def warm_up(k):
            _C.append(k.name)
    """})
    assert len(json.loads(invoke("check", tmp_path, "--output-format", "json").stdout)) == 1
    (tmp_path / "pyproject.toml").write_text(
        '[tool.retainlint.api]\nbounded-constructors = ["mylib.BoundedDict"]\n'
        'weak-constructors = ["mylib.WeakBag"]\nruns-once = ["warm_*"]\n')
    # BoundedDict/WeakBag are not growable by default, so check the runs-once extension silences _C.
    assert json.loads(invoke("check", tmp_path, "--output-format", "json").stdout) == []


def test_api_extension_lifecycle_family(tmp_path, invoke):
    """A family of one's own library: an entry added in ``begin`` must go in every end method."""
    write_files(tmp_path, {"jobs.py": """
        class Jobs:
            def __init__(self):
                self._active = {}

            def begin(self, job_id, job):
                self._active[job_id] = job

            def done(self, job_id):
                self._active.pop(job_id, None)

            def failed(self, job_id):
                self.errors = job_id

        JOBS = Jobs()
    """})
    assert json.loads(invoke("check", tmp_path, "--output-format", "json").stdout) == []
    (tmp_path / "pyproject.toml").write_text(
        '[[tool.retainlint.api.lifecycles]]\nname = "job"\nstart = ["begin"]\nend = ["done", "failed"]\n')
    findings = json.loads(invoke("check", tmp_path, "--output-format", "json").stdout)
    assert [f["code"] for f in findings] == ["RL104"]
    assert "Jobs.failed() does not release it" in findings[0]["message"]


def test_readme_configuration_example_is_valid(tmp_path, invoke):
    """The example users copy from the README must load as it is."""
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Configuration", 1)[1]
    example = re.search(r"```toml\n(.*?)```", section, re.S).group(1)
    write_files(tmp_path, HAZARDS)
    (tmp_path / "pyproject.toml").write_text(example)
    result = invoke("check", tmp_path, "--output-format", "json")
    assert result.exit_code in (0, 1), result.stderr
    assert "configuration error" not in result.stderr and "error:" not in result.stderr
