"""Long fuzzing runs: programs that must never make retainlint fail with an internal error.

    python bench/fuzz.py --programs 10000 [--source generated|mutated|both] [--seed 0] [--jobs N]
    python bench/fuzz.py --stdlib                  # every module of this Python's standard library

``generated``: hypothesmith programs (from Python's grammar and from libcst's node types), each
with one of the line endings CPython accepts (``\\n``, ``\\r\\n``, a lone ``\\r``, ``\\r\\r\\n``).
``mutated``: standard-library modules with one mutation each — line ends turned into lone ``\\r``
or ``\\r\\r\\n``, a stray ``\\r`` or form feed or ``\\u2028`` inserted, truncated, a byte flipped,
wrapped in deep nesting, a big constant literal or thousands of functions appended.  Each program
goes through extraction, the cache's encoding both ways and every check
(:func:`retainlint.selfcheck.check_program`).  A syntax error or another file error is an answer;
any exception is an internal error, printed with the program's description and saved under
``--out`` for a bug report.  Prints programs run, file errors and internal errors, and the time.
"""

from __future__ import annotations

import argparse
import os
import random
import sysconfig
import time
import traceback
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Iterator, List, Tuple

ENDINGS = ["\n", "\r\n", "\r", "\r\r\n"]


def stdlib_files() -> List[Path]:
    root = Path(sysconfig.get_paths()["stdlib"])
    return sorted(p for p in root.rglob("*.py") if "site-packages" not in p.parts)


def _read(path: Path) -> str:
    from retainlint.extract import decode_source

    try:
        return decode_source(path.read_bytes())
    except (UnicodeDecodeError, SyntaxError, LookupError):
        return path.read_bytes().decode("latin-1")


def mutate(text: str, rng: random.Random) -> Tuple[str, str]:
    """(description, mutated text)."""
    kind = rng.choice(["cr", "crcrlf", "stray-cr", "formfeed", "separator", "truncate", "flip", "nest",
                       "literal", "functions"])
    spot = rng.randrange(len(text) + 1)
    if kind == "cr":
        return kind, text.replace("\r\n", "\n").replace("\n", "\r")
    if kind == "crcrlf":
        return kind, text.replace("\r\n", "\n").replace("\n", "\r\r\n")
    if kind in ("stray-cr", "formfeed", "separator"):
        char = {"stray-cr": "\r", "formfeed": "\x0c", "separator": "\u2028"}[kind]
        return f"{kind}@{spot}", text[:spot] + char + text[spot:]
    if kind == "truncate":
        return f"{kind}@{spot}", text[:spot]
    if kind == "flip":
        if not text:
            return kind, text
        index = min(spot, len(text) - 1)
        return f"{kind}@{index}", text[:index] + chr(ord(text[index]) ^ (1 << rng.randrange(7))) + text[index + 1:]
    if kind == "nest":
        depth = rng.choice([50, 150, 1_000, 5_000])
        return f"{kind}x{depth}", text + "\nx = " + "(" * depth + "1" + ")" * depth + "\n"
    if kind == "literal":
        count = rng.choice([1_000, 20_000])
        return f"{kind}x{count}", text + "\nDATA = [" + ", ".join(map(str, range(count))) + "]\n"
    count = rng.choice([1_000, 5_000])
    return f"{kind}x{count}", text + "\n" + "".join(f"def f{i}(): return {i}\n" for i in range(count))


def _check(description: str, source: str) -> Tuple[str, str]:
    """("ok" | "file-error" | "internal", details)."""
    from retainlint.extract import FileError
    from retainlint.selfcheck import check_program

    try:
        outcome = check_program(source)
    except Exception:  # every exception is what this script looks for
        return "internal", f"{description}: {traceback.format_exc()}"
    return ("file-error" if isinstance(outcome, FileError) else "ok"), description


def _mutated(seed: int, count: int) -> Iterator[Tuple[str, str]]:
    rng = random.Random(seed)
    files = stdlib_files()
    for _ in range(count):
        path = rng.choice(files)
        description, text = mutate(_read(path), rng)
        yield f"{path.name} {description}", text


def _generated(seed: int, count: int) -> List[Tuple[str, str]]:
    """hypothesmith programs, drawn through hypothesis with a fixed seed."""
    import warnings

    import hypothesmith
    from hypothesis import HealthCheck, given, settings
    from hypothesis import seed as fix_seed
    from hypothesis import strategies as st

    programs: List[Tuple[str, str]] = []

    @fix_seed(seed)
    @settings(max_examples=count, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(st.one_of(hypothesmith.from_grammar(), hypothesmith.from_node()), st.sampled_from(ENDINGS))
    def collect(source: str, ending: str) -> None:
        programs.append((f"generated {ending!r}", source.replace("\r\n", "\n").replace("\n", ending)))

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        collect()
    return programs


def _batch(job: Tuple[str, int, int]) -> List[Tuple[str, str]]:
    source, seed, count = job
    programs = _generated(seed, count) if source == "generated" else _mutated(seed, count)
    return [outcome for outcome in (_check(d, text) for d, text in programs) if outcome[0] != "ok"] + \
        [("ran", str(count))]


def _stdlib_batch(paths: List[str]) -> List[Tuple[str, str]]:
    outcomes = [_check(path, _read(Path(path))) for path in paths]
    return [o for o in outcomes if o[0] != "ok"] + [("ran", str(len(paths)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--programs", type=int, default=1_000)
    parser.add_argument("--source", choices=["generated", "mutated", "both"], default="both")
    parser.add_argument("--stdlib", action="store_true", help="check every standard-library module instead")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--out", type=Path, default=Path("fuzz-failures"))
    args = parser.parse_args()

    if args.stdlib:
        files = [str(p) for p in stdlib_files()]
        jobs = [files[i::args.jobs * 8] for i in range(args.jobs * 8)]
        work, function = jobs, _stdlib_batch
    else:
        sources = ["generated", "mutated"] if args.source == "both" else [args.source]
        batch = 100
        work = [(source, args.seed * 1_000_003 + index, batch)
                for source in sources for index in range(max(1, args.programs // len(sources) // batch))]
        function = _batch
    start = time.perf_counter()
    ran = file_errors = 0
    internal: List[str] = []
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        for outcomes in pool.map(function, work):
            for kind, details in outcomes:
                if kind == "ran":
                    ran += int(details)
                elif kind == "file-error":
                    file_errors += 1
                else:
                    internal.append(details)
                    print(f"INTERNAL ERROR {details}", flush=True)
    if internal:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "internal-errors.txt").write_text("\n\n".join(internal), encoding="utf-8")
    elapsed = time.perf_counter() - start
    print(f"programs run: {ran}, file errors (syntax and the like): {file_errors}, "
          f"internal errors: {len(internal)}, {elapsed:.0f} s with {args.jobs} processes")


if __name__ == "__main__":
    main()
