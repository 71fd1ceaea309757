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
