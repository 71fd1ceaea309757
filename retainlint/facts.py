"""Plain-data summaries of one source file: what the rules and the reference graph read.

Extraction turns a libcst tree into these records and then drops the tree, so nothing here
holds a syntax node.  Every record is a frozen dataclass of strings, ints and tuples: it pickles
(for worker processes and the cache) and compares by value (for tests that build facts by hand).
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
      ``attr``    an attribute reached through anything else (``other.x``); ``owner`` is ``""``
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


@dataclass(frozen=True)
class ClassFact:
    qualname: str
    name: str
    bases: Tuple[str, ...]  # resolved dotted names
    decorators: Tuple[str, ...]
    span: Span


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
    key: str  # source of the subscript key for ``[]=`` (empty otherwise)
    value: str  # what is added: "self" (the object itself or a bound method), "param", or "other"
    span: Span


@dataclass(frozen=True)
class Listener:
    """A listener registration or removal: ``emitter.on("chunk", cb)``, ``emitter.off(…)``."""

    action: str  # ``add``, ``remove``, ``remove_all``
    api: str  # the add-method name of the API pair from rules/knowledge.toml
    method: str  # the method actually called
    target: str  # normalised source of the receiver (``self._emitter``, ``atexit``)
    target_kind: str  # global | param | local_created | local | self_attr | call | unknown
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


@dataclass(frozen=True)
class AttrAssign:
    """``self.x = value``: the value's shape decides ownership (``Emitter()``) and what it holds."""

    ref: Ref
    function: Optional[str]
    value_class: str  # dotted callee when the value is ``Something(...)``; "" otherwise
    from_param: bool  # the value is a parameter of the enclosing function
    span: Span


@dataclass(frozen=True)
class Holds:
    """A strong "holds" edge: ``owner`` (a Ref) keeps objects of class ``held`` alive."""

    owner: Ref
    held: str  # dotted class name as written, resolved through imports
    via: str  # attribute | element | annotation | callback
    span: Span
    back: bool = False  # the value is ``self`` stored on another object: ``child.parent = self``


@dataclass(frozen=True)
class StoredException:
    """An exception, ``sys.exc_info()`` or a traceback kept in a slot that outlives the handler."""

    ref: Ref
    what: str  # exception | exc_info | traceback
    via: str  # attribute | element
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
    import_time_calls: Set[str] = field(default_factory=set)  # qualified callees called at module/class level
    decorators_used: Set[str] = field(default_factory=set)  # last names of decorators applied at import time
    decorator_factories: Set[str] = field(default_factory=set)  # last names of decorators applied as ``@f(...)``
    cache_clears: Set[str] = field(default_factory=set)  # method names seen in ``….method.cache_clear()``
    init_calls: Set[str] = field(default_factory=set)  # "pkg.mod.Class.method" called as self.method() from __init__
    suppressions: Dict[int, FrozenSet[str]] = field(default_factory=dict)
    statement_starts: Dict[int, int] = field(default_factory=dict)  # line inside a multi-line statement → its first line
    lines: int = 0
