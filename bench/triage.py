"""Score retainlint against the hand-labelled triage set (``bench/triage/``).

    python bench/triage.py [--project NAME ...] [--retainlint CMD] [--stub]

Runs retainlint on every pinned project of ``bench/triage/projects.toml`` (at ``--min-confidence
low``, so that every level can be calibrated) and matches each finding by fingerprint against
``bench/triage/labels/<project>.toml``, where a person judged it:

  TRUE       a hazard a maintainer would fix (memory grows with traffic and is held long)
  DEBATABLE  true by the letter but bounded in practice, or a design choice
  FALSE      not a hazard: the analysis is wrong

Prints per project the lines, the findings by rule and confidence and the verdicts; then the
precision (TRUE share) per rule and per confidence; then findings that have no label yet (new)
and labelled findings that are no longer reported (gone; a TRUE one gone, or lowered below the
default confidence it was labelled at, is a lost hit).
``--stub`` appends unlabelled findings at default confidence and above (``--all``: at every
confidence) to the label files with ``label = "?"`` for a person to judge.  Exit status 1 when a default-confidence finding is
unlabelled, so the figures are never computed over a partial set.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from collections import Counter, defaultdict
from typing import Dict, List, Optional

from corpus import LABELS, count_lines, load_labels, load_projects, run_retainlint, unpack

LEVELS = ("low", "medium", "high")
DEFAULT = "medium"
VERDICTS = ("TRUE", "DEBATABLE", "FALSE")


def shown(finding: dict, minimum: str = DEFAULT) -> bool:
    return LEVELS.index(finding["confidence"]) >= LEVELS.index(minimum)


def stub(entry: dict) -> str:
    fields = {"fingerprint": entry["fingerprint"], "code": entry["code"], "file": entry["file"],
              "line": entry["location"]["row"], "confidence": entry["confidence"], "source": entry["line_text"],
              "message": entry["message"][:300], "label": "?", "reason": ""}
    return "\n[[finding]]\n" + "".join(f"{key} = {json.dumps(value, ensure_ascii=False)}\n"
                                       for key, value in fields.items())


def precision(counts: Counter) -> str:
    judged = sum(counts[v] for v in VERDICTS)
    if not judged:
        return "-"
    return f"{100 * counts['TRUE'] / judged:.0f}% of {judged} (T{counts['TRUE']} D{counts['DEBATABLE']} F{counts['FALSE']})"


def _loss(entry: dict, now: Optional[str]) -> str:
    """How a TRUE finding that is not shown by default got there: dropped, or lowered below the
    default confidence — or labelled below it in the first place (not a loss)."""
    if entry.get("label") != "TRUE":
        return ""
    if now is None:
        return "  << a TRUE finding lost"
    if not shown({"confidence": entry.get("confidence", DEFAULT)}):
        return f"  (still reported at {now}, as when labelled at {entry['confidence']})"
    return f"  << a TRUE finding lowered to {now}"


def main(argv: List[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--project", action="append", default=[])
    parser.add_argument("--retainlint", default=shutil.which("retainlint") or "retainlint",
                        help="the retainlint command to score (default: the one on PATH)")
    parser.add_argument("--stub", action="store_true", help="append unlabelled default findings to the label files")
    parser.add_argument("--all", action="store_true", help="with --stub: low-confidence findings too")
    args = parser.parse_args(argv)
    by_rule: Dict[str, Counter] = defaultdict(Counter)
    by_level: Dict[str, Counter] = defaultdict(Counter)
    default_total: Counter = Counter()
    new, gone, unlabelled_default = [], [], 0
    for project in load_projects(args.project):
        folder = unpack(project)
        findings = run_retainlint(args.retainlint.split(), project)
        labels = load_labels(project)
        verdicts: Counter = Counter()
        codes: Counter = Counter()
        stubs = []
        for finding in findings:
            codes[f"{finding['code']}/{finding['confidence'][0]}"] += 1
            label = labels.get(finding["fingerprint"], {}).get("label", "?")
            if label in VERDICTS:
                by_level[finding["confidence"]][label] += 1
                if shown(finding):
                    by_rule[finding["code"]][label] += 1
                    default_total[label] += 1
                    verdicts[label] += 1
            elif shown(finding):
                unlabelled_default += 1
                verdicts["?"] += 1
                new.append((project.name, finding))
            if label not in VERDICTS and finding["fingerprint"] not in labels and (shown(finding) or args.all):
                stubs.append(stub(finding))
        reported = {f["fingerprint"]: f for f in findings}
        gone += [(project.name, entry, reported[fp]["confidence"] if fp in reported else None)
                 for fp, entry in labels.items()
                 if fp not in reported or (entry.get("label") == "TRUE" and not shown(reported[fp]))]
        lines = count_lines(folder, project.paths)
        print(f"{project.name} ({project.spec}): {lines:,} lines; findings {' '.join(f'{k}={v}' for k, v in sorted(codes.items())) or '-'}; "
              f"default-confidence verdicts T{verdicts['TRUE']} D{verdicts['DEBATABLE']} F{verdicts['FALSE']}"
              f"{' unlabelled ' + str(verdicts['?']) if verdicts['?'] else ''}")
        if args.stub and stubs:
            LABELS.mkdir(parents=True, exist_ok=True)
            with open(LABELS / f"{project.name}.toml", "a", encoding="utf-8") as out:
                out.write("".join(stubs))
    print("\nprecision at default confidence (medium and high), by rule:")
    for code in sorted(by_rule):
        print(f"  {code}: {precision(by_rule[code])}")
    print(f"  all: {precision(default_total)}")
    print("precision by confidence (labelled findings at each level):")
    for level in reversed(LEVELS):
        print(f"  {level}: {precision(by_level[level])}")
    if new:
        print(f"\nnew (no label yet, default confidence): {len(new)}")
        for name, finding in new:
            print(f"  {name} {finding['file']}:{finding['location']['row']} {finding['code']} [{finding['confidence']}] "
                  f"{finding['message'][:200]}")
    if gone:
        print(f"\ngone (labelled, no longer reported; or TRUE and now below default confidence): {len(gone)}")
        for name, entry, now in gone:
            print(f"  {name} {entry['file']}:{entry['line']} {entry['code']} {entry.get('label')}{_loss(entry, now)}")
    return 1 if unlabelled_default else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
