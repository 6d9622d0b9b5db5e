"""Long fuzz runs of what a large user feeds escore, through the command line.

``tests/fuzz_evidence.py`` damages the demo pack's unit files; this damages the inputs of
many-unit runs and of the assessment cycle, with the fj2017 provincial and county samples:

* ``parquet``: Parquet fields, units and monitoring tables, damaged byte by byte or with a
  column retyped (numbers, NaN, lists, records, dates, times, durations, text that is not UTF-8);
* ``columnar``: CSV fields, units and monitoring tables damaged byte by byte;
* ``workbook``: the county evidence workbook edited cell by cell (numbers, dates, formulas,
  errors, long text, renamed and removed sheets, merged cells, inserted rows) or damaged byte by
  byte (a damaged workbook that still scores must score as the undamaged one);
* ``store``: a store holding saved runs and an appeal, damaged at random, then read and written.

Every input must be scored (exit 0 or 1) or refused with one ``escore: error:`` line (exit 2;
warnings may come before it), never a traceback. Reproducible by seed::

    .venv/bin/python tests/fuzz_inputs.py parquet --examples 2000 --seed 1
    .venv/bin/python tests/fuzz_inputs.py store --examples 60 --cache off
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def damaged(data: bytes, rng: random.Random, *, truncate: bool = True) -> bytes:
    """``data`` with one to four runs of random bytes written over it, sometimes cut short."""
    out = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        at, length = rng.randrange(len(out)), rng.choice([1, 2, 8, 64])
        out[at : at + length] = bytes(rng.randrange(256) for _ in range(len(out[at : at + length])))
    if truncate and rng.random() < 0.2:
        del out[rng.randrange(len(out)) :]
    return bytes(out)


def edited_text(data: bytes, rng: random.Random) -> bytes:
    """``data`` (a CSV file) with a few characters a careless editor types inserted or deleted."""
    pieces = [b'"', b"\n", b"\r", b",", b"\xff", b"\xef\xbb\xbf", b"\x00", b"1e999", b"-", b"NaN", b" ", b";"]
    for _ in range(rng.randint(1, 4)):
        at, cut = rng.randrange(len(data) + 1), rng.randint(0, 6)
        insert = rng.choice(pieces) if rng.random() < 0.7 else bytes(rng.randrange(256) for _ in range(rng.randint(0, 6)))
        data = data[:at] + insert + data[at + cut :]
    return data


#: Cells a typed (Arrow) table may hold where text, numbers or dates are expected: each a
#: column of ``count`` of them (``tests/test_fuzz.py`` draws from these too).
TYPED_CELLS: list[Callable[[int], Any]] = [
    lambda count: _arrow().array([1.5] * count),
    lambda count: _arrow().array([float("nan")] * count),
    lambda count: _arrow().array([10**18] * count),
    lambda count: _arrow().array([-1] * count),
    lambda count: _arrow().array([True] * count),
    lambda count: _arrow().array(["x"] * count),
    lambda count: _arrow().array([" "] * count),
    lambda count: _arrow().array([""] * count),
    lambda count: _arrow().array([None] * count, _arrow().string()),
    lambda count: _arrow().array([[1, 2]] * count),
    lambda count: _arrow().array([{"a": 1}] * count),
    lambda count: _arrow().array([b"\xff"] * count).view(_arrow().string()),  # not UTF-8
    lambda count: _arrow().array([dt.datetime(2017, 1, 1)] * count),
    lambda count: _arrow().array([dt.date(2017, 1, 1)] * count),
    lambda count: _arrow().array([dt.time(1, 2)] * count),
    lambda count: _arrow().array([dt.timedelta(days=1)] * count),
    lambda count: _arrow().array([Decimal("1.5")] * count, _arrow().decimal128(5, 1)),
    lambda count: _arrow().array(["2017-13-01"] * count),
    lambda count: _arrow().array(["a"] * count).dictionary_encode(),
]


def _arrow() -> Any:
    import pyarrow

    return pyarrow


def retyped(count: int, rng: random.Random) -> Any:
    """A column of ``count`` typed cells of a kind a table may hold where another is expected."""
    return rng.choice(TYPED_CELLS)(count)


class Probe:
    """Runs ``escore`` in this process and records what is not a score or a one-line refusal."""

    def __init__(self) -> None:
        from click.testing import CliRunner

        from escore_cli import cli

        self.cli, self.runner = cli, CliRunner()
        self.counts: dict[int, int] = {}
        self.problems: list[str] = []

    def __call__(self, args: list[str], what: str) -> Any:
        result = self.runner.invoke(self.cli, [*args, "--lang", "en"])
        self.counts[result.exit_code] = self.counts.get(result.exit_code, 0) + 1
        if result.exit_code not in (0, 1, 2) or (result.exception and not isinstance(result.exception, SystemExit)):
            trace = "".join(traceback.format_exception(result.exception))[-1200:] if result.exception else ""
            self.problems.append(f"{what}: exit {result.exit_code}: {result.exception!r}\n{trace}")
        elif result.exit_code == 2 and sum(line.startswith("escore: error:") for line in result.stderr.splitlines()) != 1:
            self.problems.append(f"{what}: exit 2 without one 'escore: error:' line: {result.stderr[:300]!r}")
        elif "Traceback" in result.output:
            self.problems.append(f"{what}: a traceback: {result.output[-300:]!r}")
        return result


def provincial_tables(scratch: Path, suffix: str) -> Path:
    """The provincial sample as columnar evidence (``fields/provincial<suffix>``, monitoring CSV)."""
    sys.path.insert(0, str(ROOT))
    from tests.test_columnar import PROVINCIAL_SAMPLE, columnar_copy

    return columnar_copy(PROVINCIAL_SAMPLE, scratch / "base", suffix)


def fuzz_parquet(probe: Probe, rng: random.Random, examples: int, scratch: Path, jobs: str) -> None:
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    base = provincial_tables(scratch, ".parquet")
    fields = pq.read_table(base / "fields" / "provincial.parquet")
    monitoring = {p.stem: pacsv.read_csv(p) for p in sorted((base / "monitoring").glob("*.csv"))}
    codes = fields.column("unit").to_pylist()
    import pyarrow as pa

    units = pa.table({"code": codes, "name": codes, "dc_variant": ["A"] * len(codes)})
    for n in range(examples):
        root, roster = scratch / f"e{n}", scratch / f"u{n}.parquet"
        shutil.copytree(base, root)
        pq.write_table(units, roster)
        target, kind = rng.choice(["fields", "units", "monitoring"]), rng.choice(["bytes", "column"])
        if target == "fields":
            path, table = root / "fields" / "provincial.parquet", fields
        elif target == "units":
            path, table = roster, units
        else:
            name = rng.choice(sorted(monitoring))
            (root / "monitoring" / f"{name}.csv").unlink()
            path, table = root / "monitoring" / f"{name}.parquet", monitoring[name]
        if kind == "column" and table.num_rows:
            index = rng.randrange(table.num_columns)
            pq.write_table(table.set_column(index, table.column_names[index], retyped(table.num_rows, rng)), path)
        else:
            pq.write_table(table, path)
            path.write_bytes(damaged(path.read_bytes(), rng))
        args = ["run", "-c", "provincial", "-k", "comprehensive", "-e", str(root), "--roster", str(roster), "-f", "csv", "-j", jobs]
        probe(args, f"parquet #{n} ({target}, {kind})")
        shutil.rmtree(root)
        roster.unlink()


def fuzz_columnar(probe: Probe, rng: random.Random, examples: int, scratch: Path, jobs: str) -> None:
    base = provincial_tables(scratch, ".csv")
    fields = (base / "fields" / "provincial.csv").read_bytes()
    codes = [line.split(b",")[0] for line in fields.splitlines()[1:]]
    units = b"code,name,dc_variant\n" + b"".join(code + b"," + code + b",A\n" for code in codes)
    tables = sorted((base / "monitoring").glob("*.csv"))
    for n in range(examples):
        root, roster = scratch / f"e{n}", scratch / f"u{n}.csv"
        shutil.copytree(base, root)
        roster.write_bytes(units)
        target = rng.choice(["fields", "units", "monitoring"])
        path = {"fields": root / "fields" / "provincial.csv", "units": roster}.get(target) or root / "monitoring" / rng.choice(tables).name
        path.write_bytes(edited_text(path.read_bytes(), rng))
        fmt = rng.choice(["table", "csv", "json"])
        args = ["run", "-c", "provincial", "-e", str(root), "--roster", str(roster), "-f", fmt, "-j", jobs]
        probe(args, f"columnar #{n} ({target}, {path.name})")
        shutil.rmtree(root)
        roster.unlink()


def fuzz_workbook(probe: Probe, rng: random.Random, examples: int, scratch: Path, jobs: str) -> None:
    import openpyxl
    from openpyxl.utils.exceptions import IllegalCharacterError

    book = scratch / "base.xlsx"
    probe(["template", "-c", "county", "-f", "xlsx", "-o", str(book), "--evidence-from-sample"], "template")
    baseline = probe(["run", "-c", "county", "-e", str(book), "-f", "csv"], "baseline").stdout
    values: list[Callable[[], Any]] = [
        lambda: rng.randint(-5, 200),
        lambda: rng.random() * 10,
        lambda: rng.choice(["", " ", "是", "否", "无", "=1/0", "=A1", "#DIV/0!", "1e400", "-0", "NaN", "a; b；c", "2017-02-30"]),
        lambda: dt.datetime(2017, rng.randint(1, 12), 1),
        lambda: dt.time(12, 0),
        lambda: rng.choice([True, False, None, float("1e308"), 10**30, "x" * 40_000, "\x07bell"]),
    ]
    shape = [(ws.title, ws.max_row, ws.max_column) for ws in openpyxl.load_workbook(book).worksheets]
    for n in range(examples):
        path = scratch / f"b{n}.xlsx"
        if rng.random() < 0.5:
            path.write_bytes(damaged(book.read_bytes(), rng))
            result = probe(["run", "-c", "county", "-e", str(path), "-f", "csv", "-j", jobs], f"workbook #{n} (bytes)")
            if result.exit_code == 0 and result.stdout != baseline:
                probe.problems.append(f"workbook #{n} (bytes): scored differently from the undamaged workbook")
        else:
            workbook = openpyxl.load_workbook(book)
            for _ in range(rng.randint(1, 4)):
                title, rows, columns = rng.choice(shape)
                if title not in workbook.sheetnames:
                    continue
                sheet, choice = workbook[title], rng.random()
                if choice < 0.75:
                    cell = sheet.cell(rng.randint(1, min(rows + 2, 90)), rng.randint(1, columns + 1))
                    try:
                        cell.value = rng.choice(values)()
                    except IllegalCharacterError:  # a control character openpyxl will not store
                        # openpyxl has already marked the cell as text, over its old value (a
                        # number it then cannot save): bind the old value again.
                        cell.value = cell.value
                elif choice < 0.82:
                    sheet.title = rng.choice(["说明", "website", "x", "_hidden", f"{title} "])
                elif choice < 0.88 and len(workbook.worksheets) > 1:
                    workbook.remove(sheet)
                elif choice < 0.94:
                    row, column = rng.randint(1, min(rows, 90)), rng.randint(1, columns)
                    sheet.merge_cells(start_row=row, start_column=column, end_row=row + 1, end_column=column + 1)
                else:
                    sheet.insert_rows(rng.randint(1, 5))
            workbook.save(path)
            probe(["run", "-c", "county", "-e", str(path), "-f", "csv", "-j", jobs], f"workbook #{n} (cells)")
        path.unlink()


def fuzz_store(probe: Probe, rng: random.Random, examples: int, scratch: Path, jobs: str) -> None:
    import sqlite3
    from contextlib import closing

    good = scratch / "good.db"
    probe(["run", "-c", "city", "--save", "--db", str(good)], "save")
    probe(["run", "-c", "city", "--save", "--db", str(good)], "save")
    probe(["appeal", "add", "fuzhou", "C-1-1-1", "--claim", "c", "--set", "city.platforms.iot=true", "--db", str(good)], "appeal")
    with closing(sqlite3.connect(good)) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = good.read_bytes()
    commands = [["history"], ["diff", "1", "2", "-f", "json"], ["appeal", "list"], ["run", "-c", "city", "-f", "csv", "-j", jobs]]
    commands += [["explain", "fuzhou", "-c", "city"], ["run", "-c", "city", "--save"]]
    for n in range(examples):
        path = scratch / f"s{n}.db"
        path.write_bytes(damaged(data, rng, truncate=False))
        for command in commands:
            probe([*command, "--db", str(path)], f"store #{n} ({command[0]})")
        for leftover in scratch.glob(f"s{n}.db*"):
            leftover.unlink()


MODES = {"parquet": fuzz_parquet, "columnar": fuzz_columnar, "workbook": fuzz_workbook, "store": fuzz_store}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("mode", choices=sorted(MODES))
    parser.add_argument("--examples", type=int, default=500)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--cache", default="off", help="ESCORE_CACHE_DIR for the runs (default: off)")
    parser.add_argument("--jobs", default="1", choices=["1", "2"])
    args = parser.parse_args(argv)
    scratch = Path(tempfile.mkdtemp(prefix=f"escore-fuzz-{args.mode}-"))
    os.environ["ESCORE_CACHE_DIR"] = args.cache
    os.environ["ESCORE_DB"] = str(scratch / "unused.db")  # never the user's own store
    probe = Probe()
    started = time.perf_counter()
    try:
        MODES[args.mode](probe, random.Random(args.seed), args.examples, scratch, args.jobs)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    seconds = time.perf_counter() - started
    print(
        f"{args.mode}: {sum(probe.counts.values())} runs in {seconds:.0f} s: exit codes {dict(sorted(probe.counts.items()))}; {len(probe.problems)} problems"
    )
    for problem in probe.problems[:20]:
        print("  " + problem.replace("\n", "\n    "))
    return 1 if probe.problems else 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main(sys.argv[1:]))
