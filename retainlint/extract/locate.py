"""Source positions for the nodes the extractor records.

libcst's ``PositionProvider`` generates the code of the whole tree to compute positions and costs
about twice as much as parsing.  The extractor needs positions for only a few nodes per file, so
:class:`StatementLocator` takes the start of every statement from CPython's ``ast`` (fast, and in
source order like libcst's statements) and finds a recorded node by searching for its exact code
— libcst is lossless, so a node's code is a substring of the file — from the start of the
statement that contains it.  :class:`MetadataLocator` is the exact fallback, for files that
``ast`` cannot parse (newer syntax on an older Python) or where the statement counts disagree.
"""

from __future__ import annotations

import ast
import bisect
from typing import List, Optional, Tuple

import libcst as cst
from libcst.metadata import PositionProvider

from retainlint.facts import Span
from retainlint.lines import line_starts

_EMPTY_MODULE = cst.Module(body=[])


def _concrete_subclasses(*bases: type) -> frozenset:
    found, todo = set(), list(bases)
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub not in found:
                found.add(sub)
                todo.append(sub)
    return frozenset(found)


# A set of concrete types: ``type(node) in STATEMENT_TYPES`` is far cheaper than an ABC isinstance.
STATEMENT_TYPES = _concrete_subclasses(cst.BaseSmallStatement, cst.BaseCompoundStatement)
SMALL_STATEMENT_TYPES = _concrete_subclasses(cst.BaseSmallStatement)


class LocatorMismatch(Exception):
    """The statements libcst visited do not line up with ``ast``'s: use the exact locator."""


class Offsets:
    """Offsets into a text from ``ast`` positions (1-based lines, UTF-8 byte columns), and back
    to spans."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.line_starts = line_starts(text)

    def span(self, start: int, end: int) -> Span:
        line = bisect.bisect_right(self.line_starts, start)
        end_line = bisect.bisect_right(self.line_starts, end)
        return Span(line, start - self.line_starts[line - 1] + 1, end_line, end - self.line_starts[end_line - 1] + 1)

    def offset(self, line: int, utf8_column: int) -> int:
        start = self.line_starts[line - 1]
        text_line = self.text[start:start + utf8_column + 1]
        if text_line.isascii():
            return start + utf8_column
        end = self.line_starts[line] if line < len(self.line_starts) else len(self.text)
        prefix = self.text[start:end].encode("utf-8")[:utf8_column]
        return start + len(prefix.decode("utf-8", errors="ignore"))


Extent = Tuple[int, int, int, int]  # line, UTF-8 column, end line, end column: ``ast``'s units


def statement_extents(tree: ast.AST, first_line: int = 1) -> List[Extent]:
    """Where every statement of an ``ast`` tree starts (at its first decorator) and ends, in
    source order; ``first_line`` is the line the parsed text started at."""
    shift = first_line - 1
    extents = []
    for node in ast.walk(tree):
        if isinstance(node, ast.stmt):
            line, column = node.lineno, node.col_offset
            decorators = getattr(node, "decorator_list", None)
            if decorators:
                line, column = min((d.lineno, d.col_offset - 1) for d in decorators)
            extents.append((line + shift, column, (node.end_lineno or line) + shift, node.end_col_offset or column))
    extents.sort()
    return extents


class StatementLocator:
    """``text`` is what libcst parsed; ``original``, when given, is the source the extents were
    measured in (the same length and lines, differing only inside blanked literals: budget.py)."""

    def __init__(self, text: str, extents: List[Extent], original: Optional[str] = None) -> None:
        self._offsets = Offsets(text)
        convert = Offsets(original).offset if original is not None and original is not text else self._offsets.offset
        self._extents = [(convert(l, c), convert(el, ec)) for l, c, el, ec in extents]
        self._stack: List[Tuple[int, cst.CSTNode]] = []
        self._visited = 0

    def enter(self, node: cst.CSTNode) -> None:
        if type(node) in STATEMENT_TYPES:
            if self._visited >= len(self._extents):
                raise LocatorMismatch()
            self._stack.append((self._visited, node))
            self._visited += 1

    def leave(self, node: cst.CSTNode) -> None:
        if type(node) in STATEMENT_TYPES:
            self._stack.pop()

    def finish(self) -> None:
        if self._visited != len(self._extents):
            raise LocatorMismatch()

    def span(self, node: cst.CSTNode) -> Span:
        if not self._stack:
            return self._offsets.span(0, 0)
        index, statement = self._stack[-1]
        start, end = self._extents[index]
        if node is statement:
            return self._offsets.span(start, end)  # a whole statement: no code generation needed
        code = _EMPTY_MODULE.code_for_node(node)
        found = self._offsets.text.find(code, start)
        if found < 0:
            return self._offsets.span(start, start)
        return self._offsets.span(found, found + len(code))

    def line(self, node: cst.CSTNode) -> int:
        """The line a node starts on, without generating the code of all of it: a call is found
        by its callee (``self._runs.pop``), which starts where the call starts."""
        if isinstance(node, cst.Call) and not node.lpar:
            node = node.func
        return self.span(node).line


class MetadataLocator:
    """Exact positions from libcst's PositionProvider (one extra pass over the tree)."""

    def __init__(self, tree: cst.Module) -> None:
        wrapper = cst.MetadataWrapper(tree, unsafe_skip_copy=True)
        self._positions = wrapper.resolve(PositionProvider)

    def enter(self, node: cst.CSTNode) -> None:
        pass

    def leave(self, node: cst.CSTNode) -> None:
        pass

    def finish(self) -> None:
        pass

    def span(self, node: cst.CSTNode) -> Span:
        position = self._positions[node]
        return Span(position.start.line, position.start.column + 1, position.end.line, position.end.column + 1)

    def line(self, node: cst.CSTNode) -> int:
        return self._positions[node].start.line
