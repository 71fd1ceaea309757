"""Key domains: what a container is keyed by, or what it collects.

``_RUNS[run.id] = run`` grows by one entry per run — with traffic; ``_REGISTRY[cls] = handler``
grows by one entry per class — with the program text.  The difference is the *domain* of the
key, and this module classifies a key expression into one (see :class:`retainlint.facts.Key`),
following locals back to what they were assigned (the extractor keeps each local's key on its
scope) and saying in words what the key is, for messages ("one entry per run_id").
"""

from __future__ import annotations

import re
from typing import Optional, Sequence, Tuple

import libcst as cst

from retainlint.extract.names import MODULE_DUNDERS, dotted, source_of, string_literal
from retainlint.facts import Key

EVENT, CREATED, BOUNDED, PARAM, SLOT, SELF, UNKNOWN = (
    "event", "created", "bounded", "param", "slot", "self", "unknown")
_ORDER = (BOUNDED, UNKNOWN, SLOT, SELF, PARAM, CREATED, EVENT)  # combining parts: the strongest claim wins

# Names of identities made per event: run_id, span_id, request_id, sid, uuid, requestId …
_IDENTITY_NAME = re.compile(r"^(id|sid|uid|uuid|guid|_id)$|_(id|uid|uuid|guid|sid)$|[a-z]Id$")
_IDENTITY_SUFFIX = re.compile(r"(^|_)(id|sid|uid|uuid|guid)$")
_CAMEL_HUMP = re.compile(r"(?<=[a-z0-9])([A-Z])")
# Called to make an identity or a moment: every call returns a new value.
_IDENTITY_CALLS = {
    "uuid.uuid1", "uuid.uuid4", "id", "next", "time.time", "time.monotonic", "time.perf_counter",
    "time.time_ns", "time.monotonic_ns", "secrets.token_hex", "secrets.token_urlsafe", "os.urandom",
    "datetime.datetime.now", "datetime.datetime.utcnow", "len",
}
_IDENTITY_CALL_NAME = re.compile(r"(^|_)(new|gen|generate|next|make|create)_?(id|uuid|key|token|sid)$|^uuid\d?$")
# UUIDs made by hashing a namespace and a name: the same name gives the same UUID, so there are as
# many as there are names (langgraph's ``uuid5(NAMESPACE_GRAPH, graph_id)``, one per graph).
_NAME_BASED_UUIDS = {"uuid.uuid3", "uuid.uuid5"}
# Calls that name the process or thread they run in: one value per process, or per thread alive
# at once (the system reuses an ended thread's id — unlike the Thread object, new per thread).
_RUNNING_IDENTS = {"os.getpid": "the process id", "os.getppid": "the parent process id",
                   "threading.get_ident": "the current thread's id", "_thread.get_ident": "the current thread's id",
                   "threading.get_native_id": "the current thread's id"}
# ``<call>().<attribute>`` that names the thread or greenlet running: reused once it has ended
# (gevent documents ``minimal_ident`` as small, sequential and reused after the greenlet dies).
_RUNNING_ATTRIBUTES = {
    ("threading.current_thread", "ident"): "the current thread's id",
    ("threading.current_thread", "native_id"): "the current thread's id",
    ("threading.currentThread", "ident"): "the current thread's id",
    ("greenlet.getcurrent", "minimal_ident"): "the current greenlet's id",
    ("gevent.getcurrent", "minimal_ident"): "the current greenlet's id",
}
# Made for this call and living as long as the work it represents.
_PER_CALL_OBJECTS = {
    "asyncio.create_task", "asyncio.ensure_future", "asyncio.Future", "asyncio.Task", "create_task",
    "ensure_future", "create_future", "run_coroutine_threadsafe", "concurrent.futures.Future",
    "threading.Thread", "threading.Event", "asyncio.Event", "start_soon", "submit",
}
# Parameters named for what arrives once per event: a set of them grows with traffic.
_PER_EVENT_OBJECTS = re.compile(
    r"^(request|req|response|resp|conn|connection|task|future|fut|message|msg|event|span|run|job|session|"
    r"stream|chunk|packet|record|call|transaction|txn|websocket|ws|client_socket|sock|peer)$")
