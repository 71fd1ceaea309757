"""The pinned real projects of the triage set, and running a retainlint on them.

Shared by ``bench/triage.py`` (precision against hand labels) and ``bench/ecosystem.py``
(findings added and removed between two commits).  Releases are downloaded once with pip (no
dependencies, nothing installed) and unpacked under ``$RL_REAL_CODE`` (default
``~/.cache/retainlint-real-code``).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence

try:
    import tomllib
except ImportError:  # Python < 3.11
    import tomli as tomllib

BENCH = Path(__file__).resolve().parent
PROJECTS = BENCH / "triage" / "projects.toml"
LABELS = BENCH / "triage" / "labels"
# An empty configuration at the top of each unpacked release: the project root for fingerprints,
# so that a finding's identity does not depend on where the release was unpacked.
CONFIG_NAME = "retainlint-triage.toml"


@dataclass(frozen=True)
class Project:
    name: str
    spec: str
    kind: str
    paths: tuple

    @property
    def folder_name(self) -> str:
        return self.spec.replace("==", "-")


def load_projects(only: Sequence[str] = ()) -> List[Project]:
    data = tomllib.loads(PROJECTS.read_text(encoding="utf-8"))
    projects = [Project(p["name"], p["spec"], p["kind"], tuple(p["paths"])) for p in data["project"]]
    unknown = set(only) - {p.name for p in projects}
    if unknown:
        raise SystemExit(f"unknown project(s): {', '.join(sorted(unknown))}")
    return [p for p in projects if not only or p.name in only]


def cache_root() -> Path:
    return Path(os.environ.get("RL_REAL_CODE", Path.home() / ".cache" / "retainlint-real-code"))


def unpack(project: Project) -> Path:
    """The unpacked release (downloaded on first use)."""
    folder = cache_root() / f"triage-{project.folder_name}"
    if (folder / CONFIG_NAME).exists():
        return folder
    download = Path(tempfile.mkdtemp())
    flags = ["--only-binary=:all:"] if project.kind == "wheel" else ["--no-binary=:all:"]
    subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", *flags,
                    "-d", str(download), project.spec], check=True)
    archive = next(download.iterdir())
    staging = Path(tempfile.mkdtemp())
    if archive.suffix == ".whl":
        with zipfile.ZipFile(archive) as wheel:
            wheel.extractall(staging)
        top = staging
    else:
        with tarfile.open(archive) as sdist:
            sdist.extractall(staging)
        inner = [p for p in staging.iterdir() if p.is_dir()]
        top = inner[0] if len(inner) == 1 else staging
    if folder.exists():
        shutil.rmtree(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(top), str(folder))
    (folder / CONFIG_NAME).write_text("# retainlint settings for the triage run: the defaults\n", encoding="utf-8")
    shutil.rmtree(download, ignore_errors=True)
    return folder


def count_lines(folder: Path, paths: Sequence[str]) -> int:
    return sum(p.read_bytes().count(b"\n") for rel in paths for p in (folder / rel).rglob("*.py"))


def run_retainlint(command: Sequence[str], project: Project, min_confidence: str = "low",
                   env: Optional[Dict[str, str]] = None) -> List[dict]:
    """Findings of ``command check`` on a project as JSON records, each with ``file`` relative to
    the release and ``line_text``, the reported line's source."""
    folder = unpack(project)
    out = subprocess.run([*command, "check", *project.paths, "--config", CONFIG_NAME, "--output-format", "json",
                          "--exit-zero", "--no-cache", "--min-confidence", min_confidence],
                         cwd=folder, capture_output=True, text=True, env=env)
    try:
        findings = json.loads(out.stdout)
    except ValueError:
        raise SystemExit(f"{project.name}: retainlint gave no JSON (exit {out.returncode}): {out.stderr[-400:]}")
    for finding in findings:
        finding["file"] = os.path.relpath(finding["filename"], folder)
        finding["line_text"] = _line(folder / finding["file"], finding["location"]["row"])
    return findings


def _line(path: Path, row: int) -> str:
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return ""
    return lines[row - 1].strip() if 0 < row <= len(lines) else ""


def load_labels(project: Project) -> Dict[str, dict]:
    """Hand labels of one project by fingerprint."""
    path = LABELS / f"{project.name}.toml"
    if not path.exists():
        return {}
    return {entry["fingerprint"]: entry for entry in tomllib.loads(path.read_text(encoding="utf-8")).get("finding", [])}
