"""The report does not depend on string hashing: a class family is a set, and which member, end
method or caller a message named — or which definition a rule read — once followed its order."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import check_files, write_files

REPO = Path(__file__).resolve().parents[1]

# A cycle through a constructor, with an end method in the class and others in its subclasses;
# a buffer reached through every override of ``_fetch()``: which override a frequency's reason
# names followed the order the call graph met them in.
FAMILY = {
    "pkg/__init__.py": "",
    "pkg/conn.py": """
        class Outbox:
            def __init__(self, on_error):
                self._on_error = on_error


        class Connection:
            def __init__(self):
                self.outbox = Outbox(self._on_error)

            def _on_error(self):
                pass

            def close(self):
                pass


        class ConnectionV2(Connection):
            def reset(self):
                pass


        class ConnectionV3(Connection):
            async def __aexit__(self, *exc):
                pass


        class ConnectionV4(Connection):
            def shutdown(self):
                pass
    """,
    "pkg/parsers.py": """
        class Parser:
            def __init__(self):
                self.store = Store()

            def get_all(self, names):
                for name in names:
                    self._query(name)

            def _query(self, name):
                self._fetch(name)

            def _fetch(self, name):
                self.store.add(name)


        class ParserA(Parser):
            def _fetch(self, name):
                self.store.add(name)


        class ParserB(Parser):
            def _fetch(self, name):
                self.store.add(name)


        class ParserC(Parser):
            def _fetch(self, name):
                self.store.add(name)


        class Store:
            def __init__(self):
                self.items = []

            def add(self, name):
                self.items.append(name)
    """,
}


def test_the_fix_names_the_first_end_method_of_the_knowledge_table(tmp_path):
    (cycle,) = [f for f in check_files(tmp_path, FAMILY, min_confidence="low") if f.code == "RL402"]
    assert "Break the link in close() (self.outbox = None)" in cycle.message  # not reset(), __aexit__()


def test_the_report_is_the_same_under_every_hash_seed(tmp_path):
    write_files(tmp_path, FAMILY)
    reports = set()
    for seed in ("1", "2", "3", "4", "5"):
        env = dict(os.environ, PYTHONHASHSEED=seed, PYTHONPATH=str(REPO))
        result = subprocess.run([sys.executable, "-m", "retainlint", "check", str(tmp_path), "--no-cache",
                                 "--min-confidence", "low", "--exit-zero", "--output-format", "concise"],
                                capture_output=True, text=True, env=env, cwd=tmp_path, check=True)
        reports.add(result.stdout)
    assert len(reports) == 1, reports
