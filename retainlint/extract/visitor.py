"""The single libcst pass that turns one module into :class:`~retainlint.facts.ModuleFacts`.

It keeps an explicit scope stack (module → class → function …) in the manner of pyflakes rather
than using libcst's scope metadata provider: the rules need only "is this name a parameter, a
local, an alias of ``self.x`` or a global", and the stack answers that at a fraction of the cost.
"""

from __future__ import annotations

import builtins
import re
from dataclasses import dataclass, field, replace
from typing import Callable, Dict, Iterator, List, NamedTuple, Optional, Sequence, Set, Tuple, TypeVar

import libcst as cst
import libcst.matchers as matchers

from retainlint.extract.handover import HandoverMixin, refers_to_key, sampling_test
from retainlint.extract.holding import HoldingMixin, HoldState, released_name
from retainlint.extract.keys import KeyMixin
from retainlint.extract.locate import SMALL_STATEMENT_TYPES, STATEMENT_TYPES
from retainlint.extract.recorder import FlowRecorder
from retainlint.extract.names import (
    MODULE_DUNDERS,
    ImportResolver,
    argument,
    builds_object,
    callee_name,
    dotted,
    keyword_source,
    source_of,
    spelled_as_class,
    string_literal,
)
from retainlint.facts import (
    NO_KEY,
    AttrAssign,
    CachedMethod,
    Call,
    CallableRelease,
    ClassFact,
    ContainerDef,
    FunctionFact,
    GlobalInstance,
    Holds,
    Key,
    Listener,
    LoggerCall,
    Memo,
    ModuleFacts,
    Mutation,
    Ref,
    Span,
)
from retainlint.knowledge import Knowledge

# Calls that iterate over what they are given, no further (``sorted(BOXES)``).
_FINITE_WRAPPERS = frozenset({"sorted", "reversed", "enumerate", "zip", "list", "tuple", "set", "frozenset"})
_CLASS_NAME_ATTRIBUTES = {"__name__", "__qualname__", "__module__", "__class__"}


_BUILTINS = frozenset(dir(builtins))
# model fields (dataclasses.field, attr.ib, attrs.field, pydantic.Field, msgspec.field) by their last name
_FIELD_FACTORY_NAMES = frozenset({"field", "ib", "Field", "PrivateAttr", "Factory"})
_TYPING_MODULES = ("typing.", "typing_extensions.", "collections.abc.")
_TYPING_NAMES = frozenset({"Any", "Callable", "Union", "Optional", "Type", "TypeVar", "Generic", "Protocol", "Self",
                           "List", "Dict", "Set", "Tuple", "Iterable", "Iterator", "Mapping", "Sequence", "Awaitable"})
_SAFE_BUILTINS = frozenset({"len", "isinstance", "issubclass", "id", "hasattr", "callable", "type", "bool", "repr",
                            "list", "tuple", "set", "frozenset", "dict", "sorted", "reversed", "min", "max", "any",
                            "all", "enumerate", "zip", "range", "iter", "super", "getattr", "print"})
# The flow event of a container operation: (op, names one entry) → kind.
_FLOW_KIND = {("grow", True): "insert", ("grow", False): "insert", ("shrink", True): "release",
              ("shrink", False): "clear", ("reset", False): "clear", ("reset", True): "clear"}
# Which argument of a container method names the entry it adds or removes (-1: the last).
_KEY_ARGUMENT = {"append": -1, "appendleft": -1, "add": 0, "insert": -1, "setdefault": 0,
                 "pop": 0, "remove": 0, "discard": 0}
# How many positional arguments, and no keyword, the built-in containers' growing methods take: a
# call that does not fit (``dataset.insert(items)``, ``client.add(doc, refresh=True)``) is some
# other API that happens to share the name.
_CONTAINER_ARITY = {"append": (1,), "appendleft": (1,), "add": (1,), "insert": (2,), "extend": (1,),
                    "extendleft": (1,), "setdefault": (1, 2)}
# Shrinks that take out one entry even without naming it: a queue consumed from its end.
_ONE_ENTRY_METHODS = {"popleft", "popitem", "pop", "heappop", "heapreplace", "heappushpop"}
# A once-guard that holds while some switch parameters stay at their default False: the marker,
# then the switches (``once-unless:force``).
_ONCE_UNLESS = "once-unless:"


# Methods that add the contents of their argument, not the argument itself.
_SPREADING = {"extend", "update"}
_PRIVATE_NAME = re.compile(r"_(?!_)[A-Za-z0-9_]+")  # ``"_update_network_status"``, not ``"__init__"`` nor ``"_"``


class ContainerKind(NamedTuple):
    constructor: str  # ``list``, ``collections.deque``, ``str`` …
    bounded: bool
    weak: bool
    text: bool
    weak_entries: bool = False  # ``defaultdict(WeakSet)``: each entry holds its elements weakly
    entry_class: str = ""  # ``{k: Queue() for k in names}``: every entry an instance of this class


@dataclass
class Local:
    """What a function-local name is bound to, as far as one pass can tell."""

    created: str = ""  # dotted class of ``x = Class(...)``
    returned_by: str = ""  # the function of ``x = make_thing(...)``, as a ``name:`` call names it; its class is the linker's
    process_lifetime: bool = False  # ``log = logging.getLogger(...)``: lives as long as the process
    alias: Optional[Ref] = None  # ``x = self._chunks`` makes x another name for that container
    element_of: Optional[Ref] = None  # ``x = self._engines[k]``: shrinking x shrinks that container
    value: Optional[cst.BaseExpression] = None  # what it was assigned (lives only while the function is visited)
    fixed_collection: bool = False  # a loop variable over a literal or a constant collection
    classes: Tuple[str, ...] = ()  # ``cls = A if c else B``: the classes a call of it may instantiate
    kept: bool = False  # so far stored, handed to a call or bound before (``self._workflows[k] = workflow``)


@dataclass
class Frame:
    kind: str  # module | class | function
    qualname: str
    class_qualname: Optional[str] = None  # class frame: itself; function frame: class of ``self``
    self_name: Optional[str] = None
    is_classmethod: bool = False
    params: Set[str] = field(default_factory=set)
    param_types: Dict[str, str] = field(default_factory=dict)  # annotated parameter → dotted class
    text_params: Set[str] = field(default_factory=set)  # parameters annotated ``str``: a text, not an object
    class_params: Set[str] = field(default_factory=set)  # parameters annotated ``type`` / ``type[X]``: a class
    mutable_defaults: Set[str] = field(default_factory=set)
    off_by_default: Set[str] = field(default_factory=set)  # parameters whose default is False
    # the switches each open once-guard holds only while off (``not L or force``), innermost last
    forcing: List[Tuple[str, ...]] = field(default_factory=list)
    locals: Dict[str, Local] = field(default_factory=dict)
    assigned: Set[str] = field(default_factory=set)
    declared_global: Set[str] = field(default_factory=set)
    local_functions: Dict[str, cst.BaseSuite] = field(default_factory=dict)  # name → its body (while visited)
    exceptions: Dict[str, str] = field(default_factory=dict)  # local → exception | exc_info | traceback
    hooks_saved: Set[str] = field(default_factory=set)  # process-wide hooks whose current value it keeps
    loop_depth: int = 0
    while_depth: int = 0  # inside ``while`` loops: a main loop repeats without a fixed bound
    once_depth: int = 0  # inside once-guards (``if X is None: … X = …``)
    constructed: Dict[str, int] = field(default_factory=dict)  # local → index of the Call that made it
    body: Optional[cst.BaseSuite] = None  # function frame: its body (while visited)
    # locals only ever bound to dicts with spelled-out keys and only read as ``update`` arguments,
    # worked out at the first ``update`` that passes a name (see _spelled_out_dicts)
    spelled_dicts: Optional[Dict[str, Tuple[cst.BaseExpression, ...]]] = None
    attribute_values: Dict[str, cst.BaseExpression] = field(default_factory=dict)  # ``self.x = …`` here (while visited)
    # ``self.x = …`` here: the blocks open at the assignment (a prefix of the blocks open at a later
    # statement means every path to that statement passed the assignment)
    attribute_blocks: Dict[str, Tuple[int, ...]] = field(default_factory=dict)
    blocks: List[int] = field(default_factory=list)  # the suites open now, outermost first (while visited)
    hold: HoldState = field(default_factory=HoldState)  # locals that keep this frame or an item alive
    handler_names: Set[str] = field(default_factory=set)  # ``except … as e`` names seen so far
    generator: bool = False  # the body yields
    loops_on: bool = False  # a loop with no fixed end: a ``while`` that waits for no value, a ``for`` over a stream
    handler_depth: int = 0  # inside ``except`` handlers
    fact_index: int = -1  # where its FunctionFact is in facts.functions
    methods: Set[str] = field(default_factory=set)  # class frame: the names its body defines
    # Records about bare names that are globals unless the function binds them later.
    pending: List[Tuple[str, Callable[[], None]]] = field(default_factory=list)
    # ``for d in (self._a, self._b): d.clear()``: loop variable → the containers it takes in turn
    loop_containers: Dict[str, List[cst.BaseExpression]] = field(default_factory=dict)
    loop_sources: Dict[str, cst.BaseExpression] = field(default_factory=dict)  # loop variable → what it walks
    loop_bodies: List[int] = field(default_factory=list)  # the bodies of the loops open, innermost last
    main_loops: List[bool] = field(default_factory=list)  # of the loops open, which are main loops (``_main_loop``)
    iterated: List[Ref] = field(default_factory=list)  # what its ``for`` loops walk that the code does not bound
    return_domains: Set[str] = field(default_factory=set)  # a CamelCase function: the key domains of what it returns
    module_fills: Optional[Dict[str, Set[str]]] = None  # what module functions fill, by names this one does not bind
    # ``for handler in self._handlers:``: loop variable → the container whose elements it takes
    loop_items: Dict[str, Ref] = field(default_factory=dict)
    endless_loops: int = 0  # ``while True:`` loops open (at module level: a script's main loop)


