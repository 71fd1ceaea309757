"""What arrives through a parameter and is kept on ``self``.

* Containers: a constructor keeps a parameter (``self._spans = spans``) and a caller builds a
  fresh container for it (``Exporter(spans={})``).  The slot then holds a container the object
  owns as surely as if ``__init__`` had built it, so the growth and release analyses treat it as
  one, defined where the constructor stores it.
* Exceptions: a handler passes the exception it caught (``collector.set_exception(e)``) to a
  method that keeps the parameter (``self._exc = exc``): the object now pins its traceback.
* Objects: a constructor keeps a parameter (``self.consumer = consumer``) and every call that
  reaches it — instantiations and subclasses' ``super().__init__(…)`` — passes an object built
  for it (``consumer = Consumer(channel); super().__init__(channel, consumer)``).  The object is
  the instance's own, as if ``__init__`` had built it: what it registers on it dies with both.
* Growth and release through helpers: ``_add_to(_CALLBACKS, cb)`` where ``_add_to`` appends to
  the list it is given grows ``_CALLBACKS``, at the call, as often as the caller runs;
  ``self._flush(self._done)`` where ``_flush`` empties what it is given releases ``_done``.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Dict, Iterator, List, Optional, Set, Tuple

from retainlint.facts import NO_KEY, AttrAssign, Call, ContainerDef, FunctionFact, Mutation, Span, StoredException


def handed_in_containers(project) -> Iterator[ContainerDef]:
    """One definition per constructor slot that some instantiation fills with a fresh container."""
    stored = _stored_parameters(project)
    seen = set()
    for cls in project.classes:
        calls = [call for call in project.callgraph.instantiated_at(cls) if call.fresh]
        init = constructor(project, cls) if calls else None
        if init is None or init.qualname not in stored:
            continue
        for call in calls:
            for slot, made in call.fresh:
                for assign in stored[init.qualname].get(parameter(init, slot), ()):
                    if (assign.ref, made) not in seen:
                        seen.add((assign.ref, made))
                        yield ContainerDef(ref=assign.ref, scope="instance", constructor=made, bounded=False,
                                           weak=False, text=False, function=init.qualname, span=assign.span)


def handed_in_objects(project) -> Set[Tuple[str, str]]:
    """(class, attribute) slots a constructor fills from a parameter for which every call that
    reaches the constructor builds a new object."""
    stored = _stored_parameters(project)
    found: Set[Tuple[str, str]] = set()
    for init_name, reaching in project.constructor_calls.items():
        if init_name not in stored:
            continue
        init = project.functions[init_name]
        for param, assigns in stored[init_name].items():
            if all(any(parameter(init, slot) == param for slot, _ in call.built) for call in reaching):
                found.update((assign.ref.owner, assign.ref.name) for assign in assigns)
    return found


def constructor_calls(project) -> Dict[str, List[Call]]:
    """Per constructor, the calls that run it: instantiations of the classes it makes, and
    subclasses' ``super().__init__(…)``."""
    calls: Dict[str, List[Call]] = defaultdict(list)
    for cls in project.classes:
        init = constructor(project, cls)
        if init is not None:
            calls[init.qualname].extend(project.callgraph.instantiated_at(cls))
    for facts in project.modules:
        for call in facts.calls:
            if call.target == "super:__init__":
                for callee in project.callgraph.resolve(call.caller, call.target):
                    calls[callee].append(call)
    return calls


def handed_in_exceptions(project) -> Iterator[StoredException]:
    """Where a method keeps, on ``self``, an exception some caller hands it."""
    stored = _stored_parameters(project, constructors=False)
    seen = set()
    for facts in project.modules:
        for call in facts.calls:
            if not call.exceptions:
                continue
            for callee in project.callgraph.resolve(call.caller, call.target):
                function = project.functions.get(callee)
                if function is None or callee not in stored:
                    continue
                for slot in call.exceptions:
                    for assign in stored[callee].get(parameter(function, slot), ()):
                        if assign.ref.owner == project.owner_class(callee) and (assign.ref, callee) not in seen:
                            seen.add((assign.ref, callee))  # on its own object, however many callers hand it
                            yield StoredException(assign.ref, "exception", "attribute", callee, assign.span)


def _stored_parameters(project, constructors: bool = True) -> Dict[str, Dict[str, List[AttrAssign]]]:
    """Per function (per constructor, by default), which parameters it stores on ``self`` and where."""
    found: Dict[str, Dict[str, List[AttrAssign]]] = {}
    for assign in project.attribute_assignments:
        if assign.param and assign.ref.kind == "self" and assign.function and (
                not constructors or assign.function.rsplit(".", 1)[-1] in ("__init__", "__post_init__")):
            found.setdefault(assign.function, {}).setdefault(assign.param, []).append(assign)
    return found


def constructor(project, cls: str) -> Optional[FunctionFact]:
    """The ``__init__`` that makes instances of the class: its own or the nearest base's."""
    for owner in [cls] + project.ancestors(cls):
        init = project.functions.get(f"{owner}.__init__")
        if init is not None:
            return init
    return None


def handed_in_mutations(project) -> Iterator[Mutation]:
    """A growth or release of the caller's container at each call of a function that grows or
    empties what it is given.  A release is also found through a call on an object of unknown
    class (``self._protocol.data_received(data, self._results)``) when a project method of that
    name empties what it is given: what removes entries matters more than which class does it."""
    mutators: Dict[str, List] = {}
    for facts in project.modules:
        for mutation in facts.param_mutations:
            mutators.setdefault(mutation.function, []).append(mutation)
    if not mutators:
        return
    by_name: Dict[str, List[str]] = {}
    for function in mutators:
        by_name.setdefault(function.rsplit(".", 1)[-1], []).append(function)
    for facts in project.modules:
        for call in facts.calls:
            if not call.containers or call.caller is None:
                continue
            callees = project.callgraph.resolve(call.caller, call.target)
            releases_only = not callees
            if releases_only and call.target.startswith("attr:"):
                callees = by_name.get(call.target.rsplit("|", 1)[-1], [])
            for callee in callees:
                function = project.functions.get(callee)
                for mutation in mutators.get(callee, ()) if function is not None else ():
                    if releases_only and mutation.op != "shrink":
                        continue
                    for slot, ref in call.containers:
                        if parameter(function, slot) == mutation.param:
                            yield Mutation(ref=ref, op=mutation.op, method=mutation.method, function=call.caller,
                                           in_loop=call.in_loop, text_value=False, key=NO_KEY, value="other",
                                           span=Span(call.line, 1, call.line, 1), guarded=call.guarded)


def parameter(function: FunctionFact, slot: str) -> str:
    """``#0`` is the first argument (after ``self`` for a method); a keyword names its parameter."""
    if not slot.startswith("#"):
        return slot
    bound = function.class_qualname and not any(d.endswith("staticmethod") for d in function.decorators)
    position = int(slot[1:]) + (1 if bound else 0)
    return function.params[position] if position < len(function.params) else ""
