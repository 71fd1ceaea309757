"""RL3xx: process-lifetime registries and caches — module globals, class attributes, the
``functools`` caches and the logging manager."""

from __future__ import annotations

from collections import defaultdict
from typing import Dict, Iterator, List

from retainlint.checks.context import Context
from retainlint.checks.growth import growth_site, holder_confidence, script_run_only, together_notes
from retainlint.extract.keys import CREATED, EVENT, identity_name, per_event_object
from retainlint.findings import Finding, Related
from retainlint.lifetime import instantiations
from retainlint.link.callgraph import MODULE as AT_IMPORT, ONCE, PER_CALL, PER_OBJECT
from retainlint.link.release import NEVER
from retainlint.registry import check
from retainlint.unbounded import CLASS, MODULE, filled_together


def _registry_findings(ctx: Context, code: str, kind: str, describe: str) -> Iterator[Finding]:
    project = ctx.project
    for item, others in filled_together([i for i in project.unbounded if i.kind == kind and i.verdict.status == NEVER]):
        ref, first = item.ref, item.first.mutation
        path = project.path_of(first.function, "")
        definition = item.definitions[0]
        def_path = project.module_paths.get(ref.owner if ref.kind == "global" else ref.owner.rpartition(".")[0], path)
        level, reason, _related = holder_confidence(ctx, item)
        how = project.frequency(first.function)
        runs = f" ({how.reason})" if item.evidence != "event" else ""
        note = f"; {item.verdict.note}" if item.verdict.note else ""
        lives = reason if script_run_only(project, item) else "it lives as long as the process, so it keeps every entry"
        message = (f"{describe} {ref.display()} grows ({first.method}) in {growth_site(ctx, item)} — {item.first.why}"
                   f"{runs} — and nothing releases its entries{note}: {lives}{ctx.graph.retained_through(ref)}")
        also = f" (and {len(others)} more filled with it under the same key)" if others else ""
        yield Finding(code, message + also, path, first.span, level,
                      related=(Related(def_path, definition.span, f"{ref.display()} is created here"),)
                      + together_notes(ctx, others, path))


@check("RL301")
def global_registry_grows(ctx: Context) -> Iterator[Finding]:
    return _registry_findings(ctx, "RL301", MODULE, "module-level")


@check("RL302")
def class_registry_grows(ctx: Context) -> Iterator[Finding]:
    return _registry_findings(ctx, "RL302", CLASS, "class attribute")


@check("RL303")
def cached_method(ctx: Context) -> Iterator[Finding]:
    project = ctx.project
    alike: Dict[tuple, List[tuple]] = defaultdict(list)
    sizes = {cached.function: cached.maxsize for facts in project.modules for cached in facts.cached_methods}
    for facts in project.modules:
        for cached in facts.cached_methods:
            if cached.is_static or cached.is_classmethod or cached.first_param in (None, "cls"):
                continue
            if project.is_enum(cached.class_qualname) or project.is_metaclass(cached.class_qualname):
                continue
            if project.callgraph.never_called(cached.function):
                continue  # a private method nothing calls fills no cache
            if cached.maxsize != "none" and project.value_class(cached.class_qualname):
                continue  # ``Region.union`` on a named tuple: a bounded memo keyed by values, like a function's
            name = project.function_label(cached.function)
            managed = cached.function.rsplit(".", 1)[-1] in project.cache_clears
            if managed:
                size, confidence = "until the class calls cache_clear(), which it does somewhere", "low"
            elif cached.maxsize == "none":
                size = "with no size limit (maxsize=None), so it keeps every instance ever used"
                confidence = _unbounded_confidence(project, cached.class_qualname)
            else:
                # a bounded cache pins at most maxsize instances: a hazard where instances are made
                # with traffic, not where a handful live for the process (dialects, singletons)
                limit = "128" if cached.maxsize == "default" else cached.maxsize
                size = f"up to {limit} entries, each pinning its instance"
                confidence = "medium" if _made_per_call(project, cached.class_qualname, cached.maxsize, sizes) else "low"
            held = f"{size} for the life of the process"
            if cached.maxsize.isdigit() and int(cached.maxsize) <= 1:  # ``lru_cache(maxsize=1)``: no more than the last
                held, confidence = "one entry: the last instance used stays pinned until another one is used", "low"
            alike[(cached.class_qualname, cached.decorator, cached.first_param, held, confidence)].append(
                (facts.path, cached, name))
    for (_, decorator, first_param, held, confidence), methods in alike.items():
        # one cause, one finding: the methods of one class cached alike pin the same instances
        methods.sort(key=lambda method: (method[0], method[1].span.line))
        (path, cached, name), rest = methods[0], methods[1:]
        more = f" (and {len(rest)} more of its methods)" if rest else ""
        message = (f"{decorator.rsplit('.', 1)[-1]} on method {name}{more} caches on the class, keyed by "
                   f"'{first_param}': the cache holds {held}")
        related = tuple(Related(other_path, other.span, f"{other_name} is cached alike")
                        for other_path, other, other_name in rest)
        yield Finding("RL303", message, path, cached.span, confidence, related=related)


