"""Plain-data summaries of one source file: what the rules and the reference graph read.

Extraction turns a libcst tree into these records and then drops the tree, so nothing here
holds a syntax node.  Every record is a frozen dataclass of strings, ints and tuples: it crosses to
worker processes, encodes to the cache's JSON from these annotations (:mod:`retainlint.codec`) and
compares by value (for tests that build facts by hand).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, FrozenSet, List, Optional, Set, Tuple


@dataclass(frozen=True)
class Span:
    """A source region; rows and columns are 1-based like every linter's output."""

    line: int
    col: int
    end_line: int
    end_col: int


@dataclass(frozen=True)
class Ref:
    """A name for a container or object slot that can be matched across functions and files.

    kind is one of:
      ``global``  a module-level name; ``owner`` is the defining module's dotted name
      ``self``    an attribute reached through ``self``/``cls``/the class name; ``owner`` is the
                  class's qualified name (``pkg.mod.Class``)
      ``attr``    an attribute reached through anything else (``other.x``); ``owner`` is ``""``, or
                  the dotted name a from-import gave the object (``_callback`` of ``from . import
                  _callback``), which the link stage reads as a module global when it is a module
      ``default`` a parameter's default value; ``owner`` is the function's qualified name
    """

    kind: str
    owner: str
    name: str

    def display(self) -> str:
        if self.kind == "global":
            return self.name
        if self.kind == "self":
            return f"{self.owner.rsplit('.', 1)[-1]}.{self.name}"
        return self.name


@dataclass(frozen=True)
class FunctionFact:
    """A function or method definition and what decides how often it runs."""

    qualname: str  # module.Class.method or module.func (nested: module.outer.inner)
    name: str
    class_qualname: Optional[str]  # the class whose body defines it directly
    decorators: Tuple[str, ...]  # dotted decorator names, calls reduced to their callee
    first_param: Optional[str]
    params: Tuple[str, ...]
    nested: bool  # defined inside another function: created per call of its parent
    body_statements: int  # statements other than docstring, return, global, pass
    returns: Tuple[str, ...]  # names of nested functions it returns (decorator factories)
    span: Span
    generator: bool = False  # its body yields
    loops_on: bool = False  # it loops with no fixed end (``while``, ``for`` over a queue or a stream): a worker's or a server's loop
    iterated: Tuple[Ref, ...] = ()  # what its ``for`` loops walk on self or a global: a container ends, a stream may not
    flag_params: Tuple[str, ...] = ()  # parameters with a literal default (``run=True``): settings, not events
    none_params: Tuple[str, ...] = ()  # parameters that default to None: a caller that omits one passes None
    callable_params: Tuple[str, ...] = ()  # parameters annotated as callables (``handler: Callable``)
    builds: bool = False  # every ``return`` gives back an object it builds (``return Connection(...)``): a factory
    built_class: str = ""  # the class every ``return`` builds, when it is one (``return XOM(config)``), qualified
    # parameters whose default is a class (``normalizer=RunNormalizer``): what a slot set from one
    # makes when called, unless a caller passes another
    class_defaults: Tuple[Tuple[str, str], ...] = ()
    star_params: Tuple[str, ...] = ()  # ``*handlers``, ``**options``: what callers pass beyond the named
    # a CamelCase function or method: the key domain of what its ``return`` statements give
    # (``event`` or ``created`` for a new id or object, ``bounded`` for constants, ``unknown`` for
    # an interned or looked-up value or what the caller passed in); "" when no ``return`` gives one
    returns_domain: str = ""

    @property
    def instance_method(self) -> bool:
        """It takes the instance first: not a static or class method, nor a plain function."""
        return self.first_param is not None and not any(
            d.rsplit(".", 1)[-1] in ("classmethod", "staticmethod") for d in self.decorators)

    @property
    def context_manager(self) -> bool:
        """``@contextmanager`` / ``@asynccontextmanager``: its ``yield`` is the caller's with block."""
        return self.generator and any(d.rsplit(".", 1)[-1] in ("contextmanager", "asynccontextmanager")
                                      for d in self.decorators)


@dataclass(frozen=True)
class ClassFact:
    qualname: str
    name: str
    bases: Tuple[str, ...]  # resolved dotted names
    decorators: Tuple[str, ...]
    span: Span
    frozen: bool = False  # ``@dataclass(frozen=True)``, ``@attrs.frozen``: immutable, hashed by its fields' values
    metaclass: str = ""  # ``class Logging(metaclass=Singleton)``: resolved dotted name


