"""The reference graph across modules: retention chains (RL401), cycles (RL402), and the
``retainlint graph`` command."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import networkx as nx

from retainlint.registry import all_rules
from tests.conftest import REGISTRY_PROJECT, check_files, write_files

STREAMSYS = Path(__file__).resolve().parent.parent / "fixtures" / "streamsys"

CHAIN = "RUNS (module global, never shrinks) → Run.output → Output._chunks (append, never shrinks)"


def by_code(findings, code):
    return [f for f in findings if f.code == code]


def test_one_buffer_behind_a_root_is_one_finding_at_the_buffer(tmp_path):
    """One cause, one finding: the chain is the buffer's RL101 message, not an RL401 of its own."""
    project = dict(REGISTRY_PROJECT)
    project["pkg/output.py"] = """
        class Output:
            def __init__(self):
                self._chunks = []

            def emit(self, chunk):
                self._chunks.append(chunk)
    """
    findings = check_files(tmp_path, project)
    assert by_code(findings, "RL401") == []
    (buffer,) = by_code(findings, "RL101")
    assert "retained by RUNS (module global, never shrinks) → Run.output → Output" in buffer.message


def test_a_root_whose_buffers_findings_name_it_gives_no_chain_of_its_own(tmp_path):
    """One cause, one finding: each buffer's RL101 names RUNS and the chain to it, and RUNS's
    RL301 says what its entries retain; an RL401 listing the same buffers again said nothing new
    (taskiq's shared broker, at high over two medium RL101s)."""
    findings = check_files(tmp_path, REGISTRY_PROJECT)
    assert by_code(findings, "RL401") == []
    buffers = by_code(findings, "RL101")
    assert len(buffers) == 2
    assert all("retained by RUNS (module global, never shrinks) → Run.output → Output" in f.message
               for f in buffers)


def test_a_second_root_that_keeps_the_buffers_is_one_chain(tmp_path):
    """What no other finding says: AUDIT keeps the sessions too, so emptying the registry the
    buffers' findings name would not free them."""
    source = textwrap.dedent(all_rules()["RL401"].bad[0].source)
    findings = check_files(tmp_path, {"pkg/__init__.py": "", "pkg/app.py": source})
    (chain,) = by_code(findings, "RL401")
    assert chain.message.startswith("AUDIT (module global) → Audit.seen → Session."), chain.message
    assert chain.span.line == source.lstrip("\n").splitlines().index("AUDIT = Audit()  # expect: RL401") + 1
    assert all("retained by SERVER" in f.message for f in by_code(findings, "RL101") if "Session." in f.message)


def test_roots_that_keep_the_same_buffers_are_one_chain(tmp_path):
    """One cause, one finding: 156 module-global policy objects of one class, each reaching the
    same agent buffers, were 156 RL401 findings (upsonic).  The first root carries the chain; the
    others are named and given as related locations."""
    source = textwrap.dedent(all_rules()["RL401"].bad[0].source)
    source += "AUDIT_2 = Audit()\nAUDIT_3 = Audit()\n"
    findings = check_files(tmp_path, {"pkg/__init__.py": "", "pkg/app.py": source})
    (chain,) = by_code(findings, "RL401")
    assert chain.message.startswith("AUDIT (module global) → Audit.seen"), chain.message
    assert "(so do 2 other roots: AUDIT_2, AUDIT_3)" in chain.message
    assert sum("retains the same" in r.message for r in chain.related) == 2


def test_registries_that_only_grow_are_not_chains_of_their_own(tmp_path):
    """ARCHIVE and SPARE keep runs too, but each is a registry that only grows: its RL301 says
    what its entries retain."""
    project = dict(REGISTRY_PROJECT)
    project["pkg/registry.py"] = "RUNS = {}\nARCHIVE = {}\nSPARE = {}\n"
    project["pkg/api.py"] = """
        from pkg.registry import ARCHIVE, RUNS, SPARE
        from pkg.run import Run

        def start(run_id, chunks):
            run = Run(run_id)
            RUNS[run_id] = run
            for chunk in chunks:
                run.output.emit(chunk)

        def archive(run_id):
            ARCHIVE[run_id] = Run(run_id)

        def spare(run_id):
            SPARE[run_id] = Run(run_id)
    """
    findings = check_files(tmp_path, project)
    assert by_code(findings, "RL401") == []
    assert len(by_code(findings, "RL301")) == 3