# Parameters that hold a function or a class: their identities are as many as the program defines.
_CALLABLE_NAMES = re.compile(r"^(func|fn|function|endpoint|handler|callback|view|method|cls|klass|target|hook)$")
_CLASS_NAMES = {"cls", "klass", "class_", "type_", "typ", "kls", "model", "model_class", "subclass"}
_NAME_ATTRIBUTES = {"__name__", "__qualname__", "__module__", "__class__", "name"}
# A function's, frame's, generator's or coroutine's code object: one per definition in the source
# (a lambda made on every call shares its one code object), so as many as the program has.
_CODE_ATTRIBUTES = {"__code__", "f_code", "gi_code", "cr_code", "ag_code"}
_IDENTITY_OF = "the identity of parameter"
_CONVERSIONS = {"str", "int", "repr", "hash", "tuple", "frozenset", "bytes", "float", "abs"}


def _key(domain: str, what: str, text: str, roots: Sequence[str] = ()) -> Key:
    return Key(domain, what, text, tuple(dict.fromkeys(roots)))


def identity_name(name: str) -> bool:
    return bool(_IDENTITY_NAME.search(name))


def identity_stem(name: str) -> str:
    """What an identity is the identity of: ``parent_run`` for ``parent_run_id`` or
    ``parentRunId``, "" for a bare ``id``/``uuid``."""
    snake = _CAMEL_HUMP.sub(r"_\1", name).lower()
    return _IDENTITY_SUFFIX.sub("", snake).strip("_")


def per_event_object(name: str) -> bool:
    """A parameter named for what arrives once per event: a request, a message, a span …"""
    return bool(_PER_EVENT_OBJECTS.match(name))


def combine(parts: Sequence[Key], text: str) -> Key:
    """The domain of a value built from several parts (a tuple, an f-string, a concatenation):
    a per-event part makes the whole per event; it is bounded only when every part is."""
    meaningful = [p for p in parts if p.domain != BOUNDED or p.what != "a literal"] or list(parts)
    if not meaningful:
        return _key(BOUNDED, "a literal", text)
    best = max(meaningful, key=lambda p: _ORDER.index(p.domain))
    roots = [r for p in parts for r in p.roots]
    return Key(best.domain, best.what, text, tuple(dict.fromkeys(roots)), best.made)


