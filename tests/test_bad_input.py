"""Bad input gets one clear message naming the file and the reason; the rest of the run goes on."""

from __future__ import annotations

import os

import pytest

from retainlint.extract import MAX_FILE_BYTES
from tests.conftest import write_files

HAZARD = "_SEEN = set()\ndef handle(request):\n    _SEEN.add(request.id)\n"


def run_with(tmp_path, invoke, setup):
    write_files(tmp_path, {"good.py": HAZARD})
    setup(tmp_path)
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file() and not p.is_symlink()}
    result = invoke("check", tmp_path, "--output-format", "json")
    after = {p: p.read_bytes() for p in before}
    assert before == after, "retainlint must never write to the files it checks"
    return result


def _stdout_json(result):
    import json

    text = result.stdout
    return json.loads(text)


def test_syntax_error(tmp_path, invoke):
    result = run_with(tmp_path, invoke, lambda d: (d / "broken.py").write_text("def f(:\n    pass\n"))
    assert result.exit_code == 1
    assert "broken.py:1:" in result.stderr and "syntax error" in result.stderr
    assert [f["code"] for f in _stdout_json(result)] == ["RL301"], "the rest is still checked"


def test_undecodable_bytes(tmp_path, invoke):
    result = run_with(tmp_path, invoke, lambda d: (d / "latin.py").write_bytes(b"x = '\xff\xfe caf\xe9'\n"))
    assert result.exit_code == 1
    assert "latin.py:1:1: error: cannot decode the file" in result.stderr
    assert len(_stdout_json(result)) == 1


def test_declared_encoding_is_honoured(tmp_path, invoke):
    def setup(d):
        (d / "latin.py").write_bytes(b"# -*- coding: latin-1 -*-\nx = 'caf\xe9'\n")

    result = run_with(tmp_path, invoke, setup)
    assert result.stderr == ""


def test_empty_file_is_fine(tmp_path, invoke):
    result = run_with(tmp_path, invoke, lambda d: (d / "empty.py").write_text(""))
    assert result.stderr == ""
    assert len(_stdout_json(result)) == 1


def test_huge_file(tmp_path, invoke):
    def setup(d):
        with open(d / "huge.py", "wb") as handle:
            handle.write(b"x = 1\n" * (MAX_FILE_BYTES // 6 + 10))

    result = run_with(tmp_path, invoke, setup)
    assert result.exit_code == 1
    assert "huge.py:1:1: error: file too large to check" in result.stderr
    assert len(_stdout_json(result)) == 1


@pytest.mark.skipif(os.geteuid() == 0 if hasattr(os, "geteuid") else True, reason="root reads every file")
def test_unreadable_file(tmp_path, invoke):
    def setup(d):
        (d / "secret.py").write_text("x = 1\n")
        os.chmod(d / "secret.py", 0)

    result = run_with(tmp_path, invoke, setup)
    assert "secret.py:1:1: error: permission denied" in result.stderr
    assert result.exit_code == 1


def test_unreadable_file_as_root(tmp_path, monkeypatch):
    """Root can read anything, so simulate the OS refusing the read."""
    from retainlint.extract import extract_file
    from retainlint.knowledge import load_knowledge

    (tmp_path / "secret.py").write_text("x = 1\n")

    def refuse(path, *args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("retainlint.readfile.os.open", refuse)
    error = extract_file(tmp_path / "secret.py", "secret.py", load_knowledge())
    assert error.render() == "secret.py:1:1: error: permission denied: cannot read the file"


def test_broken_symlink_in_folder(tmp_path, invoke):
    result = run_with(tmp_path, invoke, lambda d: os.symlink(d / "missing.py", d / "link.py"))
    assert result.exit_code == 1
    assert "link.py:1:1: error: broken symbolic link" in result.stderr
    assert len(_stdout_json(result)) == 1


def test_broken_symlink_named_explicitly(tmp_path, invoke):
    os.symlink(tmp_path / "missing.py", tmp_path / "link.py")
    write_files(tmp_path, {"good.py": HAZARD})
    result = invoke("check", tmp_path / "link.py", tmp_path / "good.py", "--output-format", "json")
    assert "link.py:1:1: error: broken symbolic link" in result.stderr
    assert len(_stdout_json(result)) == 1


def test_missing_path(tmp_path, invoke):
    write_files(tmp_path, {"good.py": HAZARD})
    result = invoke("check", tmp_path / "nope.py", tmp_path / "good.py", "--output-format", "json")
    assert result.exit_code == 1
    assert "nope.py:1:1: error: no such file or directory" in result.stderr
    assert len(_stdout_json(result)) == 1


def test_binary_file(tmp_path, invoke):
    result = run_with(tmp_path, invoke, lambda d: (d / "blob.py").write_bytes(b"\x00\x01\x02"))
    assert "blob.py:1:1: error: binary file" in result.stderr


def test_errors_without_findings_still_fail(tmp_path, invoke):
    (tmp_path / "broken.py").write_text("class :\n")
    result = invoke("check", tmp_path)
    assert result.exit_code == 1
    assert "1 file could not be checked" in result.stdout


def test_nesting_too_deep_for_cpython_is_an_error_not_a_crash(tmp_path, invoke):
    """libcst's native parser can crash the process on such input; CPython refuses it first."""
    result = run_with(tmp_path, invoke,
                      lambda d: (d / "deep.py").write_text("x = (" + " + ".join(["1"] * 10_000) + ")\n"))
    assert result.exit_code == 1
    assert "deep.py:1:1: error: nesting too deep: CPython itself cannot parse this file" in result.stderr
    assert len(_stdout_json(result)) == 1, "the rest is still checked"


def test_deep_but_valid_code_is_analysed_on_a_larger_stack(tmp_path):
    from tests.conftest import check_files

    deep = "x = (" + " + ".join(["1"] * 1_500) + ")\n"
    findings = check_files(tmp_path, {"deep.py": deep + HAZARD})
    assert [(f.span.line, f.code) for f in findings] == [(4, "RL301")]


def _concatenated(count: int) -> str:
    strings = "\n".join(f"    'line {i}\\n'" for i in range(count))
    return f"topics = {{'a': (\n{strings}\n), 'b': (\n{strings}\n)}}\n"


def test_thousands_of_concatenated_strings(tmp_path):
    """Generated files such as pydoc_data/topics.py: one nesting level per string."""
    from tests.conftest import check_files

    findings = check_files(tmp_path, {"topics.py": _concatenated(1_000) + HAZARD})
    assert [f.code for f in findings] == ["RL301"]


def test_what_libcst_cannot_parse_says_so(tmp_path, invoke):
    """libcst's parser gives up on a few thousand implicitly concatenated strings; CPython does not."""
    result = run_with(tmp_path, invoke, lambda d: (d / "generated.py").write_text(_concatenated(5_000)))
    assert "error: cannot parse: CPython accepts this syntax but libcst does not" in result.stderr
    assert len(_stdout_json(result)) == 1


def test_compiler_warnings_about_checked_code_are_not_printed(tmp_path):
    import subprocess
    import sys

    (tmp_path / "odd.py").write_text('x = "a"()\ny = "\\d"\n')
    result = subprocess.run([sys.executable, "-W", "default", "-m", "retainlint", "check", str(tmp_path), "--no-cache"],
                            capture_output=True, text=True)
    assert result.returncode == 0 and result.stderr == ""