def _unbounded_confidence(project, cls: str) -> str:
    """An unbounded cache keyed by ``self`` pins as many instances as are made: ``high`` where code
    that runs per call makes them, or only the project's users do (no call here makes one);
    ``medium`` where they are made only as parts of other objects (``self.watchers["virsh"] =
    VirshVmExtension()`` in a plugin's ``__init__``), one per such object; ``low`` where they are
    made at setup only."""
    if project.made_at_setup_only(cls):
        return "low"
    sites = instantiations(project, cls)
    if not sites or any(project.function_kind(site.caller) == PER_CALL and not site.guarded for site in sites):
        return "high"
    if all(_fixed(project.frequency(site.caller)) for site in sites):
        return "low"  # a fixed number: LocalStack's client made for a module global and in its dev CLI's main()
    return "medium"


def _fixed(frequency) -> bool:
    """Runs a fixed number of times: at import, or once by what the program does (an entry
    point's ``main()`` included) — not once per object, nor once only by its name."""
    return frequency.kind == AT_IMPORT or frequency.kind == ONCE and not (frequency.objects or frequency.by_name)


def _made_per_call(project, cls: str, limit: str, sizes: Dict[str, str]) -> bool:
    return any(project.function_kind(site.caller) in (PER_CALL, PER_OBJECT) and not _memoized(project, site, limit, sizes)
               for site in instantiations(project, cls))


def _memoized(project, site, limit: str, sizes: Dict[str, str]) -> bool:
    """The instance is returned into a memo: made in a method whose result a ``functools`` cache
    keeps (``@lru_cache def get_installer(self, version)``), or in a helper every caller of which
    returns its result from such a method (LocalStack's ``_get_installer``).  A memo that keeps at
    least as many as the method's own cache (``limit``) holds the instances already; a cache on
    their methods pins nothing more.  A smaller memo evicts, and instances are made again.
    ``sizes``: the ``maxsize`` of every cached method, by qualified name."""
    if site.use != "return":
        return False
    if _memo_keeps(sizes, site.caller, limit):
        return True
    callers = project.callgraph.call_sites(site.caller or "")
    return bool(callers) and all(call.use == "return" and _memo_keeps(sizes, call.caller, limit) for call in callers)


def _memo_keeps(sizes: Dict[str, str], function, limit: str) -> bool:
    size = sizes.get(function or "")
    if size is None:
        return False
    return size == "none" or limit != "none" and _entries(size) >= _entries(limit)


def _entries(maxsize: str) -> int:
    return 128 if maxsize == "default" else int(maxsize) if maxsize.isdigit() else 0


@check("RL304")
def per_object_logger(ctx: Context) -> Iterator[Finding]:
    project = ctx.project
    for facts in project.modules:
        for call in facts.logger_calls:
            kind_of_function = project.function_kind(call.function)
            if kind_of_function not in (PER_CALL, PER_OBJECT):
                continue
            passed = project.callgraph.passed_domain(call.function, call.params)
            if passed == "bounded":
                continue  # ``get_logger(name)`` whose every caller names a literal: fixed by the program text
            if call.param_types and all(project.is_enum(project.resolve_class(t) or t) for t in call.param_types):
                continue  # ``f"kopf.activities.{activity.value}"`` with ``activity: Activity``: one per member
            if call.per_object:
                kind, confidence = "an identity (id, uuid, time or a counter)", "high"
            elif call.params and passed is None and \
                    not any(identity_name(param) or per_event_object(param) for param in call.params):
                # ``getLogger("sopel.externals.%s" % plugin_name)`` in a public helper nothing here
                # calls: its users name the loggers, as they would with ``getLogger`` itself (a
                # parameter named for an event, ``request_id``, keeps its rating)
                kind, confidence = "a value its callers pass (none here calls it)", "low"
            elif call.composite and kind_of_function == PER_CALL and (
                    passed == "event" or call.key.domain in (EVENT, CREATED)):
                kind, confidence = f"a per-event value ({call.key.what or call.key.text})", "medium"
            elif call.composite and kind_of_function == PER_CALL:
                # the logger manager is a memo keyed by the name: one whose parts are of no known
                # domain (an app's or a script's configured name) grows with that domain, as a
                # memo keyed by plain values does (low)
                kind, confidence = "a run-time value of no known domain", "low"
            elif call.composite:
                # once per object, named by its configuration (``executors.{alias}``): the usual
                # hierarchical logger, bounded by how many such objects are configured
                kind, confidence = "a value given to each object", "low"
            else:
                kind, confidence = "a value passed in at run time", "low"
            message = (f"logger name {call.name_source} embeds {kind}: logging.getLogger keeps every logger "
                       f"it ever created in logging.Logger.manager, so each new name is kept forever")
            yield Finding("RL304", message, facts.path, call.span, confidence)
