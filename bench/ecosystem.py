"""What a change does to real code: findings added and removed between two retainlint commits.

    python bench/ecosystem.py BASE HEAD [--project NAME ...] [--min-confidence medium]

Like ruff's ecosystem check.  BASE and HEAD are git revisions of this repository; ``WORKTREE``
stands for the uncommitted working tree.  Each revision is installed once (``pip install
--no-deps --target``, cached by commit under ``$RL_ECOSYSTEM``, default
``~/.cache/retainlint-ecosystem``) and run over the pinned projects of
``bench/triage/projects.toml``.  Findings are matched by fingerprint; a finding whose confidence
changed is listed as such.  Each line carries the hand label of the triage set when there is
one, so a change that drops a TRUE finding or adds a FALSE one shows at once.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Dict, List

from corpus import load_labels, load_projects, run_retainlint

REPO = Path(__file__).resolve().parent.parent
LEVELS = ("low", "medium", "high")


def _cache() -> Path:
    return Path(os.environ.get("RL_ECOSYSTEM", Path.home() / ".cache" / "retainlint-ecosystem"))


def _git(*args: str) -> str:
    return subprocess.run(["git", "-C", str(REPO), *args], check=True, capture_output=True, text=True).stdout.strip()


def install(revision: str) -> Path:
    """A folder holding retainlint as of ``revision``, importable with PYTHONPATH."""
    if revision == "WORKTREE":
        files = _git("ls-files", "-co", "--exclude-standard").splitlines()
        digest = hashlib.sha256()
        for name in sorted(files):
            path = REPO / name
            if path.is_file():
                digest.update(name.encode() + b"\0" + path.read_bytes())
        key, source = "worktree-" + digest.hexdigest()[:16], REPO
    else:
        key, source = _git("rev-parse", revision), None
    target = _cache() / key
    if (target / "retainlint").is_dir():
        return target
    with tempfile.TemporaryDirectory() as tmp:
        if source is None:
            archive = subprocess.run(["git", "-C", str(REPO), "archive", key], check=True, capture_output=True).stdout
            subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
            source = Path(tmp)
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps",
                        "--target", str(target), str(source)], check=True)
    return target


def findings_of(site: Path, project, min_confidence: str) -> Dict[str, dict]:
    env = dict(os.environ, PYTHONPATH=str(site))
    command = [sys.executable, "-c", "from retainlint.cli import main; main()"]
    found = run_retainlint(command, project, min_confidence, env=env)
    return {f["fingerprint"]: f for f in found}


def _line(sign: str, finding: dict, labels: Dict[str, dict], extra: str = "") -> str:
    label = labels.get(finding["fingerprint"], {}).get("label", "")
    tag = f" <{label}>" if label and label != "?" else ""
    return (f"  {sign} {finding['file']}:{finding['location']['row']} {finding['code']} [{finding['confidence']}]"
            f"{tag}{extra} {finding['message'][:220]}")


def main(argv: List[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("base")
    parser.add_argument("head")
    parser.add_argument("--project", action="append", default=[])
    parser.add_argument("--min-confidence", default="medium", choices=LEVELS)
    args = parser.parse_args(argv)
    base, head = install(args.base), install(args.head)
    totals = [0, 0, 0]
    for project in load_projects(args.project):
        before = findings_of(base, project, args.min_confidence)
        after = findings_of(head, project, args.min_confidence)
        labels = load_labels(project)
        added = [after[k] for k in after if k not in before]
        removed = [before[k] for k in before if k not in after]
        changed = [(before[k], after[k]) for k in after if k in before and before[k]["confidence"] != after[k]["confidence"]]
        totals[0] += len(added)
        totals[1] += len(removed)
        totals[2] += len(changed)
        print(f"{project.name}: {len(before)} → {len(after)} findings (+{len(added)} -{len(removed)}, "
              f"{len(changed)} changed confidence)")
        for finding in sorted(added, key=lambda f: (f["file"], f["location"]["row"])):
            print(_line("+", finding, labels))
        for finding in sorted(removed, key=lambda f: (f["file"], f["location"]["row"])):
            print(_line("-", finding, labels))
        for old, new in changed:
            print(_line("~", new, labels, f" (was {old['confidence']})"))
    print(f"total: +{totals[0]} -{totals[1]} ~{totals[2]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