@dataclass(frozen=True)
class ContainerDef:
    """A growable container bound to a name: ``self._chunks = []``, ``RUNS = {}``, ``x = []`` in a class body."""

    ref: Ref
    scope: str  # module | class (shared by all instances) | instance | default (a parameter default)
    constructor: str  # ``list``, ``collections.deque``, ``str`` for text …
    bounded: bool
    weak: bool
    text: bool  # str/bytes value: grows by ``+=`` concatenation
    function: Optional[str]  # qualname of the function that binds it; None at module/class level
    span: Span
    annotated: bool = False  # ``x: list = []`` in a class body: a per-instance field if the class is a model
    weak_entries: bool = False  # ``defaultdict(WeakSet)``: what is added to an entry is held weakly
    entry_class: str = ""  # ``{k: Queue() for k in names}``, ``defaultdict(Queue)``: what every entry is, if known
    script: bool = False  # bound at module level in the ``if __name__ == "__main__":`` block: only when run as a script


@dataclass(frozen=True)
class Key:
    """What a growth is keyed by (``d[k] = v``, ``s.add(k)``) or what it appends: the *key domain*
    decides whether the container grows with traffic or with the program text.

    domain is one of:
      ``event``    a per-event identity: a run, request, span, session or message id, ``uuid4()``,
                   ``id(obj)``, a counter, a timestamp, a task or future made for this call
      ``created``  an object this call builds (``Status(request)``): per event when the code runs per call
      ``bounded``  a class or ``type(x)``, a literal or constant, an enum member, a module,
                   attribute or configuration name, a value drawn from a fixed collection
      ``param``    derived from a parameter, no more said by the code here (callers decide)
      ``slot``     an attribute of the object (``self._next_id``): per event when something increments it
      ``self``     the object itself: per event when instances are made per call
      ``unknown``  anything else
    """

    domain: str
    what: str  # for messages: "run id", "uuid4()", "a class", "parameter 'run'" …
    text: str = ""  # the key's source with whitespace folded ("" when there is none)
    roots: Tuple[str, ...] = ()  # local and parameter names it is computed from
    made: str = ""  # the dotted class of the value: built (``created``; one that hashes by value bounds nothing) or annotated (a parameter)


NO_KEY = Key("unknown", "", "", ())


@dataclass(frozen=True)
class Memo:
    """The get-or-create of another container that a growth runs inside: ``m = A.get(k); if m is
    None: m = Module(); B[m] = k; A[k] = m`` adds to B once per k — as long as A keeps its
    entries and lives as long as B, which the link stage checks."""

    ref: Ref  # the container the memo looks in (A)
    key: Key  # what it looks up (k)
    param_key: Tuple[str, ...] = ()  # as Mutation.param_key, for k
    param_identity: bool = False  # as Mutation.param_identity, for k


@dataclass(frozen=True)
class Mutation:
    """One operation on a container: ``grow``, ``shrink``, ``reset`` (rebinding the name) or
    ``slot`` (``c[0] = v``: a constant key replaces, it cannot grow the container)."""

    ref: Ref
    op: str
    method: str  # ``append``, ``[]=``, ``+=``, ``del``, ``=`` …
    function: Optional[str]  # None at module or class level
    in_loop: bool
    text_value: bool  # the grown value is visibly text (``+= "…"``, ``+= f"…"``)
    key: Key  # what it is keyed by or adds (grow), or which entry it removes (shrink)
    value: str  # what is added: "self" (the object itself or a bound method), "param", "weak"
    #             (``weakref.ref(x)``: it keeps nothing else alive), or "other"
    span: Span
    guarded: bool = False  # inside a once-guard (``if X is None:``, ``if x not in L:``)
    element: bool = False  # on an entry of the container (``c[k].add(x)``), not the container itself
    deferred: bool = False  # runs later, if ever: inside a lambda, or a bound method handed over
    dedup: bool = False  # under ``if x not in c:``: a list that grows by one per distinct x, like a set
    holds_key: bool = False  # the value refers to its own key (``d[obj] = Wrapper(obj)``): weak keys stay
    bound: str = ""  # the value is ``self.<bound>``: a bound method, if that attribute is a method
    trickle: bool = False  # a number added once every N calls (``if not count % N: samples.append(dt)``)
    counter: bool = False  # the value is computed from the entry's previous value (``d[k] = d.get(k, 0) + 1``)
    param_key: Tuple[str, ...] = ()  # parameters that alone decide the key's domain (by name, or not at all): callers may say more
    param_identity: bool = False  # the key is ``id()`` of ``param_key``: bounded only if every caller passes a bounded value
    spread_param: str = ""  # adds the contents of this parameter (``self._hooks += extra_hooks``): callers decide
    forever: bool = False  # inside a ``while True:`` of its function (of a script's module level, for a release): it repeats as long as that runs
    memo: Optional[Memo] = None  # grown inside another container's get-or-create (see Memo)
    forced_by: Tuple[str, ...] = ()  # its once-guard holds only while callers leave these switches off
    # grown only while another container is empty or small (``if not self._subscribers:
    # self._initial.append(x)``): once that one fills, and if it never shrinks, this stops growing
    latched_by: Optional[Ref] = None


