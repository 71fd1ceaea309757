"""What arrives through a parameter and is kept on ``self``.

* Containers: a constructor keeps a parameter (``self._spans = spans``) and a caller builds a
  fresh container for it (``Exporter(spans={})``).  The slot then holds a container the object
  owns as surely as if ``__init__`` had built it, so the growth and release analyses treat it as
  one, defined where the constructor stores it.
* Exceptions: a handler passes the exception it caught (``collector.set_exception(e)``) to a
  method that keeps the parameter (``self._exc = exc``): the object now pins its traceback.
"""

from __future__ import annotations

from typing import Dict, Iterator, List, Tuple

from retainlint.facts import AttrAssign, ContainerDef, StoredException


def handed_in_containers(project) -> Iterator[ContainerDef]:
    """One definition per constructor slot that some instantiation fills with a fresh container."""
    stored = _stored_parameters(project)
    seen = set()
    for cls in project.classes:
        init = _constructor(project, cls)
        if init is None or init.qualname not in stored:
            continue
        for call in project.callgraph.instantiated_at(cls):
            for slot, constructor in call.fresh:
                parameter = _parameter(init.params, slot)
                for assign in stored[init.qualname].get(parameter, ()):
                    if (assign.ref, constructor) not in seen:
                        seen.add((assign.ref, constructor))
                        yield ContainerDef(ref=assign.ref, scope="instance", constructor=constructor, bounded=False,
                                           weak=False, text=False, function=init.qualname, span=assign.span)


def handed_in_exceptions(project) -> Iterator[StoredException]:
    """Where a method keeps, on ``self``, an exception some caller hands it."""
    stored = _stored_parameters(project, constructors=False)
    for facts in project.modules:
        for call in facts.calls:
            if not call.exceptions:
                continue
            for callee in project.callgraph.resolve(call.caller, call.target):
                function = project.functions.get(callee)
                if function is None or callee not in stored:
                    continue
                for slot in call.exceptions:
                    for assign in stored[callee].get(_parameter(function.params, slot), ()):
                        yield StoredException(assign.ref, "exception", "attribute", callee, assign.span)


def _stored_parameters(project, constructors: bool = True) -> Dict[str, Dict[str, List[AttrAssign]]]:
    """Per function (per constructor, by default), which parameters it stores on ``self`` and where."""
    found: Dict[str, Dict[str, List[AttrAssign]]] = {}
    for assign in project.attribute_assignments:
        if assign.param and assign.ref.kind == "self" and assign.function and (
                not constructors or assign.function.rsplit(".", 1)[-1] in ("__init__", "__post_init__")):
            found.setdefault(assign.function, {}).setdefault(assign.param, []).append(assign)
    return found


def _constructor(project, cls: str):
    for owner in [cls] + project.ancestors(cls):
        init = project.functions.get(f"{owner}.__init__")
        if init is not None:
            return init
    return None


def _parameter(params: Tuple[str, ...], slot: str) -> str:
    """``#0`` is the first argument after ``self``; a keyword names its parameter."""
    if not slot.startswith("#"):
        return slot
    position = int(slot[1:]) + 1
    return params[position] if position < len(params) else ""
