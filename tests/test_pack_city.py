"""The fj2017 city 综合应用 rule pack (plugins/indicators_city, distribution escore-fj2017-city).

Checks the citations against the shipped notice, the tree's maxima, indicator functions
called directly at their boundaries, the county → city roll-up of 视频会议, the sample
run, and the pack's golden cases.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

city = pytest.importorskip("escore_fj2017_city", reason="the fj2017 city pack is not installed (pip install -e plugins/indicators_city)")

from escore import Grade, Item, Roster, hookimpl  # noqa: E402
from escore._golden import load_cases, run_case  # noqa: E402
from escore._plugins import Catalog, make_plugin_manager  # noqa: E402
from escore._run import Engine  # noqa: E402
from escore._session import children_of, run_category  # noqa: E402
from escore._toml import read_toml  # noqa: E402
from escore_fj2017_city import comprehensive as C  # noqa: E402
from escore_fj2017_city import evidence as E  # noqa: E402

PACK = Path(city.__file__).parent
REPO = Path(__file__).resolve().parents[1]
NOTICE = (PACK / "notice.txt").read_text(encoding="utf-8").replace("\n", "")
COUNTY_ROSTER = REPO / "plugins" / "indicators_website" / "escore_fj2017_website" / "roster_county.toml"


class _CountyRoster:
    """Registers the county roster when the website pack (which owns it) is not installed."""

    @hookimpl
    def escore_register_rosters(self, register):
        register(Roster.from_toml(COUNTY_ROSTER))


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    found = Catalog(make_plugin_manager())
    if ("fj2017", "county") not in found.rosters:
        found = Catalog(make_plugin_manager(extra=[_CountyRoster()]))
    return found


@pytest.fixture(scope="module")
def plan(catalog):
    return catalog.plan("fj2017", "city")


def city_nodes(plan):
    return {code: node for code, node in plan.nodes.items() if node.section == "comprehensive"}


D = Decimal

# ----------------------------------------------------------------------------- citations


def test_every_node_cites_the_notice_verbatim(plan):
    nodes = city_nodes(plan)
    assert len(nodes) == 30
    for code, node in nodes.items():
        assert code.startswith("C-")
        assert node.source is not None, code
        assert node.source.text in NOTICE, f"{code}: citation is not a verbatim substring of the notice"
        assert node.source.document == "2017年度福建省电子政务绩效考核指标（综合应用部分）"
        assert node.source.clause.startswith("二、设区市政府综合应用部分指标 · ")


def test_assessor_graded_and_unscored_rows_say_so(plan):
    nodes = city_nodes(plan)
    for code in ("C-2-1-1", "C-3-2", "C-3-3-X"):
        assert "assessor-graded" in nodes[code].source.note
        assert "no scoring rule" in nodes[code].source.note
    assert "not scored in 2017" in nodes["C-2-3"].source.note


# ----------------------------------------------------------------------------- the tree

MAXIMA = {
    "C-1": 40, "C-1-1": 20, "C-1-1-1": 4, "C-1-1-2": 4, "C-1-1-3": 3, "C-1-1-4": 3, "C-1-1-5": 4, "C-1-1-6": 2,
    "C-1-2": 10, "C-1-3": 10, "C-1-3-1": 1, "C-1-3-2": 2, "C-1-3-3": 1, "C-1-3-4": 2, "C-1-3-5": 2, "C-1-3-6": 2,
    "C-2": 15, "C-2-1": 10, "C-2-1-1": 5, "C-2-1-2": 5, "C-2-2": 5, "C-2-2-1": 3, "C-2-2-2": 2, "C-2-3": 10,
    "C-3": 15, "C-3-1": 5, "C-3-2": 6, "C-3-3": 4, "C-3-3-1": 2, "C-3-3-X": 2,
}  # fmt: skip


def test_tree_maxima_add_up_to_70(plan):
    nodes = city_nodes(plan)
    assert {code: node.max for code, node in nodes.items()} == {code: D(value) for code, value in MAXIMA.items()}
    section = next(s for s in plan.sections if s.name == "comprehensive")
    assert (section.weight, section.raw_max) == (D(70), D(70))
    assert [node.code for node in plan.roots("comprehensive")] == ["C-1", "C-2", "C-3"]
    assert nodes["C-1"].children == ("C-1-1", "C-1-2", "C-1-3")
    assert nodes["C-2"].children == ("C-2-1", "C-2-2", "C-2-3")
    assert nodes["C-3"].children == ("C-3-1", "C-3-2", "C-3-3")
    for code, node in nodes.items():
        counted = [nodes[c].max for c in node.children if nodes[c].counted]
        if counted:
            assert sum(counted) == node.max, code
    leaves = [ip for ip in plan.indicators if ip.node.section == "comprehensive"]
    assert len(leaves) == 21
    assert sum(ip.node.max for ip in leaves if ip.counts) == D(70)


def test_catalogue_compilation_is_listed_but_not_scored(plan):
    node = plan.nodes["C-2-3"]
    assert (node.kind, node.counted, node.children, node.max) == ("group", False, (), D(10))
    assert "C-2-3" not in {ip.node.code for ip in plan.indicators}


def test_methods_follow_the_rows(plan):
    methods = {code: node.methods for code, node in city_nodes(plan).items()}
    assert methods["C-1-1-1"] == ("self_report", "online_check")
    assert methods["C-1-2"] == ("self_report", "inspection")
    assert methods["C-1-3-4"] == ("self_report", "online_monitoring", "inspection")
    assert methods["C-3-1"] == ("self_report", "monitoring", "inspection")
    for code in ("C-2-1-1", "C-2-1-2", "C-2-2-1", "C-2-2-2", "C-3-2"):  # no method in the row: the notice-level ones
        assert methods[code] == ("self_report", "monitoring", "inspection")


def test_evidence_names_are_city_prefixed():
    for value in vars(E).values():
        if isinstance(value, type(E.credit_coverage)):
            assert value.key.startswith("city."), value.key
            assert value.description and value.type
        elif isinstance(value, type(E.video_incidents)):
            assert value.name.startswith("city_")
    assert E.city_video_items.__name__.startswith("city_")
    kinds = {
        kind
        for rule in (C.VIDEO_ROLLCALL, C.VIDEO_ORDER, C.VIDEO_HD_ROOMS, C.VIDEO_ROOM_CONDITIONS, C.VIDEO_STAFFING, C.VIDEO_INSTALL)
        for kind in rule.per
    }
    assert kinds == set(E.VIDEO_KINDS)


# ----------------------------------------------------------------------------- indicators called directly


def names(n: int) -> list[str]:
    return [f"p{i}" for i in range(n)]


@pytest.mark.parametrize(
    ("func", "counts"),
    [
        (C.platforms_iot, {0: "0", 1: "1", 3: "3", 4: "4", 5: "4"}),
        (C.platforms_basic_network, {0: "0", 1: "0.5", 7: "3.5", 8: "4", 9: "4"}),
        (C.platforms_cloud, {0: "0", 2: "2", 3: "3", 4: "3"}),
        (C.platforms_info_resource, {0: "0", 5: "2.5", 6: "3", 7: "3"}),
        (C.platforms_app_system, {0: "0", 7: "3.5", 8: "4", 9: "4"}),
        (C.platforms_security, {0: "0", 3: "1.5", 4: "2", 5: "2"}),
    ],
)
def test_platform_awards_cap_at_the_class_maximum(func, counts):
    for count, expected in counts.items():
        assert func(names(count)).points == D(expected), (func.__name__, count)


def test_platform_cap_is_explained():
    score = C.platforms_iot(names(5))
    assert score.reasons[-1] == "capped at 4: items add up to 5"
    assert ("C-1-1-1 物联网服务", "cap") in score.hits


def test_a_platform_listed_twice_is_an_error():
    with pytest.raises(ValueError, match="listed more than once: p1"):
        C.platforms_cloud(["p0", "p1", "p1"])


def test_data_centre_needs_both_conditions():
    assert C.data_centre(True, True).points == D(10)
    assert C.data_centre(True, False).points == D(0)
    assert C.data_centre(False, True).points == D(0)


def items(kind: str, n: int, origin: str = "") -> tuple[Item, ...]:
    return tuple(Item(kind, f"finding {i}", origin) for i in range(n))


@pytest.mark.parametrize(
    ("func", "kind", "per", "top"),
    [
        (C.video_rollcall, "rollcall_late", "0.05", 1),
        (C.video_order, "picture_poor", "0.05", 2),
        (C.video_hd_rooms, "hd_room_missing", "0.05", 1),
        (C.video_room_conditions, "room_condition_missing", "0.1", 2),
        (C.video_install, "install_noncooperation", "0.5", 2),
    ],
)
def test_video_buckets_floor_at_zero(func, kind, per, top):
    to_floor = int(D(top) / D(per))
    assert func(()).points == D(top)
    assert func(items(kind, 1)).points == D(top) - D(per)
    assert func(items(kind, to_floor - 1)).points == D(per)
    at_floor = func(items(kind, to_floor))
    assert at_floor.points == D(0)
    assert not any("floor" in line for line in at_floor.reasons)
    past = func(items(kind, to_floor + 1))
    assert past.points == D(0)
    assert past.reasons[-1].startswith("floor 0 reached")


def test_video_buckets_ignore_other_kinds():
    findings = items("rollcall_absent", 30) + items("attendee_misconduct", 2)
    assert C.video_rollcall(findings).points == D(0)
    assert C.video_order(findings).points == D("1.9")
    assert C.video_install(findings).points == D(2)


def test_video_staffing_counts_each_county_once():
    findings = items("no_leader_or_staff", 3, origin="闽侯县 fuzhou.minhou") + items("no_leader_or_staff", 1, origin="")
    assert C.video_staffing(findings).points == D(1)  # 闽侯县 and the city itself: 2 × 0.5
    five = tuple(Item("no_leader_or_staff", "", f"county {i}") for i in range(5))
    assert C.video_staffing(five[:3]).points == D("0.5")
    assert C.video_staffing(five[:4]).points == D(0)
    assert C.video_staffing(five).points == D(0)


def test_credit_rows():
    assert C.credit_coverage(Grade(D("2.5"), "半数部门")).points == D("2.5")
    assert C.credit_dual_publicity(99, 100).points == D("4.95")
    assert C.credit_dual_publicity(2, 8).points == D("1.25")
    assert C.credit_dual_publicity(0, 340).points == D(0)
    # READING 13: no decision to publish is nothing 未实现: full marks, with the reason.
    assert C.credit_dual_publicity(0, 0).points == D(5)
    assert C.credit_dual_publicity(0, 0).reasons == ("no 行政许可 or 行政处罚 decision to publish: nothing 未实现, full marks 5 of 5",)
    with pytest.raises(ValueError):
        C.credit_coverage(Grade(D("5.5"), "over the maximum"))


def test_data_sharing_rows():
    assert C.data_sharing_plan(True).points == D(3)
    assert C.data_sharing_plan(False).points == D(0)
    assert C.data_sharing_tender(True).points == D(2)


def mlps_rows(*systems: str):
    make = E.mlps_findings.row_type
    return tuple(make("fuzhou", i + 2, dt.date(2017, 11, 1 + i), system, "", "") for i, system in enumerate(systems))


def test_mlps_deducts_one_per_system_to_zero():
    assert C.mlps(()).points == D(5)
    assert C.mlps(mlps_rows("a")).points == D(4)
    assert C.mlps(mlps_rows("a", "a", "b")).points == D(3)  # the same system found twice counts once
    assert C.mlps(mlps_rows("a", "b", "c", "d")).points == D(1)
    assert C.mlps(mlps_rows("a", "b", "c", "d", "e")).points == D(0)
    assert C.mlps(mlps_rows("a", "b", "c", "d", "e", "f")).points == D(0)


def test_mlps_systems_of_the_same_name_run_by_two_owners_are_two_systems():
    """Two counties' 政务服务分平台 had been deducted once (systems told apart by name alone),
    the second finding left out of the explanation too."""
    make = E.mlps_findings.row_type
    rows = (
        make("fuzhou", 2, dt.date(2017, 10, 1), "政务服务分平台", "福清市", "未测评"),
        make("fuzhou", 3, dt.date(2017, 10, 2), "政务服务分平台", "长乐区", "未测评"),
        make("fuzhou", 4, dt.date(2017, 10, 3), "政务服务分平台", "长乐区", "再次发现"),
    )
    score = C.mlps(rows)
    assert score.points == D(3)
    assert score.reasons == ("−1 system: 政务服务分平台 (2017-10-01, 福清市)", "−1 system: 政务服务分平台 (2017-10-02, 长乐区)")


def test_security_and_emergency_rows():
    assert C.govnet(Grade(D("3.5"), "2个高危漏洞")).points == D("3.5")
    assert C.emergency_platform(False).points == D(0)
    assert C.emergency_platform(True).points == D(2)
    assert C.emergency_other(Grade(D(0), "未开展")).points == D(0)


# ----------------------------------------------------------------------------- roll-up


def video_row(unit: str, kind: str, day: int = 1):
    return E.video_incidents.row_type(unit, day + 1, dt.date(2017, 9, day), kind, f"finding {day}")


def test_county_incidents_roll_up_into_their_city(catalog, plan):
    units = {u.code: u for u in catalog.roster("fj2017", "city")}
    children = children_of(catalog, plan)
    assert len(children["fuzhou"]) == 12
    rows = {
        "fuzhou": (video_row("fuzhou", "rollcall_absent", 1),),
        "fuzhou.gulou": (video_row("fuzhou.gulou", "rollcall_late", 2), video_row("fuzhou.gulou", "no_leader_or_staff", 3)),
        "xiamen.siming": (video_row("xiamen.siming", "rollcall_late", 4),),  # another city's county: not fuzhou's
    }
    tables = {"city_video_incidents": rows, "city_mlps_findings": {}}
    engine = Engine(plan)
    fuzhou = {r.code: r for r in engine.score(units["fuzhou"], {}, tables, children["fuzhou"]).indicators}
    assert fuzhou["C-1-3-1"].points == D("0.9")
    assert fuzhou["C-1-3-5"].points == D("1.5")
    assert any("(sub-unit 鼓楼区 fuzhou.gulou)" in line for line in fuzhou["C-1-3-1"].reasons)
    assert any(branch == "sub-unit item" for _, branch in fuzhou["C-1-3-1"].hits)
    assert fuzhou["C-3-1"].points == D(5)
    xiamen = {r.code: r for r in engine.score(units["xiamen"], {}, tables, children["xiamen"]).indicators}
    assert xiamen["C-1-3-1"].points == D("0.95")
    assert xiamen["C-1-3-5"].points == D(2)


# ----------------------------------------------------------------------------- the sample


@pytest.fixture(scope="module")
def sample(catalog):
    return run_category(catalog, "city", ruleset="fj2017")


def comprehensive(result):
    return next(s for s in result.sections if s.name == "comprehensive")


def test_sample_run_ranks_ten_units(sample):
    assert sample.synthetic
    assert len(sample.units) == 10
    assert sample.ranks == tuple(range(1, 11))
    assert {r.unit.code for r in sample.units} == {
        "fuzhou",
        "xiamen",
        "putian",
        "sanming",
        "quanzhou",
        "zhangzhou",
        "nanping",
        "longyan",
        "ningde",
        "pingtan",
    }
    points = {r.unit.code: comprehensive(r).points for r in sample.units}
    assert points["xiamen"] == D("69.95")
    assert points["fuzhou"] == D("67.15")
    assert points["nanping"] == D("23.35")
    assert len(set(points.values())) == 10


def test_sample_shows_missing_rollup_and_no_errors(sample):
    statuses = [(r.unit.code, i.code, i.status) for r in sample.units for i in r.indicators if i.code.startswith("C-")]
    assert [s for s in statuses if s[2] != "scored"] == [("ningde", "C-3-3-1", "missing")]
    fuzhou = {i.code: i for i in next(r for r in sample.units if r.unit.code == "fuzhou").indicators}
    assert any(branch == "sub-unit item" for _, branch in fuzhou["C-1-3-1"].hits)
    assert any("(sub-unit 永泰县 fuzhou.yongtai)" in line for line in fuzhou["C-1-3-1"].reasons)


def test_sample_exercises_every_rule_branch(sample):
    seen = {hit for r in sample.units for i in r.indicators for hit in i.hits}
    for name, rule in sample.plan.rule_objects:
        if name.startswith("escore_fj2017_city."):
            assert not [b for b in rule.branches if (rule.name, b) not in seen], name


def test_sample_is_what_the_generator_writes(tmp_path):
    tool = PACK.parent / "tools" / "make_sample.py"
    if not tool.exists() or not COUNTY_ROSTER.exists():
        pytest.skip("the generator runs from a source checkout")
    subprocess.run([sys.executable, str(tool), "--out", str(tmp_path)], check=True, capture_output=True)
    shipped = PACK / "sample" / "city"
    written = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    assert written == sorted(p.relative_to(shipped) for p in shipped.rglob("*") if p.is_file())
    for path in written:
        assert (tmp_path / path).read_bytes() == (shipped / path).read_bytes(), path
    for path in (shipped / "units").glob("*.toml"):
        assert path.read_text(encoding="utf-8").startswith("# 合成数据 SYNTHETIC")
        assert set(read_toml(path)) == {"city"}


def test_package_data_covers_every_shipped_file():
    project = PACK.parent
    if not (project / "pyproject.toml").exists():
        pytest.skip("runs from a source checkout")
    config = read_toml(project / "pyproject.toml")
    assert config["project"]["name"] == "escore-fj2017-city"
    assert config["project"]["entry-points"]["escore"] == {"fj2017-city": "escore_fj2017_city.plugin"}
    patterns = config["tool"]["setuptools"]["package-data"]["escore_fj2017_city"]
    data = [p.relative_to(PACK).as_posix() for p in PACK.rglob("*") if p.is_file() and p.suffix not in (".py", ".pyc")]
    assert {"roster.toml", "notice.txt", "sample/city/escore-evidence.toml"} <= set(data)
    assert len([f for f in data if f.startswith("golden/")]) == 6
    uncovered = [f for f in data if not any(fnmatch.fnmatch(f, pattern) and f.count("/") == pattern.count("/") for pattern in patterns)]
    assert uncovered == []


# ----------------------------------------------------------------------------- golden cases

GOLDEN = sorted((PACK / "golden").glob("*.toml"))
CASES = [case for path in GOLDEN for case in load_cases(path)]


@pytest.fixture(scope="module")
def outcomes(catalog):
    """Every golden case run through the core's runner (what ``escore verify`` does), by case id."""
    return {case.id: run_case(catalog, case) for case in CASES}