class FactVisitor(HoldingMixin, HandoverMixin, KeyMixin, cst.CSTVisitor):
    def __init__(self, facts: ModuleFacts, knowledge: Knowledge, is_package: bool, locator) -> None:
        super().__init__()
        self.locator = locator
        self.facts = facts
        self.kb = knowledge
        self.imports = ImportResolver(facts.module, is_package)
        self.stack: List[Frame] = [Frame("module", facts.module)]
        self.module_classes: Dict[str, str] = {}
        self.module_node: Optional[cst.Module] = None  # the module (or group of statements) being visited
        self._raised: Optional[Set[str]] = None  # _raised_flags of module_node, read when a guard needs it
        self.property_aliases: Dict[str, Dict[str, str]] = {}  # class → property → the attribute it returns
        self.defined_containers: Set[Ref] = set()  # containers this file has defined so far
        # module-level functions that return a class (``def _get_tracer(): from .x import Tracer;
        # return Tracer``): calling what they return makes one of these
        self.class_factories: Dict[str, Tuple[str, ...]] = {}
        # module-level function → the module's containers it fills (``register_key`` → ``to_name``)
        self.function_fills: Dict[str, Set[str]] = {}
        self.statement_calls: Set[int] = set()
        self.bound_calls: Set[int] = set()  # calls whose result an assignment binds (``log = log.append(m)``)
        self.flow = FlowRecorder()
        # id of an if-body → "once" (it runs once), "dedup:<element>|<container>" (``if x not in c:``)
        # "member:<key>|<container>" (``if k in c:``), "miss:<container>" (``if c.get(k) is None``)
        # or "capped:<container>" (``if len(c) < 64:``, ``if not c:``: it grows only while small)
        self.guarded_blocks: Dict[int, str] = {}
        # statement → the container it refills right after clearing it (``c.clear(); c.extend(K)``),
        # kept apart from ``guarded_blocks``: the same statement may sit under a dedup guard too
        self.refill_blocks: Dict[int, str] = {}
        # ids of ``if``/``else`` bodies that always return or raise → the locals as they were before
        # (what such a branch binds, ``objects = self._remembered[k]; return obj(*objects)``, is not
        # what the code after the ``if`` sees)
        self.exiting_branches: Dict[int, Optional[Dict[str, Local]]] = {}
        # get-or-create blocks that store what they make into the container they missed: they run
        # once per key (``f = self._fwd.get(e); if f is None: … self._fwd[e] = f``)
        self.memo_blocks: Set[int] = set()
        # id of a statement of a get-or-create that runs once per key → (the container it looks in,
        # the key it looks up, its function): whatever else it adds, it adds once per key of that memo
        self.memo_keys: Dict[int, Tuple[Ref, cst.BaseExpression, Optional[str]]] = {}
        self.active_guards: List[Tuple[int, str]] = []
        self.lambda_depth = 0
        self._classifying: Set[str] = set()
        self.store_targets: Set[int] = set()  # subscripts assigned or deleted: not lookups
        self.call_uses: Dict[int, str] = {}  # id of a call → what becomes of its value
        # frames of the definitions being entered: a def's decorators, defaults and annotations and
        # a class's bases and decorators run in the enclosing scope, so the frame starts at the body
        self.entering: List[Frame] = []

    # ------------------------------------------------------------------ helpers: scope and names
    @property
    def frame(self) -> Frame:
        return self.stack[-1]

    def function_frame(self) -> Optional[Frame]:
        return self.frame if self.frame.kind == "function" else None

    def current_function(self) -> Optional[str]:
        for frame in reversed(self.stack):
            if frame.kind == "function":
                return frame.qualname
        return None

    def forget_nodes(self) -> None:
        """Forget everything keyed by node identity (``id(node)``).  Called when a parsed group of
        statements is dropped (large files: extract/budget.py): its nodes' ids may then be reused
        by the next group's nodes.  State keyed by ``id()`` must be cleared here."""
        self.statement_calls.clear()
        self.bound_calls.clear()
        self.guarded_blocks.clear()
        self.exiting_branches.clear()
        self.memo_blocks.clear()
        self.memo_keys.clear()
        self.store_targets.clear()
        self.call_uses.clear()
        self.module_node = None  # the group's tree goes with it

    def in_loop(self) -> bool:
        return self.frame.loop_depth > 0

    def in_while(self) -> bool:
        """Inside a ``while`` loop: what runs there repeats without a bound the code fixes."""
        return self.frame.while_depth > 0

    def under_guard(self, marker: str) -> bool:
        """Inside a block guarded as ``marker`` (see ``guarded_blocks``)."""
        return any(guard == marker for _, guard in self.active_guards)

    def span(self, node: cst.CSTNode) -> Span:
        return self.locator.span(node)

    def on_visit(self, node: cst.CSTNode) -> bool:
        self.locator.enter(node)
        kind = type(node)
        if kind in STATEMENT_TYPES:
            span = self.locator.span(node)
            if kind in SMALL_STATEMENT_TYPES:
                for line in range(span.line + 1, span.end_line + 1):
                    self.facts.statement_starts[line] = span.line
            self.flow.enter_statement(node, span.line)
        guard = self.guarded_blocks.get(id(node))
        if guard is not None:
            self.active_guards.append((id(node), guard))
            if guard == "once":
                self.frame.once_depth += 1
            elif guard.startswith(_ONCE_UNLESS):
                self.frame.once_depth += 1
                self.frame.forcing.append(tuple(guard[len(_ONCE_UNLESS):].split(",")))
        refilled = self.refill_blocks.get(id(node))
        if refilled is not None:
            self.active_guards.append((id(node), f"refill:{refilled}"))
        return super().on_visit(node)

    def on_leave(self, original_node: cst.CSTNode) -> None:
        super().on_leave(original_node)
        while self.active_guards and self.active_guards[-1][0] == id(original_node):
            _, guard = self.active_guards.pop()
            if guard == "once":
                self.frame.once_depth -= 1
            elif guard.startswith(_ONCE_UNLESS):
                self.frame.once_depth -= 1
                self.frame.forcing.pop()
        if type(original_node) in STATEMENT_TYPES:
            self.flow.leave_statement(original_node)
        self.locator.leave(original_node)

    # The pass uses one ``visit_<Node>_<field>`` hook, the start of a definition's body; libcst
    # would look them up by name for every field of every node (a sixth of the time of a pass).
    def on_visit_attribute(self, node: cst.CSTNode, attribute: str) -> None:
        if attribute == "body":
            kind = type(node)
            if kind is cst.FunctionDef:
                self.enter_function_body()
            elif kind is cst.ClassDef:
                self.stack.append(self.entering.pop())

    def on_leave_attribute(self, original_node: cst.CSTNode, attribute: str) -> None:
        pass

    def qualify(self, node: cst.BaseExpression) -> str:
        name = dotted(node)
        if name is None:
            return ""
        head = name.split(".", 1)[0]
        if head in self.module_classes and not self._is_local(head):
            rest = name[len(head):]
            return self.module_classes[head] + rest
        return self.imports.qualify(name)

    def _is_local(self, name: str) -> bool:
        frame = self.function_frame()
        return frame is not None and (name in frame.params or name in frame.assigned)

    def _self_context(self) -> Tuple[Optional[str], Optional[str]]:
        """(name of ``self`` in scope, its class) — closures inside methods see the method's self."""
        for frame in reversed(self.stack):
            if frame.kind == "class":
                return None, None
            if frame.kind == "function" and frame.self_name:
                return frame.self_name, frame.class_qualname
        return None, None

    def _instance_class(self) -> Optional[str]:
        """The class of ``self`` in an instance method (or a closure inside one); None in a
        classmethod, ``__new__`` or ``__init_subclass__``, where ``type(cls)`` is the metaclass."""
        for frame in reversed(self.stack):
            if frame.kind == "class":
                return None
            if frame.kind == "function" and frame.self_name:
                return None if frame.is_classmethod else frame.class_qualname
        return None

    def ref_of(self, node: cst.BaseExpression) -> Optional[Ref]:
        """The container reference an expression names, or None for plain locals and the rest."""
        if isinstance(node, cst.Name):
            return self._name_ref(node.value)
        if isinstance(node, cst.Attribute):
            base = node.value
            attr = node.attr.value
            own_class = self._instance_class()
            if own_class and self._own_class(base):  # ``type(self)._msgs = []``, ``self.__class__._msgs``
                return Ref("self", own_class, attr)
            if isinstance(base, cst.Name):
                self_name, cls = self._self_context()
                if self_name and base.value == self_name and cls:  # ``self.completed``: a property may name ``_completed``
                    return Ref("self", cls, self.property_aliases.get(cls, {}).get(attr, attr))
                if base.value in self.module_classes and not self._is_local(base.value):
                    return Ref("self", self.module_classes[base.value], attr)
                if self.imports.is_module_alias(base.value) and not self._is_local(base.value):
                    return Ref("global", self.imports.qualify(base.value), attr)
                typed = self._local_class(base.value)
                if typed:
                    return Ref("self", typed, attr)  # ``child.parent``: an attribute of a known class
                if base.value in self.imports.names and not self._is_local(base.value):
                    # ``from . import _callback``: a module or an object; the link stage knows which
                    return Ref("attr", self.imports.qualify(base.value), attr)
            elif isinstance(base, cst.Attribute) and isinstance(base.value, cst.Name):
                self_name, cls = self._self_context()
                if self_name and base.value.value == self_name and cls:
                    # ``self._bridge.messages``: the link stage knows which class the slot holds
                    return Ref("attr", f"{cls}|{base.attr.value}", attr)
            return Ref("attr", "", attr)
        return None

    def _name_ref(self, name: str) -> Optional[Ref]:
        frame = self.frame
        if frame.kind == "module":
            return self._global_ref(name)
        if frame.kind == "class":  # a name the class body binds, else what the body sees around it
            if name in frame.assigned or name in frame.methods:  # (a method's decorator: ``@register(HANDLERS)``)
                return Ref("self", frame.qualname, name)
            return self._closure_alias(name) if self._enclosing_binds(name) else self._global_ref(name)
        if name in frame.declared_global:
            return self._global_ref(name)
        local = frame.locals.get(name)
        if local is not None and local.alias is not None:
            return local.alias
        if name in frame.mutable_defaults:
            return Ref("default", frame.qualname, name)
        if name in frame.params or name in frame.assigned:
            return None
        if self._enclosing_binds(name):  # ``concurrent = self.concurrent`` … ``def done(): concurrent.pop(key)``
            return self._closure_alias(name)
        return self._global_ref(name)

    def _closure_alias(self, name: str) -> Optional[Ref]:
        """The container a closure variable names, when the innermost function that binds it
        bound it to one (``concurrent = self.concurrent`` in the method around the callback)."""
        for enclosing in reversed(self.stack[:-1]):
            if enclosing.kind == "function" and (name in enclosing.params or name in enclosing.assigned):
                local = enclosing.locals.get(name)
                return local.alias if local is not None else None
        return None

    def _enclosing_binds(self, name: str) -> bool:
        """A name bound in an enclosing function is a closure variable, not a global."""
        return any(f.kind == "function" and (name in f.params or name in f.assigned) for f in self.stack[:-1])

    def _on_fresh_object(self, target: cst.BaseExpression) -> bool:
        """``subset = Library(); subset.filters[k] = v`` fills an object this call just built; that
        is not growth of the long-lived instances of the class."""
        frame = self.function_frame()
        if frame is None or not isinstance(target, cst.Attribute) or not isinstance(target.value, cst.Name):
            return False
        local = frame.locals.get(target.value.value)
        return local is not None and bool(local.created)

    def _latched_by(self, target: cst.BaseExpression) -> Optional[Ref]:
        """Another container whose emptiness (or smallness) guards this growth: ``if not
        self._subscribers: self._initial.append(segment)``."""
        own = f"capped:{source_of(target)}"
        return next((ref for guard, ref in self._capping_guards() if guard != own), None)

    def _capping_for(self, target: str) -> Tuple[Ref, ...]:
        """The containers whose emptiness guards a call: one of ``self`` only for a call on ``self``
        (``if not self.children: ROOT._adopt(self)`` tests this node's list, not ROOT's)."""
        return tuple(ref for guard, ref in self._capping_guards()
                     if not guard.startswith("capped:self.") or target.startswith("self:"))

    def _capping_guards(self) -> Iterator[Tuple[str, Ref]]:
        """(guard, container) of each enclosing guard that holds only while a container of a
        slot or global is empty or small, innermost first."""
        for _, guard in reversed(self.active_guards):
            if guard.startswith("capped:"):
                ref = self.ref_of(cst.parse_expression(guard[len("capped:"):]))
                if ref is not None and ref.kind in ("self", "global"):
                    yield guard, ref

    def _local_class(self, name: str) -> str:
        """The class of a local built as ``Class(...)`` or a parameter annotated with one."""
        frame = self.function_frame()
        if frame is None:
            return ""
        local = frame.locals.get(name)
        if local is not None:
            return local.created
        return frame.param_types.get(name, "")

    def _element_container(self, target: cst.BaseExpression) -> Optional[Ref]:
        frame = self.function_frame()
        if frame is None or not isinstance(target, cst.Name):
            return None
        local = frame.locals.get(target.value)
        return local.element_of if local is not None else None

    def _global_ref(self, name: str) -> Ref:
        target = self.imports.names.get(name)
        if target and "." in target:
            module, _, attr = target.rpartition(".")
            return Ref("global", module, attr)
        return Ref("global", self.facts.module, name)

    def _emit_for_name(self, name: str, record: Callable[[], None]) -> None:
        """Emit a record about a bare name now, or at the end of the function if it may be local."""
        frame = self.frame
        if frame.kind == "function" and name not in frame.declared_global and name not in frame.locals:
            frame.pending.append((name, record))
        elif not self._enclosing_binds(name) or name in frame.declared_global:
            record()

    def emit_mutation(self, target: cst.BaseExpression, op: str, method: str, node: cst.CSTNode,
                      text_value: bool = False, key: Optional[cst.BaseExpression] = None,
                      value: Optional[cst.BaseExpression] = None, element: bool = False,
                      deferred: bool = False, spread: Optional[cst.BaseExpression] = None) -> None:
        """Record an operation on a container, and the flow event the release analysis sees.

        ``key`` is the key or element expression (what is added, or which entry is removed);
        ``element`` marks an operation on an entry rather than the container (``c[k].add(x)``);
        ``deferred`` one that runs later, if ever (inside a lambda, or a bound method handed over)."""
        if op == "grow" and (self._on_fresh_object(target) or self.under_guard(f"refill:{source_of(target)}")):
            return  # ``c.clear(); c.extend(ORIGINAL)``: afterwards c holds what the fill gives, whatever it held
        ref = self.ref_of(target)
        if ref is None and op in ("shrink", "grow"):
            # ``entry = REGISTRY.setdefault(k, []); entry.append(x)``: the entry is the registry's
            ref = self._element_container(target)
            element = ref is not None or element
        if ref is None:
            self._param_mutation(target, op, method, node, element)
            return
        if op == "grow":
            self._keep(value if value is not None else key)
        key_info = self.classify_key(key) if key is not None else NO_KEY
        if op == "grow" and method in _ONE_ENTRY_STORES and not element and \
                self.under_guard(f"member:{key_info.text}|{source_of(target)}"):
            return  # ``if k in d: d[k] = v`` replaces an entry that is there: nothing is added
        param_key, param_identity = self.named_params(key, key_info) if op == "grow" and key is not None else ((), False)
        dedup = op == "grow" and (self.under_guard(f"dedup:{key_info.text}|{source_of(target)}")
                                  or self.under_guard(_miss_guard(ref)) or self._filtered_against(spread, target))
        mutation = Mutation(ref=ref, op=op, method=method, function=self.current_function(), in_loop=self.in_loop(),
                            text_value=text_value, key=key_info, value=self.value_kind(value), span=self.span(node),
                            guarded=self.guarded() or (op == "grow" and self.under_guard(f"capped:{source_of(target)}")),
                            forced_by=self.forced_by() if op == "grow" else (),
                            element=element, deferred=deferred or self.lambda_depth > 0, dedup=dedup,
                            holds_key=op == "grow" and not element and refers_to_key(value, key),
                            trickle=op == "grow" and self._number(value) and self.under_guard("sampled"),
                            counter=op == "grow" and method == "[]=" and self._reads_entry(value, target),
                            bound=self.self_attribute(value) if op == "grow" else "",
                            param_key=param_key, param_identity=param_identity,
                            spread_param=self._param_name(spread) if op == "grow" else "",
                            forever=op == "grow" and self.in_endless_loop() or
                            op == "shrink" and self.function_frame() is None and self.frame.endless_loops > 0,
                            memo=self._other_memo(ref) if op == "grow" else None,
                            latched_by=self._latched_by(target) if op == "grow" else None)
        kind = _FLOW_KIND.get((op, key is not None or method in _ONE_ENTRY_METHODS))
        line = mutation.span.line

        def record() -> None:
            self.facts.mutations.append(mutation)

        if kind is not None and not mutation.deferred:
            marker = "update" if method == "[]+=" else "element" if element else ""
            self.flow.event(kind, ref, key_info.text, key_info.roots, marker, line)
        if isinstance(target, cst.Name) and ref.kind == "global":
            self._emit_for_name(target.value, record)
        else:
            record()

    def _filtered_against(self, spread: Optional[cst.BaseExpression], target: cst.BaseExpression) -> bool:
        """``new = [e for e in found if e not in loaded]`` … ``loaded.extend(new)``: only values the
        container does not hold yet are added, one per distinct value, as into a set."""
        frame = self.function_frame()
        local = frame.locals.get(spread.value) if isinstance(spread, cst.Name) and frame is not None else None
        comprehension = local.value if local is not None else spread
        if not isinstance(comprehension, (cst.ListComp, cst.GeneratorExp, cst.SetComp)):
            return False
        element, container = source_of(comprehension.elt), source_of(target)
        return any(isinstance(test, cst.Comparison) and len(test.comparisons) == 1
                   and isinstance(test.comparisons[0].operator, cst.NotIn)
                   and source_of(test.left) == element and source_of(test.comparisons[0].comparator) == container
                   for clause in _for_clauses(comprehension.for_in) for test in (c.test for c in clause.ifs))

    def guarded(self) -> bool:
        """Inside a once-guard of the current function."""
        return self.frame.once_depth > 0

    def forced_by(self) -> Tuple[str, ...]:
        """The parameters a caller may pass to run the once-guarded code again (``not L or force``),
        when no once-guard around it holds whatever the callers pass."""
        frame = self.frame
        if frame.once_depth > len(frame.forcing):
            return ()
        return tuple(dict.fromkeys(name for names in frame.forcing for name in names))

    def _attribute_key(self, attribute: str) -> Optional[Key]:
        """The key domain of what this function assigned to ``self.<attribute>`` before reading it."""
        frame = self.function_frame()
        value = frame.attribute_values.get(attribute) if frame is not None else None
        marker = f"self.{attribute}"
        if value is None or marker in self._classifying:
            return None
        self._classifying.add(marker)
        try:
            return self.classify_key(value)
        finally:
            self._classifying.discard(marker)

    def _local_key(self, name: str) -> Optional[Key]:
        """The key domain of what a local holds, classified from its assigned value on demand."""
        frame = self.function_frame()
        if frame is None or name not in frame.locals:
            return None
        local = frame.locals[name]
        if local.fixed_collection:
            return Key("bounded", "a value from a fixed collection", name, (name,))
        if local.value is None or name in self._classifying:
            return Key("unknown", name, name, (name,))
        self._classifying.add(name)
        try:
            return self.classify_key(local.value)
        finally:
            self._classifying.discard(name)

    def _bound_to_existing_object(self, name: str) -> bool:
        """A local (not a parameter) bound to an object that exists apart from this call: a module
        global, an attribute of ``self`` or of a module global, or a caller's option that falls
        back to a module global (``kwargs.pop("template_lookup", TEMPLATE_PATH)``, bottle's
        template path) — not what a call makes (``span = tracer.start_span()``), an item of a
        message (``event["message"]``) or what a parameter carries (``ctx.request``)."""
        frame = self.function_frame()
        local = frame.locals.get(name) if frame is not None and name not in frame.params else None
        value = local.value if local is not None else None
        if isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute) and \
                value.func.attr.value in ("get", "pop") and len(value.args) == 2 and \
                isinstance(value.args[0].value, cst.SimpleString):
            value = value.args[1].value  # the option's default decides what the fallback is
        while isinstance(value, cst.Attribute):
            value = value.value
        if not isinstance(value, cst.Name):
            return False
        return value.value == frame.self_name or not self._is_local(value.value)

    def _is_param(self, name: str) -> bool:
        frame = self.function_frame()
        return frame is not None and name in frame.params and name != frame.self_name

    def _class_annotation(self, annotation: cst.BaseExpression) -> bool:
        """``type``, ``type[Model]``, ``Type[Model]``, ``Optional[type[Model]]``: the value is a class."""
        if isinstance(annotation, cst.Subscript):
            outer = self.qualify(annotation.value).rsplit(".", 1)[-1]
            if outer == "Optional":
                return any(isinstance(e.slice, cst.Index) and self._class_annotation(e.slice.value)
                           for e in annotation.slice)
            annotation = annotation.value
        return self.qualify(annotation) in ("type", "builtins.type", "typing.Type", "Type")

    def is_class_param(self, name: str) -> bool:
        """``type_: type``: what callers pass is a class, one of as many as the program defines."""
        frame = self.function_frame()
        return frame is not None and name in frame.class_params

    def in_classmethod(self) -> bool:
        """In a classmethod (or ``__new__``, ``__init_subclass__``): its first parameter is a class."""
        for frame in reversed(self.stack):
            if frame.kind == "function" and frame.self_name:
                return frame.is_classmethod
        return False

    def _is_text_param(self, name: str) -> bool:
        """``message: str``: the text of a message, not the message object — as a key, as many
        values as the texts callers pass, not one per message that arrives."""
        frame = self.function_frame()
        return frame is not None and name in frame.text_params

    def _class_references(self, value: cst.BaseExpression) -> Tuple[str, ...]:
        """The dotted classes an expression names (``A``, ``mod.A``, ``A if c else B``), not calls."""
        if isinstance(value, cst.IfExp):
            body, orelse = self._class_references(value.body), self._class_references(value.orelse)
            return body + orelse if body and orelse else ()
        if isinstance(value, cst.Name) and (self._is_class_name(value.value) or _capitalised(value.value)
                                            and not self._is_local(value.value)):
            qualified = self.qualify(value)
            return (qualified if "." in qualified else f"{self.facts.module}.{qualified}",)
        if isinstance(value, cst.Attribute):
            qualified = self.qualify(value)
            head = qualified.split(".", 1)[0]
            if _capitalised(qualified.rsplit(".", 1)[-1]) and (head in self.imports.modules or head != qualified):
                return (qualified,) if not self._is_local(head) else ()
        return ()

    def _factory_classes(self, value: cst.BaseExpression) -> Tuple[str, ...]:
        """``tracer_class = _get_tracer()``: the classes a module-level class factory returns."""
        if isinstance(value, cst.Call) and isinstance(value.func, cst.Name) and not self._is_local(value.func.value):
            return self.class_factories.get(value.func.value, ())
        return ()

    def _returned_classes(self, node: cst.FunctionDef) -> Tuple[str, ...]:
        """The classes a function returns, when every ``return`` gives back a class itself."""
        returns = _Returns()
        node.body.visit(returns)
        found = [self._class_references(value) if value is not None else () for value in returns.values]
        return tuple(dict.fromkeys(c for classes in found for c in classes)) if found and all(found) else ()

    def _is_class_name(self, name: str) -> bool:
        if self._is_local(name):
            return False
        if name in self.module_classes:
            return True
        qualified = self.imports.qualify(name)
        return qualified != name and qualified.rsplit(".", 1)[-1][:1].isupper()

    # ------------------------------------------------------------------ helpers: values
    def container_kind(self, value: cst.BaseExpression) -> Optional[ContainerKind]:
        """What container (or text) the value builds, if it builds one."""
        if isinstance(value, (cst.List, cst.ListComp)):
            return ContainerKind("list", False, False, False, entry_class=self._entry_class(value))
        if isinstance(value, (cst.Dict, cst.DictComp)):
            return ContainerKind("dict", False, False, False, entry_class=self._entry_class(value))
        if isinstance(value, (cst.Set, cst.SetComp)):
            return ContainerKind("set", False, False, False, entry_class=self._entry_class(value))
        if string_literal(value):
            is_bytes = isinstance(value, cst.SimpleString) and value.value.lstrip("rRfF").lower().startswith("b")
            return ContainerKind("bytes" if is_bytes else "str", False, False, True)
        if isinstance(value, cst.Call):
            name = self.qualify(value.func)
            if self.kb.is_context_var(name):
                return ContainerKind(name, True, False, False)  # holds one value per context: not growth
            if name in self.kb.weak:
                return ContainerKind(name, False, True, False)
            spec = self.kb.bounded.get(name)
            if spec is not None:
                bounded = True
                if spec.argument is not None:
                    arg = argument(value.args, spec.position if spec.position is not None else -1, spec.argument)
                    bounded = arg is not None and source_of(arg.value) != "None"
                return ContainerKind(name, bounded, False, False)
            if name in self.kb.growable or name in self.kb.text:
                factory = self.qualify(value.args[0].value) if name.rsplit(".", 1)[-1] == "defaultdict" and \
                    value.args and value.args[0].keyword is None else ""
                return ContainerKind(name, False, False, name in self.kb.text, weak_entries=factory in self.kb.weak,
                                     entry_class=self._made_class(factory))
            factory = _field_factory(value, name)  # a model field: ``field(default_factory=list)``
            if factory is not None and self.qualify(factory) in self.kb.growable:
                return ContainerKind(self.qualify(factory), False, False, False)
            if name in ("copy.copy", "copy.deepcopy") or isinstance(value.func, cst.Attribute) and \
                    value.func.attr.value == "copy" and not value.args:  # ``self.x = self.x.copy()``
                return ContainerKind("copy", False, False, False)
        if isinstance(value, cst.Subscript) and len(value.slice) == 1 and _whole_slice(value.slice[0].slice):
            return ContainerKind("list", False, False, False)  # ``self.pipeline = self.pipeline[:]``: a new list
        return None

    def _entry_class(self, value: cst.BaseExpression) -> str:
        """The one class every entry of a literal or comprehension is made of (``{name:
        BackgroundQueue(…) for name in streams}``), or "" when they are not all made alike."""
        if isinstance(value, (cst.ListComp, cst.SetComp)):
            made = [value.elt]
        elif isinstance(value, cst.DictComp):
            made = [value.value]
        elif isinstance(value, cst.Dict):
            made = [element.value for element in value.elements if isinstance(element, cst.DictElement)]
        else:
            made = [element.value for element in value.elements if isinstance(element, cst.Element)]
        classes = {self.class_of_value(item) if isinstance(item, cst.Call) else "" for item in made}
        return self._made_class(classes.pop()) if len(classes) == 1 else ""

    def _made_class(self, name: str) -> str:
        """A class a container's entries are made of, unless it is itself a container or text."""
        if not name or name in self.kb.growable or name in self.kb.text or name in self.kb.weak:
            return ""
        return name if name.rsplit(".", 1)[-1][:1].isupper() else ""

    def class_of_value(self, value: cst.BaseExpression) -> str:
        """Dotted class of ``Class(...)`` or of a local created that way; "" when unknown."""
        if isinstance(value, cst.Call):
            func = value.func.value if isinstance(value.func, cst.Subscript) else value.func  # ``Queue[T](…)``
            aliased = self._class_attribute_class(func)
            if aliased:
                return aliased
            name = self.qualify(func)
            last = name.rsplit(".", 1)[-1]
            if last in _FIELD_FACTORY_NAMES:  # ``Field(default_factory=EventBus)``: the field holds an EventBus
                factory = _field_factory(value, name)
                made = self.qualify(factory) if factory is not None and dotted(factory) else ""
                return made if made.rsplit(".", 1)[-1][:1].isupper() else ""
            if last[:1].isupper():
                return name
            return ""
        if isinstance(value, cst.Name):
            frame = self.function_frame()
            if frame is not None:
                local = frame.locals.get(value.value)
                if local is not None:
                    return local.created
                if value.value in frame.param_types:
                    return frame.param_types[value.value]
            self_name, cls = self._self_context()
            if self_name and value.value == self_name and cls and not (frame is not None and frame.is_classmethod):
                return cls  # not ``cls`` in a classmethod: the class object, whose instances it does not hold
        return ""

    def _class_attribute_class(self, func: cst.BaseExpression) -> str:
        """``type(self).RunBundler`` or ``self.RunBundler`` where this file's class body says
        ``RunBundler = RunBundler``: that class."""
        if not isinstance(func, cst.Attribute):
            return ""
        self_name, cls = self._self_context()
        if not cls or not (self._own_class(func.value) or isinstance(func.value, cst.Name)
                           and func.value.value == self_name):
            return ""
        return self.facts.class_aliases.get(f"{cls}.{func.attr.value}", "")

    def _param_name(self, value: Optional[cst.BaseExpression]) -> str:
        """The parameter an expression is, as passed in (``extra_hooks``), or ""."""
        frame = self.function_frame()
        if isinstance(value, cst.Name) and frame is not None and value.value in frame.params:
            return value.value
        return ""

    def value_kind(self, value: Optional[cst.BaseExpression]) -> str:
        """What a grow operation adds: the object itself ("self"), a parameter as given, a weak
        reference (``weakref.ref(self)``, which keeps nothing else alive), or other."""
        if isinstance(value, cst.Call) and self.qualify(value.func) in self.kb.weak:
            return "weak"
        if not isinstance(value, cst.Name):
            return "other"
        self_name, _ = self._self_context()
        if self_name and value.value == self_name:
            return "self"
        frame = self.function_frame()
        if frame is not None and value.value in frame.params:
            return "param"
        return "other"

    def is_text_value(self, value: cst.BaseExpression) -> bool:
        if string_literal(value):
            return True
        if isinstance(value, cst.Call):
            return self.qualify(value.func) in self.kb.text
        if isinstance(value, cst.BinaryOperation) and isinstance(value.operator, cst.Add):
            return self.is_text_value(value.left) or self.is_text_value(value.right)
        return False

    def visit_Module(self, node: cst.Module) -> None:
        """Module-level classes are known before the pass: a method may name a class defined below."""
        for statement in node.body:
            if isinstance(statement, cst.ClassDef):
                self.module_classes[statement.name.value] = f"{self.facts.module}.{statement.name.value}"
        self.function_fills = _module_function_fills(node)
        self.module_node, self._raised = node, None

    def visit_Lambda(self, node: cst.Lambda) -> None:
        self.flow.enter_lambda()
        self.lambda_depth += 1

    def leave_Lambda(self, original_node: cst.Lambda) -> None:
        self.flow.leave_lambda()
        self.lambda_depth -= 1

    def visit_Await(self, node: cst.Await) -> None:
        self.flow.mark_await()

    def visit_ConcatenatedString(self, node: cst.ConcatenatedString) -> bool:
        """Implicit concatenation nests one level per string (generated files have thousands);
        a method name a dispatch table gives is one plain string, so the pass does not descend."""
        return False

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        """``event_map = {"NEWCONSENSUS": "_update_network_status"}`` then ``getattr(self, name)``:
        a private name written as a string may be a method called by name, unseen."""
        owner = self.frame.class_qualname
        if owner and "b" not in node.prefix.lower() and _PRIVATE_NAME.fullmatch(node.raw_value):
            self.facts.string_names.add((owner, node.raw_value))

    # ------------------------------------------------------------------ imports
    def visit_Import(self, node: cst.Import) -> None:
        self.imports.add_import(node)

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        bound = self.imports.add_import_from(node)
        if self.frame.kind == "module":  # what ``from this_module import Name`` finds here
            self.facts.reexports.update((name, target) for name, target in bound.items() if _capitalised(name))

    # ------------------------------------------------------------------ classes and functions
    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        parent = self.frame
        qualname = f"{parent.qualname}.{node.name.value}"
        if parent.kind == "module":
            self.module_classes[node.name.value] = qualname
        # ``Processor[DepsT, T]``: a generic base is the class it parametrises
        bases = tuple(self.qualify(_unsubscripted(b.value)) or source_of(b.value) for b in node.bases
                      if b.keyword is None)
        metaclass = next((self.qualify(k.value) for k in node.keywords
                          if k.keyword is not None and k.keyword.value == "metaclass"), "")
        self._note_decorators(node.decorators)
        self.facts.classes.append(ClassFact(qualname, node.name.value, bases,
                                            self._decorator_names(node.decorators), self.span(node),
                                            frozen=any(self._freezes(d.decorator) for d in node.decorators),
                                            metaclass=metaclass))
        frame = Frame("class", qualname, class_qualname=qualname)
        body = node.body.body if isinstance(node.body, cst.IndentedBlock) else ()
        frame.methods = {statement.name.value for statement in body if isinstance(statement, cst.FunctionDef)}
        self.property_aliases[qualname] = dict(filter(None, map(_property_alias, body)))
        self.entering.append(frame)

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self.stack.pop()

    def _freezes(self, decorator: cst.BaseExpression) -> bool:
        """``@dataclass(frozen=True)`` (or ``unsafe_hash=True``), ``@attr.s(frozen=True)``,
        ``@attrs.frozen``: the class hashes by its fields' values, so equal objects are one key."""
        if isinstance(decorator, cst.Call):
            return any(keyword_source(decorator.args, name) == "True" for name in ("frozen", "unsafe_hash"))
        return self.qualify(decorator).rsplit(".", 1)[-1] == "frozen"

    def _decorator_names(self, decorators) -> Tuple[str, ...]:
        """Dotted names of decorators, calls reduced to their callee (``lru_cache(1)`` → ``functools.lru_cache``)."""
        return tuple(self.qualify(d.decorator.func if isinstance(d.decorator, cst.Call) else d.decorator)
                     for d in decorators)

    def _note_decorators(self, decorators) -> None:
        """Decorators run when the definition runs: their names are registration-at-import calls."""
        if self.function_frame() is not None:
            return
        for decorator in decorators:
            name = callee_name(decorator.decorator)
            if name:
                self.facts.decorators_used.add(name.rsplit(".", 1)[-1])
                if isinstance(decorator.decorator, cst.Call):
                    self.facts.decorator_factories.add(name.rsplit(".", 1)[-1])

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        parent = self.frame
        name = node.name.value
        qualname = f"{parent.qualname}.{name}"
        if parent.kind == "function":
            parent.assigned.add(name)
            parent.local_functions[name] = node.body
        decorator_names = self._decorator_names(node.decorators)
        self._note_decorators(node.decorators)
        params = node.params
        positional = list(params.posonly_params) + list(params.params)
        first = positional[0].name.value if positional else None
        is_static = any(d.endswith("staticmethod") for d in decorator_names)
        is_classmethod = any(d.endswith("classmethod") for d in decorator_names)
        in_class = parent.kind == "class"
        body_statements, returns = _body_shape(node, self.qualify)
        builds, built = _factory_shape(node, self.qualify)
        named = list(params.posonly_params) + list(params.params) + list(params.kwonly_params)
        param_names = tuple(p.name.value for p in named)
        flags = tuple(p.name.value for p in named if p.default is not None and _literal(p.default))
        nones = tuple(p.name.value for p in named if isinstance(p.default, cst.Name) and p.default.value == "None")
        callables = tuple(p.name.value for p in named if p.annotation is not None
                          and self._callable_annotation(p.annotation.annotation))
        class_defaults = tuple((p.name.value, self.qualify(p.default)) for p in named
                               if p.default is not None and dotted(p.default)
                               and _capitalised(dotted(p.default).rsplit(".", 1)[-1]))
        self.facts.functions.append(FunctionFact(
            qualname, name, parent.qualname if in_class else None, decorator_names,
            first, param_names, parent.kind == "function", body_statements, returns, self.span(node),
            flag_params=flags, none_params=nones, callable_params=callables, builds=builds, built_class=built,
            class_defaults=class_defaults, star_params=_star_params(params)))

        frame = Frame("function", qualname, fact_index=len(self.facts.functions) - 1, body=node.body)
        if in_class and not is_static:
            frame.self_name, frame.class_qualname = first, parent.qualname
            frame.is_classmethod = is_classmethod or name in ("__init_subclass__", "__new__", "__class_getitem__")
        all_params = positional + list(params.kwonly_params)
        for extra in (params.star_arg, params.star_kwarg):
            if isinstance(extra, cst.Param):
                all_params.append(extra)
        for param in all_params:
            frame.params.add(param.name.value)
            if param.annotation is not None:
                annotated = self._annotation_class(param.annotation.annotation)
                if annotated:
                    frame.param_types[param.name.value] = annotated
                if isinstance(param.annotation.annotation, cst.Name) and param.annotation.annotation.value == "str":
                    frame.text_params.add(param.name.value)
                if self._class_annotation(param.annotation.annotation):
                    frame.class_params.add(param.name.value)
            if param.default is not None:
                if isinstance(param.default, cst.Name) and param.default.value == "False":
                    frame.off_by_default.add(param.name.value)
                kind = self.container_kind(param.default)
                if kind is not None and not (kind.text or kind.bounded or kind.weak):
                    frame.mutable_defaults.add(param.name.value)
                    self.facts.containers.append(ContainerDef(
                        Ref("default", qualname, param.name.value), "default", kind.constructor, False, False, False,
                        qualname, self.span(param)))
        if in_class:
            self._cached_method(node, qualname, parent.qualname, first, is_static, is_classmethod)
        self.entering.append(frame)

    def enter_function_body(self) -> None:
        frame = self.entering.pop()
        self.stack.append(frame)
        self.flow.enter_function(frame.qualname)

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        if len(self.stack) == 2 and isinstance(original_node.body, cst.IndentedBlock):  # a module-level function
            classes = self._returned_classes(original_node)
            if classes:
                self.class_factories[original_node.name.value] = classes
        cancel_is_error = any(name in self.kb.cancel_as_error for name in self._decorator_names(original_node.decorators))
        flow = self.flow.leave_function(original_node, cancel_is_error)
        if flow is not None:
            self.facts.flows.append(flow)
        frame = self.stack.pop()
        self.flush_frame_holds(frame.hold, frame.qualname)
        if (frame.generator or frame.loops_on or frame.iterated or frame.return_domains) and frame.fact_index >= 0:
            self.facts.functions[frame.fact_index] = replace(
                self.facts.functions[frame.fact_index], generator=frame.generator, loops_on=frame.loops_on,
                iterated=tuple(dict.fromkeys(frame.iterated)), returns_domain=_returned_domain(frame.return_domains))
        enclosing = next((f for f in reversed(self.stack) if f.kind == "function"), None)
        for name, record in frame.pending:
            if name in frame.assigned or name in frame.params:
                continue
            if enclosing is not None and name not in frame.declared_global:
                # a closure may use a name its enclosing function binds further down
                # (``def try_connect(): oserrors.append(e)`` … ``oserrors = []``): decide there
                enclosing.pending.append((name, record))
            else:
                record()

    def _cached_method(self, node: cst.FunctionDef, qualname: str, class_qualname: str,
                       first: Optional[str], is_static: bool, is_classmethod: bool) -> None:
        for decorator in node.decorators:
            expr = decorator.decorator
            func = expr.func if isinstance(expr, cst.Call) else expr
            name = self.qualify(func)
            if name not in self.kb.cache_decorators:
                continue
            maxsize = "none" if name.endswith(".cache") else "default"
            if isinstance(expr, cst.Call):
                arg = argument(expr.args, 0, "maxsize")
                if arg is not None:
                    maxsize = "none" if source_of(arg.value) == "None" else source_of(arg.value)
            self.facts.cached_methods.append(CachedMethod(
                qualname, class_qualname, name, maxsize, first, is_static, is_classmethod, self.span(decorator)))

    def visit_Global(self, node: cst.Global) -> None:
        frame = self.function_frame()
        if frame is not None:
            frame.declared_global.update(n.name.value for n in node.names)

    # ------------------------------------------------------------------ loops
    def _enter_loop(self, node: cst.CSTNode) -> None:
        main = _main_loop(node)
        function = self.function_frame()
        if function is not None and isinstance(node, cst.For) and not self._finite(node.iter):
            iterated = self.ref_of(node.iter)
            if iterated is not None and iterated.kind in ("self", "global"):
                function.iterated.append(iterated)  # a container, or a stream kept there: the linker knows which
            else:
                function.loops_on = True  # ``for job in iter(queue.get, None):``, ``async for msg in ws:``
        elif function is not None and main:
            function.loops_on = True
        self.frame.loop_depth += 1
        self.frame.while_depth += main
        self.frame.main_loops.append(main)
        self.frame.loop_bodies.append(id(node.body))

    def _leave_loop(self, node: cst.CSTNode) -> None:
        self.frame.loop_depth -= 1
        self.frame.while_depth -= self.frame.main_loops.pop()
        self.frame.loop_bodies.pop()
        if isinstance(node, cst.For) and isinstance(node.target, cst.Name):
            self.frame.loop_containers.pop(node.target.value, None)
            self.frame.loop_items.pop(node.target.value, None)
            self.frame.loop_sources.pop(node.target.value, None)

    def visit_For(self, node: cst.For) -> None:
        self._bind_targets(node.target)
        frame = self.function_frame()
        if self._in_main_block() and not self._finite(node.iter):
            self.facts.script_runs_on = True  # ``for line in sys.stdin:``: as long as its input lasts
        if frame is not None and isinstance(node.target, cst.Name) and self._fixed_collection(node.iter):
            frame.locals[node.target.value].fixed_collection = True
        if frame is not None and isinstance(node.target, cst.Name) and isinstance(node.iter, (cst.Tuple, cst.List)):
            each = [e.value for e in node.iter.elements]
            refs = [self.ref_of(value) for value in each]
            if each and all(r is not None and r.kind in ("self", "global") for r in refs):
                frame.loop_containers[node.target.value] = each
        walked = _iterated_container(node.iter)
        if frame is not None and isinstance(node.target, cst.Name):
            frame.loop_sources[node.target.value] = walked
        iterated = self.ref_of(walked)
        if iterated is not None and iterated.kind in ("self", "global"):
            self.flow.event("iterate", iterated)
        if iterated is not None and frame is not None and isinstance(node.target, cst.Name):
            frame.loop_items[node.target.value] = iterated
        self._enter_loop(node)

    def _callable_annotation(self, annotation: cst.BaseExpression) -> bool:
        """``Callable``, ``Callable[[str], None]``, ``Optional[Callable]``, ``Callable | None``."""
        if isinstance(annotation, cst.BinaryOperation):  # ``Callable | None``
            return self._callable_annotation(annotation.left) or self._callable_annotation(annotation.right)
        if isinstance(annotation, cst.Subscript):
            outer = self.qualify(annotation.value).rsplit(".", 1)[-1]
            if outer in ("Optional", "Union"):
                return any(isinstance(e.slice, cst.Index) and self._callable_annotation(e.slice.value)
                           for e in annotation.slice)
            annotation = annotation.value
        return (dotted(annotation) or "").rsplit(".", 1)[-1] in ("Callable", "Awaitable", "Coroutine")

    def _finite(self, iterable: cst.BaseExpression) -> bool:
        """What the program text bounds: a fixed collection, ``range(…)``, and ``sorted``,
        ``enumerate``, ``zip`` … or ``.items()`` of fixed collections (a demo's ``for name in
        sorted(BOXES):``) — not a stream, a file or a queue."""
        if self._fixed_collection(iterable):
            return True
        if not isinstance(iterable, cst.Call):
            return False
        func = iterable.func
        if isinstance(func, cst.Attribute) and func.attr.value in ("items", "keys", "values") and not iterable.args:
            return self._finite(func.value)
        name = self.qualify(func)
        if name == "range":
            return True
        return name in _FINITE_WRAPPERS and bool(iterable.args) and all(
            self._finite(argument.value) for argument in iterable.args if argument.keyword is None)

    def _fixed_collection(self, iterable: cst.BaseExpression) -> bool:
        """A literal collection, a module constant (``SUFFIXES``) or an enum class."""
        if isinstance(iterable, (cst.List, cst.Tuple, cst.Set)):
            return all(isinstance(e.value, (cst.SimpleString, cst.Integer, cst.Name, cst.Attribute))
                       for e in iterable.elements)
        name = dotted(iterable)
        if name is None:
            return False
        head, _, rest = name.partition(".")
        if rest == "__members__":  # ``TTSEvents.__members__``: an enum's member names
            return self._is_class_name(head)
        last = name.rsplit(".", 1)[-1]
        return (last.isupper() and len(last) > 1) or self._is_class_name(head) and "." not in name

    def _note_checked_member(self, node: cst.If) -> None:
        """``if name not in TTSEvents.__members__: raise ValueError(…)``: past the check, the local
        is one of a fixed collection's values, as a loop variable over it is."""
        frame = self.function_frame()
        test = node.test
        if frame is None or len(frame.blocks) != 1 or node.orelse is not None or not (  # the function's own block:
                # a check inside a branch holds on that path only
                isinstance(test, cst.Comparison) and len(test.comparisons) == 1
                and isinstance(test.comparisons[0].operator, cst.NotIn) and isinstance(test.left, cst.Name)):
            return
        name = test.left.value
        if _always_exits(node.body) and self._fixed_collection(test.comparisons[0].comparator) and (
                name in frame.locals or name in frame.params):
            frame.locals[name] = replace(frame.locals.get(name) or Local(), fixed_collection=True)  # a new Local:
            # the one bound before stays as it was for what restores it

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        self._open_block(node)
        frame = self.function_frame()
        if frame is not None and id(node) in self.exiting_branches:
            self.exiting_branches[id(node)] = dict(frame.locals)
        if frame is not None:  # ``with lock: if _DONE: return; _DONE = True`` guards what follows the ``with`` too
            statements = _with_bodies_inline(node.body)
            # a key bound earlier in the function is no more fixed than a parameter
            guard = _early_return_once(statements, frame.params | frame.assigned, self._module_fills())
            for statement in statements[guard + 1:] if guard is not None else ():
                self.guarded_blocks[id(statement)] = "once"  # ``if _DONE: return`` … ``_DONE = True``
        bound: Dict[int, Set[str]] = {}  # what each statement of the block binds, read once

        def binds(statement: cst.CSTNode) -> Set[str]:
            if id(statement) not in bound:
                bound[id(statement)] = _binds(statement)
            return bound[id(statement)]

        for index, statement in enumerate(node.body):
            cleared = _cleared_container(statement)
            if cleared is not None and index + 1 < len(node.body) and _filled_container(node.body[index + 1]) == cleared:
                self.refill_blocks[id(node.body[index + 1])] = cleared
            present = _skip_if_absent(statement, node.body[:index], binds)
            if present is not None:  # ``m = c.get(k); if m is None: continue`` … ``c[k] = …`` replaces it
                key, container = present
                names = _names_read(key, container)
                for later in node.body[index + 1:]:
                    if binds(later) & names:
                        break  # ``key = (event.name, event.id)``: past here it is another key
                    self.guarded_blocks.setdefault(id(later), f"member:{source_of(key)}|{source_of(container)}")
            skipped = _skip_if_present(statement)  # ``if name in self._seen: continue`` … ``self._seen.append(name)``
            if skipped is not None:
                later_statements = node.body[index + 1:]
                memo = any(_stores_entry(later, *skipped.split("|", 1)) for later in later_statements)
                key, container = _membership(statement.test)
                container_ref = self.ref_of(container)
                for later in later_statements:
                    self.guarded_blocks.setdefault(id(later), f"dedup:{skipped}")
                    if memo:  # ``if name in _LOGGERS: return _LOGGERS[name]`` … ``_LOGGERS[name] = logger``
                        self.memo_blocks.add(id(later))
                if memo and container_ref is not None:
                    self._note_memo(later_statements, container_ref, key,
                                    lambda line: _stores_entry(line, *skipped.split("|", 1)))

    def leave_IndentedBlock(self, original_node: cst.IndentedBlock) -> None:
        self._close_block()
        before = self.exiting_branches.pop(id(original_node), None)
        frame = self.function_frame()
        if before is not None and frame is not None:
            frame.locals = before

    def visit_SimpleStatementSuite(self, node: cst.SimpleStatementSuite) -> None:
        self._open_block(node)

    def leave_SimpleStatementSuite(self, original_node: cst.SimpleStatementSuite) -> None:
        self._close_block()

    def _open_block(self, node: cst.BaseSuite) -> None:
        frame = self.function_frame()
        if frame is not None:
            frame.blocks.append(id(node))

    def _close_block(self) -> None:
        frame = self.function_frame()
        if frame is not None and frame.blocks:
            frame.blocks.pop()

    def _rebound_target(self, node: cst.Call) -> bool:
        """``self.client = await ctx.__aenter__()`` earlier in this function, on every path to the
        registration ``self.client.on(…)``: it registers on what this call just obtained, not on
        an object an earlier call left."""
        receiver = node.func.value if isinstance(node.func, cst.Attribute) else None
        if not (isinstance(receiver, cst.Attribute) and isinstance(receiver.value, cst.Name)
                and receiver.value.value == self._self_context()[0]):
            return False
        frame = self.function_frame()
        attribute = receiver.attr.value
        value = frame.attribute_values.get(attribute) if frame is not None else None
        if isinstance(value, cst.Await):
            value = value.expression
        if isinstance(value, (cst.Subscript, cst.Attribute, cst.Name)):  # ``self.rx = rxs[0]``, ``rxs = peer.find(…)``
            root = value
            while isinstance(root, (cst.Subscript, cst.Attribute)):
                root = root.value
            local = frame.locals.get(root.value) if isinstance(root, cst.Name) else None
            value = local.value if local is not None and root.value not in frame.params else None
            if isinstance(value, cst.Await):
                value = value.expression
        if not isinstance(value, cst.Call) or self.qualify(value.func) in self.kb.process_lifetime_factories:
            return False
        opened = frame.attribute_blocks.get(attribute, ())
        return tuple(frame.blocks[:len(opened)]) == opened

    def visit_If(self, node: cst.If) -> None:
        """A body that runs once however often the function runs: ``if X is None: … X = …``,
        ``if not logger.handlers:``, ``if not _REGISTERED: …; _REGISTERED = True``; and, at module
        level, the ``if __name__ == "__main__":`` block, which runs only when the module is a script."""
        self._note_checked_member(node)
        for branch in (node.body, node.orelse.body if isinstance(node.orelse, cst.Else) else None):
            if isinstance(branch, cst.IndentedBlock) and _always_exits(branch):
                self.exiting_branches[id(branch)] = None
        if self.frame.kind == "module" and _main_block_test(node.test):
            self.guarded_blocks[id(node.body)] = "main"
        if self.function_frame() is not None:
            frame = self.function_frame()
            # switches the test reads (``force = force or …`` first: no switch), at their default:
            # callers may say more — most tests read none, and are judged once
            used = sorted(_switches_in(node.test, frame.off_by_default - frame.assigned)) \
                if frame.off_by_default else []
            if _once_guard(node, self._local_subject, self._raised_flags, set(), self._module_fills()) or \
                    self._forked_child(node.test):
                self.guarded_blocks[id(node.body)] = "once"
            elif used and _once_guard(node, self._local_subject, self._raised_flags, set(used), self._module_fills()):
                self.guarded_blocks[id(node.body)] = _ONCE_UNLESS + ",".join(used)
            elif isinstance(node.orelse, cst.Else) and not self._tests_a_local(node.test) and _sets_in_else(node):
                self.guarded_blocks[id(node.orelse.body)] = "once"  # ``if self._x: … else: self._x = X()``
            elif _makes_what_it_looked_for(node):
                self.guarded_blocks[id(node.orelse.body)] = "once"  # ``if find(Handler): … else: add(Handler())``
        test = node.test
        if sampling_test(test):
            self.guarded_blocks[id(node.body)] = "sampled"
        absent = next((t for t in _conjuncts(test) if isinstance(t, cst.Comparison) and len(t.comparisons) == 1
                       and isinstance(t.comparisons[0].operator, cst.NotIn)), None)  # ``… and k not in c``
        if absent is not None:
            container = absent.comparisons[0].comparator
            self.guarded_blocks[id(node.body)] = f"dedup:{source_of(absent.left)}|{source_of(container)}"
            if self.function_frame() is not None and (self._makes_tested_logger(absent.left, node.body)
                                                       or self._one_instance_per_class(absent.left)):
                self.guarded_blocks[id(node.body)] = "once"
        present = next((t for t in _conjuncts(test) if isinstance(t, cst.Comparison) and len(t.comparisons) == 1
                        and isinstance(t.comparisons[0].operator, cst.In)), None)  # ``… and k in c``
        capped = _capped_container(test)
        if capped and id(node.body) not in self.guarded_blocks:
            self.guarded_blocks[id(node.body)] = f"capped:{capped}"
        looked_up = self._looked_up_entry(test)
        if looked_up is not None and id(node.body) not in self.guarded_blocks:
            self.guarded_blocks[id(node.body)] = _miss_guard(looked_up)  # ``x = c.get(k); if x is None: c[k] = …``
            if self._stores_into(node.body, looked_up):
                self.memo_blocks.add(id(node.body))
                key = self._looked_up_key(test)
                if key is not None:
                    statements = node.body.body if isinstance(node.body, cst.IndentedBlock) else [node.body]
                    self._note_memo(statements, looked_up, key, lambda line: self._stores_into(line, looked_up, key))
        elif present is not None and id(node.body) not in self.guarded_blocks and not (
                _names_read(present.left, present.comparisons[0].comparator) & _binds(node.body)):
            # (a body that binds the key anew, ``key = chunk.new_id``, stores under another key)
            self.guarded_blocks[id(node.body)] = f"member:{source_of(present.left)}|{source_of(present.comparisons[0].comparator)}"
        if isinstance(test, cst.Comparison) and len(test.comparisons) == 1 and \
                isinstance(test.comparisons[0].operator, cst.In) and isinstance(node.orelse, cst.Else):
            # ``if k in c: c.remove(k) else: c.append(k)``: the else adds only what is not there yet
            self.guarded_blocks.setdefault(
                id(node.orelse.body), f"dedup:{source_of(test.left)}|{source_of(test.comparisons[0].comparator)}")

    def _forked_child(self, test: cst.BaseExpression) -> bool:
        """``if os.fork() == 0:`` (or ``pid = os.fork()`` … ``if pid == 0:``): the body is the child
        process's whole life, which runs it once."""
        if not (isinstance(test, cst.Comparison) and len(test.comparisons) == 1
                and isinstance(test.comparisons[0].operator, cst.Equal)
                and isinstance(test.comparisons[0].comparator, cst.Integer)
                and test.comparisons[0].comparator.value == "0"):
            return False
        forked = test.left
        if isinstance(forked, cst.Name):
            local = self.function_frame().locals.get(forked.value)
            forked = local.value if local is not None else None
        return isinstance(forked, cst.Call) and self.qualify(forked.func) in self.kb.fork_calls

    def _one_instance_per_class(self, tested: cst.BaseExpression) -> bool:
        """``if cls not in cls._instances:`` in a metaclass's ``__call__``: the body (which makes
        the instance) runs once for each class the metaclass makes — a singleton metaclass."""
        frame = self.function_frame()
        if not (isinstance(tested, cst.Name) and tested.value == frame.self_name and frame.class_qualname
                and frame.qualname.endswith(".__call__")):
            return False
        cls = next((c for c in self.facts.classes if c.qualname == frame.class_qualname), None)
        return cls is not None and any(base in ("type", "builtins.type") for base in cls.bases)

    def _looked_up_entry(self, test: cst.BaseExpression) -> Optional[Ref]:
        """The container a condition finds an entry missing from: ``if x is None`` / ``if not x``
        on a local read from it (``x = self._producers.get(k)``) — a get-or-create."""
        subject, unset = _guard_subject(test)
        frame = self.function_frame()
        local = frame.locals.get(subject) if subject and unset and frame is not None else None
        return local.element_of if local is not None else None

    def _looked_up_key(self, test: cst.BaseExpression) -> Optional[cst.BaseExpression]:
        """The key a get-or-create looked up: ``k`` of ``x = c.get(k)`` or ``x = c[k]``."""
        subject, _ = _guard_subject(test)
        local = self.function_frame().locals.get(subject) if subject else None
        value = local.value if local is not None else None
        if isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute) and value.args and \
                value.func.attr.value == "get":
            return value.args[0].value
        if isinstance(value, cst.Subscript) and len(value.slice) == 1 and isinstance(value.slice[0].slice, cst.Index):
            return value.slice[0].slice.value
        return None

    def _other_memo(self, ref: Ref) -> Optional[Memo]:
        """The innermost get-or-create of this function around this point, when it looks in
        another container: ``m = _BY_SRC.get(src); if m is None: m = Module(); _BY_MODULE[m] =
        src; _BY_SRC[src] = m`` adds to ``_BY_MODULE`` once per ``src`` while ``_BY_SRC`` keeps
        its entries.  A closure defined in the block runs later, as often as it is called: not
        this function's memo."""
        for block, _ in reversed(self.active_guards):
            found = self.memo_keys.get(block)
            if found is not None:
                memo_ref, key, function = found
                if memo_ref == ref or function != self.current_function():
                    return None
                info = self.classify_key(key)
                param_key, param_identity = self.named_params(key, info)
                return Memo(ref=memo_ref, key=info, param_key=param_key, param_identity=param_identity)
        return None

    def _tests_a_local(self, test: cst.BaseExpression) -> bool:
        if isinstance(test, cst.BooleanOperation):
            test = test.left
        return self._local_subject(_guard_subject(test)[0])

    def _local_subject(self, subject: Optional[str]) -> bool:
        """``workflow = self._running.get(run_id); if not workflow: workflow = …``: a local is unset
        again on every call, so the body runs whenever the lookup misses — not once."""
        frame = self.function_frame()
        return subject is not None and "." not in subject and frame is not None and \
            subject not in frame.declared_global and subject not in frame.mutable_defaults and \
            self._is_local(subject)  # a mutable default is the same list on every call

    def _makes_tested_logger(self, name: cst.BaseExpression, body: cst.BaseSuite) -> bool:
        """``if "push" not in logging.root.manager.loggerDict: logging.getLogger("push")…``: the
        body makes the very logger the test looks for, so it runs once."""
        if not string_literal(name):
            return False
        wanted = source_of(name)
        return any(isinstance(call, cst.Call) and call.args and self.qualify(call.func) in self.kb.logger_factories
                   and source_of(call.args[0].value) == wanted for call in matchers.findall(body, matchers.Call()))

    leave_For = _leave_loop

    def visit_While(self, node: cst.While) -> None:
        self.frame.endless_loops += _endless(node)
        self._enter_loop(node)
        self.enter_endless_loop(node)
        if self._in_main_block():
            self.facts.script_runs_on = True

    def _module_fills(self) -> Dict[str, Set[str]]:
        """What the module's functions fill, by the names a call here reaches them by: a name the
        function binds itself or takes as a parameter (``discover()`` handed in) is not the module's."""
        frame = self.function_frame()
        if frame is None or not self.function_fills:
            return self.function_fills
        if frame.module_fills is None:
            frame.module_fills = {name: fills for name, fills in self.function_fills.items()
                                  if name not in frame.params and name not in frame.assigned}
        return frame.module_fills

    def _in_main_block(self) -> bool:
        """At the top level of the module's ``if __name__ == "__main__":`` block."""
        return self.function_frame() is None and self.under_guard("main")

    def _on_module_name(self, func: cst.BaseExpression) -> bool:
        """``app.run`` or ``uvicorn.run``: a method of a name the function neither binds nor
        receives — a module-level object or an imported module, not a local (``match.start()``)."""
        frame = self.function_frame()
        if not (isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name)) or frame is None:
            return False
        name = func.value.value
        return name not in frame.locals and name not in frame.params and name not in frame.assigned

    def _note_serving(self, func: cst.BaseExpression) -> None:
        """A call that hands control to a loop running until the process stops, by its last name
        as written or through an import alias (``HTTPServer(...).serve_forever()``, ``run_uvicorn(app)``):
        what the caller holds lives as long.  Common names (``run``, ``start``, ``join``) count
        only as calls the ``__main__`` block makes itself on an object or a module, or a function
        makes on a module-level one (``app.run()``) — not on a literal (``", ".join``), a local
        (``match.start()``), nor through ``os.path`` or ``subprocess``."""
        if isinstance(func, cst.Name):  # through an import alias, the name it was imported by
            qualified: Optional[str] = self.qualify(func) or ""
            names = {func.value, qualified.rsplit(".", 1)[-1]}
        elif isinstance(func, cst.Attribute):  # qualifying keeps the attribute: asked only for a common name
            qualified, names = None, {func.attr.value}
        else:
            return
        serving, common = names & self.kb.serving_calls, names & self.kb.script_serving_calls
        if not (serving or common):
            return  # nearly every call: nothing more to work out
        qualified = qualified if qualified is not None else self.qualify(func) or ""
        function = self.current_function()
        if serving:
            if function is not None:
                self.facts.serving.add(function)
            elif self._in_main_block():
                self.facts.script_runs_on = True
        elif common and "." in qualified and \
                not qualified.startswith(("os.", "subprocess.", "shutil.")) and \
                not (isinstance(func, cst.Attribute) and isinstance(func.value, (cst.SimpleString, cst.FormattedString,
                                                                                   cst.ConcatenatedString))):
            if function is None and self._in_main_block():
                self.facts.script_runs_on = True
            elif function is not None and self._on_module_name(func):  # ``app.run()`` in ``main()``
                self.facts.serving.add(function)

    def leave_While(self, original_node: cst.While) -> None:
        self.frame.endless_loops -= _endless(original_node)
        self.leave_endless_loop(original_node)
        self._leave_loop(original_node)

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self._bind_targets(node.target)

    def visit_WithItem(self, node: cst.WithItem) -> None:
        self._mark_use(node.item, "with")
        if node.asname is not None:
            self._bind_targets(node.asname.name)

    def leave_ExceptHandler(self, original_node: cst.ExceptHandler) -> None:
        frame = self.function_frame()
        if frame is not None:
            frame.handler_depth -= 1

    def visit_Try(self, node: cst.Try) -> None:
        """``try: w = c[k]  except KeyError: w = c[k] = …``: the handler creates an entry only
        when the lookup misses — a get-or-create, like ``if c.get(k) is None``."""
        for handler in node.handlers:
            caught = dotted(handler.type) if handler.type is not None else None
            if caught is None or caught.rsplit(".", 1)[-1] not in ("KeyError", "LookupError"):
                continue
            for read in matchers.findall(node.body, matchers.Subscript()):
                ref = self.ref_of(read.value)
                if ref is not None and ref.kind in ("self", "global") and id(handler.body) not in self.guarded_blocks:
                    self.guarded_blocks[id(handler.body)] = _miss_guard(ref)
                    break

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        frame = self.function_frame()
        if frame is not None:
            frame.handler_depth += 1
        if node.name is not None:
            self._bind_targets(node.name.name)
            frame = self.function_frame()
            if frame is not None and isinstance(node.name.name, cst.Name):
                frame.exceptions[node.name.name.value] = "exception"
                frame.handler_names.add(node.name.name.value)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._bind_targets(node.target)

    def _bind_targets(self, target: cst.BaseExpression) -> None:
        frame = self.function_frame()
        if frame is None:
            return
        if isinstance(target, cst.Name):
            frame.assigned.add(target.value)
            # bound before (``meta = self._meta`` … ``meta = Metadata()``): not only a new object
            frame.locals[target.value] = Local(kept=target.value in frame.locals)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._bind_targets(element.value)
        elif isinstance(target, cst.StarredElement):
            self._bind_targets(target.value)

    # ------------------------------------------------------------------ assignments
    def visit_Raise(self, node: cst.Raise) -> None:
        self.note_raised_local(node)

    def visit_Assign(self, node: cst.Assign) -> None:
        self.store_targets.update(id(t.target) for t in node.targets)
        if self.frame.kind == "class":  # class-body data: ``verbose = False``
            self.frame.assigned.update(t.target.value for t in node.targets if isinstance(t.target, cst.Name))
            named = dotted(node.value)
            if named and _capitalised(named.rsplit(".", 1)[-1]):  # ``RunBundler = RunBundler``
                for target in node.targets:
                    if isinstance(target.target, cst.Name):
                        self.facts.class_aliases[f"{self.frame.qualname}.{target.target.value}"] = \
                            self.qualify(node.value)
        only = node.targets[0].target if len(node.targets) == 1 else None
        local = isinstance(only, cst.Name) and self.function_frame() is not None \
            and only.value not in self.frame.declared_global
        self._mark_use(node.value, f"local:{only.value}" if local else "store")
        self._note_bound(node.value)
        if not local:
            self._escapes(node.value, "store")
        for target in node.targets:
            self._assign(target.target, node.value, node)
            self._hook_assignment(target.target, node.value, node)
            if isinstance(target.target, cst.Attribute):
                self._registry_reset(target.target, node)

    def _raised_flags(self) -> Set[str]:
        """The flags some function of the module sets true (see :func:`_raised_flags`), read once
        per module, and only if a guard needs them."""
        if self._raised is None:
            self._raised = _raised_flags(self.module_node) if self.module_node is not None else set()
        return self._raised

    def _module_alias(self, target: cst.BaseExpression, value: cst.BaseExpression) -> None:
        """``_sys_monitoring = sys.monitoring`` at module level: the name stands for what the module
        attribute is, like ``from sys import monitoring as _sys_monitoring``."""
        if self.frame.kind != "module" or not isinstance(target, cst.Name) or not isinstance(value, cst.Attribute):
            return
        name = dotted(value)
        if name and self.imports.is_module_alias(name.split(".", 1)[0]):
            self.imports.names[target.value] = self.imports.qualify(name)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        declared = self.frame.kind == "class" and isinstance(node.target, cst.Name)
        if declared:  # a declared field (``verbose: bool = Field(False)``), bound before its value is read
            self.frame.assigned.add(node.target.value)
        if node.value is not None:
            self._note_bound(node.value)
            self._assign(node.target, node.value, node)
        if declared:
            self._annotation_holds(Ref("self", self.frame.qualname, node.target.value), node.annotation, node)
        elif isinstance(node.target, cst.Attribute):
            ref = self.ref_of(node.target)
            if ref is not None and ref.kind == "self":
                self._annotation_holds(ref, node.annotation, node)

    def _annotation_holds(self, ref: Ref, annotation: cst.Annotation, node: cst.CSTNode) -> None:
        held = self._annotation_class(annotation.annotation)
        if held:
            self.facts.holds.append(Holds(ref, held, "annotation", self.span(node)))

    def _annotation_class(self, expr: cst.BaseExpression) -> str:
        """``Output`` / ``Optional[Output]`` / ``"Output"`` → dotted class name ("" if none)."""
        if isinstance(expr, cst.Subscript) and self.qualify(expr.value).rsplit(".", 1)[-1] == "Optional":
            element = expr.slice[0].slice if expr.slice else None
            if isinstance(element, cst.Index):
                return self._annotation_class(element.value)
            return ""
        if isinstance(expr, cst.SimpleString):
            text = expr.evaluated_value if isinstance(expr.evaluated_value, str) else ""
            name = self.imports.qualify(text) if text.replace(".", "").isidentifier() else ""
        else:
            name = self.qualify(expr)
        last = name.rsplit(".", 1)[-1]
        if not last[:1].isupper() or last in _TYPING_NAMES or name.startswith(_TYPING_MODULES):
            return ""  # ``Any``, ``Callable``: says nothing of the class
        return name

    def _assign(self, target: cst.BaseExpression, value: cst.BaseExpression, node: cst.CSTNode) -> None:
        self._module_alias(target, value)
        if isinstance(target, (cst.Tuple, cst.List)):
            elements = [e.value for e in target.elements]
            if self.function_frame() is not None and self.note_unpacked_exc_info(elements, value, self.span(node)):
                return
            values = value.elements if isinstance(value, (cst.Tuple, cst.List)) else ()
            paired = len(values) == len(target.elements) and not any(
                isinstance(v, cst.StarredElement) for v in values)
            for index, element in enumerate(target.elements):
                # ``a, b = x, y`` pairs up; any other unpacking gives values nothing here describes
                self._assign(element.value, values[index].value if paired else cst.Ellipsis(), node)
            return
        if isinstance(target, cst.Subscript):
            self._assign_item(target, value, node)
            return
        frame = self.frame
        if isinstance(target, cst.Name) and frame.kind == "function" and target.value not in frame.declared_global:
            self._assign_local(frame, target.value, value)
            return
        ref = self.ref_of(target)
        if ref is None:
            return
        if ref.kind == "self" and frame.kind == "function":
            frame.attribute_values[ref.name] = value
            frame.attribute_blocks[ref.name] = tuple(frame.blocks)
        if ref.kind == "self" and isinstance(target, cst.Attribute):
            self.flow.flag(f"{source_of(target.value)}.{ref.name}")
        kind = self.container_kind(value)
        span = self.span(node)
        function = self.current_function()
        if kind is not None and ref.kind in ("self", "global"):
            annotated = isinstance(node, cst.AnnAssign) and frame.kind == "class"  # a model's field? (the link stage)
            scope = self._container_scope(ref, target, value)
            self.facts.containers.append(ContainerDef(ref, scope, kind.constructor, kind.bounded, kind.weak, kind.text,
                                                      function, span, annotated=annotated,
                                                      weak_entries=kind.weak_entries, entry_class=kind.entry_class,
                                                      script=self._in_main_block()))
            self.defined_containers.add(ref)
        removed = _filtered_out(value, target, frame.params) if function is not None else None
        if removed is not None:  # ``self._runs = [r for r in self._runs if r != run]``: removes run
            self.emit_mutation(target, "shrink", "filter", node, key=removed)
        elif _whole_copy_of(value, target):
            pass  # ``self._events = list(self._events)``: a copy that keeps every entry, no release
        else:
            self.facts.mutations.append(Mutation(ref=ref, op="reset", method="=", function=function,
                                                 in_loop=self.in_loop(), text_value=False, key=NO_KEY, value="other",
                                                 span=span, guarded=self.guarded()))
            if function is not None and self.lambda_depth == 0:
                self.flow.event("clear", ref, target="rebind", line=span.line)
        self._keep(value)
        if ref.kind in ("self", "attr") or (ref.kind == "global" and function is not None):
            value_class = self.class_of_value(value) or _factory_made(value)
            from_param = isinstance(value, cst.Name) and value.value in frame.params
            value_call = self._call_target(value.func) if isinstance(value, cst.Call) else ""
            value_ref = self.ref_of(value) if isinstance(value, cst.Attribute) else None
            self.facts.attr_assigns.append(AttrAssign(ref, function, value_class, from_param, span,
                                                      param=value.value if from_param else "", value_call=value_call,
                                                      value_ref=value_ref))
        self._stored_exception(ref, value, "attribute", span)
        self.note_back_reference(ref, value, span)
        value_class = self.class_of_value(value)
        if value_class and value_class not in self.kb.weak and ref.kind in ("self", "global"):
            script = function is None and self.under_guard("main")
            self.facts.holds.append(Holds(ref, value_class, "attribute", span, back=self.value_kind(value) == "self",
                                          function=function, fresh=self._on_fresh_object(target), script=script))
            if ref.kind == "global" and function is None and not script:
                self.facts.global_instances.append(GlobalInstance(ref, value_class, span))
        self._callable_holds(ref, value, span)

    def _container_scope(self, ref: Ref, target: cst.BaseExpression, value: cst.BaseExpression) -> str:
        """module, class (one container shared by every instance) or instance."""
        if ref.kind == "global":
            return "module"
        if self.frame.kind == "class":
            is_factory = isinstance(value, cst.Call) and self.qualify(value.func).rsplit(".", 1)[-1] in _FIELD_FACTORY_NAMES
            return "instance" if is_factory else "class"
        self_name, _ = self._self_context()
        receiver = target.value if isinstance(target, cst.Attribute) else None
        via_instance = isinstance(receiver, cst.Name) and receiver.value == self_name
        in_classmethod = any(f.kind == "function" and f.is_classmethod for f in self.stack)
        if isinstance(receiver, cst.Name) and receiver.value != self_name and self._local_class(receiver.value):
            return "instance"  # ``session._pending = []`` on a parameter typed as the class: an instance
        return "instance" if via_instance and not in_classmethod else "class"

    def _callable_holds(self, ref: Ref, value: cst.BaseExpression, span: Span) -> None:
        """A bound method or closure stored on a slot keeps its ``self`` alive."""
        if ref.kind not in ("self", "global"):
            return
        self_name, cls = self._self_context()
        if not (self_name and cls):
            return
        holds_self = (isinstance(value, cst.Attribute) and isinstance(value.value, cst.Name)
                      and value.value.value == self_name and ref != Ref("self", cls, value.attr.value)
                      and not self._class_field(value.attr.value))
        if isinstance(value, cst.Lambda):
            holds_self = re.search(rf"\b{re.escape(self_name)}\b", source_of(value)) is not None
        if holds_self and not (ref.kind == "self" and ref.owner == cls):
            self.facts.holds.append(Holds(ref, cls, "callback", span))

    def _assign_local(self, frame: Frame, name: str, value: cst.BaseExpression) -> None:
        frame.assigned.add(name)
        what = self.exception_kind(value)
        if what:
            frame.exceptions[name] = what
        else:
            frame.exceptions.pop(name, None)
        self.note_local_binding(name, value)
        if isinstance(value, (cst.Name, cst.Tuple, cst.List)):
            self._keep(value)  # ``current = meta``: another name may keep it
        # bound before (``meta = self._meta`` … ``meta = Metadata()``): not only a new object
        local = Local(created=self.class_of_value(value) if isinstance(value, cst.Call) else "", value=value,
                      kept=name in frame.locals)
        if isinstance(value, cst.Call) and not local.created:
            called = self._call_target(value.func)
            local.returned_by = called[len("name:"):] if called.startswith("name:") else ""
        classes = self._class_references(value) or self._factory_classes(value)
        if classes:  # every binding counts: ``cls = A`` in one branch, ``cls = B`` in another
            earlier = frame.locals.get(name)
            local.classes = tuple(dict.fromkeys((earlier.classes if earlier else ()) + classes))
        if isinstance(value, cst.Call) and self.qualify(value.func) in self.kb.process_lifetime_factories:
            local.process_lifetime = True
        entry_of = self._entry_read(value)  # ``tags = self._client_tags[:]`` is a new list: no entry of it
        if entry_of is not None:
            self.flow.bind_entry_local(name, entry_of)
            local.element_of = entry_of
        elif isinstance(value, cst.Attribute) or (isinstance(value, cst.Name) and value.value != name):
            alias = self.ref_of(value)  # attr: ``user_storages = core.app.storage._users``
            if alias is not None and alias.kind in ("self", "global", "attr"):
                local.alias = alias
                self.flow.bind_container_local(name, alias)
        frame.locals[name] = local
        if name in frame.mutable_defaults:
            self.facts.mutations.append(Mutation(
                ref=Ref("default", frame.qualname, name), op="reset", method="=", function=frame.qualname,
                in_loop=self.in_loop(), text_value=False, key=NO_KEY, value="other", span=self.span(value)))

    def _entry_read(self, value: cst.BaseExpression) -> Optional[Ref]:
        """The container whose entry a value reads: ``c[k]``, ``c.get(k)``, ``c.pop(k)``."""
        if isinstance(value, cst.Await):
            value = value.expression
        if isinstance(value, cst.Subscript):
            if any(isinstance(element.slice, cst.Slice) for element in value.slice):
                return None  # ``c[:]``, ``c[1:]``: a copy, not an entry
            container = value.value
        elif isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute) and \
                value.func.attr.value in ("get", "pop", "setdefault"):
            container = value.func.value
        else:
            return None
        ref = self.ref_of(container)
        return ref if ref is not None and ref.kind in ("self", "global") else None

    def _assign_item(self, target: cst.Subscript, value: cst.BaseExpression, node: cst.CSTNode) -> None:
        """``c[k] = v`` grows a container; ``c[:] = …`` or ``c[a:b] = …`` replaces or trims it."""
        is_slice = any(isinstance(element.slice, cst.Slice) for element in target.slice)
        if is_slice and _whole_copy_of(value, target.value):
            return  # ``seen[:] = sorted(seen)``: the same entries in another order, none dropped
        key = _subscript_key(target)
        constant_key = (not is_slice and len(target.slice) == 1 and isinstance(target.slice[0].slice, cst.Index)
                        and isinstance(target.slice[0].slice.value, (cst.Integer, cst.SimpleString)))
        op = "shrink" if is_slice else "slot" if constant_key else "grow"
        trims = is_slice and _slice_of(value, target.value)  # ``K[:] = K[-127:]``: keeps the last 127
        self.emit_mutation(target.value, op, "trim" if trims else "[:]=" if is_slice else "[]=", node,
                           key=None if is_slice else key, value=value)
        if not is_slice:
            self._element_holds(target.value, value, node)
        if op == "grow" and _filters_entry(value, target):  # ``c[k] = [r for r in c.get(k, []) if not r.done]``
            self.emit_mutation(target.value, "shrink", "filter", node, element=True)

    def visit_Subscript(self, node: cst.Subscript) -> None:
        """Reading ``c[k]``: an entry in use — and for a ``defaultdict``, an entry created."""
        if id(node) not in self.store_targets and self.function_frame() is not None:
            key = _subscript_key(node)
            if key is not None:
                self._lookup(node.value, key, node)

    def _lookup(self, container: cst.BaseExpression, key: cst.BaseExpression, where: cst.CSTNode) -> None:
        """``where`` is a node of the tree (``key`` may be a tuple built for ``c[a, b]``)."""
        ref = self.ref_of(container)
        if ref is not None and ref.kind in ("self", "global"):
            info = self.classify_key(key)
            if self.under_guard(f"member:{info.text}|{source_of(container)}"):
                return  # ``if k in d: d[k]``: an entry that is there, not one a defaultdict makes
            self.flow.event("lookup", ref, info.text, info.roots)
            self.facts.lookups.append(Mutation(ref=ref, op="lookup", method="[]", function=self.current_function(),
                                               in_loop=self.in_loop(), text_value=False, key=info, value="other",
                                               span=self.span(where), guarded=self.guarded(),
                                               deferred=self.lambda_depth > 0))

    def _element_holds(self, container: cst.BaseExpression, value: cst.BaseExpression, node: cst.CSTNode) -> None:
        ref = self.ref_of(container)
        if ref is None or ref.kind not in ("self", "global"):
            return
        self._stored_exception(ref, value, "element", self.span(node))
        held = self.class_of_value(value)
        if held and held not in self.kb.weak:
            self.facts.holds.append(Holds(ref, held, "element", self.span(node), back=self.value_kind(value) == "self"))

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self.store_targets.add(id(node.target))
        operator = node.operator
        if isinstance(operator, (cst.AddAssign, cst.BitOrAssign)):
            op, method = "grow", "+=" if isinstance(operator, cst.AddAssign) else "|="
        elif isinstance(operator, (cst.SubtractAssign, cst.BitAndAssign)):
            op, method = "shrink", "-=" if isinstance(operator, cst.SubtractAssign) else "&="
        else:
            op, method = "reset", "op="
        target = node.target
        if isinstance(target, cst.Subscript):
            # ``counts[k] += 1`` updates an entry — and in a defaultdict creates it
            key = _subscript_key(target)
            if key is not None:
                self.emit_mutation(target.value, "grow", "[]+=", node, key=key)
            return
        if isinstance(target, cst.Name) and self.function_frame() is not None:
            frame = self.frame
            local = frame.locals.get(target.value)
            if (target.value not in frame.declared_global and target.value not in frame.mutable_defaults
                    and (local is None or local.alias is None or self.is_text_value(node.value))):
                # a plain local; or text added to a local alias (``msg = self.message; msg += "…"``):
                # str ``+=`` rebinds the local to a new string, the attribute is untouched
                frame.assigned.add(target.value)
                return
        self.emit_mutation(target, op, method, node, text_value=self.is_text_value(node.value), spread=node.value)
        if op == "grow" and isinstance(node.value, (cst.List, cst.Tuple)):
            for element in node.value.elements:
                self._element_holds(target, element.value, node)

    def visit_Del(self, node: cst.Del) -> None:
        self.store_targets.add(id(node.target))
        if isinstance(node.target, (cst.Tuple, cst.List)):
            self.store_targets.update(id(e.value) for e in node.target.elements)
        self._delete(node.target, node)

    def _note_self_shrink(self, container: cst.BaseExpression) -> None:
        """``del self[k]`` / ``self.popitem(last=False)`` in a method: the class is a container
        that removes its own entries (wandb's ``CappedDict`` evicts the oldest on insert)."""
        self_name, cls = self._self_context()
        if cls and isinstance(container, cst.Name) and container.value == self_name:
            self.facts.self_shrinking.add(cls)

    def _delete(self, target: cst.BaseExpression, node: cst.CSTNode) -> None:
        if isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._delete(element.value, node)
        elif isinstance(target, cst.Subscript):
            is_slice = any(isinstance(element.slice, cst.Slice) for element in target.slice)
            self._note_self_shrink(target.value)
            self.emit_mutation(target.value, "shrink", "del", node, key=None if is_slice else _subscript_key(target))
        else:
            if isinstance(target, cst.Name):
                self.note_released_local(target.value)
            self.emit_mutation(target, "reset", "del", node)

    # ------------------------------------------------------------------ calls
    def visit_Expr(self, node: cst.Expr) -> None:
        self._mark_use(node.value, "statement")
        call = _call_of(node.value)
        if call is not None:
            self.statement_calls.add(id(call))

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        frame = self.function_frame()
        self._note_serving(func)
        if isinstance(func, cst.Name) and frame is not None and func.value in frame.loop_items:
            self.facts.invoked.add(frame.loop_items[func.value])  # ``for h in self._handlers: h(event)``
        if not self._cannot_fail(func):
            self.flow.mark_call()
        if isinstance(func, cst.Name) and func.value == "getattr" and len(node.args) >= 2 and \
                not isinstance(node.args[1].value, cst.SimpleString) and self.frame.class_qualname:
            self.facts.getattr_dispatch.add(self.frame.class_qualname)  # ``getattr(self, name)``
        released = released_name(node, self.qualify)
        if released:
            self.note_released_local(released)
        self.note_item_run(func)
        target = self._call_target(func)
        if target:
            self._record_call(target, node)
        elif isinstance(func, cst.Attribute):
            self.facts.untyped_calls.add(func.attr.value)  # ``builder.link_to(…)``: it may reach any link_to
            self._record_references(f"untyped:{func.attr.value}", node)  # ``loop.add_reader(fd, self._on_read)``
            self.facts.untyped_arguments.setdefault(func.attr.value, []).append(
                (self.current_function(), self._argument_domains(node, classify=False)))
        self._handed_over_releases(node, target)
        self._handed_over_removals(node)
        self._joined(func)
        if isinstance(func, cst.Attribute) and func.attr.value == "cache_clear" and isinstance(func.value, cst.Attribute):
            self.facts.cache_clears.add(func.value.attr.value)
        self._weak_reference(node)
        if self.function_frame() is None:
            name = dotted(func)
            if name:
                head = name.split(".", 1)[0]
                imported = head in self.imports.modules or head in self.imports.names
                self.facts.import_time_calls.add(self.qualify(func) if imported else f"{self.facts.module}.{name}")
        receiver_node: Optional[cst.BaseExpression] = None
        if isinstance(func, cst.Attribute):
            receiver_node, method = func.value, func.attr.value
            receiver = self.qualify(receiver_node)
        elif isinstance(func, cst.Name):
            qualified = self.qualify(func)
            if "." not in qualified:
                self._function_call(qualified, node)
                return
            receiver, _, method = qualified.rpartition(".")
        else:
            return
        self._function_call(self.qualify(func), node)
        if receiver_node is not None:
            self._container_call(receiver_node, method, node)
        self._listener_call(receiver_node, receiver, method, node)
        if method == "clear" and isinstance(receiver_node, cst.Attribute):
            self._registry_reset(receiver_node, node)
        self._logger_call(receiver_node, method, node)

    def _cannot_fail(self, func: cst.BaseExpression) -> bool:
        """Calls the flow graph does not count as ways to raise: container bookkeeping
        (``s.add(x)``, ``d.pop(k, None)``) and builtins such as ``len`` and ``isinstance``."""
        if isinstance(func, cst.Attribute):
            method = func.attr.value
            return method in self.kb.grow_methods or method in self.kb.shrink_methods or method in ("get", "copy")
        return isinstance(func, cst.Name) and func.value in _SAFE_BUILTINS

    def _classmethod_class(self, name: str) -> str:
        """The class a classmethod's ``cls`` names, when ``name`` is that parameter and nothing
        rebinds it; "" otherwise."""
        for frame in reversed(self.stack):
            if frame.kind == "class":
                return ""
            if frame.kind == "function" and frame.self_name:
                rebound = name in frame.assigned
                return frame.class_qualname or "" if frame.is_classmethod and name == frame.self_name and not rebound \
                    else ""
        return ""

    def _own_class(self, node: cst.BaseExpression) -> bool:
        """``type(self)`` or ``self.__class__``: the class of the object the method runs on."""
        self_name, _ = self._self_context()
        if not self_name:
            return False
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value == "type" \
                and len(node.args) == 1 and isinstance(node.args[0].value, cst.Name):
            return node.args[0].value.value == self_name
        return dotted(node) == f"{self_name}.__class__"

    def _call_target(self, func: cst.BaseExpression) -> str:
        """What a call reaches, as far as this file tells (see :class:`retainlint.facts.Call`)."""
        generic = dotted(func.value) if isinstance(func, cst.Subscript) else None
        if generic and generic.rsplit(".", 1)[-1][:1].isupper():  # ``Executor[Result](…)``: the class itself
            func = func.value
        if isinstance(func, cst.Attribute):
            base = func.value
            if isinstance(base, cst.Call) and isinstance(base.func, cst.Name) and base.func.value == "super":
                return f"super:{func.attr.value}"
            if self._own_class(base):  # ``type(self).RunBundler(…)``, ``self.__class__.make()``
                return f"self:{func.attr.value}"
            chain = dotted(func)
            if chain is None and isinstance(base, cst.Subscript):  # ``self._states[name].add_part(…)``
                container = dotted(base.value)
                chain = f"{container}.[].{func.attr.value}" if container else None
            if chain is None:
                return ""
            head, *slots = chain.split(".")
            frame = self.function_frame()
            local = frame.locals.get(head) if frame is not None else None
            if local is not None and local.alias is not None and local.alias.kind == "self":
                return "attr:" + "|".join([local.alias.owner, local.alias.name] + slots)  # ``output = self.output``
            self_name, _ = self._self_context()
            if self_name and head == self_name:
                return f"self:{slots[0]}" if len(slots) == 1 else "attr:" + "|".join(["self"] + slots)
            typed = self._local_class(head)
            if typed:
                return "attr:" + "|".join([typed] + slots)
            if local is not None and local.returned_by:  # ``xom = xom_from_config(c); xom.main()``: what it builds
                return "attr:" + "|".join([f"{local.returned_by}()"] + slots)
            if self._is_local(head) or self._enclosing_binds(head):
                return ""
            if head in self.imports.modules or head in self.imports.names or head in self.module_classes:
                return f"name:{self.qualify(func)}"
            if self.frame.kind == "module" or not self._is_local(head):
                return f"name:{self.facts.module}.{chain}"
            return ""
        if isinstance(func, cst.Name):
            name = func.value
            frame = self.function_frame()
            made = self._classmethod_class(name)
            if made:  # ``return cls()`` in a classmethod: an instance of the class (or of a subclass)
                return f"name:{made}"
            if frame is not None and (name in frame.params or name in frame.assigned) or self._enclosing_binds(name):
                return f"local:{name}"
            qualified = self.qualify(func)
            if "." not in qualified and name in _BUILTINS:
                return ""
            return f"name:{qualified if '.' in qualified else f'{self.facts.module}.{name}'}"
        return ""

    def _keep(self, value: Optional[cst.BaseExpression]) -> None:
        """Note that the locals a value names may now be kept by something else: stored
        (``self._x[k] = (local, t)``) or handed to a call (``self._register(local)``)."""
        frame = self.function_frame()
        if frame is None or value is None:
            return
        for name in matchers.findall(value, matchers.Name()):
            if name.value in frame.locals:
                frame.locals[name.value].kept = True

    def _receiver(self, node: cst.Call) -> str:
        """What a method is called on, when it says how long the object has been around: one this
        function made, bound to no other value and has not stored or handed anywhere yet (``new``),
        or the object itself (``self``)."""
        if not (isinstance(node.func, cst.Attribute) and isinstance(node.func.value, cst.Name)):
            return ""
        name = node.func.value.value
        if name == self._self_context()[0]:
            return "self"
        frame = self.function_frame()
        local = frame.locals.get(name) if frame is not None else None
        made = local is not None and not local.kept and self.classify_key(node.func.value).domain == "created"
        return "new" if made else ""

    def _record_call(self, target: str, node: cst.Call) -> None:
        """A Call fact for the call graph; a flow event where the call may run a release."""
        function = self.current_function()
        line = self.locator.line(node)
        use = self.call_uses.pop(id(node), "other")
        frame = self.function_frame()
        called = frame.locals.get(target[len("local:"):]) if target.startswith("local:") and frame else None
        for cls in called.classes if called is not None else ():  # ``processor_class(...)``: one of these
            self.facts.calls.append(Call(caller=function, target=f"name:{cls}", line=line, in_loop=self.in_loop(),
                                         guarded=self.guarded(), use=use))
        containers = self._container_arguments(node)
        receiver = self._receiver(node)
        for arg in node.args:
            self._keep(arg.value)
        self.facts.calls.append(Call(caller=function, target=target, line=line, in_loop=self.in_loop(),
                                     in_while=self.in_while(),
                                     guarded=self.guarded(), use=use, fresh=self._fresh_arguments(node),
                                     exceptions=self._exception_arguments(node),
                                     containers=containers,
                                     built=self._built_arguments(node), arguments=self._argument_domains(node),
                                     script=function is None and self.under_guard("main"),
                                     receiver=receiver, capped=self._capping_for(target)))
        if use.startswith("local:") and frame is not None:
            frame.constructed[use[len("local:"):]] = len(self.facts.calls) - 1
        if builds_object(node) and frame is not None:
            for arg in node.args:  # ``BasicHost(network=swarm)``: the local's object lives as long as the host
                index = frame.constructed.get(arg.value.value) if isinstance(arg.value, cst.Name) else None
                if index is not None and self.facts.calls[index].use.startswith("local:"):
                    self.facts.calls[index] = replace(self.facts.calls[index], use="built-into")
        for arg in node.args:
            if isinstance(arg.value, cst.Call):
                self.call_uses.setdefault(id(arg.value), "argument")
        if isinstance(node.func, cst.Attribute) and isinstance(node.func.value, cst.Call):
            self.call_uses.setdefault(id(node.func.value), "receiver")  # ``Executor(…).run()``: a temporary
        self._record_references(target, node, containers)
        hands_container = frame is not None and any(ref in self.defined_containers for _, ref in containers)
        if hands_container:
            self.flow.mark_relevant()  # hands its container to a callee that may empty it (link/handed.py)
        if target.startswith(("self:", "local:", "super:")) or hands_container:
            self.flow.event("call", None, target=target, line=line)
            frame = self.function_frame()
            if target.startswith("local:") or (target.startswith("self:") and frame is not None
                                               and target[5:] not in self._class_methods()):
                self.flow.mark_relevant()  # may run a stored callable: a handed-over release

    def _escapes(self, value: Optional[cst.BaseExpression], how: str) -> None:
        """A local holding an object this call built is returned or stored: it outlives the call."""
        frame = self.function_frame()
        if frame is None or not isinstance(value, cst.Name) or value.value not in frame.constructed:
            return
        index = frame.constructed.pop(value.value)
        self.facts.calls[index] = replace(self.facts.calls[index], use=how)

    def _joined(self, func: cst.BaseExpression) -> None:
        """``thread = Worker(); thread.start(); thread.join()``: the thread this call made has
        finished before the call goes on, so it lives no longer than the local that holds it."""
        frame = self.function_frame()
        if frame is None or not (isinstance(func, cst.Attribute) and func.attr.value == "join"
                                 and isinstance(func.value, cst.Name) and func.value.value in frame.constructed):
            return
        index = frame.constructed[func.value.value]
        if self.facts.calls[index].use.startswith("local:"):
            self.facts.calls[index] = replace(self.facts.calls[index], use="joined")

    def visit_Return(self, node: cst.Return) -> None:
        self._mark_use(node.value, "return")
        self._escapes(node.value, "return")
        frame = self.function_frame()
        if frame is not None and node.value is not None and _capitalised(frame.qualname.rsplit(".", 1)[-1]):
            # ``GetInternedNamespace(v)`` used as a key: is what it returns a new object per call?
            frame.return_domains.add(self.classify_key(node.value).domain)

    def visit_Yield(self, node: cst.Yield) -> None:
        frame = self.function_frame()
        if frame is not None:
            frame.generator = True
        if isinstance(node.value, cst.BaseExpression):
            self._mark_use(node.value, "return")
            self._escapes(node.value, "return")

    def _note_bound(self, value: cst.BaseExpression) -> None:
        call = _call_of(value)
        if call is not None:
            self.bound_calls.add(id(call))

    def _mark_use(self, value: Optional[cst.BaseExpression], use: str) -> None:
        call = _call_of(value)
        if call is not None:
            self.call_uses[id(call)] = use

    def _record_references(self, target: str, node: cst.Call, containers=()) -> None:
        """A Call fact, marked ``argument_of`` the receiving call, for each function handed over as
        an argument (``loop.add_reader(sock, self._on_read)``): whoever receives it may call it."""
        at_exit: Optional[bool] = None  # worked out at the first reference: most calls hand over none
        for position, arg in enumerate(node.args):
            reference = self._function_reference(arg.value)
            if reference:
                at_exit = self._exit_hook(target, node) if at_exit is None else at_exit
                partial = position == 0 and self._is_partial(node)
                self.facts.calls.append(Call(caller=self.current_function(), target=reference,
                                             line=self.locator.line(node), in_loop=self.in_loop(),
                                             guarded=self.guarded(), argument_of=target,
                                             containers=_bound_by_partial(containers) if partial else (),
                                             arguments=_bound_by_partial(self._argument_domains(node))
                                             if partial else (), at_exit=at_exit))

    def _exit_hook(self, target: str, node: cst.Call) -> bool:
        """The call runs what it is handed only at the end: an exit hook (``atexit.register``), or a
        signal handler for a signal that ends the process (``signal.signal(signal.SIGTERM, f)``)."""
        name = target.split(":", 1)[-1].replace("|", ".")
        method = name.rsplit(".", 1)[-1]
        kb = self.kb
        if name in kb.exit_hooks or method in kb.exit_hooks:  # a dotted entry names one call, a bare one a method
            return True
        if not (name in kb.signal_hooks or method in kb.signal_hooks) or not node.args:
            return False
        return (dotted(node.args[0].value) or "").rsplit(".", 1)[-1] in kb.exit_signals

    def _function_reference(self, value: cst.BaseExpression) -> str:
        """``self.handle`` or ``handle`` passed as an argument: a callable registered somewhere."""
        if isinstance(value, cst.Attribute) and isinstance(value.value, cst.Name):
            self_name, _ = self._self_context()
            if self_name and value.value.value == self_name and value.attr.value in self._class_methods():
                return f"self:{value.attr.value}"
        if isinstance(value, cst.Name) and not self._is_local(value.value) and _function_name(value.value) \
                and value.value not in _BUILTINS:
            qualified = self.qualify(value)
            if value.value in self.imports.names or "." in qualified:
                return f"name:{qualified}"
            return f"name:{self.facts.module}.{value.value}"  # a function of this module (the link stage checks)
        return ""

    def _class_frame(self) -> Optional[Frame]:
        """The innermost class being visited, if any."""
        return next((frame for frame in reversed(self.stack) if frame.kind == "class"), None)

    def _class_field(self, name: str) -> bool:
        """A name the class body binds to data (``verbose: bool = Field(False)``): ``self.verbose``
        is its value, not a bound method that keeps ``self``."""
        frame = self._class_frame()
        return frame is not None and name in frame.assigned and name not in frame.methods

    def _class_methods(self) -> Set[str]:
        frame = self._class_frame()
        return frame.methods if frame is not None else set()

    def _handed_over_releases(self, node: cst.Call, callee: str) -> None:
        """A release handed over to run later — ``task.add_done_callback(self._tasks.discard)``,
        ``partial(self._runs.pop, run_id)``, ``cleanup=lambda: self._runs.pop(run_id, None)`` —
        releases when, and only when, whoever receives it calls it."""
        for position, arg in enumerate(a for a in node.args if not a.star):
            value = arg.value
            keyword = arg.keyword.value if arg.keyword is not None else f"#{position}"
            for receiver, method, key in self._releases_in(value):
                if method in self.kb.shrink_methods:
                    ref = self.ref_of(receiver)
                    if ref is not None and ref.kind in ("self", "global", "attr"):  # attr: ``self.state._tasks``
                        key_info = self.classify_key(key) if key is not None else NO_KEY
                        self.facts.callable_releases.append(CallableRelease(
                            ref=ref, key=key_info.text, function=self.current_function(), callee=callee,
                            keyword=keyword, line=self.span(node).line))
                        if not isinstance(value, cst.Lambda):  # a lambda's body is visited as deferred
                            self.emit_mutation(receiver, "shrink", method, value, key=key, deferred=True)

    def _is_partial(self, value: cst.BaseExpression) -> bool:
        """``functools.partial(f, …)``: a callable that calls ``f`` with what it binds."""
        return isinstance(value, cst.Call) and self.qualify(value.func) in ("functools.partial", "partial")

    def _releases_in(self, value: cst.BaseExpression):
        """(container, method, key) of the releases a callable argument performs when called."""
        if isinstance(value, cst.Attribute):
            yield value.value, value.attr.value, None
        elif self._is_partial(value) and value.args:
            inner = value.args[0].value
            if isinstance(inner, cst.Attribute):
                key = value.args[1].value if len(value.args) > 1 else None
                yield inner.value, inner.attr.value, key
        elif isinstance(value, cst.Lambda):
            body = value.body
            calls = body.elements if isinstance(body, cst.Tuple) else [body]
            for call in calls:
                call = call.value if isinstance(call, cst.Element) else call
                if isinstance(call, cst.Call) and isinstance(call.func, cst.Attribute):
                    key = call.args[0].value if call.args else None
                    yield call.func.value, call.func.attr.value, key

    def _function_call(self, name: str, node: cst.Call) -> None:
        """Module-level helpers that grow or shrink their first argument (``heapq.heappush``)."""
        if name in self.kb.grow_functions or name in self.kb.shrink_functions:
            first = argument(node.args, 0)
            if first is not None:
                op = "grow" if name in self.kb.grow_functions else "shrink"
                element = argument(node.args, 1)
                target = first.value
                on_entry = isinstance(target, cst.Subscript)  # ``heappush(self._queues[k], item)``
                self.emit_mutation(target.value if on_entry else target, op, name.rsplit(".", 1)[-1], node,
                                   key=element.value if op == "grow" and element is not None else None,
                                   element=on_entry)
        if name in self.kb.logger_factories:
            self._logger_name(argument(node.args, 0, "name"), node)

    def _container_call(self, receiver: cst.BaseExpression, method: str, node: cst.Call) -> None:
        if method == "set" and len(node.args) == 1:  # ``var.set(exc)``: a ContextVar keeps one per context
            ref = self.ref_of(receiver)
            cleared = isinstance(node.args[0].value, cst.Name) and node.args[0].value.value == "None"
            if ref is not None and cleared:
                self.facts.context_clears.add((ref, self.current_function() or ""))  # ``var.set(None)``: let go
            elif ref is not None:
                self._stored_exception(ref, node.args[0].value, "set", self.span(node))
        if method == "get" and node.args:
            self._lookup(receiver, node.args[0].value, node.args[0].value)
            return
        if method in self.kb.grow_methods and _container_arity(method, node.args):
            if id(node) in self.bound_calls and method in _RETURNS_NONE and \
                    self.ref_of(receiver) not in self.defined_containers:
                return  # ``self.log = self.log.append(msg)``: a list's append returns None; this one a new log
            op = "grow"
        elif method in self.kb.shrink_methods:
            op = "shrink"
        else:
            return
        frame = self.function_frame()
        if op == "shrink":
            self._note_self_shrink(receiver)
        if op == "shrink" and isinstance(receiver, cst.Name) and frame is not None and \
                receiver.value in frame.loop_containers:  # ``for d in (self._a, self._b): d.clear()``
            for container in frame.loop_containers[receiver.value]:
                self.emit_mutation(container, op, method, node)
            return
        is_element = isinstance(receiver, cst.Subscript)
        container = receiver.value if is_element else receiver
        if op == "grow" and node.args:  # kept as one of many (``self._threads.add(t)``), not in a slot of its own
            self._mark_use(node.args[-1].value, "element")
            self._escapes(node.args[-1].value, "element")
        key = _KEY_ARGUMENT.get(method)
        key_arg = (node.args[-1] if key == -1 else argument(node.args, key)) if key is not None and node.args else None
        key_node = key_arg.value if key_arg is not None else \
            _updated_keys(node, self._spelled_dicts(node)) if method == "update" else None
        self.emit_mutation(container, op, method, node, value=node.args[-1].value if node.args else None,
                           key=key_node, element=is_element,
                           spread=node.args[0].value if method in _SPREADING and len(node.args) == 1 else None)
        if op == "grow" and node.args:
            self._element_holds(container, node.args[-1].value, node)

    def _spelled_dicts(self, update: cst.Call) -> Dict[str, Tuple[cst.BaseExpression, ...]]:
        """The function's locals with spelled-out keys, read once per function and only for an
        ``update`` that passes a name (most functions have none)."""
        frame = self.function_frame()
        if frame is None or frame.body is None or not any(isinstance(a.value, cst.Name) for a in update.args):
            return {}
        if frame.spelled_dicts is None:
            frame.spelled_dicts = _spelled_out_dicts(frame.body)
        return frame.spelled_dicts

    def _listener_call(self, receiver_node: Optional[cst.BaseExpression], receiver: str, method: str,
                       node: cst.Call) -> None:
        adds = self.kb.listener_apis(method, receiver)
        removes, removes_all = self.kb.removal_apis(method, receiver)
        if not (adds or removes or removes_all):
            return
        target = self._target_text(receiver_node) if receiver_node is not None else receiver
        target_kind = self._target_kind(receiver_node, receiver)
        target_ref = self.ref_of(receiver_node) if receiver_node is not None else Ref("global", receiver, "")
        function = self.current_function()
        span = self.span(node)
        if adds:
            api = adds[0]
            callback_args = [a for a in [argument(node.args, api.callback)] if a is not None] + [
                a for a in node.args if a.keyword is not None and a.keyword.value in api.callback_keywords]
            if not callback_args:
                return  # decorator-style ``@emitter.on("x")``: registers at definition time
            callee = self.qualify(node.func) if dotted(node.func) else ""
            for callback_arg in callback_args:
                self._registration(api, callback_arg.value, node, method, target, target_kind, target_ref,
                                   function, span, callee)
            return
        emptied = self._emptied_registry(receiver_node, node) if receiver_node is not None else None
        if emptied is not None:
            self._registry_reset(emptied, node)
        self._removals(node, method, target, target_kind, target_ref, function, span, removes, removes_all)

    def _emptied_registry(self, receiver: cst.BaseExpression, node: cst.Call) -> Optional[cst.Attribute]:
        """``while log.handlers: log.removeHandler(log.handlers[0])`` or ``for h in log.handlers[:]:
        log.removeHandler(h)``: a removal that takes, in turn, every element of the receiver's own
        registration list empties it (zenml's alembic logger) — the list, if so."""
        removed = argument(node.args, 0)
        value = removed.value if removed is not None else None
        frame = self.function_frame()
        if frame is None or not (frame.blocks and frame.loop_bodies and frame.blocks[-1] == frame.loop_bodies[-1]):
            return None  # not on every turn of the loop (``if handler.level > 10: log.removeHandler(handler)``)
        if isinstance(value, cst.Name):
            value = frame.loop_sources.get(value.value)  # the list the loop walks
        elif not (isinstance(value, cst.Subscript) and self.in_while()):
            return None
        if isinstance(value, cst.Subscript) and len(value.slice) == 1 and (
                self.in_while() or _whole_slice(value.slice[0].slice)):
            value = value.value  # ``handlers[0]`` in the while loop, or a copy ``handlers[:]`` walked
        if isinstance(value, cst.Attribute) and source_of(value.value) == source_of(receiver):
            return value
        return None

    def _registration(self, api, callback: cst.BaseExpression, node: cst.Call, method: str, target: str,
                      target_kind: str, target_ref: Optional[Ref], function: Optional[str], span: Span,
                      callee: str = "") -> None:
        """One callback handed to a registering call (a call can hand several: ``register_at_fork``)."""
        event_arg = argument(node.args, api.event) if api.event >= 0 else None
        strong = not api.weak
        if api.weak and api.strong_when is not None:
            strong = keyword_source(node.args, api.strong_when[0]) == api.strong_when[1]
        if self.qualify(callback.func if isinstance(callback, cst.Call) else callback) in self.kb.weak:
            strong = False
        fresh = isinstance(callback, (cst.Call, cst.Lambda)) or bool(
            isinstance(callback, cst.Name) and self.function_frame() is not None
            and self.frame.locals.get(callback.value) is not None and self.frame.locals[callback.value].created)
        self._listener(action="add", api=api.add, method=method, target=target, target_kind=target_kind,
                       target_ref=target_ref, event=source_of(event_arg.value) if event_arg is not None else "",
                       callback=source_of(callback), callback_self=self._callback_holds_self(callback),
                       strong=strong, one_shot=api.one_shot, result_kept=id(node) not in self.statement_calls,
                       function=function, span=span, same_object=api.idempotent and not fresh, callee=callee,
                       callback_module=self._imported_function(callback), rebound=self._rebound_target(node))

    def _target_text(self, receiver: cst.BaseExpression) -> str:
        """How a registration or removal names its receiver, through a local that is another name
        for a slot (``old = self._next; old.off(…)``) or a local or parameter this function
        stores in one (``self._next = nxt; nxt.on(…)``): the slot, so that the two match."""
        frame = self.function_frame()
        if not isinstance(receiver, cst.Name) or frame is None:
            return source_of(receiver)
        self_name = self._self_context()[0]
        local = frame.locals.get(receiver.value)
        if self_name and local is not None and local.alias is not None and local.alias.kind == "self":
            return f"{self_name}.{local.alias.name}"
        stored = [attribute for attribute, value in frame.attribute_values.items()
                  if isinstance(value, cst.Name) and value.value == receiver.value] if self_name else []
        if len(stored) == 1:
            return f"{self_name}.{stored[0]}"
        if local is not None and local.process_lifetime and isinstance(local.value, cst.Call):
            return source_of(local.value)  # ``log = logging.getLogger("app")``: that logger, whatever the local
        return source_of(receiver)

    def _callback_text(self, callback: cst.BaseExpression) -> str:
        """How a removal names its callback, through a local that is another name for a slot
        (``handler = self._atexit_handler; atexit.unregister(handler)``)."""
        frame = self.function_frame()
        local = frame.locals.get(callback.value) if isinstance(callback, cst.Name) and frame is not None else None
        if local is not None and local.alias is not None and local.alias.kind == "self" and self._self_context()[0]:
            return f"{self._self_context()[0]}.{local.alias.name}"
        return source_of(callback)

    def _removals(self, node: cst.Call, method: str, target: str, target_kind: str, target_ref: Optional[Ref],
                  function: Optional[str], span: Span, removes, removes_all) -> None:
        for api in removes:
            event_arg = argument(node.args, api.event) if api.event >= 0 else None
            callback_arg = argument(node.args, api.callback)
            self._listener(action="remove", api=api.add, method=method, target=target, target_kind=target_kind,
                           target_ref=target_ref, event=source_of(event_arg.value) if event_arg is not None else "",
                           callback=self._callback_text(callback_arg.value) if callback_arg is not None else "",
                           function=function, span=span)
        for api in removes_all:
            self._listener(action="remove_all", api=api.add, method=method, target=target, target_kind=target_kind,
                           target_ref=target_ref, function=function, span=span)

    def _memoized(self) -> bool:
        """Inside a once-guard, or a get-or-create that stores what it makes (``f = self._fwd.get(e);
        if f is None: … self._fwd[e] = f``): the body runs once per key, however often the
        function does — the container's growth, judged on its own, is all that repeats."""
        return self.guarded() or any(block in self.memo_blocks for block, _ in self.active_guards)

    def _note_memo(self, statements: Sequence[cst.CSTNode], container: Ref, key: cst.BaseExpression,
                   stores: Callable[[cst.CSTNode], bool]) -> None:
        """Mark the statements of a get-or-create that run at most once per key: those after the
        statement that stores the entry, and those before it from which nothing returns, raises,
        breaks or continues on the way (``_ATTEMPTS.append(b); if not b.ping(): return`` runs again
        for the same key).  No store under the key at this level: no memo."""
        store = next((index for index, line in enumerate(statements) if stores(line)), None)
        if store is None:
            return
        function = self.current_function()
        leaves = False  # from this statement on, something before the store may leave the block
        for index in range(len(statements) - 1, -1, -1):
            line = statements[index]
            leaves = index < store and (leaves or _may_leave(line))
            if not leaves:
                self.guarded_blocks.setdefault(id(line), "memo")
                self.memo_keys[id(line)] = (container, key, function)

    def _stores_into(self, body: cst.BaseSuite, container: Ref, key: Optional[cst.BaseExpression] = None) -> bool:
        """The block assigns an entry of the container (``self._fwd[e] = f``) at its own level —
        with ``key``, under that very key (the one the get-or-create looked up)."""
        statements = body.body if isinstance(body, cst.IndentedBlock) else [body]
        for line in statements:
            for statement in (line.body if isinstance(line, (cst.SimpleStatementLine, cst.SimpleStatementSuite))
                              else ()):
                if isinstance(statement, cst.Assign) and any(
                        isinstance(t.target, cst.Subscript) and self.ref_of(t.target.value) == container
                        and (key is None or _same_source(_subscript_key(t.target), key))
                        for t in statement.targets):
                    return True
        return False

    def _registry_reset(self, registry: cst.Attribute, node: cst.CSTNode) -> None:
        """``logger.handlers = []`` / ``logger.handlers.clear()``: the attribute that holds an
        API's registrations (knowledge ``registry``) emptied, so every one on its owner is removed."""
        owner = registry.value
        receiver = self.qualify(owner)
        for api in self.kb.registry_apis(registry.attr.value, receiver):
            self._listener(action="remove_all", api=api.add, method=registry.attr.value, target=self._target_text(owner),
                           target_kind=self._target_kind(owner, receiver), target_ref=self.ref_of(owner),
                           function=self.current_function(), span=self.span(node))

    def _listener(self, action: str, api: str, method: str, target: str, target_kind: str, target_ref: Optional[Ref],
                  function: Optional[str], span: Span, event: str = "", callback: str = "",
                  callback_self: bool = False, strong: bool = True, one_shot: bool = False,
                  result_kept: bool = False, same_object: bool = False, callback_module: bool = False,
                  callee: str = "", rebound: bool = False) -> None:
        """Record a registration or removal, and its flow event (``listen``/``unlisten``)."""
        self.facts.listeners.append(Listener(
            action=action, api=api, method=method, target=target, target_kind=target_kind, target_ref=target_ref,
            event=event, callback=callback, callback_self=callback_self, strong=strong, one_shot=one_shot,
            result_kept=result_kept, function=function, in_loop=self.in_loop(), span=span, guarded=self._memoized(),
            same_object=same_object, in_while=self.in_while(), callback_module=callback_module, callee=callee,
            rebound=rebound))
        identity = "|".join((api, target, event, callback))
        self.flow.event("listen" if action == "add" else "unlisten", None, target=identity, line=span.line)

    def _handed_over_removals(self, node: cst.Call) -> None:
        """``self.addCleanup(signal.disconnect, receiver)``, ``stack.callback(logger.removeHandler, h)``:
        a removal handed over with its arguments runs when the receiver calls it."""
        positional = [a for a in node.args if a.keyword is None and not a.star]
        for index, arg in enumerate(positional):
            value = arg.value
            if not isinstance(value, cst.Attribute):
                continue
            receiver = self.qualify(value.value)
            removes, removes_all = self.kb.removal_apis(value.attr.value, receiver)
            rest = positional[index + 1:]
            for api in removes:
                callback = rest[api.callback] if 0 <= api.callback < len(rest) else None
                event = rest[api.event] if 0 <= api.event < len(rest) else None
                self._listener(action="remove", api=api.add, method=value.attr.value, target=source_of(value.value),
                               target_kind=self._target_kind(value.value, receiver), target_ref=self.ref_of(value.value),
                               event=source_of(event.value) if event is not None else "",
                               callback=source_of(callback.value) if callback is not None else "",
                               function=self.current_function(), span=self.span(node))
            for api in removes_all:
                self._listener(action="remove_all", api=api.add, method=value.attr.value,
                               target=source_of(value.value), target_kind=self._target_kind(value.value, receiver),
                               target_ref=self.ref_of(value.value), function=self.current_function(),
                               span=self.span(node))

    def _imported_function(self, callback: cst.BaseExpression) -> bool:
        """``termios.tcsetattr`` or an imported name: a function of another module, which lives as
        long as that module and keeps no object of this one."""
        if self._is_partial(callback) and callback.args:  # ``partial(_cleanup, weakref.ref(self))``: it keeps only what it is given
            function, *given = callback.args
            name = function.value.value if isinstance(function.value, cst.Name) else ""
            own = _function_name(name) and not self._is_local(name) and not self._enclosing_binds(name)
            return (own or self._imported_function(function.value)) and all(
                self._keeps_nothing(arg.value) for arg in given)
        name = dotted(callback)
        head = name.split(".", 1)[0] if name else ""
        if not head or self._is_local(head):
            return False
        if "." in name:
            return head in self.imports.modules
        return name in self.imports.names and name[:1].islower()

    def _keeps_nothing(self, value: cst.BaseExpression) -> bool:
        """A literal, or a weak reference (``weakref.ref(self)``)."""
        return _literal(value) or self._is_weak_reference(value)

    def _is_weak_reference(self, value: cst.BaseExpression) -> bool:
        return isinstance(value, cst.Call) and self.qualify(value.func) in self.kb.weak

    def _callback_holds_self(self, callback: cst.BaseExpression) -> bool:
        self_name, _ = self._self_context()
        if not self_name:
            return False
        if isinstance(callback, cst.Name):
            frame = self.function_frame()
            body = frame.local_functions.get(callback.value) if frame is not None else None
            return callback.value == self_name or (
                body is not None and re.search(rf"\b{re.escape(self_name)}\b", source_of(body)) is not None)
        strong = source_of(self._without_weak_references(callback))
        return re.search(rf"\b{re.escape(self_name)}\b", strong) is not None

    def _without_weak_references(self, expression: cst.BaseExpression) -> cst.BaseExpression:
        """``partial(_cleanup, weakref.ref(self))`` with ``weakref.ref(self)`` taken out: a weak
        reference keeps nothing alive."""
        visitor = self

        class _DropWeak(cst.CSTTransformer):
            def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
                return cst.Name("None") if visitor._is_weak_reference(original_node) else updated_node

        return expression.visit(_DropWeak())

    def _target_kind(self, node: Optional[cst.BaseExpression], receiver: str) -> str:
        """How long the receiver of a registration lives, as far as this function shows."""
        head = receiver.split(".", 1)[0]
        if node is None or receiver.split(".")[0] in self.kb.process_lifetime_modules and not self._is_local(head):
            return "global"
        if isinstance(node, cst.Call):
            return "global" if self.qualify(node.func) in self.kb.process_lifetime_factories else "call"
        if isinstance(node, cst.Name):
            frame = self.function_frame()
            if frame is None:
                return "global"
            if node.value == self._self_context()[0]:
                return "self"  # the object registers on itself: its own registry dies with it
            if node.value in frame.params or self._enclosing_binds(node.value):
                return "param"
            local = frame.locals.get(node.value)
            if local is not None:
                if local.process_lifetime:
                    return "global"
                if local.alias is not None and local.alias.kind != "attr":
                    return "self_attr" if local.alias.kind == "self" else "global"
                return "local_created" if local.created else "local"
            return "global"
        if isinstance(node, cst.Attribute):
            base = node.value
            self_name, _ = self._self_context()
            if isinstance(base, cst.Name):
                if self_name and base.value == self_name:
                    return "self_attr"
                if self.imports.is_module_alias(base.value) or base.value in self.module_classes:
                    return "global"
                frame = self.function_frame()
                if frame is not None and (base.value in frame.params or self._enclosing_binds(base.value)):
                    return "param"
                if frame is not None and base.value in frame.locals:
                    return "local"
                return "global"
        return "unknown"

    def _logger_call(self, receiver_node: Optional[cst.BaseExpression], method: str, node: cst.Call) -> None:
        if receiver_node is not None and method in self.kb.logger_child_methods:
            self._logger_name(argument(node.args, 0, "suffix"), node)

    def _logger_name(self, arg: Optional[cst.Arg], node: cst.Call) -> None:
        function = self.current_function()
        if function is None or arg is None or string_literal(arg.value) and not isinstance(
                arg.value, cst.FormattedString):
            return
        verdict = self._name_dynamics(arg.value)
        if verdict is not None:
            composite = string_literal(arg.value) or isinstance(arg.value, cst.BinaryOperation) or (
                isinstance(arg.value, cst.Call) and isinstance(arg.value.func, cst.Attribute)
                and arg.value.func.attr.value == "format")
            params = self._name_params(arg.value)
            frame = self.function_frame()
            types = tuple(frame.param_types.get(p, "") for p in params) if frame is not None else ()
            self.facts.logger_calls.append(LoggerCall(function, source_of(arg.value), verdict, composite,
                                                      self.span(node), params,
                                                      param_types=types if all(types) else (),
                                                      key=self.classify_key(arg.value)))

    def _name_params(self, expr: cst.BaseExpression) -> Tuple[str, ...]:
        """``f"camel.{name}"`` in ``def get_logger(name)``: the parameters a name is built from,
        when nothing but parameters and literals goes into it (its callers then say what it is)."""
        collector = _NameParts()
        expr.visit(collector)
        frame = self.function_frame()
        roots = {chain.split(".", 1)[0] for chain in collector.chains}
        if collector.calls or frame is None or not roots or not roots <= set(frame.params) - {self._self_context()[0]}:
            return ()
        return tuple(sorted(roots))

    def _name_dynamics(self, expr: cst.BaseExpression) -> Optional[bool]:
        """None when a logger name is fixed by the program text; else whether it embeds an identity."""
        collector = _NameParts()
        expr.visit(collector)
        if any(self.qualify(call) in self.kb.identity_calls for call in collector.calls):
            return True
        frame = self.function_frame()
        self_name, _ = self._self_context()
        for chain in collector.chains:
            parts = chain.split(".")
            if parts[-1] in _CLASS_NAME_ATTRIBUTES or parts[0] in MODULE_DUNDERS:
                continue
            if parts[0] == "type" or parts[0] == "cls":
                continue
            is_param = frame is not None and parts[0] in frame.params and parts[0] != self_name
            is_self_attr = self_name is not None and parts[0] == self_name and len(parts) > 1
            is_local = frame is not None and parts[0] in frame.assigned
            if is_param or is_self_attr or is_local:
                return False
        return None


