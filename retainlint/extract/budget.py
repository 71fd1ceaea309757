"""The per-file memory budget: how a large file is parsed without costing gigabytes.

Both parsers keep an object per node: CPython's ``ast`` about a hundred bytes per byte of source,
libcst (every token, comma and run of whitespace) a few hundred more.  Whole, a 2.9 MB file of
one-line functions took 1.3 GB, a 300,000-element list 1.4 GB, a 7.9 MB generated module 4.8 GB
— times the number of workers.  A file larger than :data:`LEAN_BYTES` therefore takes a lean
path, planned here:

* **It is parsed a group of top-level statements at a time**, by both parsers, each group about
  :data:`CHUNK_BYTES` of source, and each group's trees are dropped before the next is parsed:
  the peak is that of the largest group, not of the file.  Groups are split where a line starts
  a new top-level statement; CPython's parser confirms each split (a group that does not parse
  on its own means the split was wrong or the file has a syntax error, and then the file is
  parsed whole, as a small one is).
* **Constant literals are not parsed element by element.**  A list, tuple, set or dict literal of
  at least :data:`LITERAL_ELEMENTS` elements that are all constants (numbers, strings, ``None``,
  nested constant literals) cannot hold a reference to anything a rule cares about: the text
  given to libcst keeps its first two elements (so it is still a list, a tuple …) and blanks the
  rest.  Blanking keeps every line end and the length of the text, so every position is still
  right; suppression comments are read from the original text.
* **One top-level statement may hold at most** :data:`MAX_STATEMENT_BYTES` of source (not
  counting blanked literals): a class or function larger than that is refused with a message
  naming its line, since it alone would cost gigabytes.
"""

from __future__ import annotations

import ast
import bisect
import re
import warnings
from dataclasses import dataclass, field
from typing import List, Optional, Tuple

from retainlint.extract.locate import Extent, Offsets, statement_extents
from retainlint.lines import line_starts

LEAN_BYTES = 256 * 1024
CHUNK_BYTES = 128 * 1024
LITERAL_ELEMENTS = 1_000
MAX_STATEMENT_BYTES = 1024 * 1024
_RETRIES = 3

_LITERALS = (ast.List, ast.Tuple, ast.Set, ast.Dict)
_NOT_LINE_END = re.compile(r"[^\r\n]+")
# A line that may start a top-level statement: not indented, not a comment or a closing bracket,
# not the ``else``/``except``… that continues the statement before it.
_STATEMENT_START = re.compile(r"(?![\s#)\]}]|(?:else|elif|except|finally)\b)")


@dataclass
class ParsePlan:
    """What libcst parses: ``text`` (the source with big constant literals blanked), in
    ``chunks`` (character ranges of whole top-level statements), and where every statement is."""

    text: str
    chunks: List[Tuple[int, int]]
    extents: List[Extent] = field(default_factory=list)
    too_large: Optional[Tuple[int, int]] = None  # (line, bytes) of a statement over the budget


