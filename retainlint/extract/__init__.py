"""Extraction: one file in, plain :class:`ModuleFacts` (or a :class:`FileError`) out.

The libcst tree lives only inside :func:`extract_source`; what leaves is data, so a run over a
large project holds one tree at a time.
"""

from __future__ import annotations

import errno
import io
import os
import sys
import threading
import tokenize
from dataclasses import dataclass
from pathlib import Path
from functools import partial
from typing import Callable, Optional, TypeVar, Union

import libcst as cst

from retainlint.collector import collector_paused
from retainlint.extract.budget import MAX_STATEMENT_BYTES, plan_parse, whole_plan
from retainlint.extract.locate import LocatorMismatch, MetadataLocator, StatementLocator
from retainlint.extract.names import module_name_for
from retainlint.extract.suppressions import scan_suppressions
from retainlint.extract.visitor import FactVisitor
from retainlint.facts import ModuleFacts
from retainlint.internal import internal_error_message
from retainlint.knowledge import Knowledge
from retainlint.lines import count_lines, line_starts
from retainlint.readfile import FileTooLarge, NotRegularFile, read_regular_file

MAX_FILE_BYTES = 8 * 1024 * 1024
T = TypeVar("T")


@dataclass(frozen=True)
class FileError:
    """A file that could not be checked, with the reason a person can act on.  ``internal``
    marks a bug in retainlint met while processing the file (the run then exits with 2)."""

    path: str
    line: int
    col: int
    reason: str
    internal: bool = False

    def render(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: error: {self.reason}"


def package_base(path: Path, is_package: Optional[Callable[[Path], bool]] = None) -> Path:
    """The folder above a file's top-level package (its own folder when it is in none): walking up
    through package folders (those with ``__init__``).  ``is_package`` answers for a folder, so a
    caller naming many files can ask each folder once."""
    folder = Path(os.path.abspath(path)).parent
    while (is_package or has_init)(folder) and folder.parent != folder:
        folder = folder.parent
    return folder


def has_init(folder: Path) -> bool:
    """A package folder: it has ``__init__.py`` (or a stub ``__init__.pyi``)."""
    return (folder / "__init__.py").exists() or (folder / "__init__.pyi").exists()


def module_name(path: Path, base: Optional[Path] = None) -> str:
    """Dotted module name: the path below its ``package_base``."""
    path = Path(os.path.abspath(path))
    return module_name_for(path.relative_to(base or package_base(path)).parts)


def decode_source(data: bytes) -> str:
    """Decode as Python does: a BOM or PEP 263 coding line, else UTF-8."""
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    text = data.decode(encoding)
    return text[1:] if text.startswith("\ufeff") else text


def extract_source(text: str, path: str, module: str, knowledge: Knowledge,
                   is_package: bool = False) -> Union[ModuleFacts, FileError]:
    """Facts of one module's source, or why it cannot be analysed."""
    with collector_paused():
        return _extract(text, path, module, knowledge, is_package)


def _extract(text: str, path: str, module: str, knowledge: Knowledge,
             is_package: bool) -> Union[ModuleFacts, FileError]:
    """CPython's parser goes first: it refuses pathologically nested code cleanly, where libcst's
    native parser can crash the process; its statement positions are reused for locating, and it
    plans how a large file is parsed within the memory budget (see :mod:`.budget`).  Code that
    CPython rejects only as a syntax error (newer syntax than this interpreter) still gets its
    chance with libcst, whole, on a large stack."""
    python_error: Optional[FileError] = None
    try:
        plan = plan_parse(text)
        if plan is None:
            plan = whole_plan(text)
    except SyntaxError as exc:  # keep the report, not the exception: its traceback would pin this frame
        plan = None
        python_error = FileError(path, exc.lineno or 1, exc.offset or 1, f"syntax error: {exc.msg}")
    except (RecursionError, MemoryError):
        return FileError(path, 1, 1, "nesting too deep: CPython itself cannot parse this file")
    if plan is not None and plan.too_large is not None:
        line, size = plan.too_large
        return FileError(path, line, 1, f"statement too large to analyse ({size:,} bytes of source; the limit "
                                        f"is {MAX_STATEMENT_BYTES:,} per top-level statement)")
    visit = partial(_visit, text=text, path=path, module=module, knowledge=knowledge, is_package=is_package)

    def analyse() -> ModuleFacts:
        if plan is not None:
            def parse_group(index: int) -> cst.Module:
                start, end = plan.chunks[index]
                return cst.parse_module(plan.text[start:end])

            try:
                return visit(parse_group, len(plan.chunks), StatementLocator(plan.text, plan.extents, original=text))
            except LocatorMismatch:
                pass
        tree = cst.parse_module(plan.text if plan is not None else text)
        return visit(lambda index: tree, 1, MetadataLocator(tree))

    try:
        try:
            return analyse() if plan is not None else with_deep_stack(analyse)
        except RecursionError:
            return with_deep_stack(analyse)
    except cst.ParserSyntaxError as exc:
        if python_error is not None:
            return python_error
        return FileError(path, exc.raw_line, exc.raw_column + 1,
                         f"cannot parse: CPython accepts this syntax but libcst does not ({exc.message})")
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


def _visit(parse_group: Callable[[int], cst.Module], groups: int, locator, text: str, path: str, module: str,
           knowledge: Knowledge, is_package: bool) -> ModuleFacts:
    """One pass over the module, parsed whole (one group) or as consecutive groups of top-level
    statements.  Groups are parsed when needed and dropped when visited; the module-level
    pre-pass (``visit_Module``) first sees every group, as it would see the whole module."""
    facts = ModuleFacts(path=path, module=module)
    facts.lines = count_lines(text)
    facts.suppressions = scan_suppressions(text)
    visitor = FactVisitor(facts, knowledge, is_package, locator)
    if groups == 1:
        parse_group(0).visit(visitor)
    else:
        for index in range(groups):
            visitor.visit_Module(parse_group(index))
        for index in range(groups):
            for statement in parse_group(index).body:
                statement.visit(visitor)
            visitor.forget_nodes()  # the dropped tree's ids will be reused
    locator.finish()
    return facts


def read_source(path: Path, display: str) -> Union[bytes, FileError]:
    """The bytes of a source file, or why they cannot be had.  Never blocks: a FIFO, socket or
    device is refused before anything is read from it."""
    try:
        if path.is_symlink() and not path.exists():
            return FileError(display, 1, 1, f"broken symbolic link (points to {os.readlink(path)})")
        return read_regular_file(path, MAX_FILE_BYTES)
    except FileTooLarge as exc:
        return FileError(display, 1, 1, f"file too large to check ({exc.size:,} bytes; the limit is {exc.limit:,})")
    except NotRegularFile:
        return FileError(display, 1, 1, "not a regular file (a FIFO, socket or device): skipped")
    except FileNotFoundError:
        return FileError(display, 1, 1, "no such file")
    except PermissionError:
        return FileError(display, 1, 1, "permission denied: cannot read the file")
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return FileError(display, 1, 1, "symbolic link loop: cannot be resolved")
        return FileError(display, 1, 1, f"cannot read the file: {exc.strerror or exc}")


def extract_file(path: Path, display: str, knowledge: Knowledge,
                 module: Optional[str] = None) -> Union[ModuleFacts, FileError]:
    """Read, decode and extract one file; every failure becomes a FileError naming the reason,
    a bug in retainlint included (one file's bug must not lose the run)."""
    data = read_source(path, display)
    if isinstance(data, FileError):
        return data
    if b"\x00" in data:
        return FileError(display, 1, 1, "binary file: contains NUL bytes")
    try:
        text = decode_source(data)
    except (UnicodeDecodeError, SyntaxError, LookupError) as exc:
        line = len(line_starts(data[: getattr(exc, "start", 0)].decode("latin-1")))
        return FileError(display, line, 1, f"cannot decode the file: {exc}")
    try:
        return extract_source(text, display, module or module_name(path), knowledge,
                              path.name.startswith("__init__."))
    except MemoryError:
        return FileError(display, 1, 1, "out of memory while analysing this file")
    except Exception as exc:  # a bug in retainlint, reported as such
        return FileError(display, 1, 1, internal_error_message(exc), internal=True)