_Bound = TypeVar("_Bound")


def _bound_by_partial(arguments: Tuple[Tuple[str, _Bound], ...]) -> Tuple[Tuple[str, _Bound], ...]:
    """What ``partial(f, self._tasks, uid, members=…)`` binds, as the slots of ``f`` it fills
    (``#1`` of the partial is ``#0`` of ``f``): when the partial runs — a done-callback, say — it
    hands them to ``f``, which may release the containers it is given (xinference's
    ``partial(callback_for_async_launch, self._async_launch_tasks, model_uid)``), and the values
    are those every call of the partial passes (google-genai's validators, bound at import)."""
    return tuple((f"#{int(slot[1:]) - 1}" if slot.startswith("#") else slot, value)
                 for slot, value in arguments if slot != "#0")


def _slice_of(value: cst.BaseExpression, container: cst.BaseExpression) -> bool:
    """``K[-127:]`` of ``K``: a part of the same container, not what a call makes of it
    (``sorted(K)``)."""
    return isinstance(value, cst.Subscript) and source_of(value.value) == source_of(container) and \
        all(isinstance(element.slice, cst.Slice) for element in value.slice)


# Calls that return every element of the one iterable they are given: copies and reorderings.
_ALL_ELEMENTS = frozenset({"sorted", "list", "tuple", "reversed", "copy.copy"})


