"""Findings that depend on more than one module of a project (a rule example is one file)."""

from __future__ import annotations

from tests.conftest import check_files

STATE = "telemetry = []\n"

HANDLERS = """\
from pkg import state


def record(request):
    state.telemetry += [{"path": request.path}]
"""

FLUSH = """\
from pkg import state


def upload():
    if not state.telemetry:
        return
    send(state.telemetry)
    state.telemetry = []


def send(batch):
    print(len(batch))
"""


def test_a_module_global_rebound_empty_through_its_module_is_released(tmp_path):
    """khoj's ``state.telemetry``: requests add to it, a periodic upload rebinds it to ``[]``
    after ``from khoj.utils import state``.  Rebinding another *object's* slot builds that object
    (``rv._items = …``); rebinding a *module's* global empties the one container (RL301 FALSE)."""
    files = {"pkg/__init__.py": "", "pkg/state.py": STATE, "pkg/handlers.py": HANDLERS, "pkg/flush.py": FLUSH}
    assert check_files(tmp_path, files, min_confidence="low") == []


def test_a_module_global_nothing_rebinds_still_grows(tmp_path):
    files = {"pkg/__init__.py": "", "pkg/state.py": STATE, "pkg/handlers.py": HANDLERS}
    assert [f.code for f in check_files(tmp_path, files, min_confidence="low")] == ["RL301"]


REGISTRY = """\
HANDLERS = []


def remember(handler):
    HANDLERS.append(handler)
"""

SETUP = """\
from ns.core.registry import remember

remember("a")
remember("b")
"""


def test_a_namespace_package_is_named_by_the_imports_through_it(tmp_path):
    """localstack: ``localstack/`` has no ``__init__.py``, yet its modules import each other as
    ``localstack.aws.…``.  Named by the packages below it alone, those imports resolve to nothing,
    and a function called only at import time looks like a public API called per request."""
    files = {"ns/core/__init__.py": "", "ns/core/registry.py": REGISTRY,
             "ns/app/__init__.py": "", "ns/app/setup.py": SETUP}
    assert check_files(tmp_path, files, min_confidence="low") == []


def test_a_folder_nothing_imports_through_is_no_namespace(tmp_path):
    """A ``src/`` layout: ``src/`` has no ``__init__.py`` and the code imports ``core.…``, not
    ``src.core.…``; the modules keep the names their imports use."""
    from retainlint.namespaces import qualified_module_names
    write = {"src/core/__init__.py": "", "src/core/registry.py": REGISTRY,
             "src/app/__init__.py": "", "src/app/setup.py": SETUP.replace("ns.core", "core")}
    for name, text in write.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    paths = [tmp_path / name for name in write]
    names = ["core", "core.registry", "app", "app.setup"]
    assert qualified_module_names(paths, names) == names
    (tmp_path / "src/app/setup.py").write_text(SETUP.replace("ns.core", "src.core"))
    assert qualified_module_names(paths, names) == ["src." + name for name in names]


CALLBACK = """\
class Table:
    def __init__(self):
        self._rows = []

    def event(self, doc):
        self._rows.append(doc["uid"])


class Callback:
    def __init__(self):
        self._table = Table()

    def __call__(self, name, doc):
        getattr(self._table, name)(doc)
"""

INTERACTIVE = """\
from lib.callbacks import Callback

bec = Callback()
"""


def test_a_global_of_a_test_module_is_no_process_root(tmp_path):
    """bluesky's ``tests/interactive/best_effort_cb.py`` keeps a callback in a module global: a
    test run's object, not a service's.  Held there, the library's buffers are not "retained for
    the life of the process" (RL401 and RL101 at high were FALSE)."""
    files = {"lib/__init__.py": "", "lib/callbacks.py": CALLBACK,
             "tests/interactive/best_effort_cb.py": INTERACTIVE}
    findings = check_files(tmp_path, files, min_confidence="low")
    assert findings and not any("retained by bec" in f.message for f in findings), findings
    files["app.py"] = INTERACTIVE  # the same global in the application is a root
    findings = check_files(tmp_path, files, min_confidence="low")
    assert any("retained by bec (module global)" in f.message for f in findings), findings


