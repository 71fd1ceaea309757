"""RL406: a bound method held only weakly — the opposite of a leak, and as silent.

``self.on_event`` makes a new bound-method object each time it is read.  Put in a ``WeakSet`` or
a ``WeakValueDictionary``, or wrapped in ``weakref.ref``/``proxy``, nothing else holds that object,
so it dies at once: the subscription silently never fires, and code written to "avoid a leak" this
way loses its callbacks.  ``weakref.WeakMethod`` exists for this.
"""

from __future__ import annotations

from typing import Iterator, Optional

from retainlint.checks.context import Context
from retainlint.facts import Listener, Span
from retainlint.findings import Finding
from retainlint.registry import check

# weak containers whose grown *value* is what they hold weakly (a WeakKeyDictionary holds its key)
_VALUE_WEAK = ("weakref.WeakSet", "weakref.WeakValueDictionary")


def _method(project, cls: str, attribute: str) -> Optional[str]:
    """The qualified name of ``cls.attribute`` when it is a plain method (not a property or a
    static method, which are no bound methods), found on the class or one of its bases."""
    for owner in [cls] + project.ancestors(cls):
        fact = project.functions.get(f"{owner}.{attribute}")
        if fact is not None:
            plain = not any(d.endswith(("property", "staticmethod", "cached_property")) for d in fact.decorators)
            return fact.qualname if plain else None
    return None


def _finding(ctx: Context, path: str, span: Span, function: str, method: str, holder: str) -> Finding:
    project = ctx.project
    label = project.function_label(function)
    name = method.rsplit(".", 1)[-1]
    return Finding("RL406", f"{label} puts the bound method self.{name} in {holder}, which holds it weakly: a bound "
                            f"method is a new object each time it is read and nothing else holds this one, so it "
                            f"dies at once and the callback is lost; use weakref.WeakMethod(self.{name})",
                   path, span, "high")


@check("RL406")
def bound_method_held_weakly(ctx: Context) -> Iterator[Finding]:
    project = ctx.project
    for facts in project.modules:
        for weak in facts.weak_bounds:
            method = _method(project, weak.class_qualname, weak.attribute)
            if method is not None:
                yield _finding(ctx, facts.path, weak.span, weak.function, method, f"{weak.via}()")
        for mutation in facts.mutations:
            if mutation.op != "grow" or not mutation.bound or mutation.element or not mutation.function:
                continue
            defs = project.containers.get(project.canonical_ref(mutation.ref), [])
            weak = next((d for d in defs if d.weak and d.constructor in _VALUE_WEAK), None)
            cls = project.owner_class(mutation.function)
            method = _method(project, cls, mutation.bound) if weak is not None and cls else None
            if method is not None:
                yield _finding(ctx, facts.path, mutation.span, mutation.function, method,
                               f"{mutation.ref.display()} (a {weak.constructor.rsplit('.', 1)[-1]})")
        for listener in facts.listeners:
            yield from _weak_registration(ctx, facts.path, listener)


def _weak_registration(ctx: Context, path: str, listener: Listener) -> Iterator[Finding]:
    """``BUS.subscribe(self.on_event)`` where the project's ``subscribe`` keeps its callback
    in a weak container."""
    project = ctx.project
    head, _, attribute = listener.callback.partition(".")
    if listener.action != "add" or head != "self" or not attribute.isidentifier() or not listener.function:
        return
    cls = project.owner_class(listener.function)
    method = _method(project, cls, attribute) if cls else None
    if method is not None and project.holds_weakly(listener):
        yield _finding(ctx, path, listener.span, listener.function, method,
                       f"{listener.target} with {listener.method}(), which keeps its callbacks in a weak container")
