"""Run retainlint on real projects from PyPI and summarise the findings per project and per rule.

    python bench/real_code.py django==5.2.8 tornado==6.5.2 celery==5.5.3:celery [-- retainlint args]

Wheels are downloaded once (no dependencies, nothing installed) and unpacked under
``$RL_REAL_CODE`` (default ``~/.cache/retainlint-real-code``).  Prints lines checked, findings
per rule, run time, and every finding, so that each can be read and judged.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import zipfile
from collections import Counter
from pathlib import Path


def unpack(spec: str, root: Path) -> Path:
    package, _, module = spec.partition(":")
    module = module or package.split("==")[0].lower().replace("-", "_")
    folder = root / package.replace("==", "-")
    if not (folder / module).is_dir():
        wheels = folder / "whl"
        wheels.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:",
                        "-d", str(wheels), package], check=True)
        for wheel in wheels.glob("*.whl"):
            with zipfile.ZipFile(wheel) as archive:
                archive.extractall(folder)
    return folder / module


def main(argv) -> int:
    extra = argv[argv.index("--") + 1:] if "--" in argv else []
    specs = argv[: argv.index("--")] if "--" in argv else argv
    root = Path(os.environ.get("RL_REAL_CODE", Path.home() / ".cache" / "retainlint-real-code"))
    for spec in specs:
        source = unpack(spec, root)
        lines = sum(p.read_bytes().count(b"\n") for p in source.rglob("*.py"))
        start = time.perf_counter()
        out = subprocess.run(["retainlint", "check", str(source), "--output-format", "json", "--exit-zero", *extra],
                             capture_output=True, text=True)
        elapsed = time.perf_counter() - start
        findings = json.loads(out.stdout or "[]")
        errors = [line for line in out.stderr.splitlines() if ": error: " in line]
        counts = Counter(f["code"] for f in findings)
        per_rule = " ".join(f"{code}={n}" for code, n in sorted(counts.items()))
        print(f"== {spec}: {lines} lines, {len(findings)} findings ({1000 * len(findings) / max(lines, 1):.2f}/kloc), "
              f"{elapsed:.1f}s, {len(errors)} file errors  {per_rule}")
        for finding in sorted(findings, key=lambda f: (f["filename"], f["location"]["row"])):
            name = finding["filename"].replace(str(source.parent) + "/", "")
            print(f"  {name}:{finding['location']['row']}: {finding['code']} [{finding['confidence']}] "
                  f"{finding['message'][:160]}")
        for error in errors:
            print(f"  {error}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