SPEC = """\
class ParamSpec:
    def __init__(self, name):
        self.name = name
        self._depends_on = []


def new_to_old(dependencies):
    specs = {name: ParamSpec(name) for name in dependencies}
    for name, others in dependencies.items():
        for other in others:
            specs[name]._depends_on.append(other)
    return list(specs.values())
"""

DRIVER = """\
from typing_extensions import ParamSpec

P = ParamSpec("P")
"""


def test_a_library_class_is_not_the_project_class_of_the_same_name(tmp_path):
    """qcodes: ``P = ParamSpec("P")`` from ``typing_extensions`` at module level of an instrument
    driver was taken for qcodes' own ``ParamSpec`` by its short name, which made every ParamSpec
    "retained by P (module global)" (RL101 at high, FALSE)."""
    files = {"pkg/__init__.py": "", "pkg/spec.py": SPEC, "pkg/driver.py": DRIVER}
    findings = check_files(tmp_path, files, min_confidence="low")
    assert not any("retained by P" in f.message for f in findings), findings


def test_a_folder_named_like_a_package_it_holds_is_no_namespace(tmp_path):
    """A cloned repository named like its package (``mypkg/mypkg/…``) with a script at its top:
    ``mypkg.tasks`` is the package's module, not ``mypkg/`` taken as a namespace over the script."""
    from retainlint.namespaces import qualified_module_names
    write = {"mypkg/__init__.py": "", "mypkg/tasks.py": REGISTRY,
             "mypkg/api.py": "from mypkg.tasks import remember\n", "tasks.py": "print('script')\n"}
    for name, text in write.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    names = ["mypkg", "mypkg.tasks", "mypkg.api", "tasks"]
    assert qualified_module_names([tmp_path / name for name in write], names) == names


COMPAT = """\
try:
    from pydantic.v1 import BaseModel
except ImportError:
    from pydantic import BaseModel
"""

DASHBOARD = """\
from typing import List

from pkg._compat import BaseModel


class DashboardConfig(BaseModel):
    name: str
    tabs: List[str] = []

    def add_tab(self, title):
        self.tabs.append(title)
"""


def test_a_model_base_imported_through_a_compat_module_copies_its_defaults(tmp_path):
    """evidently's ``DashboardConfig(BaseModel)`` with ``BaseModel`` from its own
    ``_pydantic_compat``: pydantic still copies ``tabs = []`` into each instance, so the list is
    per instance, not a class attribute that every dashboard shares (RL302 FALSE)."""
    files = {"pkg/__init__.py": "", "pkg/_compat.py": COMPAT, "pkg/dashboard.py": DASHBOARD}
    assert "RL302" not in [f.code for f in check_files(tmp_path, files, min_confidence="low")]


def test_a_class_attribute_of_a_plain_base_imported_through_a_module_is_shared(tmp_path):
    """The same shape on a base that is no model keeps its class attribute shared."""
    files = {"pkg/__init__.py": "", "pkg/_compat.py": "from collections import UserDict as BaseModel\n",
             "pkg/dashboard.py": DASHBOARD}
    assert [f.code for f in check_files(tmp_path, files, min_confidence="low")] == ["RL302"]


CAPTURING_HANDLER = """\
import logging


class CapturingLoggingHandler(logging.Handler):
    def __init__(self):
        super().__init__()
        self._records = []

    def emit(self, record):
        self._records.append(record)


def capture(name):
    handler = CapturingLoggingHandler()
    logging.getLogger(name).addHandler(handler)
    return handler
"""


def test_a_packages_own_test_module_is_test_support(tmp_path):
    """taskflow's ``taskflow/test.py``: the base of its test cases, with a log handler each test
    attaches and resets — test support, as a ``testing/`` folder is (RL101 FALSE); the same code
    in the library proper is a finding."""
    files = {"pkg/__init__.py": "", "pkg/test.py": CAPTURING_HANDLER}
    assert check_files(tmp_path / "a", files, min_confidence="low") == []
    files = {"pkg/__init__.py": "", "pkg/handlers.py": CAPTURING_HANDLER}
    assert "RL101" in [f.code for f in check_files(tmp_path / "b", files, min_confidence="low")]
