"""Collects, while the extractor visits a function, what its control-flow graph needs: the flow
events of each statement in order, which statements can raise or be cancelled, and the lines of
statements; when the function ends, builds its :class:`~retainlint.facts.FunctionFlow` if it does
anything the release analysis follows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Set, Tuple

import libcst as cst

from retainlint.extract.flow import FlowBuilder, StatementInfo
from retainlint.extract.names import dotted
from retainlint.facts import FlowEvent, FunctionFlow, Ref

# Events that make a function worth a graph; a plain ``lookup`` or ``call`` alone does not
# (a call makes it worth one when it may run a stored release: :meth:`FlowRecorder.mark_relevant`).
_RELEVANT = {"insert", "release", "clear", "listen", "unlisten"}


@dataclass
class _FunctionState:
    qualname: str
    events: List[FlowEvent] = field(default_factory=list)
    by_statement: Dict[int, List[int]] = field(default_factory=dict)
    raising: Set[int] = field(default_factory=set)
    awaiting: Set[int] = field(default_factory=set)
    lines: Dict[int, int] = field(default_factory=dict)
    entry_locals: Dict[str, Ref] = field(default_factory=dict)
    container_locals: Dict[str, Ref] = field(default_factory=dict)
    flags: Set[str] = field(default_factory=set)
    relevant: bool = False
    statements: List[cst.CSTNode] = field(default_factory=list)


class FlowRecorder:
    def __init__(self) -> None:
        self._functions: List[_FunctionState] = []
        self._lambda_depth: List[int] = [0]

    # ------------------------------------------------------------------ scopes
    def enter_function(self, qualname: str) -> None:
        self._functions.append(_FunctionState(qualname))
        self._lambda_depth.append(0)

    def leave_function(self, node: cst.FunctionDef, cancel_is_error: bool = False) -> Optional[FunctionFlow]:
        """The function's flow; ``cancel_is_error`` when it is cancelled by an ordinary exception."""
        state = self._functions.pop()
        self._lambda_depth.pop()
        if not state.relevant:
            return None
        builder = FlowBuilder(lambda s: self._info(state, s), lambda s: self._line(state, s), guard_names,
                              cancel_is_error)
        body = node.body.body if isinstance(node.body, cst.IndentedBlock) else node.body.body
        nodes = builder.build(list(body))
        return FunctionFlow(function=state.qualname, events=tuple(state.events), nodes=nodes,
                            entry_locals=tuple(sorted(state.entry_locals.items())), flags=tuple(sorted(state.flags)),
                            container_locals=tuple(sorted(state.container_locals.items())))

    def enter_lambda(self) -> None:
        self._lambda_depth[-1] += 1

    def leave_lambda(self) -> None:
        self._lambda_depth[-1] -= 1

    @property
    def _current(self) -> Optional[_FunctionState]:
        return self._functions[-1] if self._functions else None

    # ------------------------------------------------------------------ statements
    def enter_statement(self, node: cst.CSTNode, line: int) -> None:
        state = self._current
        if state is not None:
            state.statements.append(node)
            state.lines[id(node)] = line

    def leave_statement(self, node: cst.CSTNode) -> None:
        state = self._current
        if state is not None and state.statements and state.statements[-1] is node:
            state.statements.pop()

    def mark_call(self) -> None:
        state = self._current
        if state is not None and state.statements and not self._lambda_depth[-1]:
            state.raising.add(id(state.statements[-1]))

    def mark_await(self) -> None:
        state = self._current
        if state is not None and state.statements and not self._lambda_depth[-1]:
            statement = id(state.statements[-1])
            state.raising.add(statement)
            state.awaiting.add(statement)

    # ------------------------------------------------------------------ events
    def event(self, kind: str, ref: Optional[Ref], key: str = "", roots: Tuple[str, ...] = (), target: str = "",
              line: int = 0) -> None:
        """Record an event of the statement being visited (not inside a lambda: a lambda's body
        runs later, if ever — it is a callable handed over, recorded as such elsewhere)."""
        state = self._current
        if state is None or not state.statements or self._lambda_depth[-1]:
            return
        statement = state.statements[-1]
        state.events.append(FlowEvent(kind=kind, ref=ref, key=key, roots=roots, target=target,
                                      line=line or state.lines.get(id(statement), 0)))
        state.by_statement.setdefault(id(statement), []).append(len(state.events) - 1)
        if kind in _RELEVANT:
            state.relevant = True

    def mark_relevant(self) -> None:
        if self._current is not None and not self._lambda_depth[-1]:
            self._current.relevant = True

    def bind_entry_local(self, name: str, ref: Ref) -> None:
        if self._current is not None:
            self._current.entry_locals[name] = ref

    def bind_container_local(self, name: str, ref: Ref) -> None:
        """``conversations = self._conversations``: the local is the container under another name."""
        if self._current is not None:
            self._current.container_locals[name] = ref

    def flag(self, attribute: str) -> None:
        if self._current is not None:
            self._current.flags.add(attribute)

    # ------------------------------------------------------------------ for the builder
    @staticmethod
    def _info(state: _FunctionState, statement: cst.CSTNode) -> StatementInfo:
        key = id(statement)
        asynchronous = isinstance(statement, (cst.For, cst.With)) and statement.asynchronous is not None
        return StatementInfo(tuple(state.by_statement.get(key, ())), key in state.raising or asynchronous,
                             key in state.awaiting or asynchronous)

    @staticmethod
    def _line(state: _FunctionState, node: cst.CSTNode) -> int:
        if id(node) in state.lines:
            return state.lines[id(node)]
        body = getattr(node, "body", None)
        inner = getattr(body, "body", None)
        if inner:
            first = inner[0]
            return FlowRecorder._line(state, first.body[0] if isinstance(first, cst.SimpleStatementLine) else first)
        return 0


class _Names(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.found: List[str] = []

    def visit_Name(self, node: cst.Name) -> None:
        if node.value not in ("None", "True", "False"):
            self.found.append(node.value)

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        chain = dotted(node)
        if chain is None:
            return True
        parts = chain.split(".")
        self.found.extend(".".join(parts[:i]) for i in range(1, len(parts) + 1))
        return False


def guard_names(expression: cst.BaseExpression) -> Tuple[str, ...]:
    """The names and attribute chains a condition reads (``hub.client`` → ``hub``, ``hub.client``)."""
    collector = _Names()
    expression.visit(collector)
    return tuple(dict.fromkeys(collector.found))
