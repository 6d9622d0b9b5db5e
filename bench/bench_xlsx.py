"""Benchmark: reading an evidence workbook with python-calamine against openpyxl's read-only mode.

Usage::

    .venv/bin/python bench/bench_xlsx.py [--category county] [--repeat 5]

Writes the category's workbook from the shipped sample (``escore template --format xlsx
--evidence-from-sample``) into a temporary directory, then reads every sheet's cell values
with each library in a fresh process (the first read includes importing the library) and
in the same process again (best of ``--repeat``). escore reads workbooks with calamine.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

BIN = Path(sys.executable).parent

READERS = {
    "python-calamine": """
from python_calamine import CalamineWorkbook
def read(path):
    book = CalamineWorkbook.from_path(path)
    return {n: book.get_sheet_by_name(n).to_python(skip_empty_area=False) for n in book.sheet_names}
""",
    "openpyxl read-only": """
import openpyxl
def read(path):
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    sheets = {s.title: [list(r) for r in s.iter_rows(values_only=True)] for s in book.worksheets}
    book.close()
    return sheets
""",
}

TIMER = """
import sys, time
t0 = time.perf_counter()
{reader}
cells = sum(len(r) for rows in read(sys.argv[1]).values() for r in rows)
first = time.perf_counter() - t0
best = min(((lambda t: (read(sys.argv[1]), time.perf_counter() - t)[1])(time.perf_counter())) for _ in range(int(sys.argv[2])))
print(f"{{first * 1000:.0f}} {{best * 1000:.1f}} {{cells}}")
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--category", default="county")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        book = Path(work) / f"{args.category}.xlsx"
        subprocess.run(
            [BIN / "escore", "template", "-c", args.category, "-f", "xlsx", "--evidence-from-sample", "-o", str(book)], check=True
        )
        print(f"{args.category} workbook: {book.stat().st_size // 1024} KiB")
        for name, reader in READERS.items():
            out = subprocess.run(
                [sys.executable, "-c", TIMER.format(reader=reader), str(book), str(args.repeat)], capture_output=True, text=True, check=True
            ).stdout.split()
            print(f"{name:20} first read (with import) {out[0]:>6} ms   best of {args.repeat} {out[1]:>8} ms   {out[2]} cells")


if __name__ == "__main__":
    main()
