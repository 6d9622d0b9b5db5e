"""Instructions an escore command executes, counted by valgrind: a measure that does not move with the machine.

    python bench/instructions.py [--escore PATH] [--runs N] -- run -c provincial -f csv -o /tmp/out.csv

Wall time on a shared machine moves by 10-50% from run to run, too much to see a change of a
few percent; the number of instructions a process executes moves by well under 0.1%. This runs
the command once untimed (so that escore's caches are warm, as in a re-run), then ``--runs``
times under ``valgrind --tool=callgrind`` and prints each count in millions, with the median.
Compare two builds by giving each one's ``escore`` (wheels installed from two clones).

Give ``-j 1`` to a command that scores 1,000 units or more: a process escore forks is counted
from its parent's count at the fork, so the counts of a run in several processes overlap (at
1,000 units, ``-j 2``: 1,563 M against 917 M in one process); this prints each process's count
and refuses to add them up.

Needs valgrind (Debian: ``apt-get install valgrind``); a run under it takes 30-100 times its
usual time. ``PYTHONDONTWRITEBYTECODE`` is removed from the environment: with it set, every
module changed since the last install would be compiled again at every run and counted.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path


def count(command: list[str], env: dict[str, str]) -> int:
    """The instructions ``command`` executes, in one process."""
    with tempfile.TemporaryDirectory(prefix="escore-instructions-") as tmp:
        out = Path(tmp) / "callgrind.out.%p"
        done = subprocess.run(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", *command],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode not in (0, 1):  # escore's 1: an indicator raised or --strict; still a run
            raise SystemExit(f"instructions.py: the command failed ({done.returncode}):\n{done.stderr[-2000:]}")
        totals = [int(n) for n in re.findall(r"Collected : (\d+)", done.stderr)]
        if not totals:
            raise SystemExit("instructions.py: valgrind printed no count")
        if len(totals) > 1:
            shown = ", ".join(f"{n / 1e6:.1f} M" for n in totals)
            raise SystemExit(
                f"instructions.py: {len(totals)} processes ({shown}), each counted from its parent's count at the fork; run the command with -j 1"
            )
        return totals[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--escore", default=str(Path(sys.executable).parent / "escore"), help="the escore script (default: this Python's)")
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("args", nargs=argparse.REMAINDER, help="the command's arguments, after --")
    options = parser.parse_args()
    args = options.args[1:] if options.args[:1] == ["--"] else options.args
    if not args:
        parser.error("give the command's arguments after --, e.g. -- run -c provincial -f csv -o /tmp/out.csv")
    if shutil.which("valgrind") is None:
        raise SystemExit("instructions.py: valgrind is not installed (Debian: apt-get install valgrind)")
    escore = Path(options.escore)
    python = escore.parent / "python"
    # The script through its own Python, as its first line says: valgrind follows no #! line.
    command = [str(python), str(escore), *args] if python.exists() else [str(escore), *args]
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run(command, env=env, capture_output=True, check=False)  # warm: caches filled, byte code written
    counts = [count(command, env) for _ in range(options.runs)]
    shown = ", ".join(f"{n / 1e6:.1f} M" for n in counts)
    print(f"{' '.join(args)}: {shown}; median {statistics.median(counts) / 1e6:.1f} M instructions")


if __name__ == "__main__":
    main()