def _whole_copy_of(value: cst.BaseExpression, container: cst.BaseExpression) -> bool:
    """``sorted(K)``, ``list(reversed(K))``, ``K.copy()``, ``[*K]``, ``K[:]``, ``K[::-1]`` of
    ``K``, nested in any order: every entry K holds, so binding K to it (or a slice assignment
    of it) releases none (``K[::2]`` and ``set(K)`` may drop some)."""
    while True:
        if isinstance(value, cst.Call) and dotted(value.func) in _ALL_ELEMENTS and len(value.args) >= 1 and \
                value.args[0].keyword is None and value.args[0].star == "":
            value = value.args[0].value
        elif isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute) and \
                value.func.attr.value == "copy" and not value.args:
            value = value.func.value
        elif isinstance(value, cst.List) and len(value.elements) == 1 and \
                isinstance(value.elements[0], cst.StarredElement):
            value = value.elements[0].value
        elif isinstance(value, cst.Subscript) and len(value.slice) == 1 and _every_element(value.slice[0].slice):
            value = value.value
        else:
            return source_of(value) == source_of(container)


def _every_element(element: cst.BaseSlice) -> bool:
    """``[:]``, ``[::1]``, ``[::-1]``: every element, in order or reversed."""
    if not (isinstance(element, cst.Slice) and element.lower is None and element.upper is None):
        return False
    step = element.step
    if isinstance(step, cst.UnaryOperation) and isinstance(step.operator, cst.Minus):
        step = step.expression
    return step is None or isinstance(step, cst.Integer) and step.evaluated_value == 1


