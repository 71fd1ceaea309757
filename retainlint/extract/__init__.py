"""Extraction: one file in, plain :class:`ModuleFacts` (or a :class:`FileError`) out.

The libcst tree lives only inside :func:`extract_source`; what leaves is data, so a run over a
large project holds one tree at a time.
"""

from __future__ import annotations

import ast
import io
import os
import sys
import threading
import tokenize
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional, TypeVar, Union

import libcst as cst

from retainlint.extract.locate import LocatorMismatch, MetadataLocator, StatementLocator
from retainlint.extract.names import module_name_for
from retainlint.extract.suppressions import scan_suppressions
from retainlint.extract.visitor import FactVisitor
from retainlint.facts import ModuleFacts
from retainlint.knowledge import Knowledge

MAX_FILE_BYTES = 8 * 1024 * 1024
T = TypeVar("T")


@dataclass(frozen=True)
class FileError:
    """A file that could not be checked, with the reason a person can act on."""

    path: str
    line: int
    col: int
    reason: str

    def render(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: error: {self.reason}"


def module_name(path: Path) -> str:
    """Dotted module name, found by walking up through package folders (those with ``__init__``)."""
    path = Path(os.path.abspath(path))
    parts = [path.name]
    folder = path.parent
    while (folder / "__init__.py").exists() or (folder / "__init__.pyi").exists():
        parts.append(folder.name)
        if folder.parent == folder:
            break
        folder = folder.parent
    return module_name_for(list(reversed(parts)))


def decode_source(data: bytes) -> str:
    """Decode as Python does: a BOM or PEP 263 coding line, else UTF-8."""
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    text = data.decode(encoding)
    return text[1:] if text.startswith("\ufeff") else text


def extract_source(text: str, path: str, module: str, knowledge: Knowledge,
                   is_package: bool = False) -> Union[ModuleFacts, FileError]:
    """CPython's parser goes first: it refuses pathologically nested code cleanly, where libcst's
    native parser can crash the process, and its statement positions are reused for locating.
    Code that CPython rejects only as a syntax error (newer syntax than this interpreter) still
    gets its chance with libcst, on a large stack."""
    try:
        python_tree: Optional[ast.AST] = ast.parse(text)
        python_error: Optional[FileError] = None
    except SyntaxError as exc:  # keep the report, not the exception: its traceback would pin this frame
        python_tree = None
        python_error = FileError(path, exc.lineno or 1, exc.offset or 1, f"syntax error: {exc.msg}")
    except (RecursionError, MemoryError):
        return FileError(path, 1, 1, "nesting too deep: CPython itself cannot parse this file")
    try:
        if python_tree is not None:
            tree = cst.parse_module(text)
        else:
            tree = with_deep_stack(lambda: cst.parse_module(text))
    except cst.ParserSyntaxError as exc:
        if python_error is not None:
            return python_error
        return FileError(path, exc.raw_line, exc.raw_column + 1,
                         f"cannot parse: CPython accepts this syntax but libcst does not ({exc.message})")
    except (RecursionError, MemoryError) as exc:
        return FileError(path, 1, 1, f"cannot parse: {type(exc).__name__} (nesting too deep or file too large)")

    def analyse() -> ModuleFacts:
        if python_tree is not None:
            try:
                return _visit(tree, text, path, module, knowledge, is_package, StatementLocator(text, python_tree))
            except LocatorMismatch:
                pass
        return _visit(tree, text, path, module, knowledge, is_package, MetadataLocator(tree))

    try:
        return analyse()
    except RecursionError:
        pass
    try:
        return with_deep_stack(analyse)
    except RecursionError:
        return FileError(path, 1, 1, "cannot analyse: nesting too deep even with a larger stack")


DEEP_STACK_BYTES = 512 * 1024 * 1024
DEEP_RECURSION_LIMIT = 200_000


def with_deep_stack(function: Callable[[], T]) -> T:
    """Run once more in a thread with a large stack and recursion limit, for deeply nested code
    (the default limit is reached long before any real stack would be)."""
    outcome: dict = {}

    def target() -> None:
        try:
            outcome["value"] = function()
        except BaseException as exc:  # handed back to the caller's thread
            outcome["error"] = exc

    old_stack, old_limit = threading.stack_size(), sys.getrecursionlimit()
    threading.stack_size(DEEP_STACK_BYTES)
    sys.setrecursionlimit(DEEP_RECURSION_LIMIT)
    try:
        thread = threading.Thread(target=target, name="retainlint-deep-file")
        thread.start()
        thread.join()
    finally:
        threading.stack_size(old_stack)
        sys.setrecursionlimit(old_limit)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def _visit(tree: cst.Module, text: str, path: str, module: str, knowledge: Knowledge, is_package: bool,
           locator) -> ModuleFacts:
    facts = ModuleFacts(path=path, module=module)
    facts.lines = text.count("\n") + (0 if text.endswith("\n") or not text else 1)
    facts.suppressions = scan_suppressions(text)
    tree.visit(FactVisitor(facts, knowledge, is_package, locator))
    locator.finish()
    return facts


def extract_file(path: Path, display: str, knowledge: Knowledge,
                 module: Optional[str] = None) -> Union[ModuleFacts, FileError]:
    """Read, decode and extract one file; every failure becomes a FileError naming the reason."""
    try:
        if path.is_symlink() and not path.exists():
            return FileError(display, 1, 1, f"broken symbolic link (points to {os.readlink(path)})")
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return FileError(display, 1, 1,
                             f"file too large to check ({size:,} bytes; the limit is {MAX_FILE_BYTES:,})")
        data = path.read_bytes()
    except FileNotFoundError:
        return FileError(display, 1, 1, "no such file")
    except PermissionError:
        return FileError(display, 1, 1, "permission denied: cannot read the file")
    except OSError as exc:
        return FileError(display, 1, 1, f"cannot read the file: {exc.strerror or exc}")
    if b"\x00" in data:
        return FileError(display, 1, 1, "binary file: contains NUL bytes")
    try:
        text = decode_source(data)
    except (UnicodeDecodeError, SyntaxError, LookupError) as exc:
        line = data[: getattr(exc, "start", 0)].count(b"\n") + 1
        return FileError(display, line, 1, f"cannot decode the file: {exc}")
    return extract_source(text, display, module or module_name(path), knowledge, path.name.startswith("__init__."))
