"""Run mypy and let its error count per file only fall.

    python tools/mypy_ratchet.py            check against tools/mypy-baseline.json
    python tools/mypy_ratchet.py --update   lower the baseline to today's counts
    python tools/mypy_ratchet.py --update --force   rewrite it even if counts rose

mypy is configured in pyproject.toml ([tool.mypy]). The check fails when a
file has more errors than the baseline allows, or when a file that is not in
the baseline has any; it then prints those files' errors. When counts fell it
says so and asks for --update, so the lower count becomes the new limit.

Exit status: 0 when no file got worse, 1 when one did, 2 when mypy itself
could not run (a crash or a configuration error).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "tools" / "mypy-baseline.json"


@dataclass(frozen=True)
class Comparison:
    """How today's error counts stand against the baseline."""

    worse: dict[str, tuple[int, int]] = field(default_factory=dict)  # file: (allowed, now)
    better: dict[str, tuple[int, int]] = field(default_factory=dict)


def count_errors(lines: Iterable[str]) -> Counter[str]:
    """Errors per file from mypy's ``--output json`` lines (notes are not errors)."""
    counts: Counter[str] = Counter()
    for line in lines:
        line = line.strip()
        if not line.startswith("{"):
            continue
        record = json.loads(line)
        if record.get("severity") == "error":
            counts[Path(record["file"]).as_posix()] += 1
    return counts


def compare(baseline: Mapping[str, int], current: Mapping[str, int]) -> Comparison:
    result = Comparison()
    for path in sorted(set(baseline) | set(current)):
        allowed, now = baseline.get(path, 0), current.get(path, 0)
        if now > allowed:
            result.worse[path] = (allowed, now)
        elif now < allowed:
            result.better[path] = (allowed, now)
    return result


def load_baseline(path: Path) -> dict[str, int]:
    if not path.exists():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not all(
        isinstance(k, str) and isinstance(v, int) for k, v in data.items()
    ):
        raise SystemExit(f"{path} is not a JSON object of file paths to error counts")
    return data


def write_baseline(path: Path, counts: Mapping[str, int]) -> None:
    text = json.dumps({k: counts[k] for k in sorted(counts) if counts[k]}, indent=2)
    path.write_text(text + "\n", encoding="utf-8")


def run_mypy(mypy_args: Sequence[str]) -> tuple[list[str], int]:
    """mypy's JSON output lines and its exit status (0 clean, 1 errors, 2 crashed)."""
    command = [sys.executable, "-m", "mypy", "--output", "json", *mypy_args]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode not in (0, 1):
        sys.stderr.write(done.stdout + done.stderr)
    return done.stdout.splitlines(), done.returncode


def describe(record_lines: Iterable[str], paths: set[str]) -> list[str]:
    """The human-readable errors of the given files, as mypy would print them."""
    shown = []
    for line in record_lines:
        if not line.startswith("{"):
            continue
        r = json.loads(line)
        if r.get("severity") == "error" and Path(r["file"]).as_posix() in paths:
            code = f"  [{r['code']}]" if r.get("code") else ""
            shown.append(f"{r['file']}:{r['line']}: {r['message']}{code}")
    return shown


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--update", action="store_true", help="lower the baseline to today")
    parser.add_argument(
        "--force", action="store_true", help="with --update: accept counts that rose"
    )
    parser.add_argument("--baseline", type=Path, default=BASELINE, help=argparse.SUPPRESS)
    parser.add_argument("mypy_args", nargs="*", help="extra arguments passed to mypy")
    args = parser.parse_args(argv)
    if args.force and not args.update:
        parser.error("--force only makes sense with --update")

    lines, status = run_mypy(args.mypy_args)
    if status not in (0, 1):
        print(f"mypy could not run (exit status {status}); see its output above.")
        return 2
    current = count_errors(lines)
    baseline = load_baseline(args.baseline)
    result = compare(baseline, current)

    for path, (allowed, now) in result.better.items():
        print(f"{path}: {allowed} -> {now} mypy errors, fewer than the baseline")
    if result.worse:
        print("mypy errors rose above tools/mypy-baseline.json:")
        for path, (allowed, now) in result.worse.items():
            print(f"  {path}: {now} errors, the baseline allows {allowed}")
        print()
        print("\n".join(describe(lines, set(result.worse))))
        print()
    total_then, total_now = sum(baseline.values()), sum(current.values())

    if args.update:
        if result.worse and not args.force:
            print("Baseline not updated: fix the new errors, or pass --force to accept them.")
            return 1
        write_baseline(args.baseline, current)
        print(f"Baseline updated: {total_now} mypy errors in {len(current)} files.")
        return 0
    if result.worse:
        return 1
    if result.better:
        print(
            f"mypy errors fell from {total_then} to {total_now}: "
            "run `python tools/mypy_ratchet.py --update` and commit the lower baseline."
        )
    else:
        print(f"mypy: {total_now} errors in {len(current)} files, none above the baseline.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