def _capped_container(test: cst.BaseExpression) -> Optional[str]:
    """The container a condition lets grow only while it is small: ``len(c) < N`` (or ``N > len(c)``,
    ``<=``, ``>=``, a link of a chain: ``needed > len(c) < N``), ``len(c) == 0`` and ``not c``
    (empty), alone or as a conjunct of ``and`` — its growth there is bounded (falcon's
    ``if len(_name_cache) < 64: _name_cache[name] = …``)."""
    return next(filter(None, map(_sized_while_small, _conjuncts(test))), None)


def _sized_while_small(test: cst.BaseExpression) -> Optional[str]:
    """One conjunct of :func:`_capped_container`."""
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        return dotted(test.expression)
    if not isinstance(test, cst.Comparison):
        return None
    operands = [test.left] + [c.comparator for c in test.comparisons]
    for (left, right), comparison in zip(zip(operands, operands[1:]), test.comparisons):  # ``a > len(c) < N`` too
        operator = comparison.operator
        if isinstance(operator, (cst.LessThan, cst.LessThanEqual)):
            sized = left
        elif isinstance(operator, (cst.GreaterThan, cst.GreaterThanEqual)):
            sized = right
        elif isinstance(operator, cst.Equal) and _zero(right):  # ``len(c) == 0``: empty
            sized = left
        elif isinstance(operator, cst.Equal) and _zero(left):
            sized = right
        else:
            continue
        if isinstance(sized, cst.Call) and isinstance(sized.func, cst.Name) and sized.func.value == "len" \
                and len(sized.args) == 1:
            return dotted(sized.args[0].value)
    return None


