"""The single libcst pass that turns one module into :class:`~retainlint.facts.ModuleFacts`.

It keeps an explicit scope stack (module → class → function …) in the manner of pyflakes rather
than using libcst's scope metadata provider: the rules need only "is this name a parameter, a
local, an alias of ``self.x`` or a global", and the stack answers that at a fraction of the cost.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Dict, List, NamedTuple, Optional, Set, Tuple

import libcst as cst

from retainlint.extract.locate import SMALL_STATEMENT_TYPES
from retainlint.extract.names import (
    ImportResolver,
    argument,
    callee_name,
    dotted,
    keyword_source,
    source_of,
    string_literal,
)
from retainlint.facts import (
    AttrAssign,
    CachedMethod,
    ClassFact,
    ContainerDef,
    FunctionFact,
    GlobalInstance,
    Holds,
    Listener,
    LoggerCall,
    ModuleFacts,
    Mutation,
    Ref,
    Span,
    StoredException,
)
from retainlint.knowledge import Knowledge

_CLASS_NAME_ATTRIBUTES = {"__name__", "__qualname__", "__module__", "__class__"}
_MODULE_DUNDERS = {"__name__", "__qualname__", "__module__", "__file__", "__package__", "__spec__"}


class ContainerKind(NamedTuple):
    constructor: str  # ``list``, ``collections.deque``, ``str`` …
    bounded: bool
    weak: bool
    text: bool


@dataclass
class Local:
    """What a function-local name is bound to, as far as one pass can tell."""

    created: str = ""  # dotted class of ``x = Class(...)``
    process_lifetime: bool = False  # ``log = logging.getLogger(...)``: lives as long as the process
    alias: Optional[Ref] = None  # ``x = self._chunks`` makes x another name for that container
    element_of: Optional[Ref] = None  # ``x = self._engines[k]``: shrinking x shrinks that container


@dataclass
class Frame:
    kind: str  # module | class | function
    qualname: str
    class_qualname: Optional[str] = None  # class frame: itself; function frame: class of ``self``
    self_name: Optional[str] = None
    is_classmethod: bool = False
    params: Set[str] = field(default_factory=set)
    param_types: Dict[str, str] = field(default_factory=dict)  # annotated parameter → dotted class
    mutable_defaults: Set[str] = field(default_factory=set)
    locals: Dict[str, Local] = field(default_factory=dict)
    assigned: Set[str] = field(default_factory=set)
    declared_global: Set[str] = field(default_factory=set)
    local_functions: Set[str] = field(default_factory=set)
    exceptions: Dict[str, str] = field(default_factory=dict)  # local → exception | exc_info | traceback
    loop_depth: int = 0
    # Records about bare names that are globals unless the function binds them later.
    pending: List[Tuple[str, Callable[[], None]]] = field(default_factory=list)


class FactVisitor(cst.CSTVisitor):
    def __init__(self, facts: ModuleFacts, knowledge: Knowledge, is_package: bool, locator) -> None:
        super().__init__()
        self.locator = locator
        self.facts = facts
        self.kb = knowledge
        self.imports = ImportResolver(facts.module, is_package)
        self.stack: List[Frame] = [Frame("module", facts.module)]
        self.module_classes: Dict[str, str] = {}
        self.statement_calls: Set[int] = set()

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

    def in_loop(self) -> bool:
        return self.frame.loop_depth > 0

    def span(self, node: cst.CSTNode) -> Span:
        return self.locator.span(node)

    def on_visit(self, node: cst.CSTNode) -> bool:
        self.locator.enter(node)
        if type(node) in SMALL_STATEMENT_TYPES:
            span = self.locator.span(node)
            for line in range(span.line + 1, span.end_line + 1):
                self.facts.statement_starts[line] = span.line
        return super().on_visit(node)

    def on_leave(self, original_node: cst.CSTNode) -> None:
        super().on_leave(original_node)
        self.locator.leave(original_node)

    # The pass uses no ``visit_<Node>_<field>`` hooks; libcst would look them up for every field
    # of every node (a sixth of the time of a pass), so the lookups are skipped.
    def on_visit_attribute(self, node: cst.CSTNode, attribute: str) -> None:
        pass

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

    def ref_of(self, node: cst.BaseExpression) -> Optional[Ref]:
        """The container reference an expression names, or None for plain locals and the rest."""
        if isinstance(node, cst.Name):
            return self._name_ref(node.value)
        if isinstance(node, cst.Attribute):
            base = node.value
            attr = node.attr.value
            if isinstance(base, cst.Name):
                self_name, cls = self._self_context()
                if self_name and base.value == self_name and cls:
                    return Ref("self", cls, attr)
                if base.value in self.module_classes and not self._is_local(base.value):
                    return Ref("self", self.module_classes[base.value], attr)
                if self.imports.is_module_alias(base.value) and not self._is_local(base.value):
                    return Ref("global", self.imports.qualify(base.value), attr)
                typed = self._local_class(base.value)
                if typed:
                    return Ref("self", typed, attr)  # ``child.parent``: an attribute of a known class
            return Ref("attr", "", attr)
        return None

    def _name_ref(self, name: str) -> Optional[Ref]:
        frame = self.frame
        if frame.kind == "module":
            return self._global_ref(name)
        if frame.kind == "class":
            return Ref("self", frame.qualname, name)
        if name in frame.declared_global:
            return self._global_ref(name)
        local = frame.locals.get(name)
        if local is not None and local.alias is not None:
            return local.alias
        if name in frame.mutable_defaults:
            return Ref("default", frame.qualname, name)
        if name in frame.params or name in frame.assigned or self._enclosing_binds(name):
            return None
        return self._global_ref(name)

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
                      text_value: bool = False, key: str = "", value: Optional[cst.BaseExpression] = None) -> None:
        if op == "grow" and self._on_fresh_object(target):
            return
        ref = self.ref_of(target)
        if ref is None and op == "shrink":
            ref = self._element_container(target)
        if ref is None:
            return
        mutation = Mutation(ref, op, method, self.current_function(), self.in_loop(), text_value, key,
                            self.value_kind(value), self.span(node))
        if isinstance(target, cst.Name) and ref.kind == "global":
            self._emit_for_name(target.value, lambda: self.facts.mutations.append(mutation))
        else:
            self.facts.mutations.append(mutation)

    # ------------------------------------------------------------------ helpers: values
    def container_kind(self, value: cst.BaseExpression) -> Optional[ContainerKind]:
        """What container (or text) the value builds, if it builds one."""
        if isinstance(value, (cst.List, cst.ListComp)):
            return ContainerKind("list", False, False, False)
        if isinstance(value, (cst.Dict, cst.DictComp)):
            return ContainerKind("dict", False, False, False)
        if isinstance(value, (cst.Set, cst.SetComp)):
            return ContainerKind("set", False, False, False)
        if string_literal(value):
            is_bytes = isinstance(value, cst.SimpleString) and value.value.lstrip("rRfF").lower().startswith("b")
            return ContainerKind("bytes" if is_bytes else "str", False, False, True)
        if isinstance(value, cst.Call):
            name = self.qualify(value.func)
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
                return ContainerKind(name, False, False, name in self.kb.text)
            if name in ("dataclasses.field", "field", "attr.ib", "attrs.field"):
                factory = argument(value.args, -1, "default_factory") or argument(value.args, -1, "factory")
                if factory is not None and self.qualify(factory.value) in self.kb.growable:
                    return ContainerKind(self.qualify(factory.value), False, False, False)
        return None

    def class_of_value(self, value: cst.BaseExpression) -> str:
        """Dotted class of ``Class(...)`` or of a local created that way; "" when unknown."""
        if isinstance(value, cst.Call):
            name = self.qualify(value.func)
            last = name.rsplit(".", 1)[-1]
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
            if self_name and value.value == self_name and cls:
                return cls
        return ""

    def value_kind(self, value: Optional[cst.BaseExpression]) -> str:
        """What a grow operation adds: the object itself ("self"), a parameter as given, or other."""
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

    def visit_ConcatenatedString(self, node: cst.ConcatenatedString) -> bool:
        """Implicit concatenation nests one level per string (generated files have thousands);
        nothing inside string literals matters to any rule, so the pass does not descend."""
        return False

    # ------------------------------------------------------------------ imports
    def visit_Import(self, node: cst.Import) -> None:
        self.imports.add_import(node)

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        self.imports.add_import_from(node)

    # ------------------------------------------------------------------ classes and functions
    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        parent = self.frame
        qualname = f"{parent.qualname}.{node.name.value}"
        if parent.kind == "module":
            self.module_classes[node.name.value] = qualname
        bases = tuple(self.qualify(b.value) or source_of(b.value) for b in node.bases if b.keyword is None)
        metaclass = tuple(self.qualify(b.value) for b in node.bases
                          if b.keyword is not None and b.keyword.value == "metaclass")
        self._note_decorators(node.decorators)
        self.facts.classes.append(ClassFact(qualname, node.name.value, bases + metaclass,
                                            self._decorator_names(node.decorators), self.span(node)))
        self.stack.append(Frame("class", qualname, class_qualname=qualname))

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self.stack.pop()

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
            parent.local_functions.add(name)
        decorator_names = self._decorator_names(node.decorators)
        self._note_decorators(node.decorators)
        params = node.params
        positional = list(params.posonly_params) + list(params.params)
        first = positional[0].name.value if positional else None
        is_static = any(d.endswith("staticmethod") for d in decorator_names)
        is_classmethod = any(d.endswith("classmethod") for d in decorator_names)
        in_class = parent.kind == "class"
        body_statements, returns = _body_shape(node)
        param_names = tuple(p.name.value for p in list(params.posonly_params) + list(params.params)
                            + list(params.kwonly_params))
        self.facts.functions.append(FunctionFact(
            qualname, name, parent.qualname if in_class else None, decorator_names,
            first, param_names, parent.kind == "function", body_statements, returns, self.span(node)))

        frame = Frame("function", qualname)
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
            if param.default is not None:
                kind = self.container_kind(param.default)
                if kind is not None and not (kind.text or kind.bounded or kind.weak):
                    frame.mutable_defaults.add(param.name.value)
                    self.facts.containers.append(ContainerDef(
                        Ref("default", qualname, param.name.value), "default", kind.constructor, False, False, False,
                        qualname, self.span(param)))
        if in_class:
            self._cached_method(node, qualname, parent.qualname, first, is_static, is_classmethod)
        self.stack.append(frame)

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        frame = self.stack.pop()
        for name, record in frame.pending:
            if name not in frame.assigned and name not in frame.params:
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
        self.frame.loop_depth += 1

    def _leave_loop(self, node: cst.CSTNode) -> None:
        self.frame.loop_depth -= 1

    def visit_For(self, node: cst.For) -> None:
        self._bind_targets(node.target)
        self._enter_loop(node)

    leave_For = _leave_loop
    visit_While = _enter_loop
    leave_While = _leave_loop

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self._bind_targets(node.target)

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is not None:
            self._bind_targets(node.asname.name)

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        if node.name is not None:
            self._bind_targets(node.name.name)
            frame = self.function_frame()
            if frame is not None and isinstance(node.name.name, cst.Name):
                frame.exceptions[node.name.name.value] = "exception"

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._bind_targets(node.target)

    def _bind_targets(self, target: cst.BaseExpression) -> None:
        frame = self.function_frame()
        if frame is None:
            return
        if isinstance(target, cst.Name):
            frame.assigned.add(target.value)
            frame.locals[target.value] = Local()
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._bind_targets(element.value)
        elif isinstance(target, cst.StarredElement):
            self._bind_targets(target.value)

    # ------------------------------------------------------------------ assignments
    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self._assign(target.target, node.value, node)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._assign(node.target, node.value, node)
        if self.frame.kind == "class" and isinstance(node.target, cst.Name):
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
            return self.imports.qualify(text) if text.replace(".", "").isidentifier() else ""
        name = self.qualify(expr)
        if name and name.rsplit(".", 1)[-1][:1].isupper():
            return name
        return ""

    def _assign(self, target: cst.BaseExpression, value: cst.BaseExpression, node: cst.CSTNode) -> None:
        if isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._assign(element.value, cst.Name("_unknown_"), node)
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
        kind = self.container_kind(value)
        span = self.span(node)
        function = self.current_function()
        if kind is not None and ref.kind in ("self", "global"):
            scope = self._container_scope(ref, target, value)
            self.facts.containers.append(ContainerDef(ref, scope, kind.constructor, kind.bounded, kind.weak, kind.text,
                                                      function, span))
        self.facts.mutations.append(Mutation(ref, "reset", "=", function, self.in_loop(), False, "", "other", span))
        if ref.kind in ("self", "attr") or (ref.kind == "global" and function is not None):
            value_class = self.class_of_value(value)
            from_param = isinstance(value, cst.Name) and value.value in frame.params
            self.facts.attr_assigns.append(AttrAssign(ref, function, value_class, from_param, span))
        self._stored_exception(ref, value, "attribute", span)
        value_class = self.class_of_value(value)
        if value_class and value_class not in self.kb.weak and ref.kind in ("self", "global"):
            self.facts.holds.append(Holds(ref, value_class, "attribute", span, back=self.value_kind(value) == "self"))
            if ref.kind == "global" and function is None:
                self.facts.global_instances.append(GlobalInstance(ref, value_class, span))
        self._callable_holds(ref, value, span)

    def _container_scope(self, ref: Ref, target: cst.BaseExpression, value: cst.BaseExpression) -> str:
        """module, class (one container shared by every instance) or instance."""
        if ref.kind == "global":
            return "module"
        if self.frame.kind == "class":
            is_factory = isinstance(value, cst.Call) and self.qualify(value.func).rsplit(".", 1)[-1] in ("field", "ib")
            return "instance" if is_factory else "class"
        self_name, _ = self._self_context()
        receiver = target.value if isinstance(target, cst.Attribute) else None
        via_instance = isinstance(receiver, cst.Name) and receiver.value == self_name
        in_classmethod = any(f.kind == "function" and f.is_classmethod for f in self.stack)
        return "instance" if via_instance and not in_classmethod else "class"

    def _callable_holds(self, ref: Ref, value: cst.BaseExpression, span: Span) -> None:
        """A bound method or closure stored on a slot keeps its ``self`` alive."""
        if ref.kind not in ("self", "global"):
            return
        self_name, cls = self._self_context()
        if not (self_name and cls):
            return
        holds_self = (isinstance(value, cst.Attribute) and isinstance(value.value, cst.Name)
                      and value.value.value == self_name and ref != Ref("self", cls, value.attr.value))
        if isinstance(value, cst.Lambda):
            holds_self = re.search(rf"\b{re.escape(self_name)}\b", source_of(value)) is not None
        if holds_self and not (ref.kind == "self" and ref.owner == cls):
            self.facts.holds.append(Holds(ref, cls, "callback", span))

    def exception_kind(self, value: cst.BaseExpression) -> str:
        """"exception", "exc_info" or "traceback" when the value is one, else ""."""
        if isinstance(value, cst.Name):
            frame = self.function_frame()
            return frame.exceptions.get(value.value, "") if frame is not None else ""
        if isinstance(value, cst.Call) and self.qualify(value.func) == "sys.exc_info":
            return "exc_info"
        if isinstance(value, cst.Subscript) and isinstance(value.value, cst.Call) and \
                self.qualify(value.value.func) == "sys.exc_info":
            return "traceback"
        if isinstance(value, cst.Attribute) and value.attr.value in ("__traceback__", "tb_frame"):
            return "traceback"
        if self.qualify(value) in ("sys.last_traceback", "sys.last_value", "sys.last_exc"):
            return "exception"
        return ""

    def _stored_exception(self, ref: Ref, value: cst.BaseExpression, via: str, span: Span) -> None:
        what = self.exception_kind(value)
        if what and ref.kind in ("self", "global"):
            self.facts.stored_exceptions.append(StoredException(ref, what, via, self.current_function(), span))

    def _assign_local(self, frame: Frame, name: str, value: cst.BaseExpression) -> None:
        frame.assigned.add(name)
        what = self.exception_kind(value)
        if what:
            frame.exceptions[name] = what
        else:
            frame.exceptions.pop(name, None)
        local = Local(created=self.class_of_value(value) if isinstance(value, cst.Call) else "")
        if isinstance(value, cst.Call) and self.qualify(value.func) in self.kb.process_lifetime_factories:
            local.process_lifetime = True
        if isinstance(value, cst.Subscript):
            element_of = self.ref_of(value.value)
            if element_of is not None and element_of.kind in ("self", "global"):
                local.element_of = element_of
        elif isinstance(value, cst.Attribute) or (isinstance(value, cst.Name) and value.value != name):
            alias = self.ref_of(value)
            if alias is not None and alias.kind in ("self", "global"):
                local.alias = alias
        frame.locals[name] = local
        if name in frame.mutable_defaults:
            self.facts.mutations.append(Mutation(
                Ref("default", frame.qualname, name), "reset", "=", frame.qualname, self.in_loop(), False, "",
                "other", self.span(value)))

    def _assign_item(self, target: cst.Subscript, value: cst.BaseExpression, node: cst.CSTNode) -> None:
        """``c[k] = v`` grows a container; ``c[:] = …`` or ``c[a:b] = …`` replaces or trims it."""
        is_slice = any(isinstance(element.slice, cst.Slice) for element in target.slice)
        key = "" if is_slice else source_of(target.slice[0].slice) if target.slice else ""
        constant_key = (not is_slice and len(target.slice) == 1 and isinstance(target.slice[0].slice, cst.Index)
                        and isinstance(target.slice[0].slice.value, (cst.Integer, cst.SimpleString)))
        op = "shrink" if is_slice else "slot" if constant_key else "grow"
        self.emit_mutation(target.value, op, "[:]=" if is_slice else "[]=", node, key=key, value=value)
        if not is_slice:
            self._element_holds(target.value, value, node)

    def _element_holds(self, container: cst.BaseExpression, value: cst.BaseExpression, node: cst.CSTNode) -> None:
        ref = self.ref_of(container)
        if ref is None or ref.kind not in ("self", "global"):
            return
        self._stored_exception(ref, value, "element", self.span(node))
        held = self.class_of_value(value)
        if held and held not in self.kb.weak:
            self.facts.holds.append(Holds(ref, held, "element", self.span(node), back=self.value_kind(value) == "self"))

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        operator = node.operator
        if isinstance(operator, (cst.AddAssign, cst.BitOrAssign)):
            op, method = "grow", "+=" if isinstance(operator, cst.AddAssign) else "|="
        elif isinstance(operator, (cst.SubtractAssign, cst.BitAndAssign)):
            op, method = "shrink", "-=" if isinstance(operator, cst.SubtractAssign) else "&="
        else:
            op, method = "reset", "op="
        target = node.target
        if isinstance(target, cst.Name) and self.function_frame() is not None:
            frame = self.frame
            if (target.value not in frame.declared_global and target.value not in frame.mutable_defaults
                    and (frame.locals.get(target.value) is None or frame.locals[target.value].alias is None)):
                frame.assigned.add(target.value)
                return
        self.emit_mutation(target, op, method, node, text_value=self.is_text_value(node.value))
        if op == "grow" and isinstance(node.value, (cst.List, cst.Tuple)):
            for element in node.value.elements:
                self._element_holds(target, element.value, node)

    def visit_Del(self, node: cst.Del) -> None:
        self._delete(node.target, node)

    def _delete(self, target: cst.BaseExpression, node: cst.CSTNode) -> None:
        if isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._delete(element.value, node)
        elif isinstance(target, cst.Subscript):
            self.emit_mutation(target.value, "shrink", "del", node)
        else:
            self.emit_mutation(target, "reset", "del", node)

    # ------------------------------------------------------------------ calls
    def visit_Expr(self, node: cst.Expr) -> None:
        value = node.value
        if isinstance(value, cst.Await):
            value = value.expression
        if isinstance(value, cst.Call):
            self.statement_calls.add(id(value))

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        self._shrink_callbacks(node)
        if isinstance(func, cst.Attribute) and func.attr.value == "cache_clear" and isinstance(func.value, cst.Attribute):
            self.facts.cache_clears.add(func.value.attr.value)
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
            self._note_init_call(receiver_node, method)
        self._listener_call(receiver_node, receiver, method, node)
        self._logger_call(receiver_node, method, node)

    def _shrink_callbacks(self, node: cst.Call) -> None:
        """``task.add_done_callback(self._tasks.discard)``: a shrink method handed over to be
        called later still shrinks its container."""
        for arg in node.args:
            value = arg.value
            if isinstance(value, cst.Attribute) and value.attr.value in self.kb.shrink_methods:
                self.emit_mutation(value.value, "shrink", value.attr.value, value)

    def _note_init_call(self, receiver: cst.BaseExpression, method: str) -> None:
        """``self._setup()`` inside ``__init__`` runs once per object, like ``__init__`` itself."""
        frame = self.function_frame()
        if frame is None or frame.qualname.rsplit(".", 1)[-1] not in self.kb.per_object_functions:
            return
        if isinstance(receiver, cst.Name) and receiver.value == frame.self_name and frame.class_qualname:
            self.facts.init_calls.add(f"{frame.class_qualname}.{method}")

    def _function_call(self, name: str, node: cst.Call) -> None:
        """Module-level helpers that grow or shrink their first argument (``heapq.heappush``)."""
        if name in self.kb.grow_functions or name in self.kb.shrink_functions:
            first = argument(node.args, 0)
            if first is not None:
                op = "grow" if name in self.kb.grow_functions else "shrink"
                self.emit_mutation(first.value, op, name.rsplit(".", 1)[-1], node)
        if name in self.kb.logger_factories:
            self._logger_name(argument(node.args, 0, "name"), node)

    def _container_call(self, receiver: cst.BaseExpression, method: str, node: cst.Call) -> None:
        if method in self.kb.grow_methods:
            op = "grow"
        elif method in self.kb.shrink_methods:
            op = "shrink"
        else:
            return
        container = receiver.value if isinstance(receiver, cst.Subscript) else receiver
        self.emit_mutation(container, op, method, node, value=node.args[-1].value if node.args else None)
        if op == "grow" and node.args:
            self._element_holds(container, node.args[-1].value, node)

    def _listener_call(self, receiver_node: Optional[cst.BaseExpression], receiver: str, method: str,
                       node: cst.Call) -> None:
        adds = self.kb.listener_apis(method, receiver)
        removes, removes_all = self.kb.removal_apis(method, receiver)
        if not (adds or removes or removes_all):
            return
        target = source_of(receiver_node) if receiver_node is not None else receiver
        target_kind = self._target_kind(receiver_node, receiver)
        target_ref = self.ref_of(receiver_node) if receiver_node is not None else Ref("global", receiver, "")
        function = self.current_function()
        span = self.span(node)
        if adds:
            api = adds[0]
            callback_arg = argument(node.args, api.callback)
            if callback_arg is None:
                return  # decorator-style ``@emitter.on("x")``: registers at definition time
            event_arg = argument(node.args, api.event) if api.event >= 0 else None
            callback = callback_arg.value
            strong = not api.weak
            if api.weak and api.strong_when is not None:
                strong = keyword_source(node.args, api.strong_when[0]) == api.strong_when[1]
            if self.qualify(callback.func if isinstance(callback, cst.Call) else callback) in self.kb.weak:
                strong = False
            self.facts.listeners.append(Listener(
                "add", api.add, method, target, target_kind, target_ref,
                source_of(event_arg.value) if event_arg is not None else "",
                source_of(callback), self._callback_holds_self(callback), strong, api.one_shot,
                id(node) not in self.statement_calls, function, self.in_loop(), span))
            return
        for api in removes:
            event_arg = argument(node.args, api.event) if api.event >= 0 else None
            callback_arg = argument(node.args, api.callback)
            self.facts.listeners.append(Listener(
                "remove", api.add, method, target, target_kind, target_ref,
                source_of(event_arg.value) if event_arg is not None else "",
                source_of(callback_arg.value) if callback_arg is not None else "",
                False, True, False, False, function, self.in_loop(), span))
        for api in removes_all:
            self.facts.listeners.append(Listener(
                "remove_all", api.add, method, target, target_kind, target_ref, "", "", False, True, False, False,
                function, self.in_loop(), span))

    def _callback_holds_self(self, callback: cst.BaseExpression) -> bool:
        self_name, _ = self._self_context()
        if not self_name:
            return False
        if isinstance(callback, cst.Name):
            frame = self.function_frame()
            return callback.value == self_name or (frame is not None and callback.value in frame.local_functions)
        return re.search(rf"\b{re.escape(self_name)}\b", source_of(callback)) is not None

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
            if node.value in frame.params or self._enclosing_binds(node.value):
                return "param"
            local = frame.locals.get(node.value)
            if local is not None:
                if local.process_lifetime:
                    return "global"
                if local.alias is not None:
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
            self.facts.logger_calls.append(LoggerCall(function, source_of(arg.value), verdict, composite,
                                                      self.span(node)))

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
            if parts[-1] in _CLASS_NAME_ATTRIBUTES or parts[0] in _MODULE_DUNDERS:
                continue
            if parts[0] == "type" or parts[0] == "cls":
                continue
            is_param = frame is not None and parts[0] in frame.params and parts[0] != self_name
            is_self_attr = self_name is not None and parts[0] == self_name and len(parts) > 1
            is_local = frame is not None and parts[0] in frame.assigned
            if is_param or is_self_attr or is_local:
                return False
        return None


_NOT_COUNTED = (cst.Return, cst.Global, cst.Nonlocal, cst.Pass)


def _body_shape(node: cst.FunctionDef) -> Tuple[int, Tuple[str, ...]]:
    """(statements that do work, names returned at the top level) — tells a function whose only
    job is to store its argument (a registration API) and a decorator factory's inner decorator."""
    if not isinstance(node.body, cst.IndentedBlock):
        statements = list(node.body.body)
    else:
        statements = []
        for line in node.body.body:
            statements.extend(line.body if isinstance(line, cst.SimpleStatementLine) else [line])
    count = 0
    returns = []
    for index, statement in enumerate(statements):
        if isinstance(statement, cst.Return) and isinstance(statement.value, cst.Name):
            returns.append(statement.value.value)
        is_docstring = index == 0 and isinstance(statement, cst.Expr) and string_literal(statement.value)
        if not (is_docstring or isinstance(statement, _NOT_COUNTED)):
            count += 1
    return count, tuple(returns)


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
