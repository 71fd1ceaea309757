"""What the extractor records about references that hide: exceptions and tracebacks however they
are kept, locals that keep a frame (or the last work item) alive, and objects made with ``self``
that ``self`` keeps — the facts behind RL402, RL403, RL404 and RL405.

A mixin of :class:`~retainlint.extract.visitor.FactVisitor`: it shares the visitor's scope stack
and helpers (``frame``, ``function_frame``, ``qualify``, ``ref_of``, ``span`` …).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Set, Tuple

import libcst as cst

from retainlint.extract.names import spelled_as_class
from retainlint.facts import BackReference, FrameHold, Ref, Span, StoredException

# Methods whose call blocks for the next item of work: ``item = queue.get()``, ``conn.recv()``.
# ``get`` counts only as a queue's (no key argument, or ``block=``/``timeout=``) or when awaited.
_BLOCKING_TAKES = {"recv", "receive", "accept", "read_message", "get_message", "next_event"}
_RUN_METHODS = {"run", "execute", "process", "handle", "__call__", "send", "apply"}
_EXC_INFO_NAMES = {"exc_info", "excinfo", "exc_info_tuple"}
_FRAME_CALLS = {"sys._getframe", "inspect.currentframe", "inspect.stack"}


@dataclass
class HoldState:
    """Per-function state: locals holding an exception of this frame, and locals taking items
    in endless loops (each with the loop they belong to)."""

    exception_locals: Dict[str, Tuple[str, Span]] = field(default_factory=dict)
    endless_loops: List[int] = field(default_factory=list)
    loop_items: Dict[str, Tuple[int, Span, bool]] = field(default_factory=dict)  # loop, where, awaited
    jobs: Set[str] = field(default_factory=set)  # loop items the loop runs: ``item()``, ``item.run()``


class HoldingMixin:
    # ------------------------------------------------------------------ kinds of exception values
    def exception_kind(self, value: cst.BaseExpression) -> str:
        """"exception", "exc_info" or "traceback" when the value is one, else ""."""
        if isinstance(value, cst.Name):
            frame = self.function_frame()
            return frame.exceptions.get(value.value, "") if frame is not None else ""
        if isinstance(value, cst.Call) and self.qualify(value.func) == "sys.exc_info":
            return "exc_info"
        if isinstance(value, cst.Subscript):
            return self._exc_info_element(value)
        if isinstance(value, cst.Attribute) and value.attr.value in ("__traceback__", "tb_frame"):
            return "traceback"
        if self.qualify(value) in ("sys.last_traceback", "sys.last_value", "sys.last_exc"):
            return "exception"
        return ""

    def _exc_info_element(self, value: cst.Subscript) -> str:
        """``sys.exc_info()[2]``, ``exc_info[1]`` (a local or a parameter named for the triple)."""
        base = value.value
        is_triple = (isinstance(base, cst.Call) and self.qualify(base.func) == "sys.exc_info") or (
            isinstance(base, cst.Name) and (base.value in _EXC_INFO_NAMES or self.exception_kind(base) == "exc_info"))
        if not is_triple or len(value.slice) != 1 or not isinstance(value.slice[0].slice, cst.Index):
            return "traceback" if is_triple else ""
        index = value.slice[0].slice.value
        position = index.value if isinstance(index, cst.Integer) else ""
        return {"1": "exception", "2": "traceback"}.get(position, "")

    def _stored_exception(self, ref: Ref, value: cst.BaseExpression, via: str, span: Span) -> None:
        what = self.exception_kind(value) or self._exception_inside(value) or self._frame(value)
        if not (what and (ref.kind in ("self", "global") or via == "set")):
            return
        stored = StoredException(ref, what, via, self.current_function(), span, in_loop=self.in_loop(),
                                 guarded=self.guarded())
        if ref.kind == "global" and ref.owner == self.facts.module:  # or a closure's, bound further down
            self._emit_for_name(ref.name, lambda: self.facts.stored_exceptions.append(stored))
        else:
            self.facts.stored_exceptions.append(stored)

    def _exception_inside(self, value: cst.BaseExpression) -> str:
        """``(time.time(), exc)``, ``Event(exception=e)``: a tuple, a list or an object built around
        the exception keeps it as well.  A call to a function (``str(e)``, ``format_exc()``) makes
        a summary instead."""
        if isinstance(value, (cst.Tuple, cst.List)):
            parts = [element.value for element in value.elements]
        elif isinstance(value, cst.Call) and self.qualify(value.func).rsplit(".", 1)[-1][:1].isupper():
            parts = [arg.value for arg in value.args]
        else:
            return ""
        return next((what for what in map(self.exception_kind, parts) if what), "")

    def _frame(self, value: cst.BaseExpression) -> str:
        """``sys._getframe()``, ``inspect.currentframe()``: a live frame, with every local it holds."""
        if isinstance(value, cst.Call) and self.qualify(value.func) in _FRAME_CALLS:
            return "frame"
        return ""

    # ------------------------------------------------------------------ locals that keep frames
    def hold_state(self) -> Optional[HoldState]:
        frame = self.function_frame()
        return frame.hold if frame is not None else None

    def note_local_binding(self, name: str, value: cst.BaseExpression) -> None:
        """A local bound to an exception of this frame, or to an item taken in an endless loop;
        rebinding it to anything else (``err = None``) lets go."""
        state = self.hold_state()
        if state is None:
            return
        what = self.exception_kind(value)
        if what and self._of_this_frame(value):
            state.exception_locals[name] = (what, self.span(value))
        else:
            state.exception_locals.pop(name, None)
        if state.endless_loops and _blocking_take(value):
            state.loop_items[name] = (state.endless_loops[-1], self.span(value), isinstance(value, cst.Await))
            state.jobs.discard(name)
        elif name in state.loop_items and _is_none(value):
            state.loop_items.pop(name)

    def _of_this_frame(self, value: cst.BaseExpression) -> bool:
        """The exception being handled here — ``sys.exc_info()`` or the ``except … as e`` name —
        whose traceback runs through this frame (an exception handed in does not)."""
        if isinstance(value, cst.Subscript):
            value = value.value
        frame = self.function_frame()
        if isinstance(value, cst.Call):  # in a handler of this function: a helper the caller's
            # handler calls reads the caller's exception, whose traceback never reaches it
            return self.qualify(value.func) == "sys.exc_info" and frame is not None and frame.handler_depth > 0
        return isinstance(value, cst.Name) and frame is not None and value.value in frame.handler_names

    def note_raised_local(self, node: cst.Raise) -> None:
        """``error = StorageError(…); raise error``: the raised exception's traceback holds this
        frame, and the frame's local still holds the exception — unlike an ``except … as e`` name,
        which Python deletes as the handler is left."""
        state, frame = self.hold_state(), self.function_frame()
        raised = node.exc
        if state is None or frame is None or not isinstance(raised, cst.Name):
            return
        name = raised.value
        if (name in frame.params or name in frame.assigned) and name not in frame.handler_names:
            state.exception_locals[name] = ("raised", self.span(node))

    def note_unpacked_exc_info(self, targets: Sequence[cst.BaseExpression], value: cst.BaseExpression,
                               span: Span) -> bool:
        """``exc, tb = sys.exc_info()[1:]`` / ``t, v, tb = sys.exc_info()``; True when handled."""
        call, start = value, 0
        if isinstance(value, cst.Subscript) and len(value.slice) == 1 and isinstance(value.slice[0].slice, cst.Slice):
            lower = value.slice[0].slice.lower
            call, start = value.value, int(lower.value) if isinstance(lower, cst.Integer) else 0
        if not (isinstance(call, cst.Call) and self.qualify(call.func) == "sys.exc_info"):
            return False
        frame = self.function_frame()
        state = self.hold_state() if frame is not None and frame.handler_depth > 0 else None
        kinds = ("type", "exception", "traceback")[start:]
        for target, what in zip(targets, kinds):
            if isinstance(target, cst.Name) and frame is not None:
                frame.assigned.add(target.value)
                if what != "type":
                    frame.exceptions[target.value] = what
                    if state is not None:
                        state.exception_locals[target.value] = (what, span)
        return True

    def note_item_run(self, func: cst.BaseExpression) -> None:
        """``work_item.run()`` / ``callback()`` on a loop's item: the loop is a worker running jobs."""
        state = self.hold_state()
        if state is None or not state.loop_items:
            return
        if isinstance(func, cst.Attribute) and func.attr.value in _RUN_METHODS:
            func = func.value
        if isinstance(func, cst.Name) and func.value in state.loop_items:
            state.jobs.add(func.value)

    def note_released_local(self, name: str) -> None:
        """``del tb`` / ``traceback.clear_frames(tb)``."""
        state = self.hold_state()
        if state is not None:
            state.exception_locals.pop(name, None)
            state.loop_items.pop(name, None)

    def in_endless_loop(self) -> bool:
        """Inside a ``while True:`` of the current function."""
        state = self.hold_state()
        return state is not None and bool(state.endless_loops)

    def enter_endless_loop(self, node: cst.While) -> None:
        state = self.hold_state()
        if state is not None and isinstance(node.test, cst.Name) and node.test.value == "True":
            state.endless_loops.append(id(node))

    def leave_endless_loop(self, node: cst.While) -> None:
        state = self.hold_state()
        if state is None or not state.endless_loops or state.endless_loops[-1] != id(node):
            return
        state.endless_loops.pop()
        for name, (loop, span, awaited) in list(state.loop_items.items()):
            if loop == id(node):
                del state.loop_items[name]
                what = "awaited item" if awaited else "job" if name in state.jobs else "item"
                self.facts.frame_holds.append(FrameHold(function=self.current_function() or "", local=name,
                                                        what=what, kind="last-item", span=span))

    def flush_frame_holds(self, state: HoldState, function: str) -> None:
        for name, (what, span) in state.exception_locals.items():
            self.facts.frame_holds.append(FrameHold(function=function, local=name, what=what, kind="cycle",
                                                    span=span))

    # ------------------------------------------------------------------ objects made with self
    def note_back_reference(self, ref: Ref, value: cst.BaseExpression, span: Span) -> None:
        """``self.x = C(self)`` or ``C(cb=self.method)``, also through ``C(**kwargs)`` where
        ``kwargs`` is a dict literal built just before."""
        if ref.kind != "self" or not isinstance(value, cst.Call):
            return
        cls = self.qualify(value.func)
        if not cls or cls.startswith(("self.", "cls.")) or not spelled_as_class(cls):
            return
        for argument, handed in self._handed_self(value.args):
            self.facts.back_references.append(BackReference(ref=ref, cls=cls, argument=argument, handed=handed,
                                                            function=self.current_function(), span=span))

    def _handed_self(self, args: Sequence[cst.Arg]):
        self_name, _ = self._self_context()
        if not self_name:
            return
        for position, arg in enumerate(args):
            if arg.star == "**" and isinstance(arg.value, cst.Name):
                yield from self._handed_in_dict(arg.value.value, self_name)
                continue
            handed = _self_or_method(arg.value, self_name)
            if handed:
                yield (arg.keyword.value if arg.keyword is not None else f"#{position}"), handed

    def _handed_in_dict(self, name: str, self_name: str):
        frame = self.function_frame()
        local = frame.locals.get(name) if frame is not None else None
        if local is None or not isinstance(local.value, cst.Dict):
            return
        for element in local.value.elements:
            if isinstance(element, cst.DictElement) and isinstance(element.key, cst.SimpleString):
                handed = _self_or_method(element.value, self_name)
                key = element.key.evaluated_value
                if handed and isinstance(key, str):
                    yield key, handed


