"""Write the synthetic sample evidence of the fj2017 website pack (stdlib only, seeded).

    python plugins/indicators_website/tools/make_sample.py

Writes ``escore_fj2017_website/sample/{provincial,city,county}/``: the manifest
``escore-evidence.toml``, one ``units/<code>.toml`` per unit with only ``website.*``
fields, and ``monitoring/website_*.csv``. Unit names are real; every value is made
up. The data is varied on purpose so that every rule kind and every special rule of
the pack shows up in a run: graded rows at full, partial and zero points (the rows
READING 12 makes graded with their monitoring facts beside them), the deadline rows,
注1 and 注2 vetoes, the 注3 WeChat alternative, content forfeiture, the 特色栏目
bonus (and the section cap it runs into), and a few missing fields.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
import shutil
import tomllib
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
PACK = HERE.parent / "escore_fj2017_website"
PLUGINS = HERE.parent.parent
ROSTERS = {
    "county": PACK / "roster_county.toml",
    "city": PLUGINS / "indicators_city" / "escore_fj2017_city" / "roster.toml",
    "provincial": PLUGINS / "indicators_provincial" / "escore_fj2017_provincial" / "roster.toml",
}
NOTE = "合成数据 SYNTHETIC: real unit names, made-up values for demonstration; not the 2017 results"
HEADER = [
    "# 合成数据 SYNTHETIC — made-up values for demonstration, not the 2017 assessment results.",
    "# Written by plugins/indicators_website/tools/make_sample.py (random.Random(2017)); do not edit by hand.",
]
MONITORING_DATE = dt.date(2017, 11, 30)

# Graded rows: evidence key → maximum, per category (Table L city column, county column, Table D).
COMMON_L = {
    "website.disclosure.social_assistance": "2",
    "website.disclosure.environment": "2",
    "website.disclosure.work_safety": "2",
    "website.gov_info.proactive": "1",
    "website.gov_info.on_request": "1",
    "website.gov_info.column": "2.5",
    "website.gov_info.mailbox": "0.5",
    "website.gov_info.supervision_node": "2",
    "website.services.power_list": "3",
    "website.services.entry_integration": "3",
    "website.services.search_modes": "2",
    "website.services.guidance": "3",
    "website.services.guide_accuracy": "4",
    "website.services.online_depth": "3",
    "website.letters.timeliness": "3",
    "website.letters.quality": "3",
    "website.interviews.mechanism": "1",
    "website.interviews.richness": "2",
    "website.interviews.topics": "2",
    "website.solicitations.richness": "2",
    "website.solicitations.opinion_feedback": "2",
    "website.solicitations.survey_feedback": "2",
    "website.site.presentation": "2",
}
GRADED = {
    "county": {
        **COMMON_L,
        "website.disclosure.public_resources": "3",
        "website.disclosure.education": "3",
        "website.disclosure.health": "2",
        "website.residual.l_disclosure": "12.5",
        "website.innovation.smart_search": "3",
        "website.innovation.smart_interaction": "3",
    },
    "city": {
        **COMMON_L,
        "website.disclosure.public_resources": "2",
        "website.disclosure.education": "2",
        "website.disclosure.health": "1.5",
        "website.disclosure.ppp": "1.5",
        "website.disclosure.housing_land": "2",
        "website.interpretation.press_conferences": "1",
        "website.residual.l_disclosure": "10.5",
        "website.sites.unified_platform": "1",
        "website.innovation.smart_search": "2",
        "website.innovation.smart_interaction": "2",
        "website.channels.wechat": "2",
        "website.channels.weibo": "2",
    },
    "provincial": {
        "website.disclosure.dept_finance": "4",
        "website.disclosure.dept_statistics": "2",
        "website.gov_info.on_request": "1",
        "website.gov_info.supervision_node": "2",
        "website.residual.d_gov_info": "4.5",
        "website.residual.d_supervision": "5",
        "website.residual.d_table": "1",
        "website.interpretation.policy": "6",
        "website.services.power_list": "2",
        "website.services.guides": "3",
        "website.services.downloads": "2",
        "website.services.online_application": "2",
        "website.services.content_coordination": "4",
        "website.services.guidance_modes": "6",
        "website.services.online_depth": "2",
        "website.letters.timeliness": "3",
        "website.letters.quality": "3",
        "website.interviews.mechanism": "1",
        "website.interviews.richness": "2",
        "website.interviews.answer_quality": "2",
        "website.solicitations.richness": "2",
        "website.solicitations.opinion_feedback": "2",
        "website.solicitations.survey_feedback": "2",
        "website.site.presentation": "2",
        "website.channels.d_unlabelled": "2",
        "website.portal.interviews": "2",
    },
}
APP_MAX = {"county": "4", "city": "2", "provincial": "2"}
#: Fields left out on purpose, to show *missing* evidence in the outputs.
LEFT_OUT = {
    "fuzhou.minqing": "website.services.guide_accuracy",
    "nanping.guangze": "website.interviews.topics",
    "ningde.zherong": "website.sites.closure",
    "longyan": "website.channels.weibo",
    "prov.tyj": "website.portal.interviews",
}
#: One city with full marks everywhere and first place in the vote: its raw score hits the cap.
PERFECT_CITY = "xiamen"
RULE_NAMES = ["考核制度", "社会评议制度", "责任追究制度", "保密审查制度"]
REASONS = {
    "full": ["内容完整，更新及时", "符合考核要求", "栏目规范，信息齐全"],
    "partial": ["部分信息未公开或更新不及时", "存在缺项，已督促整改", "内容不够完整"],
    "none": ["未见相关内容", "栏目缺失", "长期未更新"],
}


def read_roster(category: str) -> list[dict]:
    with ROSTERS[category].open("rb") as handle:
        return tomllib.load(handle)["unit"]


def grade(rng: random.Random, maximum: Decimal, quality: float) -> dict:
    """Points on a grid of maximum/4 (or 0.5), drawn around the unit's quality."""
    step = Decimal("0.5") if maximum >= 2 else Decimal("0.25")
    draw = min(1.0, max(0.0, rng.gauss(quality, 0.2)))
    points = (maximum * Decimal(str(round(draw, 2))) / step).quantize(Decimal(1)) * step
    points = min(maximum, max(Decimal(0), points))
    level = "full" if points == maximum else "none" if points == 0 else "partial"
    return {"points": points.normalize(), "reason": rng.choice(REASONS[level])}


