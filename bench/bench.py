"""Benchmark: engine throughput, overhead against direct calls, memory, growth, start-up.

Usage::

    .venv/bin/python bench/bench.py [--category county] [--sizes 1000 10000 100000]

For each size N it scores N synthetic units (the sample evidence of the category's
units, repeated under new codes) with the engine, and in the same process calls the
same indicator functions directly on the same pre-resolved arguments. Each size runs
in its own process so that peak memory is that size's alone. Targets (from the
project's issue tracker): engine overhead ≤ 1.5× direct calls; per-unit cost at the
largest size ≤ 1.2× that at the smallest; ``escore --version`` ≤ 1.3× the import of
click, pluggy and attrs.

``--end-to-end`` instead runs ``escore run`` on N units given as columnar evidence
(a units table for ``--roster`` and one fields table, written once per size) in a fresh
process per output format, and prints its wall time and peak memory (target at 100k:
≤ 500 MiB in every format); ``--tables parquet`` writes the tables as Parquet, ``--tables
split`` each monitoring table in two files under two evidence paths::

    .venv/bin/python bench/bench.py --end-to-end --category county --sizes 1000 100000
    .venv/bin/python bench/bench.py --end-to-end --category county --sizes 100000 --cache off --tables parquet
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BIN = Path(sys.executable).parent
SOURCES = (ROOT / "core", ROOT / "cli", ROOT / "plugins")


def one_size(category: str, size: int, ruleset: str | None, explain: bool) -> dict[str, float]:
    """Score ``size`` units in this process; return timings and peak memory."""
    import gc

    from escore._plugins import Catalog, make_plugin_manager
    from escore._run import Engine, rank
    from escore._session import children_of, run_category

    catalog = Catalog(make_plugin_manager())
    sample = run_category(catalog, category, ruleset=ruleset)  # loads and checks the sample evidence once
    plan = sample.plan
    from escore._load import load_evidence

    units = catalog.roster(plan.ruleset.name, category)
    children = children_of(catalog, plan)
    codes = [u.code for u in units] + [c.code for kids in children.values() for c in kids]
    data = load_evidence(catalog.sample_evidence(plan), plan, codes, catalog.all_unit_codes(plan.ruleset.name), catalog.loaders)

    # N synthetic units: unit i takes the evidence and table rows of sample unit i mod len(units).
    import attrs

    synthetic = []
    tables: dict[str, dict[str, tuple]] = {name: {} for name in data.tables}
    values = {}
    for i in range(size):
        template = units[i % len(units)]
        code = f"bench.{i:06d}"
        synthetic.append((attrs.evolve(template, code=code), children.get(template.code, ())))
        values[code] = data.values.get(template.code, {})
        for name, by_unit in data.tables.items():
            rows = by_unit.get(template.code)
            if rows:
                tables[name][code] = rows
    for name, by_unit in data.tables.items():  # sub-units keep their own rows
        for kids in children.values():
            for kid in kids:
                if kid.code in by_unit:
                    tables[name][kid.code] = by_unit[kid.code]

    engine = Engine(plan, explain=explain)
    # Small sizes take the best of a few passes: one pass of a few hundred milliseconds is noisy.
    passes = 3 if size <= 10_000 else 1

    def whole() -> list:
        results = engine.score_many(((unit, values[unit.code], kids, "") for unit, kids in synthetic), tables)
        rank(results)
        return results

    # The whole engine first, on a heap that holds only the evidence (the growth target is
    # about the engine, not about the benchmark's own copies made below).
    engine_seconds = float("inf")
    for _ in range(passes):
        gc.collect()
        start = time.perf_counter()
        kept = whole()
        engine_seconds = min(engine_seconds, time.perf_counter() - start)
        del kept

    # The same functions called directly. Fixture values are computed beforehand (their
    # time is measured separately: it is the packs' own work of turning records into facts).
    fixture_seconds = float("inf")
    for _ in range(passes):
        resolved = None
        gc.collect()
        start = time.perf_counter()
        resolved = [
            (unit, kids, values[unit.code], *engine.fixture_values(unit, values[unit.code], tables, kids)) for unit, kids in synthetic
        ]
        fixture_seconds = min(fixture_seconds, time.perf_counter() - start)
    calls = []
    for unit, _kids, unit_values, computed, _problems in resolved:
        env = {**unit_values, **computed}  # a direct caller's own merged view, made outside the timing
        for ip in plan.indicators:
            if ip.conditions and any(unit.attributes.get(a) != v for a, v in ip.conditions):
                continue
            names = list(ip.argnames)
            try:
                for alt in ip.alternatives:
                    if env[alt.when]:
                        names[names.index(alt.param)] = alt.instead
                args = [env[n] for n in names]
            except KeyError:
                continue  # missing evidence: the engine records a status, a direct call has nothing to call
            calls.append((ip.func, args, ip.bound, ip.argnames))

    def direct() -> list:
        kept: list = []  # a script calling rules directly keeps their scores too
        keep = kept.append
        for func, args, bound, names in calls:
            try:  # noqa: SIM105 (a with-statement per call would distort the baseline)
                keep(func(**dict(zip(names, args)), **bound) if bound else func(*args))
            except Exception:
                pass
        return kept

    def scoring() -> list:
        # The engine on the same pre-resolved evidence: what it adds to the indicator calls.
        return [
            engine.score_resolved(unit, unit_values, env, problems, tables, kids) for unit, kids, unit_values, env, problems in resolved
        ]

    # The two are timed alternately, best of several passes, so that a slow spell of a
    # shared machine does not fall on one side only.
    best = {"scoring": float("inf"), "direct": float("inf")}
    runs = {"scoring": scoring, "direct": direct}
    for _ in range(passes + 2 if passes > 1 else 1):
        for which, run in runs.items():
            gc.collect()
            gc.disable()  # as the engine does
            start = time.perf_counter()
            kept = run()
            elapsed = time.perf_counter() - start
            gc.enable()
            del kept
            best[which] = min(best[which], elapsed)
    scoring_seconds, direct_seconds = best["scoring"], best["direct"]
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "size": size,
        "indicators": len(plan.indicators),
        "direct_calls": len(calls),
        "engine_seconds": engine_seconds,
        "direct_seconds": direct_seconds,
        "fixture_seconds": fixture_seconds,
        "scoring_seconds": scoring_seconds,
        "peak_mib": peak_kib / 1024,
    }


def _text(value: Any) -> str:
    """An evidence value as a CSV cell that the field's check turns back into the same value."""
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, tuple):
        return ";".join(value) if value else "无"  # none at all, as the workbook writes it; an empty cell is "not given"
    return str(value)


