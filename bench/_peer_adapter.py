"""escore as an extra engine of the bench-peer harness (``bench.py --extra``), on the columnar input path.

Run it with the Python of a virtual environment where escore and its fj2017 packs are
installed (the ``escore`` script must sit next to that Python), from the harness folder::

    python bench.py --extra escore=/path/to/escore/bench/peer_adapter.py@/path/to/escore/.venv/bin/python

Contract (as plain.py, vec.py and of_run.py): ``peer_adapter.py in.csv totals.csv phases.json``.
It reads the harness CSV (``unit_id`` + ``schema.FACTS``), scores every unit with escore,
writes ``unit_id,total`` in the CSV's order and its phase times (import, read, score, write).
The harness's ``schema.py`` and ``plain.py`` are found in ``$BENCH_PEER_DIR``, the working
directory, or ``../shared/bench-peer`` beside the repository.

What a run does
  1. **Evidence.** The CSV is converted once into an escore evidence directory as a large user
     would keep it: ``fields/provincial.csv`` (a row per unit, a column per field) and
     ``monitoring/provincial_*.csv`` (a row per event: migrated systems, review problems,
     catalogue errors, terminal findings, notices, incidents, missed logins, secrecy breaches),
     plus ``escore-evidence.toml`` marking it synthetic, and a units table ``units.csv``
     (``code,dc_variant``). The conversion is cached per input file (path, size, mtime) under
     ``$ESCORE_ADAPTER_WORK`` (default ``escore-adapter-$UID`` in the temporary directory), so
     bench.py's untimed warm-up pays it and the timed runs do not.
  2. **Scoring.** escore's command line, the installed packs unchanged: ``escore run -c provincial
     -k comprehensive --roster units.csv -e DIR -f csv --columns code,total --order code --lang en
     -o OUT``, run in this process, which is the fresh process bench.py times (as of_run.py runs
     OpenFisca in its own). ``-k comprehensive`` selects the 23 indicators of the 65-point
     table; the website section (Table D) is then empty and totals count only the selection.
     Its wall time is phase ``score``; it is also logged, with the peak RSS, to
     ``$ESCORE_ADAPTER_LOG`` (JSON lines).
  3. **Totals.** escore's CSV holds each total exact (``total``; ``--columns`` leaves out the
     rank, names, sections and rounded values, which the harness does not read), a line per
     unit in code order (``--order code``): when the harness CSV lists its units by code (found
     once per converted input), those lines are the harness's, written with their constant last
     cells dropped; otherwise each unit's total is looked up by its id. The exact text is written.
     Missing results are counted from stderr (``--lang en``); an indicator's error is exit 1.
  4. **The end.** The process ends as the ``escore`` script ends its own: exit handlers run,
     the streams are flushed, and the run's objects go with the process instead of being freed
     one by one (``escore_cli.end_process``).

Variants (the script's file name picks one, so that one bench.py run can time several through
symbolic links: ``escore_adapter.MODE.py``)
  cli      (default) ``-f csv``, cache in a directory of this input's own: after the warm-up
           every run finds the checked evidence in escore's cache (a re-run on unchanged evidence)
  nocache  the same with ``ESCORE_CACHE_DIR=off``: every run parses and checks all evidence
  json     ``-f json`` (every explanation line kept), cache as ``cli``
  table    ``-f table`` (totals taken from the text table), cache as ``cli``
  subprocess  as ``cli``, but the ``escore`` script runs in a child process (one more
           interpreter start), as a user at a shell would run it

Other entry points (run directly with escore's Python)
  --convert in.csv              convert only; print the evidence directory
  --inproc in.csv [--repeat R]  in-process timings: escore's public API (run_category), evidence
                                loading, and the engine on loaded evidence (explain off/on), next
                                to plain.py's float and Decimal loops in the same process
  --agree in.csv                every unit and indicator against plain.py's exact reference;
                                each difference attributed to its cause

Mapping of the harness facts (README.md "Rules as encoded"; decisions marked M)
  * dc_variant → roster attribute ``dc_variant``. plan_on_time is written for variant A only.
  * Migration (variant A: dc_a_*, B: dc_b_*): one row of provincial_dc_migrations, due
    2017-04-01. M1: a delay of d months (harness: real months, bands (0,1], (1,2]) becomes
    done = due + floor(d) calendar months + ceil(frac(d) × 30) days (d ≤ 0: due + d × 30 days),
    so that escore's "started calendar months" gives the harness band for every real d.
    Not completed → ``done`` empty.
  * M2: disposal: ``cleared`` = done + dc_asset_disposal_days_after_migration days (a real
    date offset; escore reads "within 1 calendar month", the harness "≤ 30 days"); not done, or
    migration not completed → ``cleared`` empty.
  * Variant C: one provincial_dc_review_problems row per notified category; the first
    ``unrectified`` categories are not rectified, the others on time.
  * M3: zero denominators. escore's schema requires items_required ≥ 1, updates_required ≥ 1 and
    catalogue_expected ≥ 1 (a whole of 0 is refused, or "missing" for a proportional rule); the
    harness gives full marks when nothing is required. Such a unit gets 1 of 1.
  * Assessor points → graded columns ``…points`` (the CSV's text, exact) and ``…reason``.
  * P-3-2: items 1, 2, 4–8 become the field terminal_control and rows of terminal_findings
    (违规外联 per notice; 未注册 and 未安装杀毒软件 on distinct terminals), vulnerability_notices
    (the first ``unfixed`` not fixed, the others within 14 days) and extranet_notices.
    **Item 3 has no counterpart in escore** (the pack deducts nothing for it): the harness's
    sec_item3_deduction_awarded is dropped.
  * Incidents, missed logins, secrecy breaches: one row each; leak → field.
"""