AGENT = """
    class Output:
        def __init__(self):
            self.steps = []
            self.errors = []

        def record(self, step):
            self.steps.append(step)
            self.errors.append(step)


    class Agent:
        def __init__(self):
            self._output = None

        def run(self, steps):
            self._output = Output()
            for step in steps:
                self._output.record(step)


    AGENT = Agent()


    def serve(requests):
        for request in requests:
            AGENT.run(request)
"""


def test_a_slot_bound_anew_per_call_keeps_one_object_at_a_time(tmp_path):
    """upsonic's ``Agent._agent_run_output``, bound to a new output on every run: a root holding
    the agent keeps the latest run's output, not every one (two RL101 and 156 RL401, FALSE at
    high).  The growth is rated as an object held for a while (medium), and says so."""
    findings = check_files(tmp_path, {"pkg/__init__.py": "", "pkg/agent.py": AGENT})
    assert by_code(findings, "RL401") == []
    steps = next(f for f in by_code(findings, "RL101") if "steps" in f.message)
    assert steps.confidence == "medium"
    assert "one at a time: Agent.run() binds Agent._output anew on every call" in steps.message


def test_a_slot_bound_anew_only_by_a_public_method_nobody_is_seen_calling_keeps_what_it_holds(tmp_path):
    """``Environment.create_worker_runner()`` binds ``stats`` anew, but nothing shows it run more
    than once (locust's per-second failure counts, TRUE, were hidden when a public method was
    taken to repeat): the chain stands."""
    source = AGENT.split("    def serve(requests):")[0]
    findings = check_files(tmp_path, {"pkg/__init__.py": "", "pkg/agent.py": source})
    steps = next(f for f in by_code(findings, "RL101") if "steps" in f.message)
    assert steps.confidence == "high", steps.message


def test_a_slot_made_once_in_the_else_of_its_test_keeps_what_it_holds(tmp_path):
    """``if self._output: … else: self._output = Output()`` is a lazy init written the other way
    round: the slot is bound once, and what it holds stays (upsonic's orchestrator)."""
    source = AGENT.replace(
        "            self._output = Output()\n",
        "            if self._output:\n                pass\n            else:\n                self._output = Output()\n")
    findings = check_files(tmp_path, {"pkg/__init__.py": "", "pkg/agent.py": source})
    steps = next(f for f in by_code(findings, "RL101") if "steps" in f.message)
    assert steps.confidence == "high", steps.message


def test_growth_findings_in_a_chain_say_so(tmp_path):
    findings = check_files(tmp_path, REGISTRY_PROJECT)
    buffer = next(f for f in by_code(findings, "RL101") if "_chunks" in f.message)
    assert buffer.confidence == "high"
    assert "retained by RUNS (module global, never shrinks) → Run.output → Output" in buffer.message
    (registry,) = by_code(findings, "RL301")
    assert "its entries retain Run.output → Output._chunks" in registry.message


def test_registry_popped_in_finally_gives_no_chain(tmp_path):
    project = dict(REGISTRY_PROJECT)
    project["pkg/api.py"] = """
        from pkg.registry import RUNS
        from pkg.run import Run

        def start(run_id, chunks):
            run = Run(run_id)
            RUNS[run_id] = run
            try:
                for chunk in chunks:
                    run.output.emit(chunk)
            finally:
                RUNS.pop(run_id, None)
    """
    assert check_files(tmp_path, project) == []


def test_bounded_buffer_gives_no_chain(tmp_path):
    project = dict(REGISTRY_PROJECT)
    project["pkg/output.py"] = """
        import collections

        class Output:
            def __init__(self):
                self._chunks = collections.deque(maxlen=1000)

            def emit(self, chunk):
                self._chunks.append(chunk)
    """
    assert by_code(check_files(tmp_path, project), "RL401") == []


CYCLE = """
    import weakref

    class Parent:
        def attach(self):
            child = Child()
            child.parent = {back}
            self.child = child

    class Child:
        pass
"""


def test_plain_cycle_is_found_at_low_confidence(tmp_path):
    (cycle,) = by_code(check_files(tmp_path, {"m.py": CYCLE.format(back="self")}, min_confidence="low"), "RL402")
    assert cycle.confidence == "low"
    assert "reference cycle Child.parent → Parent.child → Child" in cycle.message
    assert "make Child.parent a weakref.ref" in cycle.message


def test_cycle_with_weak_back_reference_is_silent(tmp_path):
    for back in ("weakref.ref(self)", "weakref.proxy(self)"):
        assert check_files(tmp_path, {"m.py": CYCLE.format(back=back)}, min_confidence="low") == []