@dataclass(frozen=True)
class Listener:
    """A listener registration or removal: ``emitter.on("chunk", cb)``, ``emitter.off(…)``."""

    action: str  # ``add``, ``remove``, ``remove_all``
    api: str  # the add-method name of the API pair from rules/knowledge.toml
    method: str  # the method actually called
    target: str  # normalised source of the receiver (``self._emitter``, ``atexit``)
    target_kind: str  # global | param | self | local_created | local | self_attr | call | unknown
    target_ref: Optional[Ref]  # the receiver as a slot (``self._pubsub`` → Ref self), when it is one
    event: str  # source of the event argument, "" when the API has none
    callback: str  # source of the callback argument
    callback_self: bool  # the callback is a bound method of ``self`` or a closure over it
    strong: bool  # False when the API holds it weakly (default or by argument)
    one_shot: bool  # released after it fires (future done-callbacks, ``once``)
    result_kept: bool  # the call's return value (an unsubscribe handle) is used
    function: Optional[str]
    in_loop: bool
    span: Span
    guarded: bool = False  # inside a once-guard (``if not logger.handlers:``)
    same_object: bool = False  # an API that ignores a callback already added, given the same object again
    in_while: bool = False  # inside a ``while`` loop (a main loop), not only ``for`` loops over a collection
    callback_module: bool = False  # the callback is a function of an imported module (``termios.tcsetattr``)
    callee: str = ""  # the dotted function called, qualified through the imports (``pkg.functions.on.on``)
    rebound: bool = False  # the receiver slot was rebound from a call earlier in the function, on every path to here


@dataclass(frozen=True)
class AttrAssign:
    """``self.x = value``: the value's shape decides ownership (``Emitter()``) and what it holds."""

    ref: Ref
    function: Optional[str]
    value_class: str  # dotted callee when the value is ``Something(...)``; "" otherwise
    from_param: bool  # the value is a parameter of the enclosing function
    span: Span
    param: str = ""  # which parameter (``self._cleanup = cleanup``: a callable handed in is kept)
    value_call: str = ""  # the Call target when the value is what another call returns (``self.create_connection()``)
    value_ref: Optional[Ref] = None  # the slot the value reads (``self.processes = executor._processes``)


@dataclass(frozen=True)
class Holds:
    """A strong "holds" edge: ``owner`` (a Ref) keeps objects of class ``held`` alive."""

    owner: Ref
    held: str  # dotted class name as written, resolved through imports
    via: str  # attribute | element | annotation | callback
    span: Span
    back: bool = False  # the value is ``self`` stored on another object: ``child.parent = self``
    function: Optional[str] = None  # the function that stores it; None at module or class level
    fresh: bool = False  # stored on an object the function just built (``g = Config(); g.response = r``)
    script: bool = False  # bound in the module's ``if __name__ == "__main__":`` block: only when run as a script


@dataclass(frozen=True)
class StoredException:
    """An exception, ``sys.exc_info()`` or a traceback kept in a slot that outlives the handler."""

    ref: Ref
    what: str  # exception | exc_info | traceback | frame
    via: str  # attribute | element | set (``var.set(exc)`` on a ContextVar: one kept per context)
    function: Optional[str]
    span: Span
    in_loop: bool = False  # stored inside a loop of its function (a worker's ``while``), not once as it ends
    guarded: bool = False  # under a once-guard (``if self._error is None:``): only the first failure is kept