def write_columnar(category: str, size: int, ruleset: str | None, target: Path) -> None:
    """The sample evidence of ``category`` repeated under ``size`` new codes, as a user at scale keeps it:
    ``units.csv`` (the roster), ``evidence/fields/<category>.csv`` and ``evidence/monitoring/*.csv``.
    Sub-units are not repeated (their roll-ups would be lost): use a category without sub-units."""
    import csv

    from escore._load import load_evidence
    from escore._plugins import Catalog, make_plugin_manager

    catalog = Catalog(make_plugin_manager())
    chosen = catalog.choose(category, ruleset=ruleset)
    plan = catalog.plan(chosen.name, category)
    units = catalog.roster(chosen.name, category)
    paths = catalog.sample_evidence(plan)
    data = load_evidence(paths, plan, [u.code for u in units], catalog.all_unit_codes(chosen.name), catalog.loaders)
    evidence = target / "evidence"
    (evidence / "fields").mkdir(parents=True)
    (evidence / "monitoring").mkdir()
    (evidence / "escore-evidence.toml").write_text('[evidence]\nsynthetic = true\nnote = "bench.py: sample units repeated"\n')
    fields = sorted(plan.fields, key=lambda f: f.key)
    header = ["unit"]
    for f in fields:
        header += [f"{f.key}.points", f"{f.key}.reason"] if f.type == "graded" else [f.key]
    attributes = sorted({k for u in units for k in u.attributes})
    template_of = {}
    with (
        open(target / "units.csv", "w", newline="", encoding="utf-8") as roster,
        open(evidence / "fields" / f"{category}.csv", "w", newline="", encoding="utf-8") as table,
    ):
        roster_out, table_out = csv.writer(roster, lineterminator="\n"), csv.writer(table, lineterminator="\n")
        roster_out.writerow(["code", "name", *attributes])
        table_out.writerow(header)
        for i in range(size):
            template = units[i % len(units)]
            code = f"bench.{i:06d}"
            template_of.setdefault(template.code, []).append(code)
            roster_out.writerow([code, f"{template.name} {i}", *(_text(template.attributes.get(a, "")) for a in attributes)])
            values = data.values.get(template.code, {})
            row = [code]
            for f in fields:
                value = values.get(f.fixture_name)
                if f.type == "graded":
                    row += ["", ""] if value is None else [str(value.points), value.reason]
                else:
                    row.append("" if value is None else _text(value))
            table_out.writerow(row)
    for root in paths:
        for source in sorted((root / "monitoring").glob("*.csv")) if (root / "monitoring").is_dir() else []:
            if source.stem not in {t.name for t in plan.tables}:
                continue
            with open(source, newline="", encoding="utf-8-sig") as handle:
                rows = list(csv.reader(handle))
            out = evidence / "monitoring" / source.name
            fresh = not out.exists()
            with open(out, "a", newline="", encoding="utf-8") as handle:
                writer = csv.writer(handle, lineterminator="\n")
                if fresh:
                    writer.writerow(rows[0])
                for row in rows[1:]:
                    for code in template_of.get(row[0], ()):
                        writer.writerow([code, *row[1:]])