def parse_python(source: str) -> ast.Module:
    """CPython's parse, without the SyntaxWarnings it prints about the checked code (``"a"()``,
    invalid escapes): those are the compiler's business, not a linter's output."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ast.parse(source)


def whole_plan(text: str) -> ParsePlan:
    """A small file, or one that could not be split: parsed as it is, whole."""
    return ParsePlan(text, [(0, len(text))], statement_extents(parse_python(text)))


def _end(positions: Offsets, node: ast.AST) -> int:
    return positions.offset(node.end_lineno, node.end_col_offset)


def _constant(node: ast.AST) -> bool:
    """A value built only from constants (iteratively: generated literals nest deeply)."""
    todo = [node]
    while todo:
        item = todo.pop()
        if isinstance(item, ast.Constant):
            continue
        if isinstance(item, ast.UnaryOp) and isinstance(item.op, (ast.USub, ast.UAdd)):
            todo.append(item.operand)
        elif isinstance(item, ast.Dict):
            if any(key is None for key in item.keys):
                return False  # ``**other``
            todo.extend(item.keys)
            todo.extend(item.values)
        elif isinstance(item, (ast.List, ast.Tuple, ast.Set)):
            todo.extend(item.elts)
        else:
            return False
    return True


def _elements(node: ast.AST) -> List[ast.AST]:
    return list(node.values) if isinstance(node, ast.Dict) else list(node.elts)


def constant_literal_interiors(tree: ast.AST, positions: Offsets) -> List[Tuple[int, int]]:
    """Character ranges to blank: from the end of the second element to the end of the last of
    every large constant literal (outermost ones only)."""
    ranges = []
    todo = [tree]
    while todo:
        node = todo.pop()
        if isinstance(node, _LITERALS) and len(_elements(node)) >= LITERAL_ELEMENTS and _constant(node):
            elements = _elements(node)
            ranges.append((_end(positions, elements[1]), _end(positions, elements[-1])))
            continue  # nothing inside needs looking at
        todo.extend(ast.iter_child_nodes(node))
    return sorted(ranges)


def _blank(text: str, ranges: List[Tuple[int, int]]) -> str:
    """Every character in the ranges but line ends becomes a space: lengths and lines stay."""
    if not ranges:
        return text
    pieces, position = [], 0
    for start, end in ranges:
        pieces.append(text[position:start])
        pieces.append(_NOT_LINE_END.sub(lambda match: " " * len(match.group()), text[start:end]))
        position = end
    pieces.append(text[position:])
    return "".join(pieces)


def _statement_size(tree: ast.Module, index: int, positions: Offsets, blanked: List[Tuple[int, int]]) -> int:
    """Characters of source from a top-level statement to the next, less the blanked ones."""
    body = tree.body
    head = positions.line_starts[_first_line(body[index]) - 1]
    tail = positions.line_starts[_first_line(body[index + 1]) - 1] if index + 1 < len(body) else len(positions.text)
    return tail - head - sum(max(0, min(tail, b) - max(head, a)) for a, b in blanked)


def plan_parse(text: str) -> Optional[ParsePlan]:
    """The lean plan for a file over LEAN_BYTES (see the module's docstring), or None when the
    file is to be parsed whole: it is small, a split did not hold, or it has a syntax error.
    ``RecursionError`` and ``MemoryError`` from CPython's parser pass through."""
    if len(text) <= LEAN_BYTES:
        return None
    starts = line_starts(text)
    candidates = [offset for offset in starts[1:] if _STATEMENT_START.match(text, offset)]
    plan = ParsePlan(text, [])
    blanked: List[Tuple[int, int]] = []
    begin, retries = 0, 0
    while begin < len(text):
        index = bisect.bisect_left(candidates, begin + CHUNK_BYTES) + retries
        finish = candidates[index] if index < len(candidates) else len(text)
        source = text[begin:finish]
        try:
            tree = parse_python(source)
        except SyntaxError:
            # A split after a decorator or before an ``else`` is put right by the next candidate;
            # a syntax error is not, and is reported from the whole parse.
            retries += 1
            if retries > _RETRIES or finish == len(text):
                return None
            continue
        retries = 0
        first_line = bisect.bisect_left(starts, begin) + 1
        positions = Offsets(source)
        group_blanked = constant_literal_interiors(tree, positions)
        for number, statement in enumerate(tree.body):
            size = _statement_size(tree, number, positions, group_blanked)
            if size > MAX_STATEMENT_BYTES:
                plan.too_large = (_first_line(statement) + first_line - 1, size)
                return plan
        plan.extents.extend(statement_extents(tree, first_line))
        plan.chunks.append((begin, finish))
        blanked.extend((a + begin, b + begin) for a, b in group_blanked)
        begin = finish
    plan.text = _blank(text, blanked)
    return plan


def _first_line(statement: ast.stmt) -> int:
    decorators = getattr(statement, "decorator_list", None) or []
    return min([statement.lineno] + [d.lineno for d in decorators])
