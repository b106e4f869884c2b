"""Summarise a mutmut run: killed / total per module, and the survivors to read.

Run after ``mutmut run`` (see docs/TESTING.md), from the repository root, with the Python that
has mutmut installed:

    python scripts/mutation_score.py                 # the table
    python scripts/mutation_score.py --survivors     # and every surviving mutant's name
    python scripts/mutation_score.py --equivalent docs/TESTING.md   # survivors judged equivalent
                                                                   # are counted apart

Two rates: killed% = killed / total, and the score = killed / (total - equivalent - not yet
run). "Killed" includes mutants stopped by a timeout (the tests caught an endless loop). ``--equivalent FILE`` reads the mutant names listed
in FILE (one per line anywhere in it, as ``minitorch_nn.<module>.<function>__mutmut_<n>``).
"""
from __future__ import annotations

import argparse
import collections
import re
import subprocess
import sys
from pathlib import Path

KILLED = {"killed", "timeout", "caught by type check"}
NAME = re.compile(r"minitorch_nn\.[\w.ǁ]+__mutmut_\d+")


def results() -> dict[str, str]:
    """``{mutant name: status}`` from ``mutmut results --all true``."""
    mutmut = Path(sys.executable).with_name("mutmut")
    output = subprocess.run([str(mutmut), "results", "--all", "true"], capture_output=True, text=True,
                            check=True).stdout
    statuses = {}
    for line in output.splitlines():
        name, _, status = line.strip().rpartition(": ")
        if NAME.fullmatch(name):
            statuses[name] = status.strip()
    return statuses


def module_of(name: str) -> str:
    """``minitorch_nn.optim.sgd.xǁSGDǁ_update__mutmut_3`` -> ``optim/sgd.py``."""
    parts = name.split(".")
    return "/".join(parts[1:-1]) + ".py"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--survivors", action="store_true", help="list every surviving mutant")
    parser.add_argument("--equivalent", type=Path, help="a file naming the survivors judged equivalent")
    args = parser.parse_args(argv)
    statuses = results()
    equivalent = set(NAME.findall(args.equivalent.read_text())) if args.equivalent else set()
    table: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for name, status in statuses.items():
        counts = table[module_of(name)]
        counts["total"] += 1
        if status in KILLED:
            counts["killed"] += 1
        elif name in equivalent:
            counts["equivalent"] += 1
        elif status == "not checked":
            counts["not checked"] += 1
        else:
            counts["survived"] += 1
    print(f"{'module':34} {'killed':>7} {'survived':>8} {'equiv.':>6} {'unrun':>6} {'total':>6} {'killed%':>8} "
          f"{'score':>7}")
    totals: collections.Counter = collections.Counter()
    groups: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for module in sorted(table):
        counts = table[module]
        totals.update(counts)
        groups[module.rsplit("/", 1)[0] + "/"].update(counts)
        print(_row(module, counts))
    print()
    for group in sorted(groups):
        print(_row(group, groups[group]))
    print(_row("all", totals))
    if args.survivors:
        print()
        for name, status in sorted(statuses.items()):
            if status not in KILLED and name not in equivalent:
                print(f"{status:12} {name}")
    return 0


def _row(label: str, counts: collections.Counter) -> str:
    """killed% = killed / total; score = killed / (total - equivalent - not yet run)."""
    checked = counts["total"] - counts["equivalent"] - counts["not checked"]
    raw = f"{100 * counts['killed'] / counts['total']:7.1f}%" if counts["total"] else "      –"
    score = f"{100 * counts['killed'] / checked:6.1f}%" if checked else "     –"
    return (f"{label:34} {counts['killed']:7} {counts['survived']:8} {counts['equivalent']:6} "
            f"{counts['not checked']:6} {counts['total']:6} {raw:>8} {score:>7}")


if __name__ == "__main__":
    sys.exit(main())
