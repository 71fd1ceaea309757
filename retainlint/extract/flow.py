"""A statement-level control-flow graph of one function, with exceptional edges.

The release analysis asks "which ways out of this function skip the release?", so the graph has
what decides that and nothing more: one node per statement (a compound statement's header is a
node of its own), normal edges, and the edges an exception or a cancellation takes — to the
handlers of the enclosing ``try``, through ``finally`` (built once per way of leaving it: fall
through, error, cancellation, ``return``, ``break``, ``continue``), or out of the function.

A statement can raise when it calls or awaits something or raises; an ``await`` can also be
cancelled, and ``except Exception`` does not catch a cancellation.  ``with`` bodies need no
modelling: ``__exit__`` runs on every way out and the tracked events are not in it.

Events (what the statement inserts, releases, calls …) are attributed to statements by the
extractor while it visits; the builder only places them.  The result is plain data
(:class:`~retainlint.facts.FunctionFlow`): no syntax node survives extraction.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Callable, Dict, List, Optional, Sequence, Set, Tuple

import libcst as cst

from retainlint.extract.names import dotted
from retainlint.facts import ENTRY, ERROR_EXIT, EXIT, FlowNode

# Handler types that catch everything an ordinary call raises, and those that also catch a
# cancellation (``asyncio.CancelledError`` derives from BaseException since Python 3.8).
_CATCH_ERRORS = {"Exception", "BaseException"}
_CATCH_CANCEL = {"BaseException", "CancelledError", "asyncio.CancelledError", "trio.Cancelled",
                 "anyio.get_cancelled_exc_class"}


@dataclass
class _Node:
    kind: str
    line: int
    events: Tuple[int, ...] = ()
    next: Set[int] = field(default_factory=set)
    on_error: Set[int] = field(default_factory=set)
    on_cancel: Set[int] = field(default_factory=set)
    guard: Tuple[str, ...] = ()
    inside: Tuple[int, ...] = ()
    handler: bool = False


@dataclass(frozen=True)
class _Context:
    """Where control goes from inside a block, besides falling through."""

    error: Tuple[int, ...]
    cancel: Tuple[int, ...]
    on_return: Callable[[], int]
    on_break: Optional[Callable[[], int]] = None
    on_continue: Optional[Callable[[], int]] = None
    guard: Tuple[str, ...] = ()  # names read by the innermost enclosing condition
    handler: bool = False  # inside an ``except`` handler


@dataclass(frozen=True)
class StatementInfo:
    """What the extractor learnt about one statement while visiting it."""

    events: Tuple[int, ...]
    raises: bool  # calls, awaits or raises
    awaits: bool


class FlowBuilder:
    """Builds the graph of one function body.

    ``info(statement)`` gives the events and the raise/await facts of a statement (a small
    statement, or a compound statement's header); ``line(node)`` its first line; ``names(expr)``
    the names and dotted attribute chains an expression reads.
    """

    def __init__(self, info: Callable[[cst.CSTNode], StatementInfo], line: Callable[[cst.CSTNode], int],
                 names: Callable[[cst.BaseExpression], Tuple[str, ...]], cancel_is_error: bool = False) -> None:
        self._info = info
        self._cancel_is_error = cancel_is_error  # Twisted's ``inlineCallbacks``: ``except Exception`` catches it
        self._line = line
        self._names = names
        self.nodes: List[_Node] = [_Node("entry", 0), _Node("exit", 0), _Node("error_exit", 0)]

    # ------------------------------------------------------------------ public
    def build(self, body: Sequence[cst.BaseStatement]) -> Tuple[FlowNode, ...]:
        context = _Context(error=(ERROR_EXIT,), cancel=(ERROR_EXIT,), on_return=lambda: EXIT)
        entry, exits = self._block(body, context)
        self.nodes[ENTRY].next.add(entry if entry is not None else EXIT)
        for node in exits:
            self.nodes[node].next.add(EXIT)
        return tuple(FlowNode(kind=n.kind, line=n.line, events=n.events, next=tuple(sorted(n.next)),
                              on_error=tuple(sorted(n.on_error)), on_cancel=tuple(sorted(n.on_cancel)),
                              guard=n.guard, inside=n.inside, handler=n.handler) for n in self.nodes)

    # ------------------------------------------------------------------ nodes
    def _new(self, kind: str, statement: Optional[cst.CSTNode], context: _Context, line: int = 0) -> int:
        info = self._info(statement) if statement is not None else StatementInfo((), False, False)
        node = _Node(kind, line or (self._line(statement) if statement is not None else 0), info.events,
                     handler=context.handler)
        if info.raises or kind in ("raise", "yield"):  # a generator is thrown into at its yield
            node.on_error.update(context.error)
        if (info.awaits or kind == "yield") and self._cancel_is_error:
            node.on_error.update(context.error)
        elif info.awaits or kind == "yield":
            node.on_cancel.update(context.cancel)
        if kind in ("return", "raise"):
            node.guard = context.guard
        self.nodes.append(node)
        return len(self.nodes) - 1

    def _link(self, sources: Sequence[int], target: int) -> None:
        for source in sources:
            self.nodes[source].next.add(target)

    def _enclose(self, header: int) -> None:
        """Record on a branch or loop header the events of the arms built after it: a release
        inside an ``if`` is a release the condition chose, not a path that skips it."""
        self.nodes[header].inside = tuple(sorted({e for node in self.nodes[header + 1:] for e in node.events}))

    # ------------------------------------------------------------------ blocks
    def _block(self, statements: Sequence[cst.CSTNode], context: _Context) -> Tuple[Optional[int], List[int]]:
        """(entry node or None for an empty block, nodes that fall through to what follows)."""
        entry: Optional[int] = None
        open_ends: List[int] = []
        for statement in statements:
            for part in _parts(statement):
                first, ends = self._statement(part, context)
                if first is None:
                    continue
                if entry is None:
                    entry = first
                self._link(open_ends, first)
                open_ends = ends
                if entry is not None and not open_ends:
                    return entry, []  # the rest is unreachable
        return entry, open_ends

    def _body(self, suite: cst.BaseSuite) -> Sequence[cst.CSTNode]:
        return list(suite.body) if isinstance(suite, cst.IndentedBlock) else list(suite.body)

    def _statement(self, statement: cst.CSTNode, context: _Context) -> Tuple[Optional[int], List[int]]:
        if isinstance(statement, cst.Return):
            node = self._new("return", statement, context)
            self.nodes[node].next.add(context.on_return())
            return node, []
        if isinstance(statement, cst.Raise):
            return self._new("raise", statement, context), []
        if isinstance(statement, cst.Break):
            node = self._new("stmt", statement, context)
            if context.on_break is not None:
                self.nodes[node].next.add(context.on_break())
                return node, []
            return node, [node]
        if isinstance(statement, cst.Continue):
            node = self._new("stmt", statement, context)
            if context.on_continue is not None:
                self.nodes[node].next.add(context.on_continue())
                return node, []
            return node, [node]
        if isinstance(statement, cst.If):
            return self._if(statement, context)
        if isinstance(statement, (cst.While, cst.For)):
            return self._loop(statement, context)
        if isinstance(statement, (cst.Try, cst.TryStar)):
            return self._try(statement, context)
        if isinstance(statement, cst.With):
            header = self._new("stmt", statement, context)
            entry, ends = self._block(self._body(statement.body), context)
            if entry is None:
                return header, [header]
            self._link([header], entry)
            return header, ends
        if isinstance(statement, cst.Match):
            return self._match(statement, context)
        kind = "yield" if _is_yield(statement) else "stmt"
        node = self._new(kind, statement, context)
        return node, [node]

    def _if(self, statement: cst.If, context: _Context) -> Tuple[int, List[int]]:
        header = self._new("branch", statement, context)
        inner = replace(context, guard=self._names(statement.test))
        self.nodes[header].guard = inner.guard
        entry, ends = self._block(self._body(statement.body), inner)
        if entry is not None:
            self._link([header], entry)
        exits = list(ends) if entry is not None else [header]
        orelse = statement.orelse
        if orelse is None:
            exits.append(header)
        elif isinstance(orelse, cst.If):
            first, more = self._if(orelse, context)
            self._link([header], first)
            exits.extend(more)
        else:
            first, more = self._block(self._body(orelse.body), inner)
            if first is None:
                exits.append(header)
            else:
                self._link([header], first)
                exits.extend(more)
        self._enclose(header)
        return header, exits

    def _loop(self, statement, context: _Context) -> Tuple[int, List[int]]:
        header = self._new("while" if isinstance(statement, cst.While) else "loop", statement, context)
        if isinstance(statement, cst.While):
            self.nodes[header].guard = self._names(statement.test)
        after: List[int] = []
        inner = replace(context, on_break=lambda: self._break_target(after), on_continue=lambda: header)
        entry, ends = self._block(self._body(statement.body), inner)
        self._link([header], entry if entry is not None else header)
        self._link(ends, header)
        exits: List[int] = []
        endless = isinstance(statement, cst.While) and _is_true(statement.test)
        if not endless:
            if statement.orelse is not None:
                first, more = self._block(self._body(statement.orelse.body), context)
                if first is not None:
                    self._link([header], first)
                    exits.extend(more)
                else:
                    exits.append(header)
            else:
                exits.append(header)
        if after:
            exits.extend(after)
        self._enclose(header)
        return header, exits

    def _break_target(self, after: List[int]) -> int:
        """A ``break`` goes to a joint node after the loop (created once per loop)."""
        if not after:
            self.nodes.append(_Node("stmt", 0))
            after.append(len(self.nodes) - 1)
        return after[0]

    def _match(self, statement: cst.Match, context: _Context) -> Tuple[int, List[int]]:
        header = self._new("branch", statement, context)
        exits: List[int] = []
        irrefutable = False
        for case in statement.cases:
            entry, ends = self._block(self._body(case.body), context)
            self._link([header], entry if entry is not None else header)
            exits.extend(ends if entry is not None else [])
            if case.guard is None and isinstance(case.pattern, cst.MatchAs) and case.pattern.pattern is None:
                irrefutable = True
        if not irrefutable:
            exits.append(header)
        self._enclose(header)
        return header, exits

    # ------------------------------------------------------------------ try
    def _try(self, statement, context: _Context) -> Tuple[Optional[int], List[int]]:
        final = statement.finalbody
        outer = context
        if final is not None:
            final_body = self._body(final.body)
            copies: Dict[str, int] = {}
            normal_ends: List[int] = []

            def copy(way: str, finish: Callable[[List[int]], None]) -> int:
                """The ``finally`` body built for one way of leaving the ``try``."""
                if way not in copies:
                    entry, ends = self._block(final_body, outer)
                    if entry is None:
                        entry = self._new("stmt", None, outer, line=self._line(final))
                        ends = [entry]
                    copies[way] = entry
                    finish(ends)
                return copies[way]

            def reraise(kind: str) -> Callable[[List[int]], None]:
                def finish(ends: List[int]) -> None:
                    node = _Node("raise", self._line(final))
                    (node.on_error if kind == "error" else node.on_cancel).update(
                        outer.error if kind == "error" else outer.cancel)
                    self.nodes.append(node)
                    self._link(ends, len(self.nodes) - 1)
                return finish

            def goto(target: Callable[[], int]) -> Callable[[List[int]], None]:
                return lambda ends: self._link(ends, target())

            error_copy = copy("error", reraise("error"))
            cancel_copy = copy("cancel", reraise("cancel"))
            inner = replace(
                context, error=(error_copy,), cancel=(cancel_copy,),
                on_return=lambda: copy("return", goto(outer.on_return)),
                on_break=(lambda: copy("break", goto(outer.on_break))) if outer.on_break else None,
                on_continue=(lambda: copy("continue", goto(outer.on_continue))) if outer.on_continue else None)
        else:
            inner = context

        handlers = list(statement.handlers)
        handler_entries: List[int] = []
        handler_exits: List[int] = []
        catches_errors = catches_cancel = False
        for handler in handlers:
            caught = _caught(handler)
            catches_errors = catches_errors or caught is None or bool(caught & _CATCH_ERRORS)
            catches_cancel = catches_cancel or caught is None or bool(caught & _CATCH_CANCEL)
            in_handler = replace(inner, handler=True)
            start = self._new("stmt", None, in_handler, line=self._line(handler))
            entry, ends = self._block(self._body(handler.body), in_handler)
            if entry is None:
                handler_exits.append(start)
            else:
                self._link([start], entry)
                handler_exits.extend(ends)
            handler_entries.append(start)
        body_context = inner
        if handlers:
            cancel_handlers = [entry for entry, handler in zip(handler_entries, handlers)
                               if _caught(handler) is None or _caught(handler) & _CATCH_CANCEL]
            body_context = replace(
                inner,
                error=tuple(handler_entries) + (() if catches_errors else inner.error),
                cancel=tuple(cancel_handlers) + (() if catches_cancel else inner.cancel))
        entry, ends = self._block(self._body(statement.body), body_context)
        if statement.orelse is not None:
            first, more = self._block(self._body(statement.orelse.body), inner)
            if first is not None:
                if entry is None:
                    entry = first
                else:
                    self._link(ends, first)
                ends = more
        ends = list(ends) + handler_exits
        if final is None:
            return entry, ends
        normal = copy("normal", normal_ends.extend)
        self._link(ends, normal)
        if entry is None:
            entry = normal
        return entry, normal_ends


def _parts(statement: cst.CSTNode) -> Sequence[cst.CSTNode]:
    """A line of small statements (``a(); b()``) is one node per statement."""
    if isinstance(statement, cst.SimpleStatementLine):
        return list(statement.body)
    return [statement]


def _is_yield(statement: cst.CSTNode) -> bool:
    value = getattr(statement, "value", None)
    if isinstance(value, cst.Await):
        value = value.expression
    return isinstance(value, cst.Yield)


def _is_true(test: cst.BaseExpression) -> bool:
    return (isinstance(test, cst.Name) and test.value == "True") or (
        isinstance(test, cst.Integer) and test.value not in ("0",))


def _caught(handler) -> Optional[Set[str]]:
    """The dotted names a handler catches; None for a bare ``except:``."""
    if handler.type is None:
        return None
    types = handler.type.elements if isinstance(handler.type, cst.Tuple) else [handler.type]
    names: Set[str] = set()
    for element in types:
        name = dotted(element.value if isinstance(element, cst.Element) else element)
        if name is not None:
            names.update({name, name.rsplit(".", 1)[-1]})
    return names