class KeyMixin:
    """Classifies key expressions in the scope the extractor is visiting.  A mixin of the visitor
    (not an object it keeps, which would tie the two in a cycle): it uses the visitor's ``kb``
    (the library knowledge), ``qualify``, ``_local_key`` and ``_attribute_key`` (the key of what a
    local or ``self.x`` was assigned, None when nothing here assigned it), ``_is_param``,
    ``_local_class`` (the class a parameter is annotated with), ``is_class_param`` (one annotated
    ``type``), ``in_classmethod``, ``_bound_to_existing_object``, ``_is_local``, ``_is_class_name``,
    ``imports`` and ``_self_context``."""

    # False while asking what a key would be if parameters' names said nothing (``named_params``)
    _params_by_name = True

    def named_params(self, expression: cst.BaseExpression, key: Key) -> Tuple[Tuple[str, ...], bool]:
        """The parameters a key is built from when nothing but they decide its domain: their names
        (``def warn_once(message): SEEN.add(message)``), or nothing at all (``def remember(text: str)``),
        or ``id()`` of one (``key = id(base_cls)``: as many as the objects callers pass) — and
        whether it is that identity.  What the callers pass for them, where they are visible, says
        more.  Empty when the key is per event for another reason (``uuid4()``, ``request.id``)."""
        if key.domain == PARAM:  # the parameter itself: an attribute of it (``flow.name``) is not what callers pass
            return ((key.text,) if self._is_param(key.text) else ()), False
        if key.domain != EVENT:
            return (), False
        self._params_by_name = False
        try:
            plain = self.classify_key(expression)
        finally:
            self._params_by_name = True
        if plain.domain != PARAM:
            return (), False
        return tuple(r for r in plain.roots if self._is_param(r)), plain.what.startswith(_IDENTITY_OF)

    def classify_key(self, expression: Optional[cst.BaseExpression]) -> Key:
        if expression is None:
            return _key(UNKNOWN, "", "")
        text = source_of(expression)
        if isinstance(expression, (cst.Integer, cst.Float, cst.Imaginary)) or string_literal(expression) and not \
                isinstance(expression, cst.FormattedString):
            return _key(BOUNDED, "a literal", text)
        if isinstance(expression, cst.FormattedString):
            parts = [self.classify_key(p.expression) for p in expression.parts
                     if isinstance(p, cst.FormattedStringExpression)]
            return combine(parts, text)
        if isinstance(expression, (cst.Tuple, cst.List)):
            return combine([self.classify_key(e.value) for e in expression.elements], text)
        if isinstance(expression, cst.BinaryOperation):
            return combine([self.classify_key(expression.left), self.classify_key(expression.right)], text)
        if isinstance(expression, cst.Name):
            return self._name(expression.value, text)
        if isinstance(expression, cst.Attribute):
            return self._attribute(expression, text)
        if isinstance(expression, cst.Call):
            return self._call(expression, text)
        if isinstance(expression, cst.Await):
            return self.classify_key(expression.expression)
        if isinstance(expression, cst.IfExp):
            return combine([self.classify_key(expression.body), self.classify_key(expression.orelse)], text)
        if isinstance(expression, cst.Subscript) and len(expression.slice) == 1 and \
                isinstance(expression.slice[0].slice, cst.Slice):  # ``task_id[-4:]``: a part of the value
            inner = self.classify_key(expression.value)
            return Key(inner.domain, inner.what, text, inner.roots, inner.made)
        if isinstance(expression, cst.Subscript):  # ``data["span_id"]``: named by its literal key
            return self._named_entry(_literal_key(expression), text, _roots(expression), expression.value)
        return _key(UNKNOWN, text, text, _roots(expression))

    def _name(self, name: str, text: str) -> Key:
        if name in ("True", "False", "None"):
            return _key(BOUNDED, "a literal", text)
        if name in MODULE_DUNDERS:
            return _key(BOUNDED, "a module name", text)
        if name == self._self_context()[0]:
            if self.in_classmethod():  # ``cls.REGISTRY[cls] = …``: one per class it is called on
                return _key(BOUNDED, "the class it is called on", text, (name,))
            return _key(SELF, "the object itself", text, (name,))  # one per instance: as often as they are made
        local = self._local_key(name)
        if local is not None and not self._params_by_name and local.domain == EVENT and self._is_param(local.what):
            return _key(PARAM, f"parameter '{local.what}'", text, (name,) + local.roots)  # named for a parameter
        if local is not None:
            # ``run_id = …`` names what it identifies; a bare ``id`` does not: its value decides
            if identity_stem(name) and self._per_event_identity(name) and local.domain in (UNKNOWN, PARAM, SLOT, EVENT):
                return _key(EVENT, name, text, (name,) + local.roots)
            return Key(local.domain, local.what or name, text, (name,) + tuple(local.roots), local.made)
        if name in _CLASS_NAMES or self._is_class_name(name):
            return _key(BOUNDED, "a class", text, (name,))
        if self._is_param(name) and self.is_class_param(name):
            return _key(BOUNDED, "a class", text, (name,))  # ``type_: type``
        if self._is_param(name):
            annotated = self._local_class(name)  # ``event: HookEvent``: an Enum bounds it (see Project.enum_made)
            if self._params_by_name and (self._per_event_identity(name) or (
                    _PER_EVENT_OBJECTS.match(name) and not self._is_text_param(name))):
                return Key(EVENT, name, text, (name,), annotated)
            return Key(PARAM, f"parameter '{name}'", text, (name,), annotated)
        if name.isupper() and len(name) > 1:
            return _key(BOUNDED, "a constant", text)
        return self._identity(name, name, text, (name,))

    def _attribute(self, expression: cst.Attribute, text: str) -> Key:
        attribute = expression.attr.value
        roots = _roots(expression)
        running = _RUNNING_ATTRIBUTES.get((self.qualify(expression.value.func), attribute)) \
            if isinstance(expression.value, cst.Call) else None
        if running:  # ``current_thread().ident``, ``greenlet.getcurrent().minimal_ident``
            return _key(BOUNDED, running, text, roots)
        if attribute in _NAME_ATTRIBUTES and attribute != "name":
            return _key(BOUNDED, "a class" if attribute == "__class__" else "a name", text, roots)
        if attribute in _CODE_ATTRIBUTES:
            return _key(BOUNDED, "a code object", text, roots)
        base = dotted(expression.value)
        if base is not None:
            head = base.split(".", 1)[0]
            if self._is_class_name(head) and (attribute.isupper() or attribute[:1].isupper()):
                return _key(BOUNDED, "an enum member or class constant", text)
            if base == head and self.imports.is_module_alias(head) and not self._is_local(head) and \
                    attribute[:1].isupper():
                return _key(BOUNDED, "a class", text)  # ``slixmpp.ClientXMPP``: a module's class or constant
            qualified = self.qualify(expression)
            if qualified.startswith(("os.environ", "settings.", "django.conf.settings")):
                return _key(BOUNDED, "a configuration value", text)
        if base is not None and base == self._self_context()[0]:
            per_event = self._per_event_identity(attribute)
            assigned = self._attribute_key(attribute)  # ``self._id = f"{namespace}.{name}"`` just before
            if assigned is not None and not (per_event and assigned.domain in (UNKNOWN, SLOT)):
                return Key(assigned.domain, assigned.what, text, roots, assigned.made)
            if not per_event:
                return _key(SLOT, text, text, roots)  # a counter if something increments it: the link stage knows
        if identity_name(attribute):
            owner = base.rsplit(".", 1)[-1] if base else ""
            what = f"{owner}.{attribute}" if owner and owner != self._self_context()[0] else attribute
            if owner and not identity_stem(attribute) and owner != self._self_context()[0]:
                # ``guild.id``, ``request.id``: the identity of what it is an attribute of
                return self._identity_of_owner(expression.value, owner, what, text, roots)
            return self._identity(attribute, what, text, roots)
        if attribute in ("hex", "int", "urn", "bytes") and isinstance(expression.value, cst.Call):
            return self._call(expression.value, text)  # ``uuid4().hex``
        inner = self.classify_key(expression.value)
        if inner.domain == CREATED and attribute not in _NAME_ATTRIBUTES:
            return _key(inner.domain, f"{inner.what}.{attribute}", text, roots)  # a new object's own field
        if inner.domain == PARAM:
            return _key(PARAM, f"{inner.what}.{attribute}", text, roots)
        return _key(UNKNOWN, text, text, roots)

    def _identity_of_owner(self, holder: cst.BaseExpression, owner: str, what: str, text: str,
                           roots: Tuple[str, ...]) -> Key:
        """A bare ``id`` read off an object or a record: as many as there are of what holds it."""
        inner = self.classify_key(holder)
        if inner.domain in (EVENT, CREATED):  # ``workflow = Workflow(…)``: a new one's id
            return Key(inner.domain, what, text, roots, inner.made)
        per_event = _PER_EVENT_OBJECTS.match(owner) or self._per_event_identity(f"{owner}_id")
        return _key(EVENT if per_event else UNKNOWN, what, text, roots)

    def _named_entry(self, name: Optional[str], text: str, roots: Tuple[str, ...],
                     holder: Optional[cst.BaseExpression] = None) -> Key:
        """A key read from a record by its literal name: ``data["span_id"]``, ``msg.get("id")`` —
        a bare ``id`` is judged by the record that holds it, as ``command.id`` is."""
        if not (name and identity_name(name)):
            return _key(UNKNOWN, text, text, roots)
        owner = (dotted(holder) or "").rsplit(".", 1)[-1] if holder is not None else ""
        if owner and not identity_stem(name) and owner != self._self_context()[0]:
            return self._identity_of_owner(holder, owner, f"{owner}[{name!r}]", text, roots)
        return self._identity(name, name, text, roots)

    def _per_event_identity(self, name: str) -> bool:
        """An identity of something made per event (``run_id``, ``request.id``, a bare ``uuid``),
        not of something a deployment configures (``server_id``, ``prompt_id``)."""
        if not identity_name(name):
            return False
        parts = identity_stem(name).split("_")  # ``parent_run``: is ``parent_run`` or ``run`` per event?
        return parts == [""] or any("_".join(parts[i:]) in self.kb.per_event_identities for i in range(len(parts)))

    def _identity(self, name: str, what: str, text: str, roots: Sequence[str]) -> Key:
        """A key named as an identity: per event, or of a domain the name does not tell."""
        return _key(EVENT if self._per_event_identity(name) else UNKNOWN, what, text, roots)

    def _call(self, call: cst.Call, text: str) -> Key:
        name = self.qualify(call.func)
        last = name.rsplit(".", 1)[-1]
        roots = _roots(call)
        if last in ("get", "pop", "getattr") and call.args:  # ``kwargs.get("litellm_call_id")``
            literal = call.args[1 if last == "getattr" else 0].value if len(call.args) > (last == "getattr") else None
            if isinstance(literal, cst.SimpleString) and isinstance(literal.evaluated_value, str):
                holder = call.args[0].value if last == "getattr" else \
                    call.func.value if isinstance(call.func, cst.Attribute) else None
                return self._named_entry(literal.evaluated_value, text, roots, holder)
        if name in _RUNNING_IDENTS:
            return _key(BOUNDED, _RUNNING_IDENTS[name], text, roots)
        if name == "type" or last in ("type", "get_type"):
            return _key(BOUNDED, "a class", text, roots)
        if name == "next" and not _counter_argument(call):
            return _key(UNKNOWN, text, text, roots)  # ``next(w for w in pool if …)`` picks, it does not count
        if name == "id" and call.args and isinstance(call.args[0].value, cst.Name) and \
                _CALLABLE_NAMES.match(call.args[0].value.value):
            return _key(BOUNDED, "the identity of a function or class", text, roots)  # ``id(endpoint)``
        if name == "id" and call.args and self.classify_key(call.args[0].value).domain == BOUNDED:
            return _key(BOUNDED, "the identity of a class", text, roots)  # ``id(type(cb))``
        if name == "id" and call.args and isinstance(call.args[0].value, cst.Name) and \
                self._bound_to_existing_object(call.args[0].value.value):
            held = self._local_key(call.args[0].value.value)
            if held is not None and held.domain in (BOUNDED, UNKNOWN):  # ``lookup = kwargs.pop("lookup", PATH)``
                return _key(held.domain, f"the identity of {call.args[0].value.value}", text, roots)
        if name == "id" and call.args and not self._params_by_name and isinstance(call.args[0].value, cst.Name) \
                and self._is_param(call.args[0].value.value):  # what callers pass decides (``named_params``)
            return _key(PARAM, f"{_IDENTITY_OF} '{call.args[0].value.value}'", text, roots)
        if name in _NAME_BASED_UUIDS and len(call.args) == 2:  # ``uuid5(NAMESPACE, graph_id)``: a hash of the name
            inner = self.classify_key(call.args[1].value)
            return Key(inner.domain, inner.what, text, inner.roots, inner.made)
        if name in _IDENTITY_CALLS or last in ("uuid4", "uuid1", "monotonic", "perf_counter") or \
                _IDENTITY_CALL_NAME.search(last):
            what = "a counter" if name in ("len", "next") else f"{last}()"
            return _key(EVENT, what, text, roots)
        if (name in _CONVERSIONS or name in self.kb.value_types) and call.args:
            inner = combine([self.classify_key(a.value) for a in call.args if not a.keyword], text)
            return Key(inner.domain, inner.what, text, inner.roots)  # as many values as its arguments
        if name in _PER_CALL_OBJECTS or last in ("create_task", "ensure_future", "create_future", "start_soon"):
            return _key(EVENT, f"a task made by {last}()", text, roots)
        if last[:1].isupper() and not last.isupper() or _private_class_of_module(self, last):  # ``Status(r)``, ``_Request(p)``
            return Key(CREATED, f"a new {last}", text, tuple(dict.fromkeys(roots)), name)
        if last in ("getLogger", "get_logger"):
            return _key(BOUNDED, "a logger name", text, roots)
        if name in self.kb.process_lifetime_factories:  # ``id(trace.get_tracer_provider())``
            return _key(BOUNDED, f"the process-wide object {last}() returns", text, roots)
        return _key(UNKNOWN, f"{last}()", text, roots)