def test_bound_method_on_owned_emitter_is_not_a_chain(tmp_path):
    findings = check_files(tmp_path, {"m.py": """
        from events import EventEmitter

        class Output:
            def __init__(self):
                self._emitter = EventEmitter()
                self._emitter.on("chunk", self._on_chunk)
                self.chunks = []

            def _on_chunk(self, chunk):
                self.chunks.append(chunk)

        class Hub:
            def __init__(self):
                self.emitter = EventEmitter()

        HUB = Hub()
    """}, min_confidence="low")
    assert by_code(findings, "RL401") == [] and by_code(findings, "RL402") == []
    (buffer,) = by_code(findings, "RL101")
    assert buffer.confidence != "high", "HUB's emitter is another EventEmitter: no chain to Output"


# ---------------------------------------------------------------------------------- the graph command
def test_graph_formats(tmp_path, invoke):
    write_files(tmp_path, REGISTRY_PROJECT)
    graph = node_link(json.loads(invoke("graph", tmp_path, "--format", "json").stdout))
    assert nx.has_path(graph, "global:pkg.registry.RUNS", "container:pkg.output.Output._chunks")
    dot = invoke("graph", tmp_path, "--format", "dot").stdout
    assert dot.startswith("digraph retainlint {") and '"class:pkg.run.Run" -> "class:pkg.output.Output"' in dot
    mermaid = invoke("graph", tmp_path, "--format", "mermaid").stdout
    assert mermaid.startswith("flowchart LR") and '|"Run.output"|' in mermaid


def node_link(data):
    """networkx ≥ 3.4 wants to be told the edges are under "links"; older versions assume it."""
    try:
        return nx.node_link_graph(data, edges="links")
    except TypeError:
        return nx.node_link_graph(data)


def _hazard_graph(invoke, variant):
    return node_link(json.loads(invoke("graph", STREAMSYS / variant, "--only-hazards", "--format", "json").stdout))


def test_fixture_graph_shows_the_chain_to_the_buffered_chunks_only_when_leaky(invoke):
    buffer = "container:fixtures.streamsys.{}.output.ModelOutput._buffered_chunks"
    leaky = _hazard_graph(invoke, "leaky")
    roots = [n for n, d in leaky.nodes(data=True) if d.get("root")]
    assert any(nx.has_path(leaky, root, buffer.format("leaky")) for root in roots)
    path = nx.shortest_path(leaky, "global:fixtures.streamsys.leaky.app.AGENT", buffer.format("leaky"))
    assert "class:fixtures.streamsys.leaky.workflow.Run" in path
    fixed = _hazard_graph(invoke, "fixed")
    assert buffer.format("fixed") not in fixed
    assert not any(n.startswith("container:") and "ModelOutput" in n for n in fixed)


def test_graph_writes_to_a_file(tmp_path, invoke):
    write_files(tmp_path, REGISTRY_PROJECT)
    out = tmp_path / "graph.dot"
    assert invoke("graph", tmp_path / "pkg", "-o", out).exit_code == 0
    assert out.read_text().startswith("digraph")


def test_a_class_named_through_its_package_re_export_is_the_class_itself(tmp_path):
    """``broker: Broker`` imported from the package root names ``pkg.Broker``; its slots are
    those of ``pkg.broker.Broker`` (taskiq's AsyncBroker.middlewares was read as a class
    attribute of a class of its own)."""
    findings = check_files(tmp_path, {
        "pkg/__init__.py": "from pkg.broker import Broker\n",
        "pkg/broker.py": (
            "class Broker:\n"
            "    def __init__(self):\n"
            "        self.middlewares = []\n"
        ),
        "pkg/instrumentation.py": (
            "from pkg import Broker\n\n\n"
            "class Middleware:\n"
            "    pass\n\n\n"
            "def instrument(broker: Broker):\n"
            "    broker.middlewares.insert(0, Middleware())\n\n\n"
            "def uninstrument(broker: Broker):\n"
            "    broker.middlewares = [m for m in broker.middlewares if not isinstance(m, Middleware)]\n"
        ),
    }, min_confidence="low")
    assert not [f for f in findings if f.code == "RL302"], [f.message for f in findings]