def as_parquet(evidence: Path) -> None:
    """Every table of ``evidence`` as Parquet instead of CSV, typed as pyarrow reads the CSV
    (dates, integers, booleans, text), a column pyarrow would read as binary floats kept as text
    (escore refuses binary floats: 0.1 has no exact binary value)."""
    import pyarrow as pa
    import pyarrow.csv as pc
    import pyarrow.parquet as pq

    for path in sorted([*(evidence / "fields").glob("*.csv"), *(evidence / "monitoring").glob("*.csv")]):
        inferred = pc.read_csv(path, convert_options=pc.ConvertOptions(strings_can_be_null=True)).schema
        text = {field.name: pa.string() for field in inferred if pa.types.is_floating(field.type) or pa.types.is_null(field.type)}
        options = pc.ConvertOptions(strings_can_be_null=True, column_types=text)
        pq.write_table(pc.read_csv(path, convert_options=options), path.with_suffix(".parquet"))
        path.unlink()


def split_tables(evidence: Path, second: Path) -> None:
    """Each monitoring table of ``evidence`` in two files: its second half under ``second``."""
    (second / "monitoring").mkdir(parents=True)
    for path in sorted((evidence / "monitoring").glob("*.csv")):
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        half = 1 + (len(lines) - 1) // 2
        path.write_text("".join(lines[:half]), encoding="utf-8")
        (second / "monitoring" / path.name).write_text("".join([lines[0], *lines[half:]]), encoding="utf-8")