from __future__ import annotations

import time

_T_START = time.perf_counter()

import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402


def _peer_dir() -> str:
    """The bench-peer harness (its schema.py and plain.py): $BENCH_PEER_DIR, the working directory
    (bench.py runs its engines from there), or ../shared/bench-peer beside the repository."""
    configured = os.environ.get("BENCH_PEER_DIR")
    if configured:
        return configured
    if os.path.exists("schema.py") and os.path.exists("plain.py"):
        return os.getcwd()
    return os.path.join(os.path.dirname(os.path.realpath(__file__)), "..", "..", "shared", "bench-peer")


HERE = _peer_dir()
DUE = (2017, 4, 1)
MAPPING_VERSION = "4-columnar"
GRADE_REASON = "bench-peer synthetic grade"
MODES = ("cli", "nocache", "json", "table", "subprocess")
#: The header of fields/provincial.csv, in the order convert() writes each row.
FIELD_COLUMNS = (
    "unit", "provincial.data_centre.plan_on_time",
    "provincial.credit.items_required", "provincial.credit.items_provided", "provincial.credit.records_provided",
    "provincial.credit.records_loaded", "provincial.credit.updates_required", "provincial.credit.updates_on_time",
    "provincial.credit.decisions_total", "provincial.credit.decisions_on_time",
    "provincial.projects.under_construction", "provincial.projects.on_schedule", "provincial.projects.systems_built",
    "provincial.projects.systems_running",
    "provincial.catalogue.updated",
    "provincial.data_sharing.catalogue_expected", "provincial.data_sharing.catalogue_complete",
    "provincial.data_sharing.aggregation.points", "provincial.data_sharing.aggregation.reason",
    "provincial.data_sharing.backflow.points", "provincial.data_sharing.backflow.reason",
    "provincial.mlps.requirements_met", "provincial.network_security.terminal_control",
    "provincial.emergency.drill_responded", "provincial.secrecy.leak",
)  # fmt: skip


def work_root() -> Path:
    # The temporary directory as tempfile.gettempdir() finds it on POSIX, without importing
    # tempfile (random, shutil…: about 8 ms of every timed run).
    temporary = next((os.environ[name] for name in ("TMPDIR", "TEMP", "TMP") if os.environ.get(name)), "/tmp")
    return Path(os.environ.get("ESCORE_ADAPTER_WORK") or os.path.join(temporary, f"escore-adapter-{os.getuid()}"))


def mode_from_name(script: str) -> str:
    parts = os.path.basename(script).split(".")
    return parts[1] if len(parts) == 3 and parts[1] in MODES else "cli"


# ----------------------------------------------------------------------------- conversion


def _stat_key(csv_path: str) -> str:
    st = os.stat(csv_path)
    return f"{os.path.realpath(csv_path)}|{st.st_size}|{st.st_mtime_ns}|{MAPPING_VERSION}"


