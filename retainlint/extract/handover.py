"""What the extractor records about values handed from one place to another: arguments a callee
may keep (fresh containers, the exception being handled, a caller's own container), a container
a function grows for its caller, bound methods handed to what holds them weakly, and process-wide
hooks installed in a chain.  The link stage (:mod:`retainlint.link.handed`) follows them.

A mixin of :class:`~retainlint.extract.visitor.FactVisitor`: it uses the visitor's ``facts``,
``kb``, ``frame``/``function_frame``, ``qualify``, ``ref_of``, ``span``, ``container_kind``,
``exception_kind``, ``current_function``, ``_self_context``, ``_class_methods``, ``lambda_depth``
and ``_listener``.
"""

from __future__ import annotations

import re
from typing import Iterator, Optional, Tuple

import libcst as cst

from retainlint.extract.names import builds_object, dotted, source_of
from retainlint.facts import ParamMutation, Ref, WeakBound

_NUMBER_CALLS = {"len", "int", "float", "round", "abs", "time.time", "time.monotonic", "time.perf_counter",
                 "time.time_ns", "time.monotonic_ns", "time.perf_counter_ns"}
_WEAK_REFERENCES = {"weakref.ref", "weakref.proxy"}  # not WeakMethod: made for bound methods


class HandoverMixin:
    """Facts about values handed over (see the module's docstring)."""

    def _param_mutation(self, target: cst.BaseExpression, op: str, method: str, node: cst.CSTNode,
                        element: bool) -> None:
        """``callbacks.append(cb)``, ``del results[k]`` on a parameter the function never rebinds:
        the caller's container."""
        frame = self.function_frame()
        if op not in ("grow", "shrink") or element or not isinstance(target, cst.Name) or frame is None or \
                target.value not in frame.params or target.value in frame.assigned or self.lambda_depth or \
                target.value == frame.self_name:  # ``self.update()``: the object's own method, not a dict's
            return
        self.facts.param_mutations.append(ParamMutation(function=frame.qualname, param=target.value, op=op,
                                                        method=method, span=self.span(node)))

    def _fresh_arguments(self, node: cst.Call) -> Tuple[Tuple[str, str], ...]:
        """Growable containers made for this call (``Exporter(spans={})``): whoever keeps the
        parameter keeps a container of its own, as if it had built it."""
        found = []
        for slot, value in _slots(node):
            kind = self.container_kind(value)
            if kind is not None and not (kind.bounded or kind.weak or kind.text):
                found.append((slot, kind.constructor))
        return tuple(found)

    def _argument_domains(self, node: cst.Call, classify: bool = True) -> Tuple[Tuple[str, str], ...]:
        """The key domain of each argument (``warn_once("deprecated")``: a literal): where a
        function keys a container by a parameter, its callers' arguments say what it grows with.
        A parameter of the caller passed on is ``param:<name>=<domain>``: its own callers say what
        it is.  Without ``classify`` (every call on an object of unknown class) only that is told,
        the rest is ``unknown``: enough to see that a call leaves a parameter at its default."""
        found = []
        for slot, value in _slots(node):
            domain = self.classify_key(value).domain if classify else "unknown"
            if domain == "unknown" and isinstance(value, (cst.Call, cst.Await)):
                domain = "returned"  # what a call returns: maybe a new object each time (see passed_domain)
            param = self._param_name(value)
            found.append((slot, f"param:{param}={domain}" if param else domain))
        if any(arg.star for arg in node.args):
            found.append(("*", "unknown"))
        return tuple(found)

    def _built_arguments(self, node: cst.Call) -> Tuple[Tuple[str, str], ...]:
        """Objects built for this call, directly (``Base(Consumer(ch))``) or in a local
        (``consumer = Consumer(ch); super().__init__(consumer)``): a constructor that keeps the
        parameter keeps an object of its own, not one shared with others."""
        found = []
        frame = self.function_frame()
        for slot, value in _slots(node):
            local = frame.locals.get(value.value) if isinstance(value, cst.Name) and frame is not None else None
            built = self.class_of_value(value) if isinstance(value, cst.Call) else local.created if local else ""
            if built:
                found.append((slot, built))
        return tuple(found)

    def _container_arguments(self, node: cst.Call) -> Tuple[Tuple[str, Ref], ...]:
        """Arguments that name a module-level or ``self`` slot (the link stage keeps the containers)."""
        found = []
        for slot, value in _slots(node):
            literal = isinstance(value, cst.Name) and value.value in ("True", "False", "None")
            ref = self.ref_of(value) if isinstance(value, (cst.Name, cst.Attribute)) and not literal else None
            if ref is not None and ref.kind in ("global", "self"):
                found.append((slot, ref))
        return tuple(found)

    def _exception_arguments(self, node: cst.Call) -> Tuple[str, ...]:
        """Arguments that are the exception (or traceback) being handled: the callee may keep it."""
        return tuple(arg.keyword.value if arg.keyword else f"#{position}"
                     for position, arg in enumerate(node.args) if not arg.star and self.exception_kind(arg.value))

    def _weak_reference(self, node: cst.Call) -> None:
        """``weakref.ref(self.on_x)``: a weak reference to what may be a fresh bound method."""
        constructor = self.qualify(node.func)
        if constructor not in _WEAK_REFERENCES or not node.args:
            return
        attribute = self.self_attribute(node.args[0].value)
        function, (_, class_qualname) = self.current_function(), self._self_context()
        if attribute and function and class_qualname:
            self.facts.weak_bounds.append(WeakBound(function=function, class_qualname=class_qualname,
                                                    attribute=attribute, via=constructor, span=self.span(node)))

    def _hook_assignment(self, target: cst.BaseExpression, value: cst.BaseExpression, node: cst.CSTNode) -> None:
        """``self._previous = sys.excepthook; sys.excepthook = self._hook``: a hook installed
        that chains to the one before it.  Each object that does so keeps the previous hook — the
        previous object's bound method — so every such object stays alive for good.  Assigning
        anything but a method of ``self`` (``sys.excepthook = self._previous``) restores it."""
        frame = self.function_frame()
        if frame is None:
            return
        saved = self.qualify(value)
        if saved in self.kb.hook_attributes:
            frame.hooks_saved.add(saved)
            return
        hook = self.qualify(target)
        if hook not in self.kb.hook_attributes:
            return
        attribute, method, saved = hook.rpartition(".")[2], self.self_attribute(value), hook in frame.hooks_saved
        if method and not saved and method in self._class_methods():
            return  # a method installed without keeping the previous hook: it replaces, nothing chains
        installs = bool(method) and saved
        self._listener("add" if installs else "remove_all", "hook", attribute, hook, "global", None,
                       self.current_function(), self.span(node), callback=source_of(value) if installs else "",
                       callback_self=installs)

    def _reads_entry(self, value: Optional[cst.BaseExpression], container: cst.BaseExpression) -> bool:
        """The stored value is computed from the container's own entry (``d.get(k, 0) + 1``, or a
        local bound to that): a count kept across calls, not state of the current one."""
        frame = self.function_frame()
        if isinstance(value, cst.Name) and frame is not None and value.value in frame.locals:
            value = frame.locals[value.value].value
        if value is None:
            return False
        text, name = source_of(value), source_of(container)
        return f"{name}.get(" in text or f"{name}[" in text

    def self_attribute(self, value: Optional[cst.BaseExpression]) -> str:
        """``x`` when the value is ``self.x`` (a bound method, if ``x`` is a method), else ""."""
        self_name = self._self_context()[0]
        if isinstance(value, cst.Attribute) and isinstance(value.value, cst.Name) and self_name and \
                value.value.value == self_name:
            return value.attr.value
        return ""

    def _number(self, value: Optional[cst.BaseExpression], depth: int = 0) -> bool:
        """The value is visibly a number: a numeric literal, a difference or quotient, a clock
        reading or a length, or a local bound to one."""
        if isinstance(value, (cst.Integer, cst.Float)):
            return True
        if isinstance(value, cst.BinaryOperation):
            return isinstance(value.operator, (cst.Subtract, cst.Divide, cst.FloorDivide, cst.Power))
        if isinstance(value, cst.Call):
            return self.qualify(value.func) in _NUMBER_CALLS
        frame = self.function_frame()
        if isinstance(value, cst.Name) and frame is not None and depth == 0:
            local = frame.locals.get(value.value)
            return local is not None and local.value is not None and self._number(local.value, depth + 1)
        return False


