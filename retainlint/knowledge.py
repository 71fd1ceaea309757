"""Library knowledge loaded from ``rules/knowledge.toml`` and extended from user configuration.

The rules never hard-code API names: they ask a :class:`Knowledge` object whether a call builds a
bounded container, which listener API a method belongs to, or whether a function runs once.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from typing import Dict, FrozenSet, List, Mapping, Optional, Tuple

from retainlint._toml import load_toml_text
from retainlint.resources import read_rules_text


@dataclass(frozen=True)
class BoundedSpec:
    """A constructor that bounds its container, optionally only when an argument is given."""

    name: str
    argument: Optional[str] = None
    position: Optional[int] = None


@dataclass(frozen=True)
class ListenerApi:
    add: str
    remove: Tuple[str, ...]
    remove_all: Tuple[str, ...]
    event: int
    callback: int
    weak: bool = False
    strong_when: Optional[Tuple[str, str]] = None  # (keyword, literal source) e.g. ("weak", "False")
    one_shot: bool = False
    receiver: Optional[str] = None
    idempotent: bool = False  # adding the same callback object again does not add it twice
    callback_keywords: Tuple[str, ...] = ()  # keyword arguments that take a callback (``after_in_child=``)
    registry: str = ""  # the receiver's attribute that holds the registrations (``logger.handlers``)


@dataclass(frozen=True)
class Family:
    """Methods that start an entry's life and those that end it (``{}``: one word, the same in both)."""

    name: str
    start: Tuple[str, ...]
    end: Tuple[str, ...]

    def ends_for(self, method: str) -> Optional[Tuple[str, ...]]:
        """The end methods for a start method of this family, None when it is not one."""
        for pattern in self.start:
            match = re.fullmatch(re.escape(pattern).replace(r"\{\}", "([A-Za-z0-9]+)"), method)
            if match:
                word = match.group(1) if match.groups() else ""
                return tuple(end.replace("{}", word) for end in self.end)
        return None


@dataclass
class Knowledge:
    growable: FrozenSet[str]
    text: FrozenSet[str]
    weak: FrozenSet[str]
    bounded: Dict[str, BoundedSpec]
    grow_methods: FrozenSet[str]
    shrink_methods: FrozenSet[str]
    grow_functions: FrozenSet[str]
    shrink_functions: FrozenSet[str]
    listeners: Dict[str, List[ListenerApi]]  # add-method name → APIs
    removals: Dict[str, List[ListenerApi]]  # remove-method name → APIs
    removal_all: Dict[str, List[ListenerApi]]
    long_lived_bases: FrozenSet[str]
    registered_bases: FrozenSet[str]  # long-lived by registration, not by running: see knowledge.toml
    model_bases: FrozenSet[str]  # classes whose annotated class-level defaults are copied per instance
    child_process_bases: FrozenSet[str]  # what their run() stores exists only in the child process
    thread_bases: FrozenSet[str]  # a thread lives while its run() runs: one that loops nowhere ends
    blocking_waits: FrozenSet[str]  # methods that block until another thread or an event says so
    serving_calls: FrozenSet[str]  # calls (by their last name) that hand a script to a loop that runs until it stops
    script_serving_calls: FrozenSet[str]  # … names that mean it only as a method called in a ``__main__`` block
    process_lifetime_factories: FrozenSet[str]
    process_lifetime_modules: FrozenSet[str]
    runs_once_patterns: Tuple[str, ...]
    configuration_api_patterns: Tuple[str, ...]
    per_object_functions: FrozenSet[str]
    logger_factories: FrozenSet[str]
    logger_child_methods: FrozenSet[str]
    identity_calls: FrozenSet[str]
    cache_decorators: FrozenSet[str]
    per_class_functions: FrozenSet[str]
    teardown_functions: FrozenSet[str]
    exit_hooks: FrozenSet[str]  # calls that run what is handed to them only at the end
    signal_hooks: FrozenSet[str]  # calls that install a signal handler, the signal first
    exit_signals: FrozenSet[str]  # signals that end the process
    reuse_functions: FrozenSet[str]
    cancel_as_error: FrozenSet[str]  # decorators whose coroutines are cancelled by an ordinary exception
    context_vars: FrozenSet[str]
    value_types: FrozenSet[str]
    per_event_identities: FrozenSet[str]
    once_per_handover: FrozenSet[str]
    child_process_handovers: FrozenSet[str]  # ``Process(target=f)``: f runs once, in the child
    event_loop_runners: FrozenSet[str]  # ``asyncio.run(main())``: a program's entry point
    fork_calls: FrozenSet[str]  # ``if os.fork() == 0:``: the body runs once, in the child
    metaclasses: FrozenSet[str]  # library classes whose subclasses are metaclasses
    hook_attributes: FrozenSet[str]
    uncollectable: FrozenSet[str]
    link_breakers: Tuple[str, ...]  # in the table's order: a message names the first one a class has
    families: Tuple[Family, ...]
    replacing: FrozenSet[str]  # calls that replace the callback they hold: never a registration
    _runs_once_re: "re.Pattern[str]" = field(init=False, repr=False)
    _configuration_re: "re.Pattern[str]" = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._runs_once_re = _patterns(self.runs_once_patterns)
        self._configuration_re = _patterns(self.configuration_api_patterns)

    def runs_once(self, function_name: str) -> bool:
        """Setup-like names, and private helpers of them (``_register`` like ``register``)."""
        private = function_name.startswith("_") and not function_name.startswith("__")
        return bool(self._runs_once_re.match(function_name[1:] if private else function_name))

    def is_context_var(self, constructor: str) -> bool:
        return any(fnmatch.fnmatchcase(constructor, pattern) for pattern in self.context_vars)

    def is_configuration_api(self, function_name: str) -> bool:
        return bool(self._configuration_re.match(function_name))

    def listener_apis(self, method: str, receiver: str) -> List[ListenerApi]:
        """APIs whose add-method is ``method`` and whose receiver restriction (if any) fits — none
        for an API that replaces the callback it holds (``sys.monitoring.register_callback``)."""
        if f"{receiver}.{method}" in self.replacing:
            return []
        return [api for api in self.listeners.get(method, ()) if _receiver_fits(api, receiver)]

    def registry_apis(self, attribute: str, receiver: str) -> List[ListenerApi]:
        """The APIs whose registrations the receiver keeps in this attribute: emptying it
        (``logger.handlers = []``, ``logger.handlers.clear()``) removes every one."""
        return [api for apis in self.listeners.values() for api in apis
                if api.registry == attribute and _receiver_fits(api, receiver)]

    def removal_apis(self, method: str, receiver: str) -> Tuple[List[ListenerApi], List[ListenerApi]]:
        one = [api for api in self.removals.get(method, ()) if _receiver_fits(api, receiver)]
        every = [api for api in self.removal_all.get(method, ()) if _receiver_fits(api, receiver)]
        return one, every