def _zero(node: cst.BaseExpression) -> bool:
    """The literal ``0``: ``len(c) == 0`` tests that c is empty."""
    return isinstance(node, cst.Integer) and node.value == "0"


def _guard_subject(test: cst.BaseExpression) -> Tuple[Optional[str], bool]:
    """(the flag a condition tests, whether it tests that the flag is unset)."""
    negated = False
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        test, negated = test.expression, True
    if isinstance(test, cst.Comparison) and len(test.comparisons) == 1:
        comparison = test.comparisons[0]
        if isinstance(comparison.operator, cst.Equal) and isinstance(comparison.comparator, cst.Integer) and \
                comparison.comparator.value == "0" and isinstance(test.left, cst.Call) and \
                isinstance(test.left.func, cst.Name) and test.left.func.value == "len" and len(test.left.args) == 1:
            return dotted(test.left.args[0].value), not negated  # ``len(L) == 0``: L is empty
        if isinstance(comparison.comparator, cst.Name) and comparison.comparator.value == "None":
            unset = isinstance(comparison.operator, cst.Is)
            return dotted(test.left), unset != negated
        return None, False
    if isinstance(test, cst.Call) and isinstance(test.func, cst.Name) and test.func.value in ("hasattr", "getattr") \
            and len(test.args) >= 2 and isinstance(test.args[1].value, cst.SimpleString):
        owner = dotted(test.args[0].value)
        attribute = test.args[1].value.evaluated_value
        return (f"{owner}.{attribute}" if owner and isinstance(attribute, str) else None), negated
    if isinstance(test, cst.Call) and not test.args:  # ``logger.hasHandlers()``: what the method reports on
        return dotted(test.func), negated
    if isinstance(test, cst.Call) and isinstance(test.func, cst.Name) and test.func.value == "any" and \
            len(test.args) == 1 and isinstance(test.args[0].value, (cst.GeneratorExp, cst.ListComp)):
        # ``not any(getattr(h, FLAG, False) for h in logger.handlers)``: none of them is ours yet
        return dotted(test.args[0].value.for_in.iter), negated
    return dotted(test), negated


