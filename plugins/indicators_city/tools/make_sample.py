"""Write the synthetic sample evidence of the fj2017 city 综合应用 pack.

    python tools/make_sample.py                 # from plugins/indicators_city
    python tools/make_sample.py --out DIR       # elsewhere (the pack's test compares the two)

Output: ``escore_fj2017_city/sample/city/`` — ``escore-evidence.toml``, ``units/<city>.toml``
(``city.*`` fields only; the website pack ships the website fields in its own sample
directory and the core merges both) and ``monitoring/city_*.csv``.

合成数据 SYNTHETIC: real unit names, made-up values. Nothing here is a 2017 result. The
profiles below are chosen so that the sample exercises every rule branch of the pack: each
platform class at 0, in between and over its cap; both sides of every yes/no rule; every
video bucket and the 等级保护 deduction down to its floor; county findings rolled up into
their cities; assessor grades at 0, in between and full; a proportional share at 0, in
between and full; and one unit that misses a field. Stdlib only; seeded, so reruns are
identical.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import random
import tomllib
from pathlib import Path

TOOLS = Path(__file__).resolve().parent
PACK = TOOLS.parent / "escore_fj2017_city"
OUT = PACK / "sample" / "city"
COUNTY_ROSTER = TOOLS.parent.parent / "indicators_website" / "escore_fj2017_website" / "roster_county.toml"

NOTE = "合成数据 SYNTHETIC: real unit names, made-up values for demonstration; not the 2017 results"
HEADER = f"# {NOTE}.\n# Written by plugins/indicators_city/tools/make_sample.py (random.Random(2017)); do not edit by hand.\n"

CLASSES = ("iot", "basic_network", "cloud", "info_resource", "app_system", "security")
POOLS = {
    "iot": [
        "物联网识别管控平台",
        "多卡融合平台",
        "视频图像共享平台",
        "视频能力服务公共平台",
        "位置信息服务公共平台",
        "环境物联感知平台",
        "智慧路灯物联平台",
    ],
    "basic_network": [
        "政务内网",
        "政务信息网",
        "政务外网",
        "无线政务网",
        "应急通信网",
        "电子政务城域网",
        "政务外网互联网出口",
        "县区政务外网汇聚节点",
        "政务专线接入平台",
        "物联专网",
    ],
    "cloud": ["政务云平台", "灾难备份平台", "政务云容灾中心", "大数据计算平台"],
    "info_resource": [
        "政务数据汇聚共享平台",
        "政务空间信息服务平台",
        "公共信用信息平台",
        "电子文件共享服务平台",
        "人口综合库",
        "法人综合库",
        "电子证照库",
        "地理信息公共平台",
    ],
    "app_system": [
        "网上行政执法平台",
        "网格化服务管理信息平台",
        "社区综合受理平台",
        "12345政务服务平台",
        "政府网站统一技术平台",
        "政务用户认证授权平台",
        "社会用户实名认证和授权平台",
        "服务总线平台",
        "行政审批服务平台",
        "公共资源交易平台",
    ],
    "security": ["安全基础服务平台", "安全监控平台", "数据安全管控平台", "统一身份认证平台", "网络安全态势感知平台"],
}

#: Per city: platforms per class (C-1-1), data centre (issued, started), credit grade, dual publicity
#: (on time, total), data sharing (plan, tender), govnet grade, emergency platform, other emergency grade,
#: video findings per kind (spread at random over the city and its counties), 等级保护 systems
#: (a name, or (name, owning county)); ``emergency=None`` leaves that field out.
PROFILES = {
    "fuzhou": dict(
        platforms=(5, 9, 3, 6, 10, 4),
        dc=(True, True),
        credit=(5, "覆盖全部主要市级部门和所辖12个县（市、区）"),
        dual=(1876, 1876),
        sharing=(True, True),
        govnet=(5, "1个应用系统存在中危漏洞，已整改"),
        emergency=True,
        other=(2, "事件整改反馈及时，演练响应及时"),
        video={"rollcall_late": 3, "picture_poor": 2, "hd_room_missing": 2, "no_leader_or_staff": 1},
        mlps=["市不动产登记信息系统", "市不动产登记信息系统"],
    ),
    "xiamen": dict(
        platforms=(4, 8, 4, 7, 8, 5),
        dc=(True, True),
        credit=(5, "覆盖全部主要市级部门和6个区"),
        dual=(0, 0),  # no decision in the year: nothing to count (READING 13)
        sharing=(True, True),
        govnet=(6, "未发现漏洞，终端均安装注册器和杀毒软件"),
        emergency=True,
        other=(2, "整改反馈、演练响应均符合要求"),
        video={"rollcall_late": 1},
        mlps=[],
    ),
    "putian": dict(
        platforms=(1, 4, 1, 2, 3, 1),
        dc=(True, True),
        credit=(3, "2个县区尚未接入市级平台"),
        dual=(612, 760),
        sharing=(True, False),
        govnet=(4, "12台终端未安装违规外联注册器"),
        emergency=True,
        other=(1, "演练未及时响应"),
        video={"room_condition_missing": 23, "rollcall_absent": 2},
        mlps=["市公积金管理系统"],
    ),
    "sanming": dict(
        platforms=(2, 6, 2, 4, 6, 2),
        dc=(True, False),
        credit=(4, "覆盖主要市级部门，1个县未覆盖"),
        dual=(945, 1012),
        sharing=(True, True),
        govnet=(3, "2个应用系统存在高危漏洞，整改不及时"),
        emergency=True,
        other=("1.5", "1起事件整改反馈延迟"),
        video={"install_noncooperation": 5, "venue_nonconforming": 4},
        mlps=["市社会救助信息系统", "市智慧城管系统"],
    ),
    "quanzhou": dict(
        platforms=(3, 8, 2, 5, 7, 3),
        dc=(True, True),
        credit=(4, "部分市级部门数据未纳入采集范围"),
        dual=(1490, 1583),
        sharing=(True, True),
        govnet=(5, "少量终端未安装杀毒软件"),
        emergency=True,
        other=(2, "符合要求"),
        video={"rollcall_late": 2, "attendee_misconduct": 3},
        mlps=["市医保结算系统", "市教育云平台", "市12345服务系统", "市环境监测系统", "市食品安全追溯系统", ("政务服务分平台", "晋江市")],
    ),
    "zhangzhou": dict(
        platforms=(2, 5, 1, 3, 5, 2),
        dc=(True, True),
        credit=(3, "所辖县（市、区）覆盖不全"),
        dual=(820, 1105),
        sharing=(False, False),
        govnet=(4, "发现1个应用系统存在漏洞"),
        emergency=True,
        other=(1, "未参加全省应急演练"),
        video={"hd_room_missing": 22, "rollcall_absent": 1},
        mlps=["市交通运输综合信息系统"],
    ),
    "nanping": dict(
        platforms=(0, 3, 1, 2, 0, 0),
        dc=(False, False),
        credit=(2, "平台仅接入少数市级部门"),
        dual=(0, 342),
        sharing=(True, False),
        govnet=(2, "多台终端违规外联，漏洞未修复"),
        emergency=False,
        other=(0, "发生事件未按要求整改反馈，演练未响应"),
        video={"rollcall_absent": 9, "rollcall_late": 14, "picture_poor": 3},
        mlps=["市国土资源一张图系统"],
    ),
    "longyan": dict(
        platforms=(1, 5, 2, 3, 4, 1),
        dc=(True, True),
        credit=(4, "覆盖主要市级部门和所辖县区"),
        dual=(1002, 1066),
        sharing=(True, True),
        govnet=(0, "应用系统多处高危漏洞未整改，终端普遍未注册"),
        emergency=True,
        other=("1.5", "部分用户未按要求登录平台"),
        video={"no_leader_or_staff": 5, "room_condition_missing": 3},
        mlps=[],
    ),
    "ningde": dict(
        platforms=(1, 4, 0, 1, 3, 2),
        dc=(True, True),
        credit=(3, "3个市级部门数据未接入"),
        dual=(530, 688),
        sharing=(True, True),
        govnet=(4, "少量终端未安装杀毒软件"),
        emergency=None,
        other=(1, "演练响应迟缓"),
        video={"venue_nonconforming": 18, "picture_poor": 14, "attendee_misconduct": 10},
        mlps=["市海洋渔业监管系统", "市不动产登记信息系统"],
    ),
    "pingtan": dict(
        platforms=(2, 0, 2, 0, 4, 1),
        dc=(True, True),
        credit=(0, "实验区信用平台尚未开展数据采集"),
        dual=(214, 260),
        sharing=(False, True),
        govnet=(5, "符合要求"),
        emergency=True,
        other=(2, "符合要求"),
        video={"rollcall_late": 1, "install_noncooperation": 1},
        mlps=["实验区行政审批系统"],
    ),
}

CITY_NAMES = {
    "fuzhou": "福州市", "xiamen": "厦门市", "putian": "莆田市", "sanming": "三明市", "quanzhou": "泉州市",
    "zhangzhou": "漳州市", "nanping": "南平市", "longyan": "龙岩市", "ningde": "宁德市", "pingtan": "平潭综合实验区",
}  # fmt: skip

DETAILS = {
    "rollcall_absent": ["会前两小时调试点名缺席", "会前半天调试点名缺席"],
    "rollcall_late": ["会前两小时调试点名迟到", "会前半天调试点名迟到"],
    "venue_nonconforming": ["会场背景不符要求", "摄像头位置不符要求", "会场照明不足", "会场桌椅摆放不符要求"],
    "picture_poor": ["画面质量较差", "画面偏转移动", "画面消失", "无关音视频干扰"],
    "attendee_misconduct": ["参会人员玩手机", "参会人员交头接耳", "参会人员看报"],
    "hd_room_missing": ["高清视频会议室未配备"],
    "room_condition_missing": ["缺少高清显示设备", "缺少音频设备", "网络综合布线不到位"],
    "no_leader_or_staff": ["未明确分管领导", "未配备视频会议专职人员"],
    "install_noncooperation": ["高清终端安装调测期间无技术人员配合", "高清MCU调测配合度差"],
}
#: Findings of these kinds come from the December inspection; the others from conferences since August.
INSPECTED = {"hd_room_missing", "room_condition_missing", "no_leader_or_staff"}


def counties() -> dict[str, list[tuple[str, str]]]:
    data = tomllib.loads(COUNTY_ROSTER.read_text(encoding="utf-8"))
    out: dict[str, list[tuple[str, str]]] = {}
    for unit in data["unit"]:
        out.setdefault(unit["parent"], []).append((unit["code"], unit["name"]))
    return out


def toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    raise TypeError(value)


def grade(points, reason: str) -> str:
    return f"{{ points = {points}, reason = {json.dumps(reason, ensure_ascii=False)} }}"


def unit_file(code: str, profile: dict, rng: random.Random) -> str:
    city = CITY_NAMES[code]
    short = city.removesuffix("市").removesuffix("综合实验区")
    lines = [HEADER, f"# {city} ({code}): city 综合应用 facts (self-reported, confirmed by 网上核查 / 现场检查).", ""]
    lines.append("[city.platforms]  # C-1-1: built, accessible public platforms per class")
    for cls, count in zip(CLASSES, profile["platforms"]):
        names = [f"{short}{name}" for name in rng.sample(POOLS[cls], count)]
        lines.append(f"{cls} = {toml_value(names)}")
    issued, started = profile["dc"]
    lines += ["", "[city.data_centre]  # C-1-2", f"plan_issued = {toml_value(issued)}", f"work_started = {toml_value(started)}"]
    on_time, total = profile["dual"]
    lines += ["", "[city.credit]  # C-2-1", f"coverage = {grade(*profile['credit'])}"]
    lines += [f"dual_publicity_on_time = {on_time}", f"dual_publicity_total = {total}"]
    plan, tender = profile["sharing"]
    lines += ["", "[city.data_sharing]  # C-2-2", f"tech_plan = {toml_value(plan)}", f"tender_done = {toml_value(tender)}"]
    lines += ["", "[city.security]  # C-3-2", f"govnet = {grade(*profile['govnet'])}"]
    lines += ["", "[city.emergency]  # C-3-3"]
    if profile["emergency"] is None:
        lines.append("# platform_used: not reported (the sample's one missing field)")
    else:
        lines.append(f"platform_used = {toml_value(profile['emergency'])}")
    lines.append(f"other = {grade(*profile['other'])}")
    return "\n".join(lines) + "\n"


def random_day(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randrange((end - start).days + 1))


def video_rows(code: str, profile: dict, subs: list[tuple[str, str]], rng: random.Random) -> list[list[str]]:
    rows = []
    county_codes = [c for c, _ in subs]
    for kind, count in profile["video"].items():
        if kind == "hd_room_missing":
            # Whole counties without their three rooms, then single rooms, never more than 3 per county.
            targets = []
            for county in rng.sample(county_codes, len(county_codes)):
                take = min(3, count - len(targets))
                targets += [(county, n + 1) for n in range(take)]
                if len(targets) == count:
                    break
            for county, room in targets:
                rows.append([county, str(dt.date(2017, 12, rng.randint(4, 15))), kind, f"第{room}间{DETAILS[kind][0]}"])
            continue
        if kind == "no_leader_or_staff":
            for county in rng.sample(county_codes, count):
                rows.append([county, str(dt.date(2017, 12, rng.randint(4, 15))), kind, rng.choice(DETAILS[kind])])
            continue
        for _ in range(count):
            where = rng.choice([code, *county_codes]) if county_codes else code
            if kind in INSPECTED:
                day = dt.date(2017, 12, rng.randint(4, 15))
                detail = f"第{rng.randint(1, 3)}间会议室{rng.choice(DETAILS[kind])}"
            else:
                day = random_day(rng, dt.date(2017, 8, 21), dt.date(2017, 12, 29))
                detail = f"省政府视频会议{rng.choice(DETAILS[kind])}"
            rows.append([where, str(day), kind, detail])
    return rows


def mlps_rows(code: str, profile: dict, rng: random.Random) -> list[list[str]]:
    rows = []
    for entry in profile["mlps"]:
        system, owner = entry if isinstance(entry, tuple) else (entry, "")
        day = dt.date(2017, rng.choice([10, 11, 12]), rng.randint(1, 28))
        rows.append([code, str(day), system, owner, rng.choice(["未开展等级保护测评", "测评报告未提交", "测评未通过且未整改"])])
    return rows


def main(out: Path = OUT) -> None:
    rng = random.Random(2017)
    subs = counties()
    (out / "units").mkdir(parents=True, exist_ok=True)
    (out / "monitoring").mkdir(parents=True, exist_ok=True)
    manifest = f'{HEADER}[evidence]\nsynthetic = true\nruleset = "fj2017"\nnote = {json.dumps(NOTE, ensure_ascii=False)}\n'
    (out / "escore-evidence.toml").write_text(manifest, encoding="utf-8")
    video: list[list[str]] = []
    mlps: list[list[str]] = []
    for code, profile in PROFILES.items():
        (out / "units" / f"{code}.toml").write_text(unit_file(code, profile, rng), encoding="utf-8")
        video += video_rows(code, profile, subs.get(code, []), rng)
        mlps += mlps_rows(code, profile, rng)
    write_csv(out / "monitoring" / "city_video_incidents.csv", ["unit", "date", "kind", "detail"], video)
    write_csv(out / "monitoring" / "city_mlps_findings.csv", ["unit", "date", "system", "owner", "finding"], mlps)
    print(f"wrote {out}: {len(PROFILES)} units, {len(video)} video findings, {len(mlps)} 等级保护 findings")


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    rows = told_apart(sorted(rows, key=lambda r: (r[0], r[1], r[2])))
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


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
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help=f"output directory (default: {OUT})")
    main(parser.parse_args().out)
