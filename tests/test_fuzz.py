"""Generated programs (hypothesmith), with every line ending CPython accepts, never make
retainlint fail with an internal error.  bench/fuzz.py runs the same for as long as you like."""

from __future__ import annotations

import hypothesmith
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from retainlint.selfcheck import check_program

# hypothesmith compiles what it generates, and CPython warns about ``"a"()`` when it does.
pytestmark = pytest.mark.filterwarnings("ignore::SyntaxWarning")

PROGRAMS = st.one_of(hypothesmith.from_grammar(), hypothesmith.from_node())


@settings(derandomize=True, max_examples=300, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
@given(PROGRAMS, st.sampled_from(["\n", "\r\n", "\r", "\r\r\n"]))
def test_generated_programs_never_cause_an_internal_error(source, ending):
    check_program(source.replace("\r\n", "\n").replace("\n", ending) if ending != "\n" else source)


def test_a_tuple_key_in_a_file_cpython_refuses_to_nest():
    """Found by bench/fuzz.py (a stdlib module with 1,000 nested parentheses appended): CPython
    refuses the nesting, libcst parses it whole and positions come from its metadata, which knows
    no node the extractor builds itself (the key tuple of ``_C[a, b]``)."""
    source = "_C = {}\n\ndef f(a, b):\n    return _C[a, b]\n\nx = " + "(" * 1_000 + "1" + ")" * 1_000 + "\n"
    facts = check_program(source)
    assert [lookup.span.line for lookup in facts.lookups] == [4]