def _endless(node: cst.While) -> bool:
    """``while True:``: a loop nothing in its test ends (a script's main loop at module level)."""
    return isinstance(node.test, cst.Name) and node.test.value == "True"


def _main_loop(node: cst.CSTNode) -> bool:
    """A ``while`` loop that repeats without a fixed bound — not one that waits for a value
    (``while writer is None: writer = index.writer()``, Whoosh's ``AsyncWriter.run``), whose body
    binds the name on its normal path (not only in a handler or a branch: ``except OSError as exc:
    error = exc`` ends a connection's read loop, which may run for as long as the connection
    does).  That ends once the value comes: a retry, not the loop a worker or a server runs in."""
    if not isinstance(node, cst.While):
        return False
    test = node.test
    if not (isinstance(test, cst.Comparison) and isinstance(test.left, cst.Name) and len(test.comparisons) == 1
            and isinstance(test.comparisons[0].operator, cst.Is)
            and isinstance(test.comparisons[0].comparator, cst.Name) and test.comparisons[0].comparator.value == "None"):
        return True
    return test.left.value not in _bound_on_normal_path(node.body.body)


def _bound_on_normal_path(statements) -> Set[str]:
    """Names the statements bind when nothing goes wrong: at their top level, or in the body of a
    ``try`` there — not in a handler, a branch or a nested loop."""
    found: Set[str] = set()
    for statement in statements:
        if isinstance(statement, cst.Try):
            found |= _bound_on_normal_path(statement.body.body)
        elif isinstance(statement, cst.SimpleStatementLine):
            found |= _assigned_names([statement])
    return found


def _assigned_names(statements, listed: Callable[[Optional[cst.BaseExpression]], bool] = lambda value: True) -> Set[str]:
    """Dotted names assigned anywhere in some statements (``X = …``, ``self.x = …``), or only those
    assigned a value ``listed`` accepts (``_false_constant``: ``X = False``)."""
    found: Set[str] = set()

    def assigned(target: cst.BaseExpression, value: Optional[cst.BaseExpression]) -> None:
        name = dotted(target)
        if name and listed(value):
            found.add(name)

    class _Targets(cst.CSTVisitor):
        def visit_Assign(self, node: cst.Assign) -> None:
            for target in node.targets:
                assigned(target.target, node.value)

        def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
            assigned(node.target, node.value)

        def visit_Call(self, node: cst.Call) -> None:  # setattr(obj, "flag", True)
            if isinstance(node.func, cst.Name) and node.func.value == "setattr" and len(node.args) >= 3 \
                    and isinstance(node.args[1].value, cst.SimpleString):
                owner = dotted(node.args[0].value)
                attribute = node.args[1].value.evaluated_value
                if owner and isinstance(attribute, str) and listed(node.args[2].value):
                    found.add(f"{owner}.{attribute}")

        def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
            return False

    for statement in statements:
        statement.visit(_Targets())
    return found


def _false_constant(value: Optional[cst.BaseExpression]) -> bool:
    """``False``, ``None`` or ``0``: what sets a flag back to nothing."""
    return value is not None and source_of(value) in ("False", "None", "0")


def _raised_flags(module: cst.Module) -> Set[str]:
    """Dotted names that some function other than ``__init__`` sets to anything but False, None
    or 0 (``_LOADED = True``, ``self._dirty = True``, ``self._count += 1``): a guard
    ``if X: … X = False`` runs its body once only if nothing sets X again.  Each function's own
    statements are read once (nested functions are functions of their own)."""
    raised: Set[str] = set()

    class _Raises(cst.CSTVisitor):
        def __init__(self) -> None:
            super().__init__()
            self.functions: List[str] = []  # the names of the functions around, innermost last

        def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
            self.functions.append(node.name.value)
            if node.name.value != "__init__":
                body = node.body.body if isinstance(node.body, cst.IndentedBlock) else node.body.body
                raised.update(_assigned_names(body, lambda value: not _false_constant(value)))

        def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
            self.functions.pop()

        def visit_AugAssign(self, node: cst.AugAssign) -> None:
            name = dotted(node.target)
            if name and self.functions and self.functions[-1] != "__init__":
                raised.add(name)

    module.visit(_Raises())
    return raised


_HANDLER_CHECKS = {"handlers", "hasHandlers", "filters"}
_FILLS = {"append", "extend", "add", "insert", "update", "setdefault", "appendleft", "set"}  # ``set``: a holder's (``Value.set(v)``)
# Stores that put at most one entry under their key: under ``if k in c:`` they replace it.
_ONE_ENTRY_STORES = {"[]=", "setdefault", "add"}


def _once_guard(node: cst.If, local_subject, raised_flags: Callable[[], Set[str]], overrides: Set[str],
                function_fills: Optional[Dict[str, Set[str]]] = None) -> bool:
    """``if X is None:`` that sets X, ``if not L:`` that fills L, ``if not logger.handlers:`` —
    as any one conjunct of the test (feast's ``if len(new) > 0 and len(self.intervals) == 0:``,
    clearml's ``if parallel and not cls._atexit_registered:``) whose subject is no local, which
    every call starts afresh (``local_subject``); and ``if _TO_BE_LOADED: … _TO_BE_LOADED = False``
    (ddtrace's ``load_appsec()``), the flag written the other way round, when nothing in the
    module sets it true again (``raised_flags``).  A parameter off by default that may force the
    body (``not L or force``, ``overrides``) is read at its default.  ``function_fills``: what the
    module's functions fill, for a body that fills through one of them."""
    conjuncts = [_unless_overridden(conjunct, overrides) for conjunct in _conjuncts(node.test)]
    tested = [(subject, unset) for subject, unset in map(_guard_subject, conjuncts)
              if subject is not None and not local_subject(subject)]
    subjects = [subject for subject, unset in tested if unset]
    if any(subject.rsplit(".", 1)[-1] in _HANDLER_CHECKS for subject in subjects):
        return True  # ``if not logger.handlers:`` / ``if not logger.hasHandlers():``
    lowered = [subject for subject, unset in tested if not unset]
    body = node.body.body if isinstance(node.body, cst.IndentedBlock) else node.body.body
    if subjects:
        set_in_body = _assigned_names(body) | _filled_names(body, function_fills)
        if any(subject in set_in_body for subject in subjects):
            return True
    cleared = _cleared_names(body) if lowered else set()  # one pass over the body, for a flag tested set
    return any(subject in cleared and subject not in raised_flags() for subject in lowered)


def _filled_names(statements, function_fills: Optional[Dict[str, Set[str]]] = None) -> Set[str]:
    """Dotted names of containers some statements add to (``L.append(x)``, ``d[k] = v``, an
    entry's ``d[k].append(x)``), also through a call of a module-level function that fills them
    (``register_key(code, name)``, per ``function_fills``): under ``if not L:`` /
    ``if len(L) == 0:`` they fill it once — afterwards it is not empty."""
    found: Set[str] = set()

    class _Fills(cst.CSTVisitor):
        def visit_Call(self, node: cst.Call) -> None:
            if isinstance(node.func, cst.Attribute) and node.func.attr.value in _FILLS:
                receiver = node.func.value
                name = dotted(receiver.value if isinstance(receiver, cst.Subscript) else receiver)
                if name:
                    found.add(name)
            elif isinstance(node.func, cst.Name) and function_fills:
                found.update(function_fills.get(node.func.value, ()))

        def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
            name = dotted(node.target.value) if isinstance(node.target, cst.Subscript) else None
            if name:
                found.add(name)

        def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
            return False

        def visit_Lambda(self, node: cst.Lambda) -> bool:
            return False  # runs later, if ever

    for statement in statements:
        statement.visit(_Fills())
    return found


def _single_call(statement: cst.CSTNode) -> Optional[cst.Call]:
    """The call a statement of one expression makes (``c.clear()``), else None."""
    if _simple(statement, cst.Expr) and isinstance(statement.body[0].value, cst.Call):
        return statement.body[0].value
    return None


def _cleared_container(statement: cst.CSTNode) -> Optional[str]:
    """``c.clear()`` or ``del c[:]``: the container it empties, as written."""
    call = _single_call(statement)
    if call is not None and isinstance(call.func, cst.Attribute) and call.func.attr.value == "clear" and not call.args:
        return source_of(call.func.value)
    if _simple(statement, cst.Del):
        target = statement.body[0].target
        if isinstance(target, cst.Subscript) and len(target.slice) == 1 and _every_element(target.slice[0].slice):
            return source_of(target.value)
    return None


def _filled_container(statement: cst.CSTNode) -> Optional[str]:
    """``c.extend(items)`` (any fill) as the whole statement: the container it fills, as written."""
    call = _single_call(statement)
    if call is not None and isinstance(call.func, cst.Attribute) and call.func.attr.value in _FILLS:
        return source_of(call.func.value)
    return None


def _module_function_fills(module: cst.Module) -> Dict[str, Set[str]]:
    """The module-level functions that fill module containers for good: name → the containers'
    names (``def register_key(k, name): to_name[k].append(name)`` → ``{"to_name"}``).  Left out:
    a name the function binds itself (a parameter of any kind, an assignment, a ``for`` or ``with``
    target) unless it declares it ``global``, and a container it also empties or takes entries
    from (``_outbox.append(m)`` … ``_outbox.pop()``), which a guard on it may find empty again.
    Read before the pass, so a function that calls one defined further down knows what it fills."""
    fills: Dict[str, Set[str]] = {}
    containers = _module_containers(module)
    for statement in module.body if containers else ():  # most modules bind no container: no walk at all
        if not (isinstance(statement, cst.FunctionDef) and isinstance(statement.body, cst.IndentedBlock)):
            continue
        body = statement.body.body
        filled = _filled_names(body) & containers
        if not filled:  # most functions: one walk, and no more
            continue
        declared = {name.name.value for small in matchers.findall(statement.body, matchers.Global())
                    for name in small.names}
        params = statement.params
        named = list(params.posonly_params) + list(params.params) + list(params.kwonly_params) + [
            p for p in (params.star_arg, params.star_kwarg) if isinstance(p, cst.Param)]
        own = (set().union(*map(_binds, body)) | {p.name.value for p in named}) - declared
        filled -= own | _drained_names(body)
        if filled:
            fills[statement.name.value] = filled
    return fills


# Calls that make an empty (or filled) container: what a module-level name bound to one holds.
_CONTAINER_CALLS = frozenset({"dict", "list", "set", "defaultdict", "OrderedDict", "deque", "Counter",
                              "WeakValueDictionary", "WeakKeyDictionary", "WeakSet", "ChainMap"})


def _module_containers(module: cst.Module) -> Set[str]:
    """Names the module binds at its top level to a container (``to_name = defaultdict(list)``,
    ``_HOOKS = []``): the only names a module-level function can fill for good."""
    found: Set[str] = set()
    for statement in module.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            value = small.value if isinstance(small, (cst.Assign, cst.AnnAssign)) else None
            if value is None or not (isinstance(value, (cst.List, cst.Dict, cst.Set, cst.ListComp, cst.DictComp,
                                                        cst.SetComp)) or isinstance(value, cst.Call) and
                                     (dotted(value.func) or "").rsplit(".", 1)[-1] in _CONTAINER_CALLS):
                continue
            targets = [t.target for t in small.targets] if isinstance(small, cst.Assign) else [small.target]
            found.update(t.value for t in targets if isinstance(t, cst.Name))
    return found


# Calls that, with no argument, take whatever entry comes next out of a container, or all of them.
_DRAINING = frozenset(_ONE_ENTRY_METHODS | {"clear"})


def _drained_names(statements) -> Set[str]:
    """Dotted names of containers some statements empty or take entries out of whatever they hold
    (``L.pop()``, ``q.popleft()``, ``d.clear()``) — not a removal by key, which may be half of a
    replace (``d.pop(name, None); d[name] = factory``)."""
    found: Set[str] = set()

    class _Drains(cst.CSTVisitor):
        def visit_Call(self, node: cst.Call) -> None:
            if isinstance(node.func, cst.Attribute) and not node.args and \
                    node.func.attr.value in _DRAINING:
                name = dotted(node.func.value)
                if name:
                    found.add(name)

        def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
            return False

    for statement in statements:
        statement.visit(_Drains())
    return found


def _sets_in_else(node: cst.If) -> bool:
    """``if self._orchestrator: (use it) else: self._orchestrator = Orchestrator(…)``: the else
    branch makes what the test finds set, so it runs once — the lazy init written the other way
    round."""
    subject, unset = _guard_subject(node.test)
    return subject is not None and not unset and subject in _assigned_names(node.orelse.body.body)


def _makes_what_it_looked_for(node: cst.If) -> bool:
    """``if (h := get_existing_handlers(QueueHandler)) is not None: h.queue = q`` ``else:
    root.addHandler(QueueHandler(q))``: the test looks for an object of a class and the else
    branch makes one, so the next run finds it — a get-or-create by class (freqtrade's hyperopt
    logger, once per worker process however many epochs call it)."""
    if not isinstance(node.orelse, cst.Else):
        return False
    test = node.test
    if isinstance(test, cst.Comparison) and len(test.comparisons) == 1 and \
            isinstance(test.comparisons[0].operator, cst.IsNot) and source_of(test.comparisons[0].comparator) == "None":
        test = test.left
    lookup = test.value if isinstance(test, cst.NamedExpr) else None
    if not isinstance(lookup, cst.Call):
        return False
    wanted = {arg.value.value for arg in lookup.args if isinstance(arg.value, cst.Name) and spelled_as_class(arg.value.value)}
    made = {(dotted(call.func) or "").rsplit(".", 1)[-1] for call in matchers.findall(node.orelse.body, matchers.Call())}
    return bool(wanted & made)


def _main_block_test(test: cst.BaseExpression) -> bool:
    """``__name__ == "__main__"`` (either way round)."""
    if not (isinstance(test, cst.Comparison) and len(test.comparisons) == 1
            and isinstance(test.comparisons[0].operator, cst.Equal)):
        return False
    sides = {source_of(test.left), source_of(test.comparisons[0].comparator)}
    return sides in ({"__name__", '"__main__"'}, {"__name__", "'__main__'"})


def _with_bodies_inline(statements: Sequence[cst.CSTNode]) -> List[cst.CSTNode]:
    """A block's statements with each ``with`` block's statements in its place: a ``with`` runs its
    body straight through, so a guard inside it (``with lock: if _done: return``) guards what
    follows the ``with`` too."""
    found: List[cst.CSTNode] = []
    for statement in statements:
        if isinstance(statement, cst.With) and isinstance(statement.body, cst.IndentedBlock):
            found.extend(_with_bodies_inline(statement.body.body))
        else:
            found.append(statement)
    return found


def _skip_if_absent(statement: cst.CSTNode, before: Sequence[cst.CSTNode], binds: Callable[[cst.CSTNode], Set[str]]) \
        -> Optional[Tuple[cst.BaseExpression, cst.BaseExpression]]:
    """``if k not in c: continue`` — or ``m = c.get(k)`` then ``if m is None: continue`` (or
    ``return``, ``raise``): (k, c), an entry the statements after it find there until k or c is
    bound anew, so a store under k replaces it rather than adding one (cantools' relation names
    rewritten after a load).  ``binds``: what a statement binds (see _binds)."""
    if not isinstance(statement, cst.If) or statement.orelse is not None:
        return None
    body = statement.body
    last = body.body[-1] if isinstance(body, cst.IndentedBlock) and body.body else None
    if not (_always_exits(body) or isinstance(body, cst.SimpleStatementSuite) and isinstance(body.body[-1], cst.Continue)
            or isinstance(last, cst.SimpleStatementLine) and isinstance(last.body[-1], cst.Continue)):
        return None
    test = statement.test
    if isinstance(test, cst.Comparison) and len(test.comparisons) == 1 and \
            isinstance(test.comparisons[0].operator, cst.NotIn):
        return test.left, test.comparisons[0].comparator
    subject, unset = _guard_subject(test)
    if subject is None or not unset or "." in subject:
        return None
    for index in range(len(before) - 1, -1, -1):  # the binding of the tested local nearest above
        earlier = before[index]
        if subject not in binds(earlier):
            continue
        assign = earlier.body[0] if _simple(earlier, cst.Assign) else None
        value = assign.value if assign is not None else None
        if assign is not None and len(assign.targets) == 1 and isinstance(assign.targets[0].target, cst.Name) and \
                isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute) and \
                value.func.attr.value == "get" and len(value.args) == 1 and not value.args[0].keyword:
            key, container = value.args[0].value, value.func.value
            names = _names_read(key, container)
            return None if any(binds(s) & names for s in before[index + 1:]) else (key, container)
        return None
    return None


def _names_read(*expressions: cst.BaseExpression) -> Set[str]:
    return {name.value for expression in expressions for name in matchers.findall(expression, matchers.Name())}


def _binds(statement: cst.CSTNode) -> Set[str]:
    """The names a statement binds anywhere in it (not in functions it defines): assignment and
    augmented-assignment targets, ``for`` and ``with … as`` targets, ``:=``."""
    found: Set[str] = set()

    def targets(target: cst.BaseExpression) -> None:
        found.update(n.value for n in matchers.findall(target, matchers.Name())
                     if isinstance(target, (cst.Name, cst.Tuple, cst.List, cst.StarredElement)))

    class _Targets(cst.CSTVisitor):
        def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
            targets(node.target)

        def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
            targets(node.target)

        def visit_AugAssign(self, node: cst.AugAssign) -> None:
            targets(node.target)

        def visit_For(self, node: cst.For) -> None:
            targets(node.target)

        def visit_CompFor(self, node: cst.CompFor) -> bool:
            return False  # a comprehension's own scope

        def visit_AsName(self, node: cst.AsName) -> None:
            targets(node.name)

        def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
            targets(node.target)

        def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
            return False

        def visit_Lambda(self, node: cst.Lambda) -> bool:
            return False

    statement.visit(_Targets())
    return found


def _skip_if_present(statement: cst.CSTNode) -> Optional[str]:
    """``if k in c: continue`` (or ``return``, after a log line): "k|c", what the statements after
    it add only when absent — a dedup guard written the other way round."""
    if not isinstance(statement, cst.If) or statement.orelse is not None:
        return None
    membership = _membership(statement.test)
    inner = statement.body.body
    leaves = (cst.Continue, cst.Return)
    if membership is None or not inner or not (isinstance(inner[-1], leaves) or _simple(inner[-1], leaves)):
        return None
    if any(not isinstance(line, cst.SimpleStatementLine) for line in inner[:-1]):
        return None  # a block that does more than note the skip
    key, container = membership
    return f"{source_of(key)}|{source_of(container)}"


def _property_alias(statement: cst.CSTNode) -> Optional[Tuple[str, str]]:
    """(property, attribute) for ``@property def completed(self): self._update(); return
    self._completed`` — simple statements, the last of them the one return: reading the property
    is reading the attribute, the same object."""
    if not isinstance(statement, cst.FunctionDef) or not statement.params.params or \
            not any(isinstance(d.decorator, cst.Name) and d.decorator.value == "property" for d in statement.decorators):
        return None
    body = list(statement.body.body) if isinstance(statement.body, cst.IndentedBlock) else []
    simple = body and all(isinstance(line, cst.SimpleStatementLine) for line in body) and \
        not any(isinstance(small, cst.Return) for line in body[:-1] for small in line.body)
    value = body[-1].body[0].value if simple and _simple(body[-1], cst.Return) else None
    self_name = statement.params.params[0].name.value
    if isinstance(value, cst.Attribute) and isinstance(value.value, cst.Name) and value.value.value == self_name:
        return statement.name.value, value.attr.value
    return None


def _for_clauses(clause: Optional[cst.CompFor]) -> Iterator[cst.CompFor]:
    """A comprehension's ``for`` clauses, the nested ones included."""
    while clause is not None:
        yield clause
        clause = clause.inner_for_in


def _stores_entry(statement: cst.CSTNode, key: str, container: str) -> bool:
    """``container[key] = …`` as the statement itself: what comes after ``if key in container:
    return`` then runs once per key, a get-or-create."""
    assign = statement.body[0] if isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1 else None
    return isinstance(assign, cst.Assign) and any(
        isinstance(t.target, cst.Subscript) and source_of(t.target.value) == container and len(t.target.slice) == 1
        and isinstance(t.target.slice[0].slice, cst.Index) and source_of(t.target.slice[0].slice.value) == key
        for t in assign.targets)


def _membership(test: cst.BaseExpression) -> Optional[Tuple[cst.BaseExpression, cst.BaseExpression]]:
    """(key, container) of ``key in container``; None for any other test."""
    if isinstance(test, cst.Comparison) and len(test.comparisons) == 1 and \
            isinstance(test.comparisons[0].operator, cst.In):
        return test.left, test.comparisons[0].comparator
    return None


def _early_return_once(statements: Sequence[cst.CSTNode], params: Sequence[str] = (),
                       function_fills: Optional[Dict[str, Set[str]]] = None) -> Optional[int]:
    """Where ``if _DONE: return`` stands among a block's statements when the statements after it
    set ``_DONE`` (or fill it: ``if _names: return _names`` … ``_names.append(n)``) and never
    clear it: from there on the block runs once, however often the function runs — wherever the
    guard stands (clearml checks its flag inside a ``try``, after work of its own).  A flag the
    same statements clear again (``self._busy = False`` in a ``finally``) guards against
    re-entry, not repetition.  The statements are read once, from the last: a block of many
    guard clauses is not re-read for each.  ``if NAME in C: return`` …
    ``C[NAME] = True`` is such a guard when NAME is fixed for the function — neither one of its
    ``params`` nor assigned in it (airflow's ``provider_info_cache(cache_name)`` wrapper): with a
    key that changes per call it runs once per key, a memo.  ``if A and B: return`` guards only
    when what follows sets both.  ``function_fills``: what the module's functions fill, for
    statements that fill through one of them (keyboard's ``build_tables()``, guarded by
    ``if to_name and from_name: return``, fills both through ``register_key()``)."""
    assigned_here: List[Set[str]] = []  # read only if a guard tests a name key: every block passes here

    def fixed_key(key: str) -> bool:
        if not assigned_here:
            assigned_here.append(_assigned_names(statements))
        return key not in params and key not in assigned_here[0]

    guards = {index: subjects for index, subjects in enumerate(
        _return_guard_flags(statement, fixed_key) for statement in statements) if subjects}
    if not guards:
        return None
    first, assigned, cleared = None, set(), set()  # what the statements after ``index`` set and clear
    for index in range(len(statements) - 1, min(guards) - 1, -1):
        # ``if A or B: return`` returns once either is set; ``if A and B: return`` once both are
        settled = (all if _conjunction(statements[index].test) else any) if index in guards else None
        if settled is not None and settled(subject in assigned - cleared or
                                           subject.rsplit(".", 1)[-1] in _HANDLER_CHECKS for subject in guards[index]):
            first = index
        assigned |= _assigned_names([statements[index]]) | _filled_names([statements[index]], function_fills) | \
            _added_handlers(statements[index])
        cleared |= _cleared_names([statements[index]])
    return first


