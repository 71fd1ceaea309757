"""A declared script runs once per process: what only it reaches is start-up, not traffic.

The scripts are read from the project's packaging metadata (see ``retainlint.entrypoints``): a
function that grows a module global on every call is a hazard while its callers are unknown,
and start-up once a console script names it, or names the click group or Typer app it is a
command of."""

from __future__ import annotations

import os

from retainlint.config import Settings
from retainlint.engine import build_project, extract_project
from retainlint.knowledge import load_knowledge
from tests.conftest import check_files, write_files

GROWTH = """\
    for _ in range(count):
        worker = threading.Thread(target=print)
        worker.start()
        _workers.append(worker)
"""

SERVE = """\
import threading

_workers = []


def serve(count):
""" + GROWTH

CLICK_GROUP = """\
import threading

import click

_workers = []


@click.group()
def cli():
    pass


@cli.group()
def workers():
    pass


@workers.command()
@click.option("--count", default=4)
def start(count):
""" + GROWTH

TYPER_APP = """\
import threading

import typer

from pkg.state import workers

app = typer.Typer()
""", """\
import threading

from pkg.cli import app
from pkg.state import workers


@app.command()
def start(count: int = 4):
""" + GROWTH.replace("_workers", "workers")

PYPROJECT = '[project]\nname = "pkg"\n[project.scripts]\npkg-serve = "{target}"\n'


def _codes(tmp_path, files):
    return [(f.path.rsplit("/", 1)[-1], f.code) for f in check_files(tmp_path, files, min_confidence="low")]


def test_without_metadata_a_public_function_runs_per_call(tmp_path):
    files = {"pkg/__init__.py": "", "pkg/cli.py": SERVE}
    assert _codes(tmp_path, files) == [("cli.py", "RL301")]


def test_a_console_script_in_pyproject_runs_once(tmp_path):
    files = {"pkg/__init__.py": "", "pkg/cli.py": SERVE, "pyproject.toml": PYPROJECT.format(target="pkg.cli:serve")}
    assert _codes(tmp_path, files) == []


def test_a_src_layout_reads_the_pyproject_one_folder_up(tmp_path):
    files = {"src/pkg/__init__.py": "", "src/pkg/cli.py": SERVE,
             "pyproject.toml": PYPROJECT.format(target="pkg.cli:serve")}
    assert _codes(tmp_path, files) == []


def test_a_script_naming_another_function_changes_nothing(tmp_path):
    files = {"pkg/__init__.py": "", "pkg/cli.py": SERVE, "pyproject.toml": PYPROJECT.format(target="pkg.cli:main")}
    assert _codes(tmp_path, files) == [("cli.py", "RL301")]


def test_an_unpacked_wheels_entry_points_txt(tmp_path):
    files = {"pkg/__init__.py": "", "pkg/cli.py": SERVE,
             "pkg-1.0.dist-info/entry_points.txt": "[console_scripts]\npkg-serve = pkg.cli:serve\n"}
    assert _codes(tmp_path, files) == []


def test_setup_cfg_console_scripts(tmp_path):
    setup_cfg = "[options.entry_points]\nconsole_scripts =\n    pkg-serve = pkg.cli:serve [extra]\n"
    files = {"pkg/__init__.py": "", "pkg/cli.py": SERVE, "setup.cfg": setup_cfg}
    assert _codes(tmp_path, files) == []


def test_a_command_of_a_nested_click_group(tmp_path):
    """``pkg = pkg.cli:cli`` names the group; ``workers start`` is a command of its subgroup."""
    files = {"pkg/__init__.py": "", "pkg/cli.py": CLICK_GROUP, "pyproject.toml": PYPROJECT.format(target="pkg.cli:cli")}
    assert _codes(tmp_path, files) == []


def test_a_command_of_a_typer_app_in_another_module(tmp_path):
    app, command = TYPER_APP
    files = {"pkg/__init__.py": "", "pkg/state.py": "workers = []\n", "pkg/cli.py": app, "pkg/commands.py": command}
    assert _codes(tmp_path, files) == [("commands.py", "RL301")]
    files["pyproject.toml"] = PYPROJECT.format(target="pkg.cli:app")
    assert _codes(tmp_path, files) == []