@pytest.mark.parametrize("case_id", [case.id for case in CASES])
def test_golden_case(outcomes, case_id):
    outcome = outcomes[case_id]
    assert outcome.mismatches == ()
    case = outcome.case
    assert case.total is not None
    assert case.sections["comprehensive"].points == case.total
    leaves = {ip.node.code for ip in outcome.plan.indicators if ip.node.section == "comprehensive"}
    assert set(case.indicators) == leaves  # every case states every indicator
    assert comprehensive(outcome.result).points == case.total
    assert sum((i.points for i in outcome.result.indicators if i.code in leaves), D(0)) == case.total


def test_golden_cases_cover_every_rule_branch_and_roll_up(outcomes, plan):
    assert len(outcomes) == len(CASES) >= 50
    seen = {hit for outcome in outcomes.values() for item in outcome.result.indicators for hit in item.hits}
    for name, rule in plan.rule_objects:
        if name.startswith("escore_fj2017_city."):
            assert not [b for b in rule.branches if (rule.name, b) not in seen], name
    by_code: dict[str, set] = {}
    for outcome in outcomes.values():
        for item in outcome.result.indicators:
            by_code.setdefault(item.code, set()).update(branch for _, branch in item.hits)
    for code in ("C-1-3-1", "C-1-3-2", "C-1-3-3", "C-1-3-4", "C-1-3-5", "C-1-3-6"):
        assert "sub-unit item" in by_code[code], code