@dataclass(frozen=True)
class ParamMutation:
    """A function grows (``def _add_to(callbacks, cb): callbacks.append(cb)``) or empties
    (``def _flush(group): group[:] = []``, ``def received(msg, results): del results[msg.id]``) a
    container it was handed: a caller that passes its own container does so through the call."""

    function: str
    param: str
    op: str  # ``grow`` or ``shrink``
    method: str
    span: Span


@dataclass(frozen=True)
class WeakBound:
    """``weakref.ref(self.<attribute>)`` (or ``proxy``): when the attribute is a method, the bound
    method is a new object that nothing else holds, so the reference is dead at once.  (The same
    in a weak container is a Mutation with ``bound`` set.)"""

    function: str
    class_qualname: str
    attribute: str
    via: str  # the weak reference's constructor: ``weakref.ref``, ``weakref.proxy``
    span: Span


@dataclass(frozen=True)
class FrameHold:
    """A local that keeps a frame or what it holds alive past its use.

    kind ``cycle``: the local holds an exception or traceback of this very frame (``exc, tb =
    sys.exc_info()[1:]``, ``err = e``): the traceback holds the frame, the frame holds the local —
    every local of every frame in it lives until a full collection.  kind ``last-item``: an
    endless loop's variable holds the last item it took while it blocks for the next one.
    """

    function: str
    local: str
    what: str  # exception | traceback | exc_info | item
    kind: str  # cycle | last-item
    span: Span


@dataclass(frozen=True)
class BackReference:
    """``self.parser = Parser(self)``, ``Reader(reply_error=self.parse_error)``: an object made with
    ``self`` or a bound method of it, and kept by ``self`` — a cycle if the object keeps what it is
    given, one the collector never frees if it is a C type that does not take part in it."""

    ref: Ref  # the slot that keeps the new object
    cls: str  # dotted class of the new object
    argument: str  # the parameter it was handed as (``protocol_callback``) or "#<position>"
    handed: str  # "self", or the bound method's name (``parse_error``)
    function: Optional[str]
    span: Span


@dataclass(frozen=True)
class GlobalInstance:
    """``bus = EventBus()`` at module level: an instance that lives as long as the process."""

    ref: Ref
    cls: str
    span: Span


@dataclass(frozen=True)
class CachedMethod:
    """``@lru_cache``/``@cache`` on a function defined in a class body."""

    function: str
    class_qualname: str
    decorator: str
    maxsize: str  # "none" (unbounded), "default" (128) or the literal given
    first_param: Optional[str]
    is_static: bool
    is_classmethod: bool
    span: Span


@dataclass(frozen=True)
class LoggerCall:
    """``logging.getLogger(name)`` inside a function with a name built at run time."""

    function: str
    name_source: str
    per_object: bool  # the name includes an identity: id(), uuid, a counter, a timestamp
    composite: bool  # built by formatting or concatenation (``f"conn.{peer}"``), not passed through
    span: Span
    params: Tuple[str, ...] = ()  # the parameters it is built from, when nothing else varies: callers decide
    param_types: Tuple[str, ...] = ()  # their annotated classes, when every one is annotated (an Enum bounds it)
    key: Key = NO_KEY  # the name's key domain: the logger manager is a memo keyed by the name