def end_to_end(args: argparse.Namespace) -> None:
    """``escore run --roster units.csv -e DIR`` on N units in a fresh process per format: wall time, peak memory."""
    import tempfile

    escore = args.escore or str(BIN / "escore")
    python = str(Path(escore).parent / "python")
    measure = (
        "import resource, subprocess, sys, time\n"
        "start = time.perf_counter()\n"
        "done = subprocess.run(sys.argv[1:], capture_output=True)\n"
        "seconds = time.perf_counter() - start\n"
        # Exit 1 is a run with indicators in error; a traceback is escore failing (it never shows one otherwise).
        "if done.returncode not in (0, 1) or b'Traceback (most recent call last)' in done.stderr:\n"
        "    sys.exit(done.stderr.decode()[-2000:])\n"
        "print(seconds, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    )
    shown = {
        "csv": f"fields/{args.category}.csv, monitoring/*.csv",
        "parquet": f"fields/{args.category}.parquet, monitoring/*.parquet",
        "split": f"fields/{args.category}.csv, each monitoring table in two files under two evidence paths",
    }[args.tables]
    print(f"end to end, category {args.category}, columnar input (--roster units.csv, {shown})")
    print("cache off: every run parses and checks the evidence; warm: a re-run on unchanged evidence (after one untimed run)")
    print(f"{'units':>8} {'format':>6} {'cache':>6} {'wall s':>8} {'µs/unit':>8} {'peak MiB':>9}")
    with tempfile.TemporaryDirectory(prefix="escore-bench-") as scratch:
        for size in args.sizes:
            target = Path(scratch) / str(size)
            write_columnar(args.category, size, args.ruleset, target)
            roots = [target / "evidence"]
            if args.tables == "parquet":
                as_parquet(roots[0])
            elif args.tables == "split":
                roots.append(target / "evidence-2")
                split_tables(roots[0], roots[1])
            for output in args.formats:
                # A workbook is written to a file (a binary format refuses a device); the others to nowhere.
                written = str(Path(scratch) / f"out.{output}") if output == "xlsx" else os.devnull
                argv = [escore, "run", "-c", args.category, "--roster", str(target / "units.csv")]
                argv += [part for root in roots for part in ("-e", str(root))]
                argv += ["-f", output, "-o", written] + (["--ruleset", args.ruleset] if args.ruleset else [])
                for cache in args.cache:
                    env = dict(os.environ, ESCORE_CACHE_DIR="off" if cache == "off" else str(Path(scratch) / f"cache-{size}"))
                    if cache == "warm":  # the untimed run that fills the cache (exit 1: some indicators errored)
                        warm = subprocess.run(argv, capture_output=True, env=env)
                        if warm.returncode not in (0, 1) or b"Traceback (most recent call last)" in warm.stderr:
                            sys.exit(warm.stderr.decode()[-2000:])
                    done = subprocess.run([python, "-c", measure, *argv], check=True, capture_output=True, text=True, env=env)
                    seconds, peak = float(done.stdout.split()[0]), int(done.stdout.split()[1]) / 1024
                    print(f"{size:>8} {output:>6} {cache:>6} {seconds:>8.2f} {seconds / size * 1e6:>8.0f} {peak:>9.1f}", flush=True)
    print()


def command_seconds(argv: list[str], repeat: int, env: dict[str, str] | None = None) -> float:
    """Median wall time of a command (after one warm-up run)."""
    subprocess.run(argv, check=True, capture_output=True, env=env)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(argv, check=True, capture_output=True, env=env)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--category", default="county")
    parser.add_argument("--ruleset")
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--repeat", type=int, default=15, help="runs of each start-up command")
    parser.add_argument(
        "--formats", nargs="+", default=["table", "csv", "json"], help="output formats to time (--end-to-end): table csv json toml xlsx"
    )
    parser.add_argument(
        "--cache", nargs="+", choices=("off", "warm"), default=["off", "warm"], help="evidence cache states to time (--end-to-end)"
    )
    parser.add_argument("--escore", help="the escore executable to time end to end (default: this environment's)")
    parser.add_argument(
        "--tables",
        choices=("csv", "parquet", "split"),
        default="csv",
        help="the evidence tables (--end-to-end): CSV, Parquet, or each monitoring table in two CSV files",
    )
    parser.add_argument("--skip-scaling", action="store_true", help="only the start-up and end-to-end times")
    parser.add_argument("--end-to-end", action="store_true", help="only `escore run` on columnar input of each size: time, peak memory")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--mode", choices=["full", "summary"], default="full", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one_size(args.category, args.one, args.ruleset, explain=args.mode == "full")))
        return
    if args.end_to_end:
        end_to_end(args)
        return
    if not args.skip_scaling:
        for mode, label in (("full", "every explanation line (json, toml, explain)"), ("summary", "statuses and points only (table, csv)")):
            report(args, mode, label)
    startup(args)


def report(args: argparse.Namespace, mode: str, label: str) -> None:
    rows = []
    for size in args.sizes:
        cmd = [sys.executable, __file__, "--category", args.category, "--one", str(size), "--mode", mode]
        cmd += ["--ruleset", args.ruleset] if args.ruleset else []
        rows.append(json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout))
    print(f"category {args.category}, {rows[0]['indicators']} indicators per unit; the engine keeps {label}")
    print("  engine: score units from loaded evidence (fixtures included); scoring: the engine on pre-resolved fixtures;")
    print("  direct: the same indicator functions called on the same pre-resolved arguments, keeping their scores;")
    print("  fixtures: the packs' fixture functions (turning records into facts), resolved once per unit")
    header = f"{'units':>8} {'engine s':>9} {'units/s':>8} {'µs/unit':>8} {'scoring s':>9} {'direct s':>9} {'fixtures s':>10}"
    print(header + f" {'scoring÷direct':>14} {'engine÷(direct+fixtures)':>24} {'peak MiB':>9}")
    for row in rows:
        per_unit = row["engine_seconds"] / row["size"] * 1e6
        both = row["direct_seconds"] + row["fixture_seconds"]
        print(
            f"{row['size']:>8} {row['engine_seconds']:>9.3f} {row['size'] / row['engine_seconds']:>8.0f} {per_unit:>8.1f}"
            f" {row['scoring_seconds']:>9.3f} {row['direct_seconds']:>9.3f} {row['fixture_seconds']:>10.3f}"
            f" {row['scoring_seconds'] / row['direct_seconds']:>13.2f}× {row['engine_seconds'] / both:>23.2f}× {row['peak_mib']:>9.1f}"
        )
    growth = (rows[-1]["engine_seconds"] / rows[-1]["size"]) / (rows[0]["engine_seconds"] / rows[0]["size"])
    direct_growth = (rows[-1]["direct_seconds"] / rows[-1]["size"]) / (rows[0]["direct_seconds"] / rows[0]["size"])
    worst = max(r["scoring_seconds"] / r["direct_seconds"] for r in rows)
    worst_total = max(r["engine_seconds"] / (r["direct_seconds"] + r["fixture_seconds"]) for r in rows)
    print(
        f"per-unit cost at {rows[-1]['size']} ÷ at {rows[0]['size']}: engine {growth:.2f}× (target ≤ 1.2×);"
        f" direct calls keeping their scores {direct_growth:.2f}×, so the engine's own growth is {growth / direct_growth:.2f}×"
    )
    print(f"engine overhead on pre-resolved evidence, worst size: {worst:.2f}× the direct calls (target ≤ 1.5×);")
    print(f"  end to end from loaded evidence: {worst_total:.2f}× direct fixture + indicator calls")
    print()