def full(maximum: Decimal) -> dict:
    return {"points": maximum.normalize(), "reason": REASONS["full"][0]}


def day_between(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randint(0, (end - start).days))


def unit_facts(rng: random.Random, category: str, unit: dict, quality: float, perfect: bool, tables: dict) -> dict:
    code = unit["code"]
    facts: dict = {"website.monitoring_date": MONITORING_DATE}
    for key, maximum in GRADED[category].items():
        facts[key] = full(Decimal(maximum)) if perfect else grade(rng, Decimal(maximum), quality)

    # 注3: most units have a client; some only WeChat (alternative); a few neither.
    roll = rng.random()
    has_app = perfect or roll < 0.75
    has_wechat = perfect or has_app or roll < 0.93
    facts["website.channels.has_app"] = has_app
    facts["website.channels.has_wechat"] = has_wechat
    app_max = Decimal(APP_MAX[category])
    if has_app:
        facts["website.channels.app"] = full(app_max) if perfect else grade(rng, app_max, quality)
    elif has_wechat:
        facts["website.channels.wechat_for_app"] = grade(rng, app_max, quality)
    else:
        facts["website.channels.app"] = {"points": 0, "reason": "未建设移动客户端，也未开通微信公众号"}

    if category in ("county", "city"):
        chosen = RULE_NAMES if perfect else [name for name in RULE_NAMES if rng.random() < quality + 0.1]
        if not perfect and rng.random() < 0.15:
            chosen = [*RULE_NAMES, "其他监督保障制度"]  # "等": other systems count as context too
        facts["website.gov_info.rules_in_place"] = chosen
        for kind in ("admin_power", "public_service"):
            items = rng.randint(60, 400) if category == "county" else rng.randint(300, 1200)
            share = 1.0 if perfect else min(1.0, max(0.0, rng.gauss(quality + 0.1, 0.1)))
            facts[f"website.services.{kind}_items"] = items
            facts[f"website.services.{kind}_guides"] = items if share >= 0.98 else int(items * share)
        if category == "county":
            facts["website.sites.migration_in_scope"] = 1
            facts["website.sites.migrated"] = 1 if perfect or rng.random() < 0.8 else 0
            scope = rng.randint(6, 30)
        else:
            scope = rng.randint(20, 60)
            facts["website.sites.migration_in_scope"] = scope
            facts["website.sites.migrated"] = scope if perfect else rng.randint(scope // 2, scope)
            scope = rng.randint(40, 150)
        facts["website.sites.closure_in_scope"] = scope
        facts["website.sites.closed"] = scope if perfect or rng.random() < 0.5 else rng.randint(scope // 2, scope)
    else:
        facts["website.services.status_query"] = rng.random() < 0.9
        facts["website.services.query_consistent"] = facts["website.services.status_query"] and rng.random() < 0.8

    add_monitoring(rng, category, code, quality, perfect, tables)
    context_grades(rng, category, code, facts, tables, perfect)
    left_out = LEFT_OUT.get(code)
    if left_out:
        facts.pop(left_out, None)
    return facts


#: The 通报 rows (READING 12: graded) and the notice kinds an assessor weighs in each.
NOTICE_ROWS = {
    "city": {
        "website.notices.higher": ("国务院办公厅通报", "省政府办公厅通报"),
        "website.notices.exposure_and_security": ("网民曝光纠正", "网络安全通报批评", "专项检查重大安全问题"),
    },
    "provincial": {
        "website.notices.exposure": ("网民曝光纠正",),
        "website.notices.security": ("网络安全通报批评", "专项检查重大安全问题"),
    },
}
NOTICE_ROWS["county"] = NOTICE_ROWS["city"]


def judged(rng: random.Random, maximum: Decimal, share: float, perfect: bool) -> dict:
    """A made-up assessor's grade of a row whose facts monitoring recorded: near the share, on a 0.25 grid."""
    if perfect:
        return full(maximum)
    draw = min(1.0, max(0.0, share + rng.uniform(-0.15, 0.1)))
    points = min(maximum, (maximum * Decimal(str(round(draw, 2))) * 4).quantize(Decimal(1)) / 4)
    level = {"full": "符合要求", "partial": "部分符合要求", "none": "不符合要求"}[
        "full" if points == maximum else "none" if points == 0 else "partial"
    ]
    return {"points": points.normalize(), "reason": f"{level}（评分时参考了监测记录）"}


def context_grades(rng: random.Random, category: str, code: str, facts: dict, tables: dict, perfect: bool) -> None:
    """The rows READING 12 makes assessor-graded although monitoring has facts on them: the
    made-up assessor looks at those facts (which stay in the evidence as context)."""
    for key, kinds in NOTICE_ROWS[category].items():
        count = sum(1 for row in tables["website_notices"] if row[0] == code and row[2] in kinds)
        facts[key] = judged(rng, Decimal(2), max(0.0, 1 - 0.35 * count), perfect)
    if category == "provincial":
        met = [facts["website.services.status_query"], facts["website.services.query_consistent"]]
        facts["website.services.online_query"] = judged(rng, Decimal(2), sum(met) / 2, perfect)
        return
    rules = facts["website.gov_info.rules_in_place"]
    facts["website.gov_info.rules"] = judged(rng, Decimal(1), len(rules) / 4, perfect)
    for kind in ("admin_power", "public_service"):
        share = facts[f"website.services.{kind}_guides"] / facts[f"website.services.{kind}_items"]
        facts[f"website.services.{kind}_coverage"] = judged(rng, Decimal(3), share, perfect)
    column = Decimal(1) if category == "city" else Decimal("1.5")
    for grade_key, part, whole in (("migration", "migrated", "migration_in_scope"), ("closure", "closed", "closure_in_scope")):
        share = facts[f"website.sites.{part}"] / facts[f"website.sites.{whole}"]
        facts[f"website.sites.{grade_key}"] = judged(rng, column, share, perfect)


def add_monitoring(rng: random.Random, category: str, code: str, quality: float, perfect: bool, tables: dict) -> None:
    year_ago = MONITORING_DATE.replace(year=MONITORING_DATE.year - 1)
    # 注1: letters of the 咨询投诉 column.
    fate = "ok" if perfect else rng.choices(["ok", "late", "open", "none", "edge"], weights=[80, 6, 5, 3, 6])[0]
    if fate != "none":
        for _ in range(rng.randint(3, 12)):
            received = day_between(rng, year_ago, MONITORING_DATE - dt.timedelta(days=20))
            replied = received + dt.timedelta(days=rng.randint(1, 15))
            tables["website_letters"].append([code, received, replied, ""])
    else:  # only letters older than the 12-month window: 注1's emptiness test
        received = year_ago - dt.timedelta(days=rng.randint(10, 60))
        tables["website_letters"].append([code, received, received + dt.timedelta(days=5), "关于办事流程的咨询"])
    if fate == "late":
        received = day_between(rng, year_ago, MONITORING_DATE - dt.timedelta(days=120))
        tables["website_letters"].append([code, received, received + dt.timedelta(days=rng.randint(91, 110)), "关于征地补偿的投诉"])
    elif fate == "open":
        received = MONITORING_DATE - dt.timedelta(days=rng.randint(91, 140))
        tables["website_letters"].append([code, received, "", "关于社保转移的咨询"])
    elif fate == "edge":  # answered after exactly 90 days: no veto
        received = MONITORING_DATE - dt.timedelta(days=150)
        tables["website_letters"].append([code, received, received + dt.timedelta(days=90), "关于户籍迁移的咨询"])

    # 注2: interviews and solicitations in the 12 months.
    for name, kinds, topic in (
        ("website_interviews", ["自主开展", "上级网站或媒体访谈整理", "新闻发布会整理"], "在线访谈"),
        ("website_solicitations", ["意见征集", "网上调查"], "征集调查"),
    ):
        count = rng.randint(3, 9) if perfect or rng.random() < 0.85 else rng.randint(0, 2)
        for index in range(count):
            tables[name].append([code, day_between(rng, year_ago, MONITORING_DATE), rng.choice(kinds), f"{topic}{index + 1}"])
        if name == "website_interviews" and count < 3:
            tables[name].append([code, day_between(rng, year_ago, MONITORING_DATE), "内容链接或工作动态", "转载新闻（不计）"])

    # 通报: most units none; a few one to three.
    if not perfect and rng.random() < 0.3:
        kinds = (
            ["网民曝光纠正", "网络安全通报批评", "专项检查重大安全问题"]
            if category == "provincial"
            else ["国务院办公厅通报", "省政府办公厅通报", "网民曝光纠正", "网络安全通报批评", "专项检查重大安全问题"]
        )
        for _ in range(rng.randint(1, 4)):
            tables["website_notices"].append(
                [code, day_between(rng, dt.date(2017, 1, 10), dt.date(2017, 11, 20)), rng.choice(kinds), "门户网站"]
            )

    # One department with many notices, so that a graded 通报 row with a long context shows in
    # the sample (fixed rows: the random sequence is unchanged).
    if code == "prov.qb":
        for day in (3, 10, 17, 24, 28):
            tables["website_notices"].append([code, dt.date(2017, 6, day), "网民曝光纠正", "门户网站"])
        for day, kind in ((5, "网络安全通报批评"), (12, "专项检查重大安全问题"), (19, "网络安全通报批评")):
            tables["website_notices"].append([code, dt.date(2017, 7, day), kind, "门户网站"])

    # 年度报告 and the work summary: mostly on time, some late, some missing.
    roll = rng.random()
    if perfect or roll < 0.8:
        tables["website_annual_reports"].append([code, 2016, day_between(rng, dt.date(2017, 1, 20), dt.date(2017, 3, 31))])
    elif roll < 0.93:
        tables["website_annual_reports"].append([code, 2016, day_between(rng, dt.date(2017, 4, 1), dt.date(2017, 5, 15))])
    roll = rng.random()
    if perfect or roll < 0.85:
        tables["website_summaries"].append([code, day_between(rng, dt.date(2017, 11, 1), dt.date(2017, 11, 15))])
    elif roll < 0.95:
        tables["website_summaries"].append([code, day_between(rng, dt.date(2017, 11, 16), dt.date(2017, 11, 24))])

    if category == "provincial":  # monthly portal monitoring, August to November
        for month in range(8, 12):
            for row, maximum in (("资源库", 6), ("重点领域", 10)):
                points = Decimal(maximum) * Decimal(str(round(min(1.0, max(0.3, rng.gauss(quality, 0.15))), 1)))
                tables["website_portal_months"].append([code, month, row, points.normalize(), ""])
        if rng.random() < 0.2:
            tables["website_portal_offences"].append(
                [code, rng.randint(8, 11), rng.choice(["与栏目定位无关", "内容错误", "违法违规"]), "防汛抗旱专题"]
            )


TABLE_HEADERS = {
    "website_letters": ["unit", "received", "replied", "subject"],
    "website_interviews": ["unit", "date", "kind", "title"],
    "website_solicitations": ["unit", "date", "kind", "title"],
    "website_notices": ["unit", "date", "kind", "subject"],
    "website_annual_reports": ["unit", "year", "published"],
    "website_summaries": ["unit", "received"],
    "website_portal_months": ["unit", "month", "row", "points", "note"],
    "website_portal_offences": ["unit", "month", "kind", "item"],
}
PROVINCIAL_ONLY = {"website_portal_months", "website_portal_offences"}


def toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, Decimal)):
        return format(value, "f") if isinstance(value, Decimal) else str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + " }"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_unit(path: Path, unit: dict, facts: dict) -> None:
    lines = [*HEADER, f"# {unit['code']} {unit['name']}: 政府网站建设 evidence only (other sections have their own files)."]
    by_table: dict[str, list[str]] = {}
    for key in sorted(facts):
        table, _, name = key.rpartition(".")
        by_table.setdefault(table, []).append(f"{name} = {toml_value(facts[key])}")
    for table in sorted(by_table):
        lines.extend(["", f"[{table}]", *by_table[table]])
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_category(category: str, rng: random.Random) -> None:
    out = PACK / "sample" / category
    if out.exists():
        shutil.rmtree(out)
    (out / "units").mkdir(parents=True)
    (out / "monitoring").mkdir()
    (out / "escore-evidence.toml").write_text(
        "\n".join([*HEADER, "[evidence]", "synthetic = true", f'note = "{NOTE}"']) + "\n", encoding="utf-8"
    )
    tables: dict[str, list[list]] = {name: [] for name in TABLE_HEADERS if category == "provincial" or name not in PROVINCIAL_ONLY}
    units = read_roster(category)
    places = list(range(1, len(units) + 1))
    rng.shuffle(places)
    if category == "city":  # the perfect city takes first place in the vote
        first = places.index(1)
        mine = next(i for i, u in enumerate(units) if u["code"] == PERFECT_CITY)
        places[first], places[mine] = places[mine], places[first]
    for index, unit in enumerate(units):
        perfect = unit["code"] == PERFECT_CITY
        quality = 1.0 if perfect else rng.uniform(0.45, 0.97)
        facts = unit_facts(rng, category, unit, quality, perfect, tables)
        if category == "city":
            facts["website.feature_column.vote_rank"] = places[index]
        write_unit(out / "units" / f"{unit['code']}.toml", unit, facts)
    order = {unit["code"]: index for index, unit in enumerate(units)}
    for name, rows in tables.items():
        rows.sort(key=lambda row: (order[row[0]], row[1]))  # unit by unit, then by date (or month)
        told_apart(rows)
        with (out / "monitoring" / f"{name}.csv").open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(TABLE_HEADERS[name])
            for row in rows:
                writer.writerow([v.isoformat() if isinstance(v, dt.date) else format(v, "f") if isinstance(v, Decimal) else v for v in row])
    print(f"{out.relative_to(PACK.parent)}: {len(units)} units, " + ", ".join(f"{n} {len(r)}" for n, r in tables.items()))


def main() -> None:
    rng = random.Random(2017)
    for category in ("provincial", "city", "county"):
        write_category(category, rng)


def told_apart(rows: list[list]) -> list[list]:
    """The rows, each drawn again for its unit cell for cell given a note in its last column
    (同日第2条 …): escore warns of a row repeated exactly, as a paste made twice, and the sample
    should run without warnings. The draws are unchanged, so every point stays as it was."""
    seen: dict[tuple[str, ...], int] = {}
    for row in rows:
        key = tuple(map(str, row))
        seen[key] = seen.get(key, 0) + 1
        if seen[key] > 1:
            note = f"同日第{seen[key]}条"
            row[-1] = f"{row[-1]}（{note}）" if row[-1] else note
    return rows


if __name__ == "__main__":
    main()
