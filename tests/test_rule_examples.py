"""Every rule's own bad and good examples (from rules/RLxxx.toml), run the way a user runs them.

A bad example must produce exactly the findings its ``# expect:`` comments mark (code and line),
at the default confidence (or the lower one the example names, for a rule reported low); a good
example must produce none at all at that confidence.
"""

from __future__ import annotations

import textwrap

import pytest

from retainlint.registry import all_rules
from tests.conftest import check_files, expected_findings

CASES = [
    pytest.param(rule.code, kind, example.source, example.confidence, id=f"{rule.code}-{kind}-{index}")
    for rule in all_rules().values()
    for kind, examples in (("bad", rule.bad), ("good", rule.good))
    for index, example in enumerate(examples)
]


@pytest.mark.parametrize("code, kind, source, confidence", CASES)
def test_rule_example(tmp_path, code, kind, source, confidence):
    source = textwrap.dedent(source).lstrip("\n")
    findings = check_files(tmp_path, {"example.py": source}, warn_unused_ignores=True, min_confidence=confidence)
    got = {(f.span.line, f.code) for f in findings}
    if kind == "bad":
        assert code in {c for _, c in expected_findings(source)}, "a bad example must mark its own rule"
        assert got == expected_findings(source), [f"{f.span.line}: {f.code} {f.message}" for f in findings]
    else:
        assert got == set(), [f"{f.span.line}: {f.code} [{f.confidence}] {f.message}" for f in findings]


def test_every_rule_has_bad_and_good_examples():
    for rule in all_rules().values():
        assert rule.bad and rule.good, rule.code
        assert rule.what and rule.why and rule.example and rule.instead and rule.fix, rule.code


def test_one_registration_call_is_one_finding(tmp_path):
    """One cause, one finding: a call that registers several callbacks at once is one report,
    naming each of them."""
    example = next(e for e in all_rules()["RL201"].bad if "three hooks is one finding" in e.note)
    findings = check_files(tmp_path, {"example.py": textwrap.dedent(example.source).lstrip("\n")})
    [finding] = findings
    assert "self._before_fork, self._in_child and self._in_parent are registered" in finding.message
    assert "keeps the callbacks and, through them, this object alive" in finding.message


def test_one_registration_call_keeps_the_object_if_any_callback_does(tmp_path):
    """The merged finding says the object is kept when any of the callbacks is one of its bound
    methods, whichever callback comes first."""
    source = textwrap.dedent('''
        import os


        class Run:
            def __init__(self, other):
                os.register_at_fork(before=other.flush, after_in_child=self._in_child)

            def _in_child(self):
                pass
    ''').lstrip("\n")
    [finding] = check_files(tmp_path, {"example.py": source})
    assert "other.flush and self._in_child are registered" in finding.message
    assert "through them, this object alive" in finding.message


def test_a_release_skipped_on_many_lines_names_three_and_relates_all(tmp_path):
    """RL104 on a long visitor: the message names the first three ways to skip the release and
    counts the rest; the related locations keep every one."""
    calls = "".join(f"        self.visit(node.children[{i}])\n" for i in range(6))
    source = ("class Visitor:\n    def __init__(self):\n        self._stack = []\n\n"
              "    def visit_element(self, node):\n        self._stack.append(node)\n" + calls +
              "        self._stack.pop()\n\n    def visit(self, node):\n        return node\n")
    [finding] = [f for f in check_files(tmp_path, {"example.py": source}, min_confidence="low") if f.code == "RL104"]
    assert finding.message.count("skips it") == 3 and "; and 3 more (each a related location)" in finding.message
    assert len([r for r in finding.related if "skips it" in r.message]) == 6


def test_kept_exception_in_a_growing_list_is_one_finding(tmp_path):
    """One cause, one finding across rules: the list that grows with every failure is reported
    once, by its growth rule, which says what each entry pins and carries RL403's message as a
    related location."""
    example = next(e for e in all_rules()["RL101"].bad if "failures kept with their exceptions" in e.note)
    findings = check_files(tmp_path, {"example.py": textwrap.dedent(example.source).lstrip("\n")})
    [finding] = findings
    assert finding.code == "RL101" and finding.confidence == "high"
    assert finding.message.endswith("; each entry also keeps an exception or a frame, and through it every "
                                    "frame and local it holds (RL403)")
    assert any(r.message.startswith("RL403: an exception") and r.span == finding.span for r in finding.related)


def test_kept_exception_stays_its_own_finding_when_the_growth_is_less_sure(tmp_path):
    """A growth finding less sure than RL403 does not absorb it: at the default confidence the
    user would otherwise see neither."""
    example = next(e for e in all_rules()["RL403"].bad if "exc_info in a global list" in e.note)
    findings = check_files(tmp_path, {"example.py": textwrap.dedent(example.source).lstrip("\n")},
                           min_confidence="low")
    assert sorted((f.code, f.confidence) for f in findings) == [("RL301", "medium"), ("RL403", "high")]


def test_every_kept_exception_of_one_statement_folds_into_its_growth_finding(tmp_path):
    """Folding is by statement, not by column: both appends of one conditional expression are
    the same list's growth, so neither RL403 is left beside the RL101."""
    source = '''
        import sys


        class Config:
            def __init__(self):
                self._errors = []

            def value(self, request):
                try:
                    return request.render()
                except Exception as exc:
                    self._errors.append(exc) if request.keep else self._errors.append(
                        sys.exc_info())
                    return None


        config = Config()


        def serve(connection):
            while True:
                connection.send(config.value(connection.receive()))
        '''
    findings = check_files(tmp_path, {"example.py": textwrap.dedent(source).lstrip("\n")})
    assert [f.code for f in findings] == ["RL101"]
    assert sum(r.message.startswith("RL403: ") for r in findings[0].related) == 2