def test_unreadable_metadata_declares_nothing_and_the_run_goes_on(tmp_path):
    files = {"pkg/__init__.py": "", "pkg/cli.py": SERVE, "pyproject.toml": "[project.scripts\npkg-serve = 1\n",
             "setup.cfg": "not an ini file\n", "pkg-1.0.dist-info/entry_points.txt": "[console_scripts\n"}
    assert _codes(tmp_path, files) == [("cli.py", "RL301")]


def test_the_reason_names_the_script(tmp_path):
    files = {"pkg/__init__.py": "", "pkg/cli.py": CLICK_GROUP, "pyproject.toml": PYPROJECT.format(target="pkg.cli:cli")}
    write_files(tmp_path, files)
    settings = Settings(root=tmp_path)
    knowledge = load_knowledge(settings.api)
    modules, _, test_paths = extract_project([str(tmp_path)], settings, knowledge)
    callgraph = build_project(modules, knowledge, test_paths).callgraph
    assert callgraph.frequency("pkg.cli.cli").reason == \
        "it is the program's entry point, the console script pkg-serve (pyproject.toml): it runs once per process"
    assert callgraph.frequency("pkg.cli.start").reason == \
        "it is a command of workers, the console script pkg-serve (pyproject.toml): it runs once per process"


def test_a_fifo_or_a_deep_file_under_a_metadata_name_declares_nothing(tmp_path):
    """Read as a regular file of bounded size: a FIFO named entry_points.txt would block a plain
    open(), and a pyproject nested thousands deep makes tomllib recurse past its limit."""
    files = {"pkg/__init__.py": "", "pkg/cli.py": SERVE, "pyproject.toml": "kw = " + "[" * 5000 + "]" * 5000 + "\n"}
    write_files(tmp_path, files)
    (tmp_path / "pkg-1.0.dist-info").mkdir()
    if hasattr(os, "mkfifo"):
        os.mkfifo(tmp_path / "pkg-1.0.dist-info" / "entry_points.txt")
    assert _codes(tmp_path, {}) == [("cli.py", "RL301")]


def test_a_property_setter_is_no_command_of_a_script_of_its_name(tmp_path):
    """``@status.setter`` in a class body names the class's property, not the module's
    ``status()`` that a script declares."""
    source = SERVE + '''

def status():
    print("ok")


class Session:
    @property
    def status(self):
        return _workers[-1]

    @status.setter
    def status(self, value):
        _workers.append(value)
'''
    files = {"pkg/__init__.py": "", "pkg/cli.py": source, "pyproject.toml": PYPROJECT.format(target="pkg.cli:status")}
    assert _codes(tmp_path, files) == [("cli.py", "RL301")]
    [finding] = check_files(tmp_path, files, min_confidence="low")
    assert "Session.status()" in finding.message


def test_a_group_the_program_also_dispatches_gives_its_commands_no_floor(tmp_path):
    """A chat bot that runs its click group per message (``cli.main(text.split())``): the
    commands run per message, not once per process."""
    source = CLICK_GROUP + '''

def on_chat_message(message):
    cli.main(message.text.split(), standalone_mode=False)
'''
    files = {"pkg/__init__.py": "", "pkg/cli.py": source, "pyproject.toml": PYPROJECT.format(target="pkg.cli:cli")}
    assert _codes(tmp_path, files) == [("cli.py", "RL301")]


def test_setup_cfg_with_colon_delimiters_and_entry_points_txt_defaults(tmp_path):
    """setuptools reads ``name: value``; a ``[DEFAULT]`` section of entry_points.txt is no script."""
    setup_cfg = ("[metadata]\nname: pkg\n\n[options.entry_points]\nconsole_scripts =\n"
                 "    pkg-serve = pkg.cli:serve\n")
    files = {"pkg/__init__.py": "", "pkg/cli.py": SERVE, "setup.cfg": setup_cfg}
    assert _codes(tmp_path / "a", files) == []
    files = {"pkg/__init__.py": "", "pkg/cli.py": SERVE,
             "pkg-1.0.dist-info/entry_points.txt": "[DEFAULT]\nx = pkg.cli:serve\n[console_scripts]\n"}
    assert _codes(tmp_path / "b", files) == [("cli.py", "RL301")]