def startup(args: argparse.Namespace) -> None:
    """Start-up and end-to-end times of the ``escore`` command (``--escore`` picks which one)."""
    escore = args.escore or str(BIN / "escore")
    python = str(Path(escore).parent / "python")
    # Measure what users run: byte-code compiled (pip compiles wheels at install time).
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run([python, "-m", "compileall", "-q", *map(str, SOURCES)], check=False, capture_output=True)
    version = command_seconds([escore, "--version"], args.repeat, env)
    imports = command_seconds([python, "-c", "import click, pluggy, attrs"], args.repeat, env)
    print(
        f"escore --version: {version * 1000:.0f} ms; import click, pluggy, attrs: {imports * 1000:.0f} ms; ratio {version / imports:.2f}× (target ≤ 1.3×)"
    )
    total = 0.0
    for category in ("provincial", "city", "county"):
        for output in ("table", "json"):
            try:
                seconds = command_seconds([escore, "run", "-c", category, "-f", output, "-o", os.devnull], max(3, args.repeat // 3), env)
            except subprocess.CalledProcessError:
                continue
            if output == "table":
                total += seconds
            print(f"escore run -c {category} -f {output} (end to end, sample evidence): {seconds * 1000:.0f} ms")
    if total:
        print(f"the three categories (131 units), three table runs end to end: {total * 1000:.0f} ms")
    code = (
        "from escore._plugins import Catalog, make_plugin_manager\n"
        "from escore._session import run_category\n"
        "catalog = Catalog(make_plugin_manager())\n"
        "for category in ('provincial', 'city', 'county'):\n"
        "    run_category(catalog, category, explain=False)\n"
    )
    together = command_seconds([python, "-c", code], max(3, args.repeat // 3), env)
    print(f"the three categories (131 units) in one process, end to end: {together * 1000:.0f} ms")


if __name__ == "__main__":
    main()
