"""How long an object lives, judged from the evidence the project shows: the holder side of a
finding's confidence.

A buffer that grows is a hazard only while something long-lived holds its object, so growth
findings are rated by the strongest evidence found:

* process — the reference graph has a chain from a process-lifetime root to the class, or a
            growing method is a listener on a process-lifetime emitter;
* long    — a growing method is a listener on an emitter that is not proven long-lived (it grows
            once per event for as long as that emitter lives), only a global of a module's
            ``__main__`` block holds the object (long-lived only when that module is the script),
            or the chain passes a slot a per-call function binds anew (it keeps one object at
            a time, for as long as it is the current one);
* short   — an iterator (consumed once, it holds one stream), every instance is yielded by a
            context manager for one with block, or every instance the project
            makes is made by code that runs per call and kept in a
            local, handed to a call or used in a ``with``: it dies with that call;
* internal — the project makes every instance and keeps them on objects no root is shown to
            hold: bookkeeping of a run, a request, a parse — not evidence of long life;
* unknown — nothing here says: the project never makes one (its users do) or a factory returns
            it.  Being held by another object is not evidence: an output held by a run that
            nothing long-lived holds dies with the run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Optional, Tuple

from retainlint.findings import Related
from retainlint.graph import ReferenceGraph, render_chain, short
from retainlint.link.callgraph import MODULE, ONCE, PER_CALL
from retainlint.project import CONSTRUCTORS, Project

PROCESS, LONG, SHORT, INTERNAL, UNKNOWN = "process", "long", "short", "internal", "unknown"
_CONFIDENCE = {PROCESS: "high", LONG: "medium", SHORT: "low", INTERNAL: "low", UNKNOWN: "low"}
_DIES_WITH_THE_CALL = {"local", "joined", "argument", "statement", "with", "receiver"}


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
    if chain and len(chain) == 1 and _registered_base(project, class_qualname):
        factories = instantiations(project, class_qualname)
        made = _from_instantiations(project, class_qualname, name, factories)
        per_call = bool(factories) and all(project.function_kind(site.caller) == PER_CALL for site in factories)
        if made.level == SHORT or (per_call and made.level == INTERNAL):
            return made  # a handler the project makes for one call is no registered singleton
        if per_call:
            where = project.function_label(factories[0].caller)
            return Lifetime(UNKNOWN, f"every {name} is made anew per call (in {where}) and handed to its caller: "
                                     f"nothing here shows it registered for longer than that")
    functions = [f for f in growing_functions if f]
    if chain and functions and all(f.rsplit(".", 1)[-1] in CONSTRUCTORS for f in functions) \
            and not graph.held_beyond_import_instances(class_qualname):
        # what a constructor stores on the few instances made at import is fixed; the instances
        # made as the program runs are not shown to be held
        sites = [site for site in instantiations(project, class_qualname) if site.caller is not None]
        return _from_instantiations(project, class_qualname, name, sites)
    if chain and len(chain) == 1:  # the class itself is a root: a long-lived base, such as a thread
        sites = instantiations(project, class_qualname)
        if sites and all(site.use == "joined" for site in sites):  # started and joined by the call that made it
            where = project.function_label(sites[0].caller)
            return Lifetime(SHORT, f"every {name} is joined by the call that starts it (in {where}): it has "
                                   f"finished, and is dropped, when that call ends")
    if chain:
        related = tuple(Related(link.path, link.span, link.label) for link in chain[:-1] if link.path)
        if graph.script_only(class_qualname):  # a demo or entry point: long-lived only when run as a script
            if not project.callgraph.script_keeps_running(chain[0].path):
                return Lifetime(SHORT, f"{name} instances are held only by {render_chain(chain)}, in a script's "
                                       f"__main__ block that runs its statements once and exits (it loops nowhere "
                                       f"and hands over to no server or event loop)", related)
            return Lifetime(LONG, f"{name} instances are retained by {render_chain(chain)} when the module runs "
                                  f"as a script", related)
        replaced = graph.replaced_link(class_qualname)
        if replaced is not None:  # one at a time: the call that binds a new one lets the last go
            slot, by = replaced
            return Lifetime(LONG, f"{name} instances are held by {render_chain(chain)}, one at a time: "
                                  f"{project.function_label(by)} binds {slot} anew on every call", related)
        return Lifetime(PROCESS, f"{name} instances are retained by {render_chain(chain)}", related)
    family = project.family(class_qualname)
    for function in growing_functions:
        method = (function or "").rsplit(".", 1)[-1]
        for path, listener in project.method_listeners.get(method, ()):
            if listener.one_shot or not listener.strong or listener.target_kind in ("self", "local_created"):
                continue  # ``future.add_done_callback(self._done)``: held until it fires once, or by its own emitter
            if project.owner_class(listener.function) in family and not project.is_removed(listener) \
                    and not project.owns_target(listener):  # an emitter it builds dies with it
                level = PROCESS if listener.target_kind == "global" else LONG
                return Lifetime(level, f"{name}.{method}() is a listener on {listener.target} and runs on "
                                       f"every event it emits", (Related(path, listener.span, "registered here"),))
    return _from_instantiations(project, class_qualname, name)


def after_run(project: Project, graph: ReferenceGraph, class_qualname: str) -> Optional[Lifetime]:
    """How long a thread object lives once its ``run()`` has returned: ``threading`` drops it
    then, so what counts is another root that holds its instances (a module list of them), or
    else what the places that make it show.  None when the class is no root as a thread."""
    chain = graph.retention_chain(class_qualname)
    if not (chain and len(chain) == 1 and graph.long_lived_base(class_qualname)):
        return None
    other = graph.collecting_root_chain(class_qualname)
    if other is not None:  # ``_STAGES.append(stage)``: kept after its run() returns
        related = tuple(Related(link.path, link.span, link.label) for link in other[:-1] if link.path)
        return Lifetime(PROCESS, f"{short(class_qualname)} instances are retained by {render_chain(other)}", related)
    return _from_instantiations(project, class_qualname, short(class_qualname))


def _from_instantiations(project: Project, class_qualname: str, name: str, sites=None) -> Lifetime:
    """What the places that make instances say: none in the project (users of the library make
    them, or a factory returns them) tells nothing; all of them per call and dropped with the call
    is short; all of them kept on other objects or in setup code that no root reaches is internal
    bookkeeping of something that is not shown to live long.  ``sites``: the instantiations, when
    the caller has them already."""
    sites = instantiations(project, class_qualname) if sites is None else sites
    sites = [site for site in sites if not _copy_of_itself(project, class_qualname, site)] or sites
    if sites and all(site.use == "return" and project.context_manager(site.caller) for site in sites):
        where = project.function_label(sites[0].caller)
        return Lifetime(SHORT, f"every {name} is made for one with block by {where}, a context manager: "
                               f"it serves that block")
    sites = _through_factories(project, sites)
    if not sites or any(site.use == "return" for site in sites):
        if _iterator(project, class_qualname):
            return Lifetime(SHORT, f"{name} is an iterator: it lives while its stream is consumed")
        return Lifetime(UNKNOWN, f"nothing here shows how long {name} instances live")
    if all(site.use.split(":", 1)[0] in _DIES_WITH_THE_CALL and project.function_kind(site.caller) not in (MODULE, ONCE)
           for site in sites):
        where = project.function_label(sites[0].caller)
        return Lifetime(SHORT, f"every {name} is made per call (in {where}) and dropped when the call ends")
    return Lifetime(INTERNAL, f"{name} instances are made inside the project and nothing long-lived is shown "
                              f"to hold them")


def _through_factories(project: Project, sites):
    """A place that returns the new object (``def new_session(self): return BitswapSession(…)``)
    stands for the calls of that factory when they are all in sight and each drops what it gets
    when it ends (libp2p's sessions, kept in a local per fetch).  Where one keeps it — libp2p's swarm,
    handed to the ``BasicHost`` that ``new_host()`` returns — the factory hands it on: as before."""
    found = []
    for site in sites:
        calls = project.callgraph.call_sites(site.caller) if site.use == "return" and site.caller else None
        dropped = calls and project.callgraph.every_call_seen(site.caller) and \
            all(call.use.split(":", 1)[0] in _DIES_WITH_THE_CALL for call in calls)
        found.extend(calls if dropped else [site])
    return found


def _copy_of_itself(project: Project, class_qualname: str, site) -> bool:
    """An instance method of the class that returns a new instance (``def with_params(self):
    return Tracker(…)``): it makes one only from one that exists, so the other places that make
    instances say how long they live.  A classmethod factory (``return cls(…)``) is not: it may
    be how every instance is made."""
    fact = project.functions.get(site.caller or "")
    return site.use == "return" and fact is not None and fact.instance_method \
        and project.owner_class(fact.qualname) in project.family(class_qualname)


def _iterator(project: Project, class_qualname: str) -> bool:
    """The class implements the iterator protocol (``__next__``/``__anext__``): its instances
    are consumed once, and hold what one stream produced."""
    return any(f"{owner}.{method}" in project.functions for owner in [class_qualname] + project.ancestors(class_qualname)
               for method in ("__next__", "__anext__"))


def _registered_base(project: Project, class_qualname: str) -> bool:
    return any(base in project.kb.registered_bases for base in project.ancestors(class_qualname))


def instantiations(project: Project, class_qualname: str):
    """The calls in the project that make instances of the class or its subclasses, in a fixed
    order (the family is a set: a message that names the first site must not depend on hashing)."""
    return [site for member in sorted(project.family(class_qualname)) for site in project.callgraph.instantiated_at(member)
            if member == class_qualname or member in project.subclasses(class_qualname)]