def converted(csv_path: str) -> tuple[Path, Path, Path]:
    """(evidence dir, units table, the folder of the conversion: :func:`read_ids`); converts on first use."""
    try:  # built in, as escore's cache uses it: hashlib would load OpenSSL (5 ms of every timed run)
        from _blake2 import blake2b
    except ImportError:  # pragma: no cover - Pythons without the built-in module
        from hashlib import blake2b

    root = work_root()
    index = root / "index"
    index.mkdir(parents=True, exist_ok=True)
    key = blake2b(_stat_key(csv_path).encode(), digest_size=20).hexdigest()
    pointer = index / key
    if pointer.exists():
        base = Path(pointer.read_text())
    else:  # first time for this file: find a conversion of the same bytes, else convert
        import hashlib

        digest = hashlib.sha1(Path(csv_path).read_bytes() + MAPPING_VERSION.encode()).hexdigest()
        base = root / "evidence" / digest
        if not (base / "done").exists():
            convert(csv_path, base)
        pointer.write_text(str(base))
    return base / "evidence", base / "units.csv", base


def read_ids(base: Path) -> list[str]:
    """The unit ids of a converted input, in the CSV's order."""
    return (base / "ids.txt").read_text().split("\n")


def units_in_code_order(base: Path) -> int | None:
    """The number of units when the CSV lists them in the order escore sorts their codes (then
    escore's ``--order code`` lines are the harness's order), else ``None``; found once per
    converted input (bench.py's untimed warm-up) and kept beside it."""
    marker = base / "code-order"
    if not marker.exists():
        from escore._collect import sorted_naturally

        ids = read_ids(base)
        marker.write_text(str(len(ids)) if sorted_naturally(ids, str) == ids else "no")
    kept = marker.read_text()
    return int(kept) if kept.isdigit() else None


def _months_later(day, months: int):
    import calendar

    year, month = divmod(day.month - 1 + months, 12)
    year += day.year
    month += 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def migration_done(delay_text: str):
    """M1: the completion date for a delay of d months (see the module docstring)."""
    import datetime as dt
    import math
    from decimal import Decimal

    due = dt.date(*DUE)
    d = Decimal(delay_text)
    if d <= 0:
        return due + dt.timedelta(days=int((d * 30).to_integral_value(rounding="ROUND_FLOOR")))
    whole = int(d.to_integral_value(rounding="ROUND_FLOOR"))
    frac_days = math.ceil((d - whole) * 30)
    return _months_later(due, whole) + dt.timedelta(days=frac_days)