def _conjunction(test: cst.BaseExpression) -> bool:
    """``A and B`` (and longer chains of ``and``): true only when every operand is."""
    return isinstance(test, cst.BooleanOperation) and isinstance(test.operator, cst.And) and \
        all(not isinstance(side, cst.BooleanOperation) or _conjunction(side) for side in (test.left, test.right))


def _return_guard_flags(statement: cst.CSTNode, fixed_key=lambda key: False) -> Tuple[str, ...]:
    """The flags ``if A or B: return`` returns early on when set (after at most checks that
    raise, ``if other_config: raise ConfigurationError``, and calls whose result is dropped,
    ``logger.warning("already launched")``), and the containers ``if K in C: return`` tests for a
    key ``fixed_key`` accepts; empty for any other statement."""
    if not isinstance(statement, cst.If) or statement.orelse is not None:
        return ()
    inner = statement.body.body if isinstance(statement.body, cst.IndentedBlock) else statement.body.body
    if not (inner and _is_return(inner[-1]) and all(_raises(s) or _simple(s, cst.Expr) for s in inner[:-1])):
        return ()
    return tuple(subject for subject, unset in (_membership_subject(o, fixed_key) or _guard_subject(o)
                                                for o in _operands(statement.test))
                 if subject is not None and not unset)


def _membership_subject(test: cst.BaseExpression, fixed_key) -> Optional[Tuple[Optional[str], bool]]:
    """``K in C`` with a literal key, or a name ``fixed_key`` accepts: (C, False) — the test says
    C holds the entry, set once it is filled.  Also a handler's class among the classes of a
    logger's handlers (``handler.__class__ in map(type, logger.handlers)``, raven's setup_logging):
    set once the code adds that handler to that logger — once per class, a domain the program text
    bounds.  None for any other test."""
    membership = _membership(test)
    if membership is None:
        return None
    key, container = membership
    instance = _class_of(key)
    handlers = dotted(container.args[1].value) if isinstance(container, cst.Call) and len(container.args) == 2 and \
        dotted(container.func) == "map" and dotted(container.args[0].value) == "type" else None
    if instance and handlers and handlers.endswith(".handlers"):
        # set once the statements after add that very handler to that logger (see _added_handlers)
        return f"added:{instance}|{handlers[:-len('.handlers')]}", False
    fixed = isinstance(key, cst.SimpleString) or isinstance(key, cst.Name) and fixed_key(key.value)
    return (dotted(container), False) if fixed else (None, False)


def _class_of(expression: cst.BaseExpression) -> Optional[str]:
    """``x`` of ``x.__class__`` or ``type(x)``."""
    if isinstance(expression, cst.Attribute) and expression.attr.value == "__class__":
        return dotted(expression.value)
    if isinstance(expression, cst.Call) and dotted(expression.func) == "type" and len(expression.args) == 1:
        return dotted(expression.args[0].value)
    return None


def _added_handlers(statement: cst.CSTNode) -> Set[str]:
    """``added:h|logger`` for each ``logger.addHandler(h)`` in a statement."""
    return {f"added:{dotted(call.args[0].value)}|{dotted(call.func.value)}"
            for call in matchers.findall(statement, matchers.Call(func=matchers.Attribute(attr=matchers.Name("addHandler"))))
            if len(call.args) == 1 and dotted(call.args[0].value) and dotted(call.func.value)}


def _cleared_names(statements) -> Set[str]:
    """Dotted names some statements set back to nothing (``= False``, ``= None``, ``= 0``)."""
    return _assigned_names(statements, _false_constant)


def _function_name(name: str) -> bool:
    """Named like a function (``handle``, ``_cleanup``), not a class (``Worker``)."""
    return name.lstrip("_")[:1].islower()


def _filtered_out(value: cst.BaseExpression, target: cst.BaseExpression, params: Set[str]) -> Optional[cst.BaseExpression]:
    """``[r for r in self._runs if r != run]`` (or ``is not``) rebinding ``self._runs``, where
    ``run`` is a parameter: the container rebuilt from itself without the entry the caller names —
    what a ``remove(run)`` does.  That parameter.  (Without a constant — ``if r is not None`` —
    or the object's own current one, it drops no entry the caller has ended.)"""
    if not isinstance(value, (cst.ListComp, cst.SetComp)) or len(value.for_in.ifs) != 1 or \
            value.for_in.inner_for_in is not None or not isinstance(value.for_in.target, cst.Name) or \
            source_of(value.for_in.iter) != source_of(target):
        return None
    test = value.for_in.ifs[0].test
    if not (isinstance(test, cst.Comparison) and len(test.comparisons) == 1 and
            isinstance(test.comparisons[0].operator, (cst.NotEqual, cst.IsNot))):
        return None
    item = value.for_in.target.value
    sides = [test.left, test.comparisons[0].comparator]
    if isinstance(value.elt, cst.Name) and value.elt.value == item:
        for this, other in (sides, sides[::-1]):
            if isinstance(this, cst.Name) and this.value == item and isinstance(other, cst.Name) and \
                    other.value in params and other.value != item:
                return other
    return None


def _filters_entry(value: cst.BaseExpression, target: cst.Subscript) -> bool:
    """``c[k] = [r for r in c.get(k, []) if not r.ready()]``: the entry rebuilt from itself, keeping
    only what passes a test — what it held before is let go, as a ``remove`` would."""
    if not isinstance(value, (cst.ListComp, cst.SetComp, cst.DictComp)) or not value.for_in.ifs:
        return False
    source = value.for_in.iter
    if isinstance(source, cst.Call) and isinstance(source.func, cst.Attribute) and source.func.attr.value == "get":
        read, key = source.func.value, source.args[0].value if source.args else None
    elif isinstance(source, cst.Subscript):
        read, key = source.value, _subscript_key(source)
    else:
        return False
    wanted = _subscript_key(target)
    return key is not None and wanted is not None and source_of(read) == source_of(target.value) and \
        source_of(key) == source_of(wanted)


def _whole_slice(element: cst.BaseSlice) -> bool:
    """``[:]``: all of it, a copy."""
    return isinstance(element, cst.Slice) and element.lower is None and element.upper is None and element.step is None


def _updated_keys(node: cst.Call, spelled_dicts: Dict[str, Tuple[cst.BaseExpression, ...]]) \
        -> Optional[cst.BaseExpression]:
    """The keys ``d.update({K: v})``, ``d.update(name=v)`` or ``d.update({K: v for …})`` writes, as
    one key expression (a tuple of them when there are several) — like ``d[K] = v``; also through a local that is only
    ever bound to such dicts (``d.update(**kw)`` after ``kw = dict(total=n)``: ``spelled_dicts``);
    None when they are not spelled out."""
    keys: List[cst.BaseExpression] = []
    for arg in node.args:
        values = (arg.value,)
        if isinstance(arg.value, cst.Name) and arg.star in ("", "**") and arg.keyword is None:
            values = spelled_dicts.get(arg.value.value, values)
        for value in values:
            if _keyword_dict(value):  # ``dict(total=n, backoff=b)``
                keys.extend(cst.SimpleString(repr(a.keyword.value)) for a in value.args)
            elif arg.star == "*" or (arg.star == "**" and not isinstance(value, cst.Dict)):
                return None
            elif arg.keyword is not None:
                keys.append(cst.SimpleString(repr(arg.keyword.value)))
            elif isinstance(value, cst.Dict) and all(isinstance(e, cst.DictElement) for e in value.elements):
                keys.extend(e.key for e in value.elements)
            elif isinstance(value, cst.DictComp):  # ``{r.request_id: r for r in requests}``
                keys.append(value.key)
            elif isinstance(value, (cst.GeneratorExp, cst.ListComp)) and isinstance(value.elt, cst.Tuple) \
                    and len(value.elt.elements) == 2:  # ``((uuid4().hex, item) for item in items)``
                keys.append(value.elt.elements[0].value)
            else:
                return None
    if not keys:
        return None
    return keys[0] if len(keys) == 1 else cst.Tuple([cst.Element(k) for k in keys])


def _spelled_out_dicts(body: cst.BaseSuite) -> Dict[str, Tuple[cst.BaseExpression, ...]]:
    """Locals of a function body whose every binding is a dict with spelled-out keys (``kw =
    dict(total=n)``, ``kw = {"a": 1}``) and whose every other mention is an argument of an
    ``update`` call (``d.update(**kw)``): their keys are those, whatever the order the code runs
    in — a local also filled, aliased or handed anywhere else is not one of them."""
    bound: Dict[str, List[cst.BaseExpression]] = {}
    for assign in matchers.findall(body, matchers.Assign()):
        if len(assign.targets) == 1 and isinstance(assign.targets[0].target, cst.Name):
            bound.setdefault(assign.targets[0].target.value, []).append(assign.value)
    spelled = {name: values for name, values in bound.items()
               if all(_keyword_dict(v) or isinstance(v, cst.Dict) and v.elements
                      and all(isinstance(e, cst.DictElement) for e in v.elements) for v in values)}
    if not spelled:
        return {}
    read_by_update: Dict[str, int] = {}
    for call in matchers.findall(body, matchers.Call(func=matchers.Attribute(attr=matchers.Name("update")))):
        for arg in call.args:
            if isinstance(arg.value, cst.Name) and arg.star in ("", "**") and arg.keyword is None:
                read_by_update[arg.value.value] = read_by_update.get(arg.value.value, 0) + 1
    mentions: Dict[str, int] = {}
    for name in matchers.findall(body, matchers.Name()):
        if name.value in spelled:
            mentions[name.value] = mentions.get(name.value, 0) + 1
    return {name: tuple(values) for name, values in spelled.items()
            if mentions.get(name, 0) == len(values) + read_by_update.get(name, 0)}


def _keyword_dict(value: cst.BaseExpression) -> bool:
    """``dict(total=n, backoff=b)``: a dict whose keys are the keywords."""
    return isinstance(value, cst.Call) and isinstance(value.func, cst.Name) and value.func.value == "dict" and \
        bool(value.args) and all(a.keyword is not None and not a.star for a in value.args)


def _container_arity(method: str, args: Sequence[cst.Arg]) -> bool:
    """The call's arguments fit the built-in container method of that name (see _CONTAINER_ARITY)."""
    counts = _CONTAINER_ARITY.get(method)
    if counts is None or any(a.star for a in args):
        return True
    return not any(a.keyword is not None for a in args) and len(args) in counts


def _always_exits(block: cst.BaseSuite) -> bool:
    """Every path through the block returns or raises (``try: return f() except E: raise …``)."""
    if isinstance(block, cst.SimpleStatementSuite):  # ``if k not in C: raise KeyError(k)``
        return bool(block.body) and isinstance(block.body[-1], (cst.Return, cst.Raise))
    body = block.body if isinstance(block, cst.IndentedBlock) else ()
    if not body:
        return False
    last = body[-1]
    if isinstance(last, cst.SimpleStatementLine):
        return isinstance(last.body[-1], (cst.Return, cst.Raise))
    if isinstance(last, cst.Try):
        return (_always_exits(last.body) and all(_always_exits(h.body) for h in last.handlers)
                and last.orelse is None) or (last.finalbody is not None and _always_exits(last.finalbody.body))
    if isinstance(last, cst.If):
        orelse = last.orelse
        return _always_exits(last.body) and orelse is not None and (
            _always_exits(orelse.body) if isinstance(orelse, cst.Else) else _always_exits(cst.IndentedBlock(body=[orelse])))
    return False


def _simple(statement: cst.CSTNode, kind) -> bool:
    return isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1 and \
        isinstance(statement.body[0], kind)


def _is_return(statement: cst.CSTNode) -> bool:
    return isinstance(statement, cst.Return) or _simple(statement, cst.Return)


def _raises(statement: cst.CSTNode) -> bool:
    """``raise E`` or ``if c: raise E``: it leaves the function or does nothing."""
    if _simple(statement, cst.Raise):
        return True
    if isinstance(statement, cst.If) and statement.orelse is None:
        return bool(statement.body.body) and all(_raises(s) for s in statement.body.body)
    return False


def _switches_in(test: cst.BaseExpression, switches: Set[str]) -> Set[str]:
    """The switches a test reads (``force`` in ``… and (not L or force)``)."""
    return {name.value for name in matchers.findall(test, matchers.Name()) if name.value in switches}


def _unless_overridden(test: cst.BaseExpression, overrides: Set[str]) -> cst.BaseExpression:
    """``not _handlers or force`` with ``force=False`` by default: ``not _handlers`` — the test as
    it runs unless a caller asks to redo the work (qq-botpy's ``configure_logging``)."""
    if isinstance(test, cst.BooleanOperation) and isinstance(test.operator, cst.Or):
        for kept, other in ((test.left, test.right), (test.right, test.left)):
            if isinstance(other, cst.Name) and other.value in overrides:
                return _unless_overridden(kept, overrides)
    return test


def _call_of(value: Optional[cst.BaseExpression]) -> Optional[cst.Call]:
    """The call an expression is, ``await`` or not."""
    if isinstance(value, cst.Await):
        value = value.expression
    return value if isinstance(value, cst.Call) else None


# Growing methods of the built-in containers that return None: code that binds their result
# calls some other class's method of that name (an immutable log's ``append`` returning a new log).
_RETURNS_NONE = frozenset({"append", "extend", "insert", "add", "update", "appendleft", "extendleft"})


def _conjuncts(test: cst.BaseExpression) -> List[cst.BaseExpression]:
    """``A and B and C`` → its parts, each of which holds when the body runs (``len(c) < 64 and
    key not in c`` → both tests)."""
    if isinstance(test, cst.BooleanOperation) and isinstance(test.operator, cst.And):
        return _conjuncts(test.left) + _conjuncts(test.right)
    return [test]


def _operands(test: cst.BaseExpression) -> List[cst.BaseExpression]:
    """``hasattr(self, "_done") and self._done`` → both tests: the flag may be either;
    ``if cls._registered or cls._patched: return`` returns once either is set."""
    if isinstance(test, cst.BooleanOperation):
        return _operands(test.left) + _operands(test.right)
    return [test]


def _iterated_container(iterable: cst.BaseExpression) -> cst.BaseExpression:
    """``list(c.items())`` → ``c``: the container a loop walks over."""
    while True:
        if isinstance(iterable, cst.Call) and iterable.args and isinstance(iterable.func, cst.Name) and \
                iterable.func.value in ("list", "tuple", "sorted", "set", "reversed", "enumerate"):
            iterable = iterable.args[0].value
        elif isinstance(iterable, cst.Call) and isinstance(iterable.func, cst.Attribute) and \
                iterable.func.attr.value in ("items", "keys", "values", "copy"):
            iterable = iterable.func.value
        else:
            return iterable


def _subscript_key(target: cst.Subscript) -> Optional[cst.BaseExpression]:
    """The key expression of ``c[k]`` (a tuple for ``c[a, b]``), None for slices."""
    if not target.slice or any(isinstance(element.slice, cst.Slice) for element in target.slice):
        return None
    if len(target.slice) == 1:
        return target.slice[0].slice.value
    return cst.Tuple([cst.Element(element.slice.value) for element in target.slice])


_NOT_COUNTED = (cst.Return, cst.Global, cst.Nonlocal, cst.Pass)


def _body_shape(node: cst.FunctionDef, qualify) -> Tuple[int, Tuple[str, ...]]:
    """(statements that do work at the top level, names returned anywhere in the body) — tells a
    function whose only job is to store its argument (a registration API) and a decorator
    factory's inner decorator, which a factory may return from a branch (``if arg is None: …
    return decorator``)."""
    if not isinstance(node.body, cst.IndentedBlock):
        statements = list(node.body.body)
    else:
        statements = []
        for line in node.body.body:
            statements.extend(line.body if isinstance(line, cst.SimpleStatementLine) else [line])
    count = 0
    names: List[str] = []
    for index, statement in enumerate(statements):
        if isinstance(statement, cst.Return) and statement.value is not None:
            names.extend(_returned_names(statement.value, qualify))  # ``return fn``: it hands back what it got
        is_docstring = index == 0 and isinstance(statement, cst.Expr) and string_literal(statement.value)
        if not (is_docstring or isinstance(statement, _NOT_COUNTED)):
            count += 1
    # a branch's ``return decorator`` names what the function makes; a branch's ``return obj`` of a
    # parameter is an early exit (``if obj is None: return obj``), not a decorator handing it back
    params = {p.name.value for p in (*node.params.posonly_params, *node.params.params, *node.params.kwonly_params)}
    returns = _Returns()
    node.body.visit(returns)
    names += [name for value in returns.values if value is not None
              for name in _returned_names(value, qualify) if name not in params]
    return count, tuple(dict.fromkeys(names))


class _Returns(cst.CSTVisitor):
    """The ``return`` statements of one function, not of the functions, lambdas and classes it defines."""

    def __init__(self) -> None:
        super().__init__()
        self.values: List[Optional[cst.BaseExpression]] = []

    def visit_Return(self, node: cst.Return) -> None:
        self.values.append(node.value)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False


def _factory_shape(node: cst.FunctionDef, qualify) -> Tuple[bool, str]:
    """(a factory, the class it builds): every ``return`` gives back an object built there
    (``return Connection(...)``, a class by the PEP 8 spelling), so each call's result is a new
    object no one else holds — and when every one builds the same class, a caller's
    ``xom = xom_from_config(config)`` holds one of that class (qualified through the imports)."""
    if not isinstance(node.body, cst.IndentedBlock):
        return False, ""
    returns = _Returns()
    node.body.visit(returns)
    if not returns.values or not all(builds_object(value) for value in returns.values):
        return False, ""
    classes = {qualify(value.func) for value in returns.values}
    return True, classes.pop() if len(classes) == 1 else ""


def _returned_names(value: cst.BaseExpression, qualify) -> List[str]:
    """``return fn``; ``return decorator if func is None else decorator(func)`` returns the
    decorator either way (a name, or what calling it gives back); ``typing.cast(T, fn)`` is ``fn``."""
    if isinstance(value, cst.Name):
        return [value.value]
    if isinstance(value, cst.IfExp):
        return _returned_names(value.body, qualify) + _returned_names(value.orelse, qualify)
    if isinstance(value, cst.Call) and len(value.args) == 2 and qualify(value.func) == "typing.cast":
        return _returned_names(value.args[1].value, qualify)
    return []


class _NameParts(cst.CSTVisitor):
    """Collects the dotted names and called names inside an expression."""

    def __init__(self) -> None:
        super().__init__()
        self.chains: List[str] = []
        self.calls: List[cst.BaseExpression] = []

    def visit_Call(self, node: cst.Call) -> None:
        self.calls.append(node.func)

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        name = dotted(node)
        if name is not None:
            self.chains.append(name)
            return False
        return True

    def visit_Name(self, node: cst.Name) -> None:
        self.chains.append(node.value)


def _star_params(params: cst.Parameters) -> Tuple[str, ...]:
    """The names of ``*args`` and ``**kwargs``, if the function takes them."""
    return tuple(star.name.value for star in (params.star_arg, params.star_kwarg) if isinstance(star, cst.Param))


def _returned_domain(domains: Set[str]) -> str:
    """One key domain for what a function's ``return`` statements give (at least one): ``event``
    or ``created`` when some ``return`` gives a new id or object, else ``bounded`` when all give
    constants, else ``unknown`` (an interned or looked-up value, or what the caller passed in,
    ``param``, whose domain the caller decides)."""
    new = next((domain for domain in ("event", "created") if domain in domains), None)
    return new or ("bounded" if domains == {"bounded"} else "unknown")


def _capitalised(name: str) -> bool:
    """``Handler``, ``_Processor``: named as a class (not ``CONSTANT``, not ``function``)."""
    bare = name.lstrip("_")
    return bare[:1].isupper() and not bare.isupper()


def _unsubscripted(expression: cst.BaseExpression) -> cst.BaseExpression:
    return expression.value if isinstance(expression, cst.Subscript) else expression


def _factory_made(value: cst.BaseExpression) -> str:
    """``self._server_class()(**options)``: a class handed back by a call, instantiated at once —
    an object built here, whatever its class ("" for anything else)."""
    if isinstance(value, cst.Call) and isinstance(value.func, cst.Call):
        return f"{source_of(value.func.func)}()"
    return ""


def _literal(value: cst.BaseExpression) -> bool:
    """``True``, ``3``, ``"name"``: a default that makes a parameter a setting (None is not: an
    optional request or message defaults to it)."""
    return isinstance(value, (cst.Integer, cst.Float, cst.SimpleString)) or (
        isinstance(value, cst.Name) and value.value in ("True", "False"))


def _field_factory(value: cst.Call, name: str) -> Optional[cst.BaseExpression]:
    """What a model field makes for each instance: ``field(default_factory=list)``,
    ``attr.ib(factory=dict)``, ``attrs.Factory(list)``; None for other calls."""
    if name.rsplit(".", 1)[-1] not in _FIELD_FACTORY_NAMES:
        return None
    factory = argument(value.args, -1, "default_factory") or argument(value.args, -1, "factory") or (
        argument(value.args, 0) if name.endswith("Factory") else None)
    return factory.value if factory is not None else None


class _ExitFinder(cst.CSTVisitor):
    """Finds a ``return`` or ``raise``, or a ``break`` or ``continue`` not in a loop of its own,
    outside the definitions it meets."""

    def __init__(self) -> None:
        super().__init__()
        self.found = False
        self.loops = 0

    def on_visit(self, node: cst.CSTNode) -> bool:
        self.found = self.found or isinstance(node, (cst.Return, cst.Raise)) or (
            not self.loops and isinstance(node, (cst.Break, cst.Continue)))
        if isinstance(node, (cst.For, cst.While)):
            self.loops += 1
        return not self.found and not isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda))

    def on_leave(self, original_node: cst.CSTNode) -> None:
        if isinstance(original_node, (cst.For, cst.While)):
            self.loops -= 1


def _may_leave(statement: cst.CSTNode) -> bool:
    """The statement can leave the code after it unrun: a ``return``, ``raise``, ``break`` or
    ``continue`` anywhere in it (not in a function or class it defines)."""
    finder = _ExitFinder()
    statement.visit(finder)
    return finder.found


def _same_source(expression: Optional[cst.BaseExpression], other: cst.BaseExpression) -> bool:
    return expression is not None and source_of(expression) == source_of(other)


def _miss_guard(ref: Ref) -> str:
    return f"miss:{ref.kind}:{ref.owner}:{ref.name}"