def _patterns(globs: Tuple[str, ...]) -> "re.Pattern[str]":
    return re.compile("|".join(fnmatch.translate(g) for g in globs) or "(?!)")


def _receiver_fits(api: ListenerApi, receiver: str) -> bool:
    return api.receiver is None or receiver == api.receiver


def _parse_listener(entry: Mapping) -> ListenerApi:
    strong_when = None
    if entry.get("strong-when"):
        keyword, _, value = str(entry["strong-when"]).partition("=")
        strong_when = (keyword.strip(), value.strip())
    return ListenerApi(
        add=entry["add"],
        remove=tuple(entry.get("remove", ())),
        remove_all=tuple(entry.get("remove-all", ())),
        event=int(entry.get("event", -1)),
        callback=int(entry.get("callback", 0)),
        weak=bool(entry.get("weak", False)),
        strong_when=strong_when,
        one_shot=bool(entry.get("one-shot", False)),
        receiver=entry.get("receiver"),
        idempotent=bool(entry.get("idempotent", False)),
        callback_keywords=tuple(entry.get("callback-keywords", ())),
        registry=str(entry.get("registry", "")),
    )


def _parse_family(entry: Mapping) -> Family:
    return Family(str(entry["name"]), tuple(entry["start"]), tuple(entry["end"]))


def _parse_bounded(entry) -> BoundedSpec:
    if isinstance(entry, str):
        return BoundedSpec(entry)
    return BoundedSpec(entry["name"], entry.get("argument"), entry.get("position"))


