"""How long an object lives, judged from the evidence the project shows: the holder side of a
finding's confidence.

A buffer that grows is a hazard only while something long-lived holds its object, so growth
findings are rated by the strongest evidence found:

* process — the reference graph has a chain from a process-lifetime root to the class, or a
            growing method is a listener on a process-lifetime emitter;
* long    — a growing method is a listener on an emitter that is not proven long-lived (it grows
            once per event for as long as that emitter lives), or every instance is made by code
            that runs once (setup, ``main``);
* short   — every instance the project makes is made by code that runs per call and kept in a
            local, handed to a call or used in a ``with``: it dies with that call;
* unknown — nothing here says.  Being held by another object is not evidence: an output held by a
            run that nothing long-lived holds dies with the run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Optional, Tuple

from retainlint.findings import Related
from retainlint.graph import ReferenceGraph, render_chain, short
from retainlint.link.callgraph import MODULE, ONCE
from retainlint.project import Project

PROCESS, LONG, SHORT, UNKNOWN = "process", "long", "short", "unknown"
_CONFIDENCE = {PROCESS: "high", LONG: "medium", SHORT: "low", UNKNOWN: "low"}
_DIES_WITH_THE_CALL = {"local", "argument", "statement", "with"}


@dataclass(frozen=True)
class Lifetime:
    level: str
    reason: str
    related: Tuple[Related, ...] = ()

    @property
    def confidence(self) -> str:
        """The confidence this evidence alone gives a finding about the object."""
        return _CONFIDENCE[self.level]


def object_lifetime(project: Project, graph: ReferenceGraph, class_qualname: str,
                    growing_functions: Iterable[Optional[str]]) -> Lifetime:
    name = short(class_qualname)
    chain = graph.retention_chain(class_qualname)
    if chain:
        related = tuple(Related(link.path, link.span, link.label) for link in chain[:-1] if link.path)
        return Lifetime(PROCESS, f"{name} instances are retained by {render_chain(chain)}", related)
    family = project.family(class_qualname)
    for function in growing_functions:
        method = (function or "").rsplit(".", 1)[-1]
        for path, listener in project.method_listeners.get(method, ()):
            if project.owner_class(listener.function) in family and not project.is_removed(listener) \
                    and not project.owns_target(listener):  # its own emitter dies with it
                level = PROCESS if listener.target_kind == "global" else LONG
                return Lifetime(level, f"{name}.{method}() is a listener on {listener.target} and runs on "
                                       f"every event it emits", (Related(path, listener.span, "registered here"),))
    return _from_instantiations(project, class_qualname, name)


def _from_instantiations(project: Project, class_qualname: str, name: str) -> Lifetime:
    sites = [site for member in project.family(class_qualname)
             for site in project.callgraph.instantiated_at(member)]
    if not sites:
        return Lifetime(UNKNOWN, f"nothing here shows how long {name} instances live")
    kinds = {project.function_kind(site.caller) for site in sites}
    if kinds <= {MODULE, ONCE}:
        return Lifetime(LONG, f"{name} is made only by code that runs once")
    if all(site.use in _DIES_WITH_THE_CALL for site in sites):
        where = project.function_label(sites[0].caller)
        return Lifetime(SHORT, f"every {name} is made per call (in {where}) and dropped when the call ends")
    return Lifetime(UNKNOWN, f"nothing here shows how long {name} instances live")