def _counter_argument(call: cst.Call) -> bool:
    """``next(self._ids)``, ``next(_counter)``, ``next(itertools.count())``: an iterator of ids."""
    if not call.args:
        return False
    argument = call.args[0].value
    if isinstance(argument, cst.Call):
        return (dotted(argument.func) or "").rsplit(".", 1)[-1] == "count"
    name = (dotted(argument) or "").rsplit(".", 1)[-1].lower()
    return any(part in name for part in ("count", "seq", "ids", "id_gen", "numbers"))


def _literal_key(subscript: cst.Subscript) -> Optional[str]:
    if len(subscript.slice) != 1 or not isinstance(subscript.slice[0].slice, cst.Index):
        return None
    value = subscript.slice[0].slice.value
    if isinstance(value, cst.SimpleString) and isinstance(value.evaluated_value, str):
        return value.evaluated_value
    return None


def _roots(expression: cst.BaseExpression) -> Tuple[str, ...]:
    """Names an expression reads at its leaves (``run.id`` → ``run``)."""
    found = []

    class _Collect(cst.CSTVisitor):
        def visit_Name(self, node: cst.Name) -> None:
            found.append(node.value)

        def visit_Attribute(self, node: cst.Attribute) -> bool:
            chain = dotted(node)
            if chain is not None:
                found.append(chain.split(".", 1)[0])
                return False
            return True

        def visit_Call(self, node: cst.Call) -> bool:
            for arg in node.args:
                arg.value.visit(self)
            if isinstance(node.func, cst.Attribute):
                node.func.value.visit(self)
            return False

    expression.visit(_Collect())
    return tuple(dict.fromkeys(found))


def _private_class_of_module(classifier, name: str) -> bool:
    """``_Request(p)`` where the module defines ``class _Request``: a new object, as ``Request(p)``
    is.  An imported ``_Canonical`` may be a function (``from _locale import _Canonical``)."""
    return name[:1] == "_" and name.lstrip("_")[:1].isupper() and name in classifier.module_classes
