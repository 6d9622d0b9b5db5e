"""Write the synthetic sample evidence of the fj2017 provincial comprehensive pack.

    python plugins/indicators_provincial/tools/make_sample.py [OUTPUT-DIR]

Stdlib only and seeded (``random.Random(2017)``), so the output is the same on
every run. It writes ``escore_fj2017_provincial/sample/provincial/``:

* ``escore-evidence.toml`` marking the directory synthetic;
* ``units/<code>.toml`` for the 38 departments, ``provincial.*`` fields only
  (the website pack writes its own fields into its own sample directory);
* ``monitoring/provincial_*.csv``, one row per event, many departments per file.

OUTPUT-DIR (default: the pack's sample directory) lets a test regenerate the
sample elsewhere and compare it with the committed files.

The values are made up. Most departments get values drawn around a per-department
"diligence" level, so that the ranking spreads out; a few get scripted values so
that every rule branch shows up somewhere: each tier row, each variant, floors,
the proportional edge cases, the leak veto, and two departments with a missing
field.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import random
import re
import shutil
import sys
from pathlib import Path

PACK = Path(__file__).resolve().parent.parent / "escore_fj2017_provincial"
OUT = PACK / "sample" / "provincial"
NOTE = "合成数据 SYNTHETIC: real department names, made-up values for demonstration; not the 2017 results"
HEADER = f"# {NOTE}\n"

rng = random.Random(2017)


def roster() -> list[tuple[str, str, str]]:
    """(code, name, dc_variant) of every department, read from the roster without a TOML library."""
    text = (PACK / "roster.toml").read_text(encoding="utf-8")
    units = re.findall(r'code = "([^"]+)"\s*\nname = "([^"]+)"\s*\nattributes = \{ dc_variant = "([ABC])" \}', text)
    assert len(units) == 38, len(units)
    return units


def add_months(day: dt.date, months: int) -> dt.date:
    year, month = divmod(day.month - 1 + months, 12)
    year += day.year
    month += 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


# --------------------------------------------------------------------------- scripted departments
# Each entry overrides what the random draw would give, to show one branch of a rule.

#: P-1-1-A-2 / P-1-1-B-1: delay of the latest system in started months (None = not completed).
DELAY = {
    "prov.czt": 0,
    "prov.rst": 1,
    "prov.jtt": 2,
    "prov.dsj": 3,
    "prov.gsj": None,
    "prov.wjw": 0,
    "prov.gat": 1,
    "prov.gtt": 2,
    "prov.slt": 3,
    "prov.zjj": None,
    "prov.ajj": 0,
    "prov.spypjgj": 1,
    "prov.tjj": 0,
}
#: P-1-1-A-3 / P-1-1-B-2: disposal within a month of the last migration.
DISPOSED = {
    "prov.czt": True,
    "prov.rst": False,
    "prov.jtt": True,
    "prov.dsj": False,
    "prov.wjw": True,
    "prov.gat": True,
    "prov.gtt": False,
    "prov.slt": True,
    "prov.ajj": True,
    "prov.spypjgj": False,
    "prov.tjj": True,
}
#: P-1-1-C: (problem categories notified, categories with a late rectification).
REVIEW = {
    "prov.bgt": (0, 0),
    "prov.fgw": (1, 0),
    "prov.jxw": (2, 1),
    "prov.jyt": (3, 3),
    "prov.kjt": (4, 4),
    "prov.mzt": (1, 1),
    "prov.sft": (2, 0),
}
#: P-1-2-1 / P-1-2-2: (items provided, items required), (records loaded, records provided).
COMPLETENESS = {
    "prov.fgw": (80, 80),
    "prov.jxw": (64, 80),
    "prov.jyt": (63, 80),
    "prov.kjt": (48, 80),
    "prov.mzzjt": (47, 80),
    "prov.gat": (72, 90),
}
LOAD = {"prov.fgw": (600, 1000), "prov.jxw": (599, 1000), "prov.kjt": (0, 0), "prov.wht": (1450, 1500)}
#: P-1-2-4: (decisions on time, decisions) — includes a department without decisions.
DUAL = {"prov.wb": None, "prov.qb": (0, 0), "prov.sjt": (0, 12), "prov.tyj": (30, 30)}
#: P-1-3: (on schedule, under construction), (running, built).
PROJECTS = {"prov.rfb": ((0, 0), (0, 0)), "prov.lsj": ((1, 3), (2, 4)), "prov.hyyyt": ((0, 2), (5, 5)), "prov.mzt": ((2, 2), (0, 3))}
#: P-2-1: catalogue updated?, number of errors.
CATALOGUE = {"prov.lfw": (False, 2), "prov.gzw": (True, 10), "prov.wjj": (True, 11), "prov.bgt": (True, 0)}
#: READING 13: a department whose update cycle requires no submission and of which no catalogue entry is expected.
NOTHING_TO_SUBMIT = "prov.qb"
#: P-2-2 assessor grades; the second department's backflow grade is left out (missing evidence).
MISSING_BACKFLOW = "prov.rfb"
#: P-3-2: (terminal control, outreach notices, unregistered, no antivirus, vulnerabilities, unfixed, extranet notices).
NETWORK = {
    "prov.kjt": (False, 3, 2, 2, 2, 2, 1),  # far below the floor
    "prov.xwcbgdj": (False, 0, 0, 0, 0, 0, 0),
    "prov.nyt": (True, 2, 1, 1, 1, 1, 1),
    "prov.lyt": (True, 0, 0, 0, 0, 0, 0),
}
#: P-3-3: (incidents, late), drill responded, missed logins.
INCIDENTS = {"prov.nyt": (2, 1), "prov.hbt": (0, 0), "prov.zjt": (3, 0)}
DRILL = {"prov.hbt": False, "prov.mzzjt": False}
LOGINS = {"prov.zjt": 5, "prov.hbt": 6, "prov.nyt": 2}
#: P-3-4: violations, and the one leak.
SECRECY = {"prov.swt": 4, "prov.wht": 5, "prov.sjt": 1}
LEAK = "prov.tyj"
MISSING_DECISIONS = "prov.wb"

GRADES = {
    "aggregation": [
        ("4", "数据项齐全、数据量完整、更新及时，接口实时接入，共享调用活跃"),
        ("3.5", "接入数据项较全，个别数据更新滞后"),
        ("3", "接口接入，部分数据项未汇聚"),
        ("2", "批量导入为主，更新不及时"),
        ("1", "仅接入少量目录，数据量不完整"),
        ("0", "未接入政务数据汇聚平台"),
    ],
    "backflow": [
        ("4", "自建服务系统已完成改造，数据回流各设区市行政服务中心"),
        ("3", "主要服务系统已回流，个别系统改造中"),
        ("2", "完成改造方案，部分数据回流"),
        ("1", "启动改造，尚未回流"),
        ("0", "未开展改造"),
    ],
}


# --------------------------------------------------------------------------- writers


def toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, dt.date)):
        return str(value)
    if isinstance(value, tuple):  # a grade
        points, reason = value
        return f'{{ points = {points}, reason = "{reason}" }}'
    raise TypeError(value)


def write_unit(out: Path, code: str, name: str, variant: str, tables: dict[str, dict[str, object]]) -> None:
    lines = [HEADER.rstrip("\n"), f"# {code} {name} · fj2017 provincial · 综合应用 evidence (数据中心整合 variant {variant})"]
    for table, values in tables.items():
        if not values:
            continue
        lines.append("")
        lines.append(f"[provincial.{table}]")
        lines.extend(f"{key} = {toml_value(value)}" for key, value in values.items())
    (out / "units" / f"{code}.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_csv(out: Path, name: str, header: list[str], rows: list[list[object]]) -> None:
    rows = sorted(rows, key=lambda row: [str(cell) for cell in row])
    with (out / "monitoring" / f"{name}.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["unit", *header])
        writer.writerows(rows)


# --------------------------------------------------------------------------- generation


def draw_share(total: int, level: float) -> int:
    """A count out of ``total`` around ``level``, never above ``total``."""
    return max(0, min(total, round(total * min(1.0, level + rng.uniform(-0.05, 0.1)))))


def main(out: Path = OUT) -> None:
    if out.exists():
        shutil.rmtree(out)
    (out / "units").mkdir(parents=True)
    (out / "monitoring").mkdir()
    (out / "escore-evidence.toml").write_text(f'{HEADER}[evidence]\nsynthetic = true\nnote = "{NOTE}"\n', encoding="utf-8")

    csvs: dict[str, list[list[object]]] = {
        name: []
        for name in ("migrations", "review", "catalogue", "terminals", "vulnerabilities", "extranet", "incidents", "logins", "secrecy")
    }

    for index, (code, name, variant) in enumerate(roster()):
        level = rng.uniform(0.55, 1.0)  # the department's diligence: drives the unscripted values
        good = rng.random() < level
        tables: dict[str, dict[str, object]] = {}

        # P-1-1 数据中心整合
        if variant in "AB":
            if variant == "A":
                tables["data_centre"] = {"plan_on_time": code != "prov.gsj"}
            delay = DELAY.get(code, 0 if good else 1)
            disposed = DISPOSED.get(code, good)
            systems = rng.randint(2, 5)
            base_due = dt.date(2017, rng.choice((8, 9, 10)), rng.choice((15, 30)))
            last_done = None
            rows = []
            for s in range(systems):
                due = base_due + days(7 * s)
                worst = s == systems - 1
                if worst and delay is None:
                    done = None
                elif worst and delay:
                    done = add_months(due, delay) if delay < 3 else add_months(due, 2) + days(rng.randint(1, 20))
                else:
                    done = due - days(rng.randint(0, 10))
                rows.append([code, f"{name}业务系统{s + 1:02d}", due, done])
                if done is not None:
                    last_done = max(last_done or done, done)
            for row in rows:
                if row[3] is None or last_done is None:
                    cleared = None
                elif disposed:
                    cleared = add_months(last_done, 1) if code == "prov.czt" else last_done + days(rng.randint(3, 25))
                else:
                    cleared = None if code == "prov.dsj" else add_months(last_done, 1) + days(rng.randint(1, 15))
                csvs["migrations"].append([*row, cleared])
        else:
            notified, late = REVIEW.get(code, (0, 0) if good else (1, int(rng.random() < 0.5)))
            for c in range(notified):
                category = ("机房设备未清退", "系统未完全迁移", "数据未迁移上云", "资产处置手续不全")[c]
                for p in range(rng.randint(1, 2)):
                    when = dt.date(2017, 9, 5 + c)
                    due = when + days(30)
                    rectified = due + days(rng.randint(3, 20)) if c < late and p == 0 else due - days(rng.randint(0, 20))
                    if c < late and code == "prov.kjt":
                        rectified = None
                    csvs["review"].append([code, category, f"{category}问题{p + 1}", when, due, rectified])

        # P-1-2 公共信用数据建设
        required = rng.randint(40, 120)
        provided, required = COMPLETENESS.get(code, (required if good else draw_share(required, level), required))
        records = rng.randint(800, 5000)
        loaded, records = LOAD.get(code, (draw_share(records, level + 0.1), records))
        cycles = rng.choice((4, 12, 52))
        credit: dict[str, object] = {
            "items_required": required,
            "items_provided": provided,
            "records_provided": records,
            "records_loaded": loaded,
            "updates_required": cycles,
            "updates_on_time": cycles if code in ("prov.fgw", "prov.czt") else (0 if code == "prov.mzzjt" else draw_share(cycles, level)),
        }
        if code == NOTHING_TO_SUBMIT:
            credit["updates_required"] = credit["updates_on_time"] = 0
        decisions = DUAL.get(code, (lambda n: (draw_share(n, level + 0.05), n))(rng.randint(20, 400)))
        if decisions is not None:
            credit["decisions_total"] = decisions[1]
            credit["decisions_on_time"] = decisions[0]
        tables["credit"] = credit

        # P-1-3 部门项目建设应用情况
        building = rng.randint(1, 6)
        built = rng.randint(3, 15)
        (on_schedule, building), (running, built) = PROJECTS.get(
            code, ((draw_share(building, level), building), (draw_share(built, level + 0.1), built))
        )
        tables["projects"] = {
            "under_construction": building,
            "on_schedule": on_schedule,
            "systems_built": built,
            "systems_running": running,
        }

        # P-2-1 目录注册和更新
        updated, errors = CATALOGUE.get(code, (True, rng.randint(0, 2) if good else rng.randint(2, 6)))
        tables["catalogue"] = {"updated": updated}
        entries = ("信息资源目录", "数据库目录", "应用系统目录", "证照目录")
        for e in range(errors):
            csvs["catalogue"].append([code, dt.date(2017, 10, 10) + days(e), entries[e % 4], f"目录条目{e + 1:02d}（缺失或信息错误）"])

        # P-2-2 政务数据汇聚
        expected = rng.randint(20, 90)
        complete = expected if good else draw_share(expected, level)
        if code == "prov.lfw":
            complete = 0
        aggregation = GRADES["aggregation"][
            0 if code == "prov.czt" else (5 if code == "prov.lfw" else min(5, int((1 - level) * 8 + rng.random())))
        ]
        backflow = GRADES["backflow"][
            0 if code in ("prov.czt", "prov.fgw") else (4 if code == "prov.lfw" else min(4, int((1 - level) * 7 + rng.random())))
        ]
        sharing: dict[str, object] = {"catalogue_expected": expected, "catalogue_complete": complete, "aggregation": aggregation}
        if code == NOTHING_TO_SUBMIT:
            sharing["catalogue_expected"] = sharing["catalogue_complete"] = 0
        if code != MISSING_BACKFLOW:
            sharing["backflow"] = backflow
        tables["data_sharing"] = sharing

        # P-3 安全保障绩效
        tables["mlps"] = {"requirements_met": code not in ("prov.kjt", "prov.xwcbgdj") and (good or rng.random() < 0.6)}
        control, outreach, unregistered, antivirus, vulns, unfixed, extranet = NETWORK.get(
            code, (True, int(rng.random() > level), int(rng.random() > level + 0.2), 0, int(rng.random() > level + 0.1), 0, 0)
        )
        if not good and code not in NETWORK and rng.random() < 0.3:
            unfixed = min(1, vulns)
        tables["network_security"] = {"terminal_control": control}
        for t in range(outreach):
            csvs["terminals"].append([code, dt.date(2017, 9, 1) + days(11 * t), f"10.12.{index}.{20 + t}", "违规外联"])
        for t in range(unregistered):
            day = dt.date(2017, 10, 20)
            csvs["terminals"].append([code, day, f"10.12.{index}.{60 + t}", "未注册"])
            if t == 0 and code == "prov.kjt":  # found twice: counts once
                csvs["terminals"].append([code, day + days(30), f"10.12.{index}.{60 + t}", "未注册"])
        for t in range(antivirus):
            csvs["terminals"].append([code, dt.date(2017, 11, 3), f"10.12.{index}.{90 + t}", "未安装杀毒软件"])
        for v in range(vulns):
            notified = dt.date(2017, 8, 21) + days(17 * v)
            fixed = (notified + days(14)) if v >= unfixed else (None if v == 0 and code == "prov.kjt" else notified + days(15))
            csvs["vulnerabilities"].append([code, notified, f"{name}门户网站" if v == 0 else f"{name}业务系统{v}", fixed])
        for x in range(extranet):
            csvs["extranet"].append([code, dt.date(2017, 10, 9) + days(x), "未经审批接入政务外网的无线设备"])

        incidents, late_incidents = INCIDENTS.get(code, (int(rng.random() > level + 0.25), 0))
        for i in range(incidents):
            csvs["incidents"].append(
                [code, dt.date(2017, 9, 12) + days(20 * i), ("网页被篡改", "服务器感染病毒", "弱口令被利用")[i % 3], i >= late_incidents]
            )
        tables["emergency"] = {"drill_responded": DRILL.get(code, good or rng.random() < 0.7)}
        for m in range(LOGINS.get(code, int(rng.random() > level) * rng.randint(1, 3))):
            csvs["logins"].append([code, dt.date(2017, 9, 4) + days(7 * m), f"{code.split('.')[1]}_admin"])

        for s in range(SECRECY.get(code, int(rng.random() > level + 0.3))):
            csvs["secrecy"].append(
                [
                    code,
                    dt.date(2017, 11, 20),
                    ("涉密文件未按规定登记", "非涉密计算机处理涉密信息", "涉密载体未按规定销毁", "未履行保密审查", "涉密会议未按规定管理")[
                        s % 5
                    ],
                ]
            )
        tables["secrecy"] = {"leak": code == LEAK}

        if code == MISSING_DECISIONS:
            assert "decisions_total" not in tables["credit"]
        write_unit(
            out,
            code,
            name,
            variant,
            {
                key: tables[key]
                for key in (
                    "data_centre",
                    "credit",
                    "projects",
                    "catalogue",
                    "data_sharing",
                    "mlps",
                    "network_security",
                    "emergency",
                    "secrecy",
                )
                if key in tables
            },
        )

    write_csv(
        out,
        "provincial_dc_migrations",
        ["system", "due", "done", "cleared"],
        [[c if c is not None else "" for c in row] for row in csvs["migrations"]],
    )
    write_csv(
        out,
        "provincial_dc_review_problems",
        ["category", "problem", "notified", "rectify_by", "rectified"],
        [[c if c is not None else "" for c in row] for row in csvs["review"]],
    )
    write_csv(out, "provincial_catalogue_errors", ["found", "catalogue", "entry"], csvs["catalogue"])
    write_csv(out, "provincial_terminal_findings", ["notified", "terminal", "finding"], csvs["terminals"])
    write_csv(
        out,
        "provincial_vulnerability_notices",
        ["notified", "system", "fixed"],
        [[c if c is not None else "" for c in row] for row in csvs["vulnerabilities"]],
    )
    write_csv(out, "provincial_extranet_notices", ["notified", "detail"], csvs["extranet"])
    write_csv(
        out,
        "provincial_security_incidents",
        ["occurred", "incident", "rectified_on_time"],
        [[*row[:3], "true" if row[3] else "false"] for row in csvs["incidents"]],
    )
    write_csv(out, "provincial_platform_login_misses", ["date", "user"], csvs["logins"])
    write_csv(out, "provincial_secrecy_violations", ["found", "finding"], csvs["secrecy"])
    print(f"wrote {out}: 38 unit files, {len(csvs)} monitoring tables")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)
