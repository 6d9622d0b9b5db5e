"""What the assessment cycle adds to a run: saving the 131 sample units, and one unit's plan.

    .venv/bin/python bench/cycle.py [--repeat 5]

Prints the median CPU time (process_time: the machine is shared) of each step in milliseconds (a store in a temporary directory).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    from escore._cycle import run_cycle, run_record
    from escore._plan import improvement_plan
    from escore._plugins import Catalog, make_plugin_manager
    from escore._session import children_of, run_category
    from escore._store import open_store

    catalog = Catalog(make_plugin_manager())
    categories = ("provincial", "city", "county")
    for category in categories:
        run_category(catalog, category)  # warm: plans built, evidence cache filled
    timings: dict[str, list[float]] = {"run (table, no explanations)": [], "run (explanations kept)": [], "record": [], "save": []}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        for _ in range(args.repeat):
            start = time.process_time()
            for category in categories:
                run_category(catalog, category, explain=False)
            timings["run (table, no explanations)"].append(time.process_time() - start)
            start = time.process_time()
            cycles = [run_cycle(catalog, category) for category in categories]
            timings["run (explanations kept)"].append(time.process_time() - start)
            start = time.process_time()
            records = [run_record(cycle, catalog) for cycle in cycles]
            timings["record"].append(time.process_time() - start)
            start = time.process_time()
            with open_store(path) as store:
                for record in records:
                    store.save_run(record)
            timings["save"].append(time.process_time() - start)
        units = sum(len(r["units"]) for r in records)
        indicators = sum(len(u["indicators"]) for r in records for u in r["units"])
    print(f"{units} units, {indicators} indicator results, median of {args.repeat}:")
    for name, values in timings.items():
        print(f"  {name:32} {statistics.median(values) * 1000:7.1f} ms")
    for category, code in (("county", "fuzhou.gulou"), ("city", "fuzhou"), ("provincial", "prov.czt")):
        cycle = run_cycle(catalog, category)
        result = cycle.result
        unit = next(u.unit for u in result.units if u.unit.code == code)
        kids = children_of(catalog, result.plan).get(code, ())
        spent = []
        for _ in range(args.repeat):
            start = time.process_time()
            plan = improvement_plan(result.plan, result.selected, unit, kids, cycle.data)
            spent.append(time.process_time() - start)
        print(f"  plan {code:27} {statistics.median(spent) * 1000:7.1f} ms ({len(plan['actions'])} actions)")


if __name__ == "__main__":
    main()