@dataclass(frozen=True)
class Call:
    """A call the call graph follows: who calls what, and whether it repeats or runs once.

    ``target`` is resolved as far as one file allows:
      ``self:<method>``        a method (or stored callable) reached through ``self``/``cls``
      ``super:<method>``       ``super().method()``
      ``name:<dotted>``        a module-level function or class, qualified through the imports
      ``local:<name>``         a nested function, a parameter or a local holding a callable
      ``attr:<receiver>.<m>``  a method of another object (receiver's class when known)
    """

    caller: Optional[str]  # None at module or class level (runs at import time)
    target: str
    line: int
    in_loop: bool
    guarded: bool  # inside a once-guard
    argument_of: str = ""  # the call is an argument handed to this callee (a callback registration)
    use: str = ""  # what becomes of the value: local | joined (a thread the caller joins) | argument | receiver |
    #                statement | with | return | store (in a slot) | element (added to a container) | other
    fresh: Tuple[Tuple[str, str], ...] = ()  # (``#position`` or keyword, constructor) of fresh containers passed
    exceptions: Tuple[str, ...] = ()  # ``#position`` or keyword of arguments that are an exception or traceback
    containers: Tuple[Tuple[str, Ref], ...] = ()  # (``#position`` or keyword, container) of containers passed
    built: Tuple[Tuple[str, str], ...] = ()  # (``#position`` or keyword, class) of objects built for the call
    in_while: bool = False  # inside a ``while`` loop: it repeats as long as the loop runs, not a fixed number of times
    arguments: Tuple[Tuple[str, str], ...] = ()  # (``#position`` or keyword, key domain) of each argument passed;
    #                                          ("*", "unknown") once a ``*args``/``**kwargs`` hides the rest;
    #                                          ``param:<name>=<domain>`` for a parameter of the caller passed on
    script: bool = False  # at module level in the ``if __name__ == "__main__":`` block: only when run as a script
    # the object a method is called on: ``new`` (a local this function bound to an object it made and
    # has not stored or handed on, ``meta = Metadata(); meta.add(…)``), ``self``, or "" (anything else)
    receiver: str = ""
    # containers whose emptiness or smallness guards the call (``if len(Loader.PATHS) == 0:
    # Loader.find_paths()``): a callee that fills them runs only until they fill
    capped: Tuple[Ref, ...] = ()
    at_exit: bool = False  # handed to an exit hook: ``atexit.register(f)``, ``signal.signal(SIGTERM, f)``


@dataclass(frozen=True)
class FlowEvent:
    """Something a statement does that the release analysis tracks, in evaluation order.

    kind is one of ``insert`` (grow), ``release`` (remove one entry), ``clear`` (empty or rebind
    the whole container), ``lookup`` (read an entry: ``d[k]``, ``d.get(k)``), ``iterate`` (a loop
    over the container), ``call`` (a call that may release through a helper or a stored
    callable), ``listen`` / ``unlisten`` (a listener
    registration or removal; ``target`` holds ``api|receiver|event|callback``).
    """

    kind: str
    ref: Optional[Ref]
    key: str  # the key's or element's source ("" for the whole container)
    roots: Tuple[str, ...]  # names the key is computed from
    target: str  # calls: the Call target; listeners: the registration's identity; container events:
    # "element" (on an entry: ``c[k].add(x)``), "update" (``c[k] += 1``: creates only in a defaultdict),
    # "rebind" (``self.c = []``: a clear by binding a new container) or ""
    line: int


@dataclass(frozen=True)
class FlowNode:
    """One statement (or a compound statement's header) of a function's control-flow graph.

    ``next`` are the normal successors; ``on_error`` where an exception raised here goes (the
    handlers of the enclosing ``try``, a ``finally`` copy, or the exceptional exit) and
    ``on_cancel`` where a cancellation at an ``await`` here goes (``except Exception`` does not
    catch it).  Nodes that cannot raise have neither.
    """

    kind: str  # entry | exit | error_exit | stmt | branch | loop (for) | while | return | raise | yield
    line: int
    events: Tuple[int, ...] = ()  # indexes into FunctionFlow.events
    next: Tuple[int, ...] = ()
    on_error: Tuple[int, ...] = ()
    on_cancel: Tuple[int, ...] = ()
    guard: Tuple[str, ...] = ()  # branch and while headers: names their test reads; return/raise
    # nodes: names read by the condition they sit under
    inside: Tuple[int, ...] = ()  # branch, loop and while headers: the events of their arms
    handler: bool = False  # inside an ``except`` handler (a rollback, not the normal path)


ENTRY, EXIT, ERROR_EXIT = 0, 1, 2


@dataclass(frozen=True)
class FunctionFlow:
    """The control-flow graph of one function that inserts into, releases from or calls into
    something the release analysis follows.  Node 0 is the entry, 1 the normal exit, 2 the
    exceptional exit."""

    function: str
    events: Tuple[FlowEvent, ...]
    nodes: Tuple[FlowNode, ...]
    entry_locals: Tuple[Tuple[str, Ref], ...] = ()  # locals bound to an entry read from a container
    flags: Tuple[str, ...] = ()  # ``self.x`` attributes the function assigns (``self._closed = True``)
    container_locals: Tuple[Tuple[str, Ref], ...] = ()  # locals that are a container (``c = self._cache``)