def _slots(node: cst.Call) -> Iterator[Tuple[str, cst.BaseExpression]]:
    """(``#position`` or keyword, value) of a call's arguments, up to the first ``*``/``**``
    (after it, positions no longer say which parameter takes a value)."""
    for position, arg in enumerate(node.args):
        if arg.star:
            return
        yield (arg.keyword.value if arg.keyword else f"#{position}"), arg.value


def sampling_test(test: cst.BaseExpression) -> bool:
    """``if not count % N:`` / ``if count % N == 0:``: the body runs once every N times."""
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        test = test.expression
        return isinstance(test, cst.BinaryOperation) and isinstance(test.operator, cst.Modulo)
    return isinstance(test, cst.Comparison) and len(test.comparisons) == 1 and \
        isinstance(test.comparisons[0].operator, cst.Equal) and isinstance(test.left, cst.BinaryOperation) and \
        isinstance(test.left.operator, cst.Modulo) and isinstance(test.comparisons[0].comparator, cst.Integer) and \
        test.comparisons[0].comparator.value == "0"


def _keeps_its_arguments(call: cst.Call) -> bool:
    """A constructor (a class, by the PEP 8 spelling ``Wrapper``) or ``partial``: what it returns
    holds what it was given."""
    return builds_object(call) or (dotted(call.func) or "").rsplit(".", 1)[-1] == "partial"


def refers_to_key(value: Optional[cst.BaseExpression], key: Optional[cst.BaseExpression]) -> bool:
    """The value keeps its own key alive: the key itself, or a tuple, an object built from it or a
    lambda that takes it (``d[obj] = Wrapper(obj)``, ``d[obj] = (obj, time())``,
    ``partial(f, obj)``).  An attribute of the key (``obj.name``) is a value read from it, and what
    a function computes from it (``d[r] = parse(get_url(r))``) is a result, not a reference: only
    a class keeps what it is given."""
    if not isinstance(key, cst.Name) or value is None:
        return False
    name = key.value
    if isinstance(value, cst.Name):
        return value.value == name
    if isinstance(value, (cst.Tuple, cst.List, cst.Set)):
        return any(refers_to_key(element.value, key) for element in value.elements)
    if isinstance(value, cst.Call):
        return _keeps_its_arguments(value) and any(refers_to_key(arg.value, key) for arg in value.args)
    if isinstance(value, cst.Lambda):
        return re.search(rf"\b{re.escape(name)}\b", source_of(value.body)) is not None
    return False
