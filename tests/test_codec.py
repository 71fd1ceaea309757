"""The cache's codec: derived from the fact types' annotations, strict on the way back."""

from __future__ import annotations

from typing import Dict, FrozenSet, List, Optional, Set, Tuple

import pytest

from retainlint.codec import DecodeError, codec, decode, encode
from retainlint.facts import ModuleFacts, Ref, Span
from retainlint.knowledge import load_knowledge
from retainlint.extract import extract_source

SOURCE = '''
import atexit
import functools
import logging
from pkg.bus import BUS

_SEEN = set()
REGISTRY = {}


class Service(Base):
    _shared = []

    def __init__(self, emitter: Emitter):
        self._chunks = []
        self._emitter = emitter
        self._emitter.on("x", self._handle)
        self.child = Child(self)
        self.log = logging.getLogger(f"svc.{id(self)}")

    def _handle(self, chunk):
        self._chunks.append(chunk)  # noqa: RL101
        try:
            pass
        except Exception as exc:
            self.error = exc

    @functools.lru_cache(maxsize=None)
    def value(self, key):
        return key


def handle(request, acc=[]):
    _SEEN.add(request)
    REGISTRY[request.id] = Service(request)
    acc.append(request)
    atexit.register(lambda: request.close())
    x = (1 +
         2)
'''


def _facts() -> ModuleFacts:
    facts = extract_source(SOURCE, "m.py", "m", load_knowledge())
    assert isinstance(facts, ModuleFacts)
    return facts


def test_every_record_round_trips():
    facts = _facts()
    for name in ("functions", "classes", "containers", "mutations", "listeners", "attr_assigns", "holds",
                 "cached_methods", "logger_calls", "stored_exceptions", "suppressions", "statement_starts"):
        assert getattr(facts, name), f"the sample should exercise {name}"
    assert decode(ModuleFacts, encode(ModuleFacts, facts)) == facts


@pytest.mark.parametrize("tp, value", [
    (Optional[str], None), (Optional[str], "x"), (Tuple[str, ...], ("a", "b")), (Tuple[int, str], (1, "a")),
    (List[Span], [Span(1, 2, 3, 4)]), (Set[str], {"a"}), (FrozenSet[Ref], frozenset({Ref("self", "C", "x")})),
    (Dict[int, FrozenSet[str]], {0: frozenset({"*"}), 12: frozenset({"RL1"})}), (Dict[str, int], {"a": 1}),
])
def test_supported_types_round_trip(tp, value):
    assert decode(tp, encode(tp, value)) == value


@pytest.mark.parametrize("tp, data", [
    (int, True), (bool, 1), (str, 1), (int, 1.0), (int, "1"), (type(None), 0),
    (Tuple[int, str], [1]), (Tuple[int, str], [1, "a", 2]), (List[int], {"a": 1}), (List[int], "ab"),
    (Dict[int, int], {"01": 1}), (Dict[int, int], {"x": 1}), (Dict[int, int], [[1, 1]]),
    (Span, [1, 2, 3]), (Span, [1, 2, 3, "4"]), (Span, {"line": 1}), (Ref, None),
])
def test_strict_decoding(tp, data):
    with pytest.raises(DecodeError):
        decode(tp, data)


def test_only_types_it_can_check_are_accepted():
    for unsupported in (list, dict, object, Dict[Span, int], Tuple[str, ...].__class__):
        with pytest.raises(TypeError):
            codec(unsupported)
    codec(ModuleFacts)  # every field of ModuleFacts has an annotation the codec checks