def test_a_class_imported_through_a_sibling_module_is_that_class_when_its_name_repeats(tmp_path):
    """``runtime.py`` takes ``State`` from ``statemachine``, which imports it from ``flows``; a
    second ``State`` elsewhere makes the short name ambiguous.  The trim in ``runtime.py`` is of
    the list ``statemachine`` grows (nemoguardrails' ``state.last_events[-500:]``, FALSE at high)."""
    findings = check_files(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/v1.py": "class State:\n    pass\n",
        "pkg/flows.py": "class State:\n    def __init__(self):\n        self.last_events = []\n",
        "pkg/statemachine.py": (
            "from pkg.flows import State\n\n\n"
            "def step(state: State, event):\n"
            "    state.last_events.append(event)\n"
        ),
        "pkg/runtime.py": (
            "from pkg.statemachine import State, step\n\n\n"
            "class Runtime:\n"
            "    def process(self, state: State, events):\n"
            "        for event in events:\n"
            "            step(state, event)\n"
            "        state.last_events = state.last_events[-500:]\n\n\n"
            "CURRENT = State()\n"
        ),
    }, min_confidence="low")
    assert not by_code(findings, "RL101"), [f.message for f in findings]


def test_a_data_field_copied_to_a_global_is_no_bound_method(tmp_path):
    """``event_listener.verbose = self.verbose`` copies a field's value: it does not keep the Crew
    (crewai's chain event_listener → EventListener.verbose → Crew made every LLM "process-lifetime")."""
    findings = check_files(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/listener.py": (
            "class EventListener:\n"
            "    def __init__(self):\n"
            "        self.formatter = None\n\n\n"
            "event_listener = EventListener()\n"
        ),
        "pkg/crew.py": (
            "from pkg.listener import EventListener\n\n\n"
            "class Crew:\n"
            "    verbose: bool = False\n\n"
            "    def __init__(self):\n"
            "        self._items = []\n\n"
            "    def kickoff(self, item):\n"
            "        listener = EventListener()\n"
            "        listener.verbose = self.verbose\n"
            "        self._items.append(item)\n"
        ),
    }, min_confidence="low")
    assert [f.confidence for f in findings if f.code == "RL101"] == ["low"], [f.message for f in findings]


def test_a_model_field_holds_what_its_default_factory_makes(tmp_path):
    """``event_bus: EventBus = Field(default_factory=EventBus)`` holds an EventBus; ``Field(default=None)``
    holds no "Field" object — every such slot was one node, so one module-level model made every
    field of every model look process-lifetime (browser-use's DEFAULT_BROWSER_PROFILE → cdp_url)."""
    from retainlint.extract import extract_file
    from retainlint.knowledge import load_knowledge

    path = tmp_path / "m.py"
    path.write_text(
        "from pydantic import BaseModel, Field\n\n\n"
        "class EventBus:\n"
        "    pass\n\n\n"
        "class Profile(BaseModel):\n"
        "    cdp_url: str = Field(default=None)\n\n\n"
        "class Session(BaseModel):\n"
        "    event_bus: EventBus = Field(default_factory=EventBus)\n"
    )
    facts = extract_file(path, "m.py", load_knowledge(), "m")
    held = {(h.owner.name, h.held) for h in facts.holds}
    assert ("event_bus", "m.EventBus") in held
    assert not [h for h in facts.holds if h.held.endswith("Field")], facts.holds


def test_a_project_function_named_like_a_listener_api_holds_nothing_itself(tmp_path):
    """``on("open", cb)`` imported from the project's own ``functions/on.py`` is a call of that
    function, whose body says what it keeps — not a registration on a process-wide module
    (nicegui's ``functions.on`` forwards to the current client's layout)."""
    findings = check_files(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/functions/__init__.py": "",
        "pkg/functions/on.py": (
            "from contextvars import ContextVar\n\n"
            "current_client = ContextVar('current_client')\n\n\n"
            "def on(event_type, handler):\n"
            "    current_client.get().layout.on(event_type, handler)\n"
        ),
        "pkg/router.py": (
            "from pkg.functions.on import on\n\n\n"
            "class SubPagesRouter:\n"
            "    def __init__(self, request):\n"
            "        self.request = request\n"
            "        self._handlers = []\n"
            "        on('sub_pages_open', lambda event: self._handle_open(event.args))\n\n"
            "    def _handle_open(self, args):\n"
            "        self._handlers.append(args)\n\n\n"
            "def handle(request):\n"
            "    return SubPagesRouter(request)\n"
        ),
    })
    assert findings == [], [f"{f.code} {f.message}" for f in findings]