@dataclass(frozen=True)
class CallableRelease:
    """A release handed over to run later: ``functools.partial(self._runs.pop, run_id)``,
    ``lambda: self._runs.pop(rid, None)``, ``self._tasks.discard`` passed as an argument."""

    ref: Ref
    key: str
    function: Optional[str]
    callee: str  # the Call target it is handed to (``attr:add_done_callback``, ``name:pkg.Run``)
    keyword: str  # the parameter it is passed as (``cleanup``), or "#<position>"
    line: int


@dataclass
class ModuleFacts:
    """Everything the checks need from one file.  ``suppressions`` maps line → codes ("*" = all)."""

    path: str
    module: str
    functions: List[FunctionFact] = field(default_factory=list)
    classes: List[ClassFact] = field(default_factory=list)
    containers: List[ContainerDef] = field(default_factory=list)
    mutations: List[Mutation] = field(default_factory=list)
    listeners: List[Listener] = field(default_factory=list)
    attr_assigns: List[AttrAssign] = field(default_factory=list)
    holds: List[Holds] = field(default_factory=list)
    global_instances: List[GlobalInstance] = field(default_factory=list)
    cached_methods: List[CachedMethod] = field(default_factory=list)
    logger_calls: List[LoggerCall] = field(default_factory=list)
    stored_exceptions: List[StoredException] = field(default_factory=list)
    calls: List[Call] = field(default_factory=list)
    frame_holds: List[FrameHold] = field(default_factory=list)
    weak_bounds: List[WeakBound] = field(default_factory=list)
    param_mutations: List[ParamMutation] = field(default_factory=list)
    back_references: List[BackReference] = field(default_factory=list)
    lookups: List[Mutation] = field(default_factory=list)  # records with op "lookup": reads of an entry
    flows: List[FunctionFlow] = field(default_factory=list)
    callable_releases: List[CallableRelease] = field(default_factory=list)
    # containers whose elements are called (``for handler in self._handlers: handler(event)``)
    invoked: Set[Ref] = field(default_factory=set)
    import_time_calls: Set[str] = field(default_factory=set)  # qualified callees called at module/class level
    # functions that hand control to a loop that runs until the process stops (a call named in
    # knowledge's serving-calls: ``serve_forever()``, ``app.run()``), and whether the module's
    # ``__main__`` block does, or loops (``while``, ``for`` over what is not a fixed collection)
    serving: Set[str] = field(default_factory=set)
    script_runs_on: bool = False
    decorators_used: Set[str] = field(default_factory=set)  # last names of decorators applied at import time
    decorator_factories: Set[str] = field(default_factory=set)  # last names of decorators applied as ``@f(...)``
    cache_clears: Set[str] = field(default_factory=set)  # method names seen in ``….method.cache_clear()``
    # (class, name) of private names written as strings in a class's body or methods (``"_on_close"``),
    # and the classes that call ``getattr(self, name)`` with a name that is no literal: together, a
    # dispatch table whose methods run by name
    string_names: Set[Tuple[str, str]] = field(default_factory=set)
    getattr_dispatch: Set[str] = field(default_factory=set)
    context_clears: Set[Tuple[Ref, str]] = field(default_factory=set)  # (context variable, function) of ``var.set(None)``
    untyped_calls: Set[str] = field(default_factory=set)  # method names called on objects of unknown class
    # method name → (caller, arguments) of each such call, as ``Call.arguments`` but with only the
    # parameters passed on told (``param:<name>=unknown``), every other argument ``unknown``
    untyped_arguments: Dict[str, List[Tuple[Optional[str], Tuple[Tuple[str, str], ...]]]] = \
        field(default_factory=dict)
    # classes whose methods remove entries from the instance itself (``del self[k]``, ``self.popitem()``)
    self_shrinking: Set[str] = field(default_factory=set)
    # module-level ``from x import Name`` of a class-like name → the dotted name it is (``State`` →
    # ``pkg.flows.State``): ``other_module.State`` names the same class when short names repeat
    reexports: Dict[str, str] = field(default_factory=dict)
    # ``<class>.<attribute>`` → the dotted class a class-body ``RunBundler = RunBundler`` names:
    # ``self.RunBundler(…)`` and ``type(self).RunBundler(…)`` make one (a subclass may override it)
    class_aliases: Dict[str, str] = field(default_factory=dict)
    suppressions: Dict[int, FrozenSet[str]] = field(default_factory=dict)
    statement_starts: Dict[int, int] = field(default_factory=dict)  # line inside a multi-line statement → its first line
    lines: int = 0