def convert(csv_path: str, base: Path) -> None:
    """Write the evidence directory and the units table for the harness CSV (not timed)."""
    import csv
    import datetime as dt
    import shutil

    sys.path.insert(0, HERE)
    import schema

    ids, records = schema.read_records(csv_path)
    text_rows = {}
    with open(csv_path, newline="", encoding="utf-8") as fh:  # raw text of the float facts (exact repr)
        reader = csv.reader(fh)
        header = next(reader)
        floats = [i for i, n in enumerate(header) if schema.FACT_KIND.get(n) == "float"]
        for row in reader:
            text_rows[row[0]] = {header[i]: row[i] for i in floats}
    if base.exists():
        shutil.rmtree(base)
    ev = base / "evidence"
    (ev / "fields").mkdir(parents=True)
    (ev / "monitoring").mkdir()
    (ev / "escore-evidence.toml").write_text(
        '[evidence]\nsynthetic = true\nnote = "bench-peer synthetic units (gen.py), converted by bench/peer_adapter.py"\n', encoding="utf-8"
    )
    tables: dict[str, tuple[list[str], list[list]]] = {
        "provincial_dc_migrations": (["unit", "system", "due", "done", "cleared"], []),
        "provincial_dc_review_problems": (["unit", "category", "problem", "notified", "rectify_by", "rectified"], []),
        "provincial_catalogue_errors": (["unit", "found", "catalogue", "entry"], []),
        "provincial_terminal_findings": (["unit", "notified", "terminal", "finding"], []),
        "provincial_vulnerability_notices": (["unit", "notified", "system", "fixed"], []),
        "provincial_extranet_notices": (["unit", "notified", "detail"], []),
        "provincial_security_incidents": (["unit", "occurred", "incident", "rectified_on_time"], []),
        "provincial_platform_login_misses": (["unit", "date", "user"], []),
        "provincial_secrecy_violations": (["unit", "found", "finding"], []),
    }
    rows = {name: t[1] for name, t in tables.items()}
    catalogues = ("信息资源目录", "数据库目录", "应用系统目录", "证照目录")
    due = dt.date(*DUE)
    b = {True: "true", False: "false"}
    roster = []
    fields: list[list] = []
    for uid, u in zip(ids, records):
        raw = text_rows[uid]
        variant = u["dc_variant"]
        roster.append((uid, variant))
        req, prov = u["credit_required_items"], u["credit_provided_items"]
        if req == 0:  # M3
            req, prov = 1, 1
        upd_req, upd_ok = u["credit_updates_required"], u["credit_updates_on_time"]
        if upd_req == 0:  # M3
            upd_req, upd_ok = 1, 1
        cat_exp, cat_ok = u["data_catalog_items_expected"], u["data_catalog_items_compiled"]
        if cat_exp == 0:  # M3
            cat_exp, cat_ok = 1, 1
        fields.append([
            uid,
            b[u["dc_a_plan_submitted_on_time"]] if variant == "A" else "",
            req, prov, u["credit_records_submitted"], u["credit_valid_records_loaded"], upd_req, upd_ok,
            u["credit_dual_pub_records_total"], u["credit_dual_pub_records_on_time"],
            u["proj_in_construction_total"], u["proj_in_construction_on_schedule"], u["proj_systems_built"],
            u["proj_systems_running_normally"],
            b[u["catalog_registration_done"]],
            cat_exp, cat_ok,
            raw["data_aggregation_points_awarded"], GRADE_REASON,
            raw["data_backflow_points_awarded"], GRADE_REASON,
            b[u["sec_mlps_requirements_met"]],
            b[u["sec_realname_check_implemented"]],
            b[u["emerg_drill_responded_in_time"]],
            b[u["secrecy_leak_incident"]],
        ])  # fmt: skip

        if variant in ("A", "B"):
            v = variant.lower()
            if u[f"dc_{v}_migration_completed"]:
                done = migration_done(raw[f"dc_{v}_migration_delay_months"])
                cleared = ""
                if u["dc_asset_disposal_done"]:  # M2
                    cleared = (done + dt.timedelta(days=u["dc_asset_disposal_days_after_migration"])).isoformat()
                rows["provincial_dc_migrations"].append([uid, "业务系统01", due.isoformat(), done.isoformat(), cleared])
            else:
                rows["provincial_dc_migrations"].append([uid, "业务系统01", due.isoformat(), "", ""])
        elif variant == "C":
            notified = u["dc_c_review_problem_categories_notified"]
            late = u["dc_c_unrectified_problem_categories"]
            for i in range(notified):
                rows["provincial_dc_review_problems"].append(
                    [uid, f"问题类别{i + 1}", f"问题{i + 1}", "2017-09-05", "2017-10-05", "" if i < late else "2017-09-30"]
                )
        for i in range(u["catalog_errors_or_omissions_found"]):
            rows["provincial_catalogue_errors"].append([uid, "2017-10-10", catalogues[i % 4], f"目录条目{i + 1:02d}"])
        f = rows["provincial_terminal_findings"]
        for i in range(u["sec_outreach_violation_terminals"]):
            f.append([uid, "2017-09-01", f"10.1.{i}.1", "违规外联"])
        for i in range(u["sec_unregistered_terminals"]):
            f.append([uid, "2017-09-02", f"10.2.{i}.1", "未注册"])
        for i in range(u["sec_no_antivirus_terminals"]):
            f.append([uid, "2017-09-03", f"10.3.{i}.1", "未安装杀毒软件"])
        unfixed = u["sec_vuln_unfixed_within_2_weeks"]
        for i in range(u["sec_major_vuln_notices"]):
            rows["provincial_vulnerability_notices"].append([uid, "2017-08-21", f"系统{i + 1}", "" if i < unfixed else "2017-09-01"])
        for i in range(u["sec_extranet_access_violation_notices"]):
            rows["provincial_extranet_notices"].append([uid, "2017-10-09", f"违规接入{i + 1}"])
        on_time = u["emerg_incidents_rectified_on_time"]
        for i in range(u["emerg_incidents"]):
            rows["provincial_security_incidents"].append([uid, "2017-09-12", f"事件{i + 1}", "true" if i < on_time else "false"])
        for i in range(u["emerg_platform_login_failures"]):
            rows["provincial_platform_login_misses"].append([uid, f"2017-09-{i % 28 + 1:02d}", f"{uid}_admin"])
        for i in range(u["secrecy_violations_found"]):
            rows["provincial_secrecy_violations"].append([uid, "2017-11-20", f"违规{i + 1}"])
    for name, (header, body) in tables.items():
        with open(ev / "monitoring" / f"{name}.csv", "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh, lineterminator="\n")
            w.writerow(header)
            w.writerows(body)
    with open(ev / "fields" / "provincial.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(FIELD_COLUMNS)
        w.writerows(fields)
    with open(base / "units.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["code", "dc_variant"])
        w.writerows(roster)
    (base / "ids.txt").write_text("\n".join(ids))
    (base / "done").write_text("")


# ----------------------------------------------------------------------------- the command line


def escore_args(evidence: Path, roster: Path, out: Path, fmt: str) -> list[str]:
    # The CSV holds only what the adapter reads back (the harness wants totals, as of_run.py
    # writes them, in the input's order): the sections' and rounded columns would be written
    # and read for nothing, and lines in code order (`--order code`, each unit's rank kept) are
    # the input's order when it lists the units by code. Missing evidence is counted from
    # stderr (in English); an indicator's error ends the run with exit status 1.
    columns = ["--columns", "code,total", "--order", "code", "--lang", "en"] if fmt == "csv" else []
    return ["run", "-c", "provincial", "-k", "comprehensive", "--roster", str(roster),
            "-e", str(evidence), "-f", fmt, *columns, "-o", str(out)]  # fmt: skip


def cache_dir(roster: Path, mode: str) -> str:
    """The escore cache of this run; kept per converted input (one N), so that a large run's
    entries do not weigh on a small run (see ESCORE_ADAPTER_CACHE to share one)."""
    if mode == "nocache":
        return "off"
    return os.environ.get("ESCORE_ADAPTER_CACHE") or str(roster.parent / "cache")


def run_escore(args: list[str], cache: str, *, fork: bool) -> tuple[int, str, int]:
    """(exit status, stderr, peak RSS in KiB) of ``escore ARGS``.

    In process (the default): this adapter is the fresh process bench.py times, as
    of_run.py is for OpenFisca, so escore's command line runs here, exactly as the
    ``escore`` script would run it. ``fork``: a child process running the ``escore``
    script (one more interpreter start), as a shell user would type the command.
    """
    import resource

    if fork:
        import subprocess

        exe = str(Path(sys.executable).parent / "escore")
        env = dict(os.environ, ESCORE_CACHE_DIR=cache)
        proc = subprocess.run([exe, *args], env=env, capture_output=True, text=True, check=False)
        return proc.returncode, proc.stderr, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    import io
    from contextlib import redirect_stderr

    from escore_cli import main as escore_main

    os.environ["ESCORE_CACHE_DIR"] = cache
    stderr = io.StringIO()
    with redirect_stderr(stderr):
        try:
            status = escore_main(args)
        except SystemExit as exit_:
            status = exit_.code if isinstance(exit_.code, int) else 1
    return status or 0, stderr.getvalue(), _peak_rss_kib()


def _peak_rss_kib() -> int:
    """This process's peak resident set. Linux's ru_maxrss also counts the memory of the parent
    that forked it before exec (bench.py holds 100k units' data): VmHWM is this program's own."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def lines_in_code_order(path: Path, count: int) -> str | None:
    """The ``unit_id,total`` lines of escore's CSV (``--columns code,total --order code``: its
    codes are the unit ids, in their order), or ``None`` when it is not that file. Each line is
    ``code,total`` and then the same cells (the selection, and whether the evidence is
    synthetic), dropped from every line at once."""
    text = path.read_text(encoding="utf-8-sig")
    header, _, body = text.partition("\n")
    if not header.startswith("code,total,") or body.count("\n") != count or '"' in body:
        return None
    first = body[: body.index("\n")]
    suffix = first[first.index(",", first.index(",") + 1) :] + "\n"  # after the second cell
    lines = body.replace(suffix, "\n")
    if len(lines) != len(body) - (len(suffix) - 1) * count:  # a line without those very cells
        return None
    return "unit_id,total\n" + lines


def missing_from_stderr(stderr: str) -> int:
    """The count of missing results escore reports on stderr (``--lang en``), 0 without a report."""
    import re

    found = re.search(r"missing evidence: (\d+) indicator result", stderr)
    return int(found.group(1)) if found else 0


def totals_from_output(path: Path, fmt: str) -> tuple[dict[str, str], int, int]:
    """code → presented total, and the counts of missing and error results."""
    import csv

    if fmt == "json":
        data = json.loads(path.read_text(encoding="utf-8"))
        st = data["statuses"]
        return {u["code"]: u["total"] for u in data["units"]}, st["missing"], st["error"]
    if fmt == "table":
        out, missing, errors = {}, 0, 0
        lines = path.read_text(encoding="utf-8").splitlines()
        start = next(i for i, line in enumerate(lines) if line.startswith("----")) + 1
        for line in lines[start:]:
            cells = line.split()
            if len(cells) < 6:
                break
            out[cells[1]] = cells[5]  # rank code name comprehensive website total [missing] [errors]
        for line in lines:
            if line.startswith("statuses:"):
                parts = dict(reversed(p.strip().split(" ", 1)) for p in line[len("statuses:") :].split(","))
                missing, errors = int(parts["missing"]), int(parts["error"])
        return out, missing, errors
    # Column by column (C-level passes): 10,000 lines in a few ms where a DictReader loop took 70.
    # Without a quote in the file no cell holds a comma or a line break, so one split of the
    # whole text gives every cell, line after line: a column is every n-th cell.
    text = path.read_text(encoding="utf-8-sig")
    lines = text.splitlines()
    header = next(csv.reader(lines[:1]), [])
    width, count = len(header), len(lines) - 1
    cells = ",".join(lines[1:]).split(",") if '"' not in text and count else []
    if len(cells) != width * count:  # quoted cells: the csv reader
        cells = [cell for row in csv.reader(lines[1:]) for cell in row]
    code, total = (cells[header.index(name) :: width] for name in ("code", "total"))
    counts = [_count_sum(cells[header.index(name) :: width]) if name in header else 0 for name in ("missing", "errors")]
    return dict(zip(code, total)), counts[0], counts[1]


def _count_sum(column: list[str]) -> int:
    """The sum of a column of counts; a column of zeros (the usual case) found at C speed."""
    return 0 if column.count("0") == len(column) else sum(map(int, column))


def run_cli(argv: list[str]) -> None:
    csv_in, totals_out, phases_out = argv[1], argv[2], argv[3]
    mode = mode_from_name(argv[0])
    fmt = {"cli": "csv", "nocache": "csv", "json": "json", "table": "table", "subprocess": "csv"}[mode]
    t_imported = time.perf_counter()
    evidence, roster, base = converted(csv_in)
    count = units_in_code_order(base) if fmt == "csv" else None
    ids = [] if count is not None else read_ids(base)
    t_read = time.perf_counter()
    out = Path(totals_out).with_suffix(f".escore.{fmt}")
    args = escore_args(evidence, roster, out, fmt)
    t0 = time.perf_counter()
    status, stderr, rss = run_escore(args, cache_dir(roster, mode), fork=mode == "subprocess")
    wall = time.perf_counter() - t0
    if status != 0:
        raise SystemExit(f"escore failed ({status}): escore {' '.join(args)}\n{stderr[-3000:]}")
    t_scored = time.perf_counter()
    lines = None if count is None else lines_in_code_order(out, count)
    if lines is not None:  # the input lists its units by code: escore's lines are its order
        missing, errors = missing_from_stderr(stderr), 0
        with open(totals_out, "w", newline="", encoding="utf-8") as fh:
            fh.write(lines)
    else:
        if not ids:
            ids = read_ids(base)
        by_code, missing, errors = totals_from_output(out, fmt)
        if fmt == "csv":
            missing = missing_from_stderr(stderr)
        with open(totals_out, "w", newline="", encoding="utf-8") as fh:
            fh.write("unit_id,total\n")
            if ids:  # a line per unit, joined at C speed
                fh.write("\n".join(map(",".join, zip(ids, map(by_code.__getitem__, ids)))) + "\n")
    t_written = time.perf_counter()
    phases = {"import": t_imported - _T_START, "read": t_read - t_imported, "score": t_scored - t_read, "write": t_written - t_scored}
    with open(phases_out, "w") as fh:
        json.dump(phases, fh)
    log = os.environ.get("ESCORE_ADAPTER_LOG") or str(work_root() / "runs.jsonl")
    with open(log, "a") as fh:
        fh.write(json.dumps({"mode": mode, "n": count if lines is not None else len(ids), "csv": os.path.realpath(csv_in), "python": sys.executable, "escore_wall_s": wall,
                             "maxrss_kib": rss, "missing": missing, "errors": errors, "phases": phases,
                             "t": time.time()}) + "\n")  # fmt: skip


# ----------------------------------------------------------------------------- in process


def _catalog():
    from escore import Catalog, make_plugin_manager

    return Catalog(make_plugin_manager())


def inproc(csv_in: str, repeat: int) -> dict:
    """In-process timings (min of ``repeat``, gc.collect() before each), escore next to plain.py."""
    import gc

    os.environ["ESCORE_CACHE_DIR"] = "off"
    sys.path.insert(0, HERE)
    import plain
    import schema

    evidence, roster, base = converted(csv_in)
    ids = read_ids(base)
    t = time.perf_counter()
    catalog = _catalog()
    first_catalog = time.perf_counter() - t
    from escore import run_category
    from escore._load import load_evidence
    from escore._selection import select
    from escore._session import children_of, score_with, units_of

    def best(fn, reps=repeat):
        b, res = float("inf"), None
        for _ in range(reps):
            res = None
            gc.collect()
            t0 = time.perf_counter()
            res = fn()
            b = min(b, time.perf_counter() - t0)
        return b, res

    r: dict = {"n": len(ids), "repeat": repeat, "first catalog (imports + plugins + rosters)": first_catalog}
    r["catalog + plan (modules imported)"], _ = best(lambda: _catalog().plan("fj2017", "provincial"))
    plan = catalog.plan("fj2017", "provincial")
    selected = select(plan, "comprehensive")
    r["units table (--roster)"], (units, known) = best(lambda: units_of(catalog, "fj2017", "provincial", roster))
    codes = [u.code for u in units]
    children = children_of(catalog, plan)

    def load():
        return load_evidence([evidence], plan, codes, known, catalog.loaders, [])

    big = len(ids) > 20_000
    r["load evidence (fields table + monitoring CSV, checked; cache off)"], data = best(load, 2 if big else repeat)
    _, records = schema.read_records(csv_in)
    exact_records = plain.decimal_records(records)
    engine = {False: float("inf"), True: float("inf")}
    pf = pd = float("inf")
    for _ in range(repeat):  # interleaved: plain float, plain Decimal, escore engine (explain off, on)
        gc.collect()
        t0 = time.perf_counter()
        plain.score_all(records)
        pf = min(pf, time.perf_counter() - t0)
        gc.collect()
        t0 = time.perf_counter()
        plain.score_all(exact_records, plain.score_unit_exact)
        pd = min(pd, time.perf_counter() - t0)
        for explain in (False, True):
            res = None
            gc.collect()
            t0 = time.perf_counter()
            res = score_with(plan, selected, units, children, data, keyword="comprehensive", explain=explain)
            engine[explain] = min(engine[explain], time.perf_counter() - t0)
            del res
    r["plain float loop"] = pf
    r["plain Decimal loop"] = pd
    r["escore engine on loaded evidence, explain off (table/csv)"] = engine[False]
    r["escore engine on loaded evidence, explain on (json)"] = engine[True]

    def api():
        return run_category(catalog, "provincial", evidence=[evidence], keyword="comprehensive", explain=False, roster=roster)

    r["run_category (public API: load + score + rank), cache off"], _ = best(api, 1 if big else repeat)
    return r


# ----------------------------------------------------------------------------- agreement


def agree(csv_in: str) -> dict:
    """escore's exact results against plain.py's exact Decimal reference, node by node."""
    import datetime as dt
    from decimal import ROUND_HALF_UP, Decimal

    os.environ["ESCORE_CACHE_DIR"] = "off"
    sys.path.insert(0, HERE)
    import plain
    import schema

    evidence, roster, base = converted(csv_in)
    ids = read_ids(base)
    catalog = _catalog()
    from escore import run_category

    result = run_category(catalog, "provincial", evidence=[evidence], keyword="comprehensive", explain=False, roster=roster)
    by_code = {ur.unit.code: ur for ur in result.units}
    _, records = schema.read_records(csv_in)
    exact = [plain.score_unit_exact(u) for u in plain.decimal_records(records)]
    cent = Decimal("0.01")

    def r2(x):
        return x.quantize(cent, rounding=ROUND_HALF_UP)

    # The same inputs read as escore's pack reads them: item 3 deducts nothing; disposal needs the
    # migration completed and counts one calendar month (M2), not 30 days.
    aligned = []
    for u in records:
        v = dict(u)
        v["sec_item3_deduction_awarded"] = 0.0
        if u["dc_variant"] in ("A", "B"):
            k = u["dc_variant"].lower()
            ok = False
            if u[f"dc_{k}_migration_completed"] and u["dc_asset_disposal_done"]:
                done = migration_done(repr(u[f"dc_{k}_migration_delay_months"]))
                ok = done + dt.timedelta(days=u["dc_asset_disposal_days_after_migration"]) <= _months_later(done, 1)
            v["dc_asset_disposal_done"], v["dc_asset_disposal_days_after_migration"] = ok, 0
        aligned.append(v)
    exact_aligned = [plain.score_unit_exact(u) for u in plain.decimal_records(aligned)]
    node_index = schema.NODE_INDEX
    out = {"n": len(ids), "statuses": result.status_counts(), "total_mismatch_vs_exact": 0, "total_mismatch_vs_aligned": 0,
           "raw_total_not_equal_vs_aligned": 0, "max_raw_gap_vs_aligned": "0", "causes": {}, "node_diffs": {},
           "examples": [], "zero_denominator_units": 0}  # fmt: skip
    max_gap = Decimal(0)
    for uid, u, ref, ref_al in zip(ids, records, exact, exact_aligned):
        ur = by_code[uid]
        if u["credit_required_items"] == 0 or u["credit_updates_required"] == 0 or u["data_catalog_items_expected"] == 0:
            out["zero_denominator_units"] += 1
        total_ref, total_al = ref[-1], ref_al[-1]
        gap = abs(ur.total - total_al)
        max_gap = max(max_gap, gap)
        if ur.total != total_al:
            out["raw_total_not_equal_vs_aligned"] += 1
        if r2(ur.total) != r2(total_al):
            out["total_mismatch_vs_aligned"] += 1
        if r2(ur.total) != r2(total_ref):
            out["total_mismatch_vs_exact"] += 1
            diffs = []
            for item in ur.indicators:
                name = item.code.lower().replace("-", "_")
                want = ref[node_index[name]]
                have = None if item.status == "not_applicable" else item.points
                if want != have and not (want is not None and have is not None and abs(want - have) < Decimal("1e-20")):
                    diffs.append(item.code)
                    out["node_diffs"][item.code] = out["node_diffs"].get(item.code, 0) + 1
            causes = []
            if "P-3-2" in diffs:
                causes.append("P-3-2 item 3 (harness-only input)")
            if {"P-1-1-A-3", "P-1-1-B-2"} & set(diffs):
                k = u["dc_variant"].lower()
                if not u[f"dc_{k}_migration_completed"]:
                    causes.append("disposal with migration not completed (escore: 0)")
                else:
                    causes.append("disposal: 1 calendar month vs 30 days")
            other = [d for d in diffs if d not in ("P-3-2", "P-1-1-A-3", "P-1-1-B-2")]
            if other:
                causes.append("other: " + ",".join(other))
            key = " + ".join(causes) or "total only (rounding of the reference)"
            out["causes"][key] = out["causes"].get(key, 0) + 1
            if len(out["examples"]) < 6:
                out["examples"].append([uid, str(total_ref), str(ur.total), key])
    out["max_raw_gap_vs_aligned"] = str(max_gap)
    return out


def end_as_the_script_ends() -> None:
    """End this process as the ``escore`` script ends its own (``escore_cli.script``): exit
    handlers run and streams flushed, the run's objects freed with the process rather than one
    by one. This process stands in for the script (see :func:`run_escore`); an escore without
    ``end_process`` ends normally."""
    try:
        from escore_cli import end_process
    except ImportError:
        return
    end_process(0)


def main() -> None:
    argv = sys.argv
    if len(argv) > 2 and argv[1] == "--convert":
        print(converted(argv[2])[0])
    elif len(argv) > 2 and argv[1] == "--inproc":
        repeat = int(argv[argv.index("--repeat") + 1]) if "--repeat" in argv else 5
        print(json.dumps(inproc(argv[2], repeat), indent=1))
    elif len(argv) > 2 and argv[1] == "--agree":
        print(json.dumps(agree(argv[2]), indent=1, ensure_ascii=False))
    elif len(argv) >= 4:
        run_cli(argv)
        end_as_the_script_ends()
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