def build_knowledge(base: Mapping, extensions: Optional[Mapping] = None) -> Knowledge:
    """Combine the shipped tables with a user's ``[tool.retainlint.api]`` extensions."""
    ext = extensions or {}
    containers = base["containers"]
    listener_entries = list(base.get("listeners", [])) + list(ext.get("listeners", []))
    apis = [_parse_listener(e) for e in listener_entries]
    listeners: Dict[str, List[ListenerApi]] = {}
    removals: Dict[str, List[ListenerApi]] = {}
    removal_all: Dict[str, List[ListenerApi]] = {}
    for api in apis:
        listeners.setdefault(api.add, []).append(api)
        for name in api.remove:
            removals.setdefault(name, []).append(api)
        for name in api.remove_all:
            removal_all.setdefault(name, []).append(api)
    bounded_entries = list(containers.get("bounded", [])) + list(ext.get("bounded-constructors", []))
    bounded = {spec.name: spec for spec in map(_parse_bounded, bounded_entries)}
    lifetime = base.get("lifetime", {})
    runs_once = base.get("runs-once", {})
    loggers = base.get("loggers", {})
    lifecycles = base.get("lifecycles", {})
    return Knowledge(
        growable=frozenset(containers["growable"]),
        text=frozenset(containers["text"]),
        weak=frozenset(list(containers["weak"]) + list(ext.get("weak-constructors", []))),
        bounded=bounded,
        grow_methods=frozenset(containers["grow-methods"]),
        shrink_methods=frozenset(containers["shrink-methods"]),
        grow_functions=frozenset(containers.get("grow-functions", [])),
        shrink_functions=frozenset(containers.get("shrink-functions", [])),
        listeners=listeners,
        removals=removals,
        removal_all=removal_all,
        long_lived_bases=frozenset(list(lifetime.get("long-lived-bases", [])) + list(ext.get("long-lived-bases", []))
                                   + list(lifetime.get("registered-bases", []))),
        registered_bases=frozenset(lifetime.get("registered-bases", [])),
        model_bases=frozenset(lifetime.get("model-bases", [])),
        child_process_bases=frozenset(lifetime.get("child-process-bases", [])),
        thread_bases=frozenset(lifetime.get("thread-bases", [])),
        blocking_waits=frozenset(lifetime.get("blocking-waits", [])),
        serving_calls=frozenset(lifetime.get("serving-calls", [])),
        script_serving_calls=frozenset(lifetime.get("script-serving-calls", [])),
        process_lifetime_factories=frozenset(lifetime.get("process-lifetime-factories", [])),
        process_lifetime_modules=frozenset(lifetime.get("process-lifetime-modules", [])),
        runs_once_patterns=tuple(list(runs_once.get("functions", [])) + list(ext.get("runs-once", []))),
        configuration_api_patterns=tuple(runs_once.get("configuration-apis", [])),
        per_object_functions=frozenset(runs_once.get("per-object", [])),
        logger_factories=frozenset(loggers.get("factories", [])),
        logger_child_methods=frozenset(loggers.get("child-methods", [])),
        identity_calls=frozenset(loggers.get("identity-calls", [])),
        cache_decorators=frozenset(base.get("caches", {}).get("decorators", [])),
        per_class_functions=frozenset(runs_once.get("per-class", [])),
        teardown_functions=frozenset(list(lifecycles.get("teardown", [])) + list(ext.get("teardown", []))),
        exit_hooks=frozenset(lifecycles.get("exit-hooks", [])),
        signal_hooks=frozenset(lifecycles.get("signal-hooks", [])),
        exit_signals=frozenset(lifecycles.get("exit-signals", [])),
        reuse_functions=frozenset(lifecycles.get("reuses", [])),
        cancel_as_error=frozenset(lifecycles.get("cancelled-by-exception", [])),
        context_vars=frozenset(containers.get("context-vars", [])),
        value_types=frozenset(list(base.get("keys", {}).get("value-types", [])) + list(ext.get("value-types", []))),
        once_per_handover=frozenset(runs_once.get("once-per-handover", [])),
        child_process_handovers=frozenset(runs_once.get("child-process-handovers", [])),
        event_loop_runners=frozenset(runs_once.get("event-loop-runners", [])),
        fork_calls=frozenset(runs_once.get("fork-calls", [])),
        metaclasses=frozenset(lifetime.get("metaclasses", [])),
        per_event_identities=frozenset(list(base.get("keys", {}).get("per-event-identities", [])) +
                                       list(ext.get("per-event-identities", []))),
        hook_attributes=frozenset(base.get("hooks", {}).get("attributes", [])),
        uncollectable=frozenset(list(base.get("cycles", {}).get("uncollectable", [])) + list(ext.get("uncollectable", []))),
        link_breakers=tuple(base.get("cycles", {}).get("link-breakers", [])),
        families=tuple(_parse_family(e) for e in list(lifecycles.get("family", [])) + list(ext.get("lifecycles", []))),
        replacing=frozenset(base.get("replacing", {}).get("calls", [])),
    )


def shipped_tables() -> Mapping:
    return load_toml_text(read_rules_text("knowledge.toml"), "rules/knowledge.toml")


def load_knowledge(extensions: Optional[Mapping] = None) -> Knowledge:
    return build_knowledge(shipped_tables(), extensions)