def test_a_container_set_on_a_parameter_typed_as_the_class_is_an_instance_attribute(tmp_path):
    """``self._pending_writes = []`` in a decorator's wrapper whose ``self: ServerSession`` is a
    parameter, not a method's self: the list belongs to the instance it is given, not to the
    class (bokeh's ServerSession._pending_writes was read as a class attribute)."""
    from retainlint.extract import extract_file
    from retainlint.knowledge import load_knowledge

    path = tmp_path / "m.py"
    path.write_text(
        "from __future__ import annotations\n\n\n"
        "def _needs_document_lock(func):\n"
        "    async def wrapper(self: ServerSession, *args):\n"
        "        self._pending_writes = []\n"
        "        return await func(self, *args)\n"
        "    return wrapper\n\n\n"
        "class ServerSession:\n"
        "    _pending_writes: list | None\n\n"
        "    def _document_patched(self, event):\n"
        "        self._pending_writes.append(event)\n"
    )
    facts = extract_file(path, "m.py", load_knowledge(), "m")
    assert [(c.ref.name, c.scope) for c in facts.containers] == [("_pending_writes", "instance")]


def test_a_module_imported_with_from_dot_import_is_a_module_global(tmp_path):
    """``from . import _callback`` then ``_callback.GLOBAL_INLINE_SCRIPTS.clear()``: the module's
    global is emptied (dash drains it when it renders the page); before, the name was taken for
    an object of unknown class and the release was lost."""
    findings = check_files(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/_callback.py": (
            "GLOBAL_INLINE_SCRIPTS = []\n\n\n"
            "def clientside_callback(request):\n"
            "    GLOBAL_INLINE_SCRIPTS.append(request.script)\n"
        ),
        "pkg/app.py": (
            "from . import _callback\n\n\n"
            "class Dash:\n"
            "    def __init__(self):\n"
            "        self._inline_scripts = []\n\n"
            "    def index(self, request):\n"
            "        scripts = list(_callback.GLOBAL_INLINE_SCRIPTS)\n"
            "        _callback.GLOBAL_INLINE_SCRIPTS.clear()\n"
            "        return scripts\n"
        ),
    })
    assert findings == [], [f"{f.code} {f.message}" for f in findings]


FORWARDER = """
        from typing import Literal

        EventTypes = Literal["transcript", "error", "metrics"]


        class Emitter:
            def on(self, event, callback=None):
                return callback


        class FallbackSession(Emitter):
            def __init__(self, adapter):
                self._active = adapter.models[0].session()
                self._forwarders = {}

            def on(self, event: EventTypes, callback=None):
                forwarder = self._forwarders.get(event)
                if forwarder is None:

                    def _forward(*args):
                        self.emit(event, *args)

                    forwarder = _forward
                    self._forwarders[event] = forwarder
                    self._active.on(event, forwarder)
                return super().on(event, callback)

            def emit(self, event, *args):
                print(event, args)
    """


def test_a_registration_in_a_get_or_create_runs_once_per_key(tmp_path):
    """``f = self._forwarders.get(e); if f is None: …; self._forwarders[e] = f; child.on(e, f)``:
    one registration per key, not one per call (livekit's fallback session, a held-out FALSE);
    the map's own growth is judged on its own.  Without the store, it runs on every miss."""
    findings = check_files(tmp_path, {"m.py": FORWARDER}, min_confidence="low")
    assert by_code(findings, "RL202") == [] and by_code(findings, "RL201") == []

    without_store = "\n".join(line for line in FORWARDER.splitlines()
                              if line.strip() != "self._forwarders[event] = forwarder")
    assert without_store != FORWARDER
    unstored = check_files(tmp_path / "unstored", {"m.py": without_store}, min_confidence="low")
    assert by_code(unstored, "RL202"), "a miss that stores nothing runs on every miss: per call"


