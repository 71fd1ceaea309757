"""How long an object lives, judged from the evidence the project shows: the confidence of a finding.

A buffer that only grows is a hazard only while something long-lived holds its object, so growth
findings are rated by the strongest evidence found:

* high   — the reference graph has a chain from a process-lifetime root to the class, or a
           growing method is a listener on a process-lifetime emitter;
* medium — a growing method is a listener on an emitter that is not proven long-lived (it grows
           once per event for as long as that emitter lives);
* low    — nothing here says how long the object lives.  Being held by another object is not
           evidence: an output held by a run that nothing long-lived holds dies with the run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Optional, Tuple

from retainlint.findings import Related
from retainlint.graph import ReferenceGraph, render_chain, short
from retainlint.project import Project


@dataclass(frozen=True)
class Lifetime:
    confidence: str
    reason: str
    related: Tuple[Related, ...] = ()


def object_lifetime(project: Project, graph: ReferenceGraph, class_qualname: str,
                    growing_functions: Iterable[Optional[str]]) -> Lifetime:
    name = short(class_qualname)
    chain = graph.retention_chain(class_qualname)
    if chain:
        related = tuple(Related(link.path, link.span, link.label) for link in chain[:-1] if link.path)
        return Lifetime("high", f"{name} instances are retained by {render_chain(chain)}", related)
    family = project.family(class_qualname)
    for function in growing_functions:
        method = (function or "").rsplit(".", 1)[-1]
        for path, listener in project.method_listeners.get(method, ()):
            if project.owner_class(listener.function) in family and not project.is_removed(listener):
                confidence = "high" if listener.target_kind == "global" else "medium"
                return Lifetime(confidence, f"{name}.{method}() is a listener on {listener.target} and runs on "
                                            f"every event it emits",
                                (Related(path, listener.span, "registered here"),))
    return Lifetime("low", f"nothing here shows how long {name} instances live")