def _blocking_take(value: cst.BaseExpression) -> bool:
    """``queue.get()``, ``queue.get(block=True)``, ``await queue.get()``, ``sock.recv(…)``."""
    awaited = isinstance(value, cst.Await)
    call = value.expression if awaited else value
    if not isinstance(call, cst.Call) or not isinstance(call.func, cst.Attribute):
        return False
    method = call.func.attr.value
    if method in _BLOCKING_TAKES:
        return True
    if method != "get":
        return False
    positional = [a for a in call.args if a.keyword is None]
    keywords = {a.keyword.value for a in call.args if a.keyword is not None}
    if any(a.keyword is not None and a.keyword.value == "block" and isinstance(a.value, cst.Name)
           and a.value.value == "False" for a in call.args):
        return False  # ``get(block=False)`` takes what is there and raises ``Empty``: the loop waits for nothing
    return awaited and not call.args or not positional and (not keywords or keywords <= {"block", "timeout"}) \
        or bool(keywords & {"block", "timeout"})


def _self_or_method(value: cst.BaseExpression, self_name: str) -> str:
    if isinstance(value, cst.Name) and value.value == self_name:
        return "self"
    if isinstance(value, cst.Attribute) and isinstance(value.value, cst.Name) and value.value.value == self_name:
        return value.attr.value
    return ""


def _is_none(value: cst.BaseExpression) -> bool:
    return isinstance(value, cst.Name) and value.value == "None"


def released_name(call: cst.Call, qualify) -> Optional[str]:
    """The local a ``traceback.clear_frames(tb)`` call lets go of."""
    if qualify(call.func) == "traceback.clear_frames" and call.args and isinstance(call.args[0].value, cst.Name):
        return call.args[0].value.value
    return None