def test_a_listener_on_an_emitter_not_shown_long_lived_is_medium_and_on_a_global_one_high(tmp_path):
    """A growing method that listens on an emitter handed in grows for as long as that emitter
    lives, which nothing shows to be long (ag2's EventCapture on a per-task stream, a held-out
    FALSE at high); on a module-level emitter it grows for the life of the process."""
    handed_in = '''
from ag2.annotations import BaseEvent, Context


class EventCapture:
    def __init__(self) -> None:
        self.events: list[BaseEvent] = []
        self._subscribed = False

    def register(self, context: Context) -> None:
        if self._subscribed:
            return
        context.stream.subscribe(self._on_event, sync_to_thread=False)
        self._subscribed = True

    async def _on_event(self, event: BaseEvent) -> None:
        self.events.append(event)
'''
    module_level = handed_in.replace("context.stream.subscribe", "STREAM.subscribe") + '''

class Stream:
    def subscribe(self, callback, sync_to_thread=True):
        self.callbacks = [callback]


STREAM = Stream()
'''
    [medium] = by_code(check_files(tmp_path / "a", {"capture.py": handed_in}, min_confidence="low"), "RL101")
    assert medium.confidence == "medium"
    [high] = by_code(check_files(tmp_path / "b", {"capture.py": module_level}, min_confidence="low"), "RL101")
    assert high.confidence == "high"


def test_a_project_dict_that_never_evicts_still_roots_what_it_holds(tmp_path):
    """Only a container class that removes its own entries bounds what it holds (the RL101 good
    example's CappedDict); one that overrides ``__setitem__`` to log, and never deletes, is a
    registry like any dict."""
    source = '''
class LoggedDict(dict):
    def __setitem__(self, key, value):
        print("set", key)
        super().__setitem__(key, value)


recent_artifacts = LoggedDict()


class Artifact:
    def __init__(self, client_id):
        self._added = {}
        recent_artifacts[client_id] = self

    def add(self, obj):
        self._added[id(obj)] = obj
'''
    [finding] = by_code(check_files(tmp_path, {"artifacts.py": source}), "RL101")
    assert finding.confidence == "high" and "recent_artifacts" in finding.message


def test_an_object_held_only_by_a_main_block_global_is_long_lived_only_as_a_script(tmp_path):
    """The demo at the bottom of a library module (crawl4ai's CrawlerMonitor, a held-out
    DEBATABLE at high) holds its object only when the module runs as a script: medium, saying
    so.  Bound at import as well, the global is a root as before."""
    source = '''
import uuid


class Monitor:
    def __init__(self):
        self.stats = {}

    def add_task(self, url):
        self.stats[str(uuid.uuid4())] = url

    def serve(self):
        while True:
            self.add_task(input())


if __name__ == "__main__":
    monitor = Monitor()
    monitor.serve()
'''
    [script] = by_code(check_files(tmp_path / "a", {"monitor.py": source}), "RL101")
    assert script.confidence == "medium" and "when the module runs as a script" in script.message
    imported = source.replace('if __name__ == "__main__":\n    monitor = Monitor()\n',
                              'monitor = Monitor()\nif __name__ == "__main__":\n')
    [root] = by_code(check_files(tmp_path / "b", {"monitor.py": imported}), "RL101")
    assert root.confidence == "high" and "script" not in root.message


def test_an_identity_key_stored_once_per_object_made_is_medium(tmp_path):
    """``_APPS[id(router)] = app`` on the way from ``Application.__init__`` adds one entry per
    application, and nothing shows applications made per call (blacksheep's validate_router, a
    held-out DEBATABLE at high): medium, as a list grown there is.  Made per request, high."""
    source = '''
_apps_by_router_id = {}


def validate_router(app):
    _apps_by_router_id[id(app.router)] = app


class Application:
    def __init__(self, router):
        self.router = router
        validate_router(self)
'''
    [setup] = by_code(check_files(tmp_path / "a", {"app.py": source}), "RL301")
    assert setup.confidence == "medium" and "one for every object made" in setup.message
    per_request = source + '''

def handle_request(request):
    return Application(request.router)
'''
    [traffic] = by_code(check_files(tmp_path / "b", {"app.py": per_request}), "RL301")
    assert traffic.confidence == "high"


def test_a_listener_held_only_through_a_registration_that_is_a_finding_is_not_held_by_its_root(tmp_path):
    """One cause, one finding: ``atexit`` holds each Launcher through the closure ``launch()``
    registers (the finding), and through the Launcher the connection a Browser listens on.  The
    Browser's listener is its connection's companion, not a second process-lifetime retention."""
    example = next(e for e in all_rules()["RL202"].bad if "pyppeteer's Launcher.launch" in e.note)
    findings = check_files(tmp_path, {"example.py": textwrap.dedent(example.source).lstrip("\n")},
                           min_confidence="low")
    by_code = {f.code: f for f in findings}
    assert by_code["RL201"].confidence == "low"
    assert "atexit" not in by_code["RL201"].message
    assert by_code["RL202"].confidence == "low"
