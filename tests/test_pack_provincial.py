"""The fj2017 provincial 综合应用 rule pack (plugins/indicators_provincial, distribution escore-fj2017-provincial).

Checks the citations against the shipped notice, the tree's maxima, indicator
functions and fixtures called directly at their boundaries, the sample run, the
sample generator, the package data and the pack's golden cases.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import subprocess
import sys
import tomllib
from decimal import Decimal
from pathlib import Path

import pytest

provincial = pytest.importorskip(
    "escore_fj2017_provincial", reason="the fj2017 provincial pack is not installed (pip install -e plugins/indicators_provincial)"
)

from escore import Grade, Item, MissingEvidence  # noqa: E402
from escore._plugins import Catalog, make_plugin_manager  # noqa: E402
from escore._session import run_category  # noqa: E402
from escore_fj2017_provincial import comprehensive as C  # noqa: E402
from escore_fj2017_provincial import evidence as E  # noqa: E402
from escore_fj2017_provincial import plugin  # noqa: E402

PACK = Path(provincial.__file__).parent
PROJECT = PACK.parent
NOTICE = (PACK / "notice.txt").read_text(encoding="utf-8").replace("\n", "")
D = dt.date

#: Every node of the pack with its maximum, as in the reconstruction (P-3-2's items 1–8 are deduction items, not nodes).
MAXIMA = {
    "P-1": "35", "P-1-1": "15",
    "P-1-1-A": "15", "P-1-1-A-1": "3", "P-1-1-A-2": "10", "P-1-1-A-3": "2",
    "P-1-1-B": "15", "P-1-1-B-1": "13", "P-1-1-B-2": "2",
    "P-1-1-C": "15", "P-1-1-C-1": "6", "P-1-1-C-2": "9",
    "P-1-2": "10", "P-1-2-1": "4", "P-1-2-2": "2", "P-1-2-3": "2", "P-1-2-4": "2",
    "P-1-3": "10", "P-1-3-1": "5", "P-1-3-2": "5",
    "P-2": "15", "P-2-1": "5", "P-2-2": "10", "P-2-2-1": "2", "P-2-2-2": "4", "P-2-2-3": "4",
    "P-3": "15", "P-3-1": "2", "P-3-2": "7", "P-3-3": "2", "P-3-3-1": "1", "P-3-3-2": "0.5", "P-3-3-3": "0.5", "P-3-4": "4",
}  # fmt: skip


@pytest.fixture(scope="module")
def catalog():
    """This pack alone, whatever else is installed."""
    return Catalog(make_plugin_manager(autoload=False, extra=[plugin]))


@pytest.fixture(scope="module")
def plan(catalog):
    return catalog.plan("fj2017", "provincial")


@pytest.fixture(scope="module")
def sample_run(catalog):
    return run_category(catalog, "provincial")


# --------------------------------------------------------------------------- citations and tree


def test_every_citation_is_verbatim_in_the_shipped_notice(plan):
    assert len(NOTICE) > 17000
    sources = {code: node.source for code, node in plan.nodes.items()}
    sources.update({veto.code: veto.source for veto in plan.vetoes})
    assert set(sources) == {*MAXIMA, "P-3-4-V"}
    for code, source in sources.items():
        assert source is not None, code
        assert source.text in NOTICE, f"{code}: citation not in the notice: {source.text}"
        assert source.document == "福建省人民政府办公厅关于开展2017年度电子政务绩效考核的通知"
        assert source.clause.startswith("附件 2017年度福建省电子政务绩效考核指标（综合应用部分）一、省直单位 · "), code


def test_notes_record_what_the_source_does_not_recover(plan):
    assert "Item 3 is not recoverable from the source" in plan.nodes["P-3-2"].source.note
    assert "does not recover this item's rule" in plan.nodes["P-2-2-3"].source.note
    assert "no weights" in plan.nodes["P-2-2-2"].source.note


def test_tree_has_the_reconstruction_codes_and_maxima(plan):
    assert {code: str(node.max) for code, node in plan.nodes.items()} == MAXIMA
    assert [n.code for n in plan.roots("comprehensive")] == ["P-1", "P-2", "P-3"]
    assert plan.nodes["P-1-1"].variant_by == "dc_variant"
    assert {plan.nodes[c].variant for c in plan.nodes["P-1-1"].children} == {"A", "B", "C"}
    assert plan.nodes["P-3-2"].kind == plan.nodes["P-2-1"].kind == plan.nodes["P-3-4"].kind == "indicator"


def test_tree_adds_up_at_every_level(plan):
    (section,) = plan.sections
    assert (section.name, section.title, section.weight, section.raw_max) == ("comprehensive", "综合应用", Decimal(65), Decimal(65))
    assert sum(n.max for n in plan.roots("comprehensive")) == Decimal(65)
    for node in plan.nodes.values():
        if not node.children:
            continue
        kids = [plan.nodes[c].max for c in node.children]
        if node.variant_by:
            assert kids == [node.max] * 3, node.code
        else:
            assert sum(kids) == node.max, node.code


def test_the_installed_set_keeps_the_provincial_tree():
    """With every installed pack (the website pack adds its own section), the comprehensive part is unchanged."""
    plan = Catalog(make_plugin_manager()).plan("fj2017", "provincial")
    section = {s.name: s for s in plan.sections}["comprehensive"]
    assert section.raw_max == Decimal(65)
    assert [(n.code, n.max) for n in plan.roots("comprehensive")] == [("P-1", Decimal(35)), ("P-2", Decimal(15)), ("P-3", Decimal(15))]


def test_methods_follow_the_notice(plan):
    marks = {ip.node.code: {m.name for m in ip.marks} for ip in plan.indicators}
    assert marks["P-1-1-A-2"] == {"self_report", "online_monitoring"}
    assert marks["P-1-3-1"] == {"self_report", "online_monitoring", "inspection"}
    assert marks["P-3-1"] == {"monitoring", "inspection"}
    assert marks["P-3-4"] == {"self_report", "monitoring", "inspection"}


def test_evidence_names_are_namespaced(plan):
    assert plan.fields and all(f.key.startswith("provincial.") for f in plan.fields)
    assert all(f.description and f.type for f in plan.fields)
    assert plan.tables and all(t.name.startswith("provincial_") for t in plan.tables)
    functions = [name for name, d in plan.fixtures.items() if d.kind == "function"]
    assert functions and all(name.startswith("provincial_") for name in functions)


# --------------------------------------------------------------------------- direct calls at the boundaries


def migrations(*rows):
    make = E.dc_migrations.row_type
    return tuple(make("test.dept", i + 2, f"系统{i}", due, done, cleared) for i, (due, done, cleared) in enumerate(rows))


def test_calendar_month_helpers():
    assert E.add_months(D(2017, 9, 30), 1) == D(2017, 10, 30)
    assert E.add_months(D(2017, 8, 31), 1) == D(2017, 9, 30)
    assert E.add_months(D(2017, 11, 15), 2) == D(2018, 1, 15)
    # February's length, leap years by the Gregorian rule (2000 is one, 2100 is not).
    assert [E.add_months(D(year, 1, 31), 1) for year in (2019, 2020, 2000, 2100)] == [
        D(2019, 2, 28),
        D(2020, 2, 29),
        D(2000, 2, 29),
        D(2100, 2, 28),
    ]
    assert E.add_months(D(2016, 12, 31), 2) == D(2017, 2, 28) and E.add_months(D(2017, 3, 31), -1) == D(2017, 2, 28)
    due = D(2017, 9, 15)
    assert [
        E.months_late(due, d)
        for d in (D(2017, 9, 14), due, D(2017, 9, 16), D(2017, 10, 15), D(2017, 10, 16), D(2017, 11, 15), D(2017, 11, 16))
    ] == [0, 0, 1, 1, 2, 2, 3]


def test_months_late_is_the_first_month_end_on_or_after_done():
    """The closed form against its definition, every pair of days over two years (leap February,
    months of 28 to 31 days, the 29th to the 31st clamped)."""
    days = [D(2015, 12, 20) + dt.timedelta(days=n) for n in range(0, 800, 1)]

    def by_definition(due, done):
        return next(n for n in range(60) if done <= E.add_months(due, n))

    for due in days[::7]:
        for done in days:
            assert E.months_late(due, done) == by_definition(due, done), (due, done)


@pytest.mark.parametrize(
    ("done", "variant_a", "variant_b"),
    [
        (D(2017, 9, 15), "10", "13"),
        (D(2017, 9, 16), "6", "10"),
        (D(2017, 10, 15), "6", "10"),
        (D(2017, 10, 16), "3", "5"),
        (D(2017, 11, 15), "3", "5"),
        (D(2017, 11, 16), "0", "0"),
    ],
)
def test_migration_delay_ladders(done, variant_a, variant_b):
    m = E.provincial_dc_migration(migrations((D(2017, 9, 15), done, done)))
    assert C.dc_a_migration(m).points == Decimal(variant_a)
    assert C.dc_b_migration(m).points == Decimal(variant_b)


def test_migration_not_completed_and_disposal():
    pending = E.provincial_dc_migration(migrations((D(2017, 9, 15), D(2017, 9, 15), D(2017, 9, 20)), (D(2017, 9, 30), None, None)))
    assert pending.delay_months is None
    assert C.dc_a_migration(pending).points == Decimal(0)
    assert C.dc_a_disposal(pending).points == Decimal(0)
    at_deadline = E.provincial_dc_migration(migrations((D(2017, 10, 15), D(2017, 10, 15), D(2017, 11, 15))))
    assert C.dc_a_disposal(at_deadline).points == Decimal(2)
    late = E.provincial_dc_migration(migrations((D(2017, 10, 15), D(2017, 10, 15), D(2017, 11, 16))))
    assert C.dc_b_disposal(late).points == Decimal(0)
    # The texts behind the numbers, made when a line is written.
    assert C.dc_a_disposal(pending).reasons[-1] == "migration not completed (1 of 2 systems pending)"
    assert C.dc_a_disposal(at_deadline).reasons[-1] == "last migration 2017-10-15; disposal due by 2017-11-15; done 2017-11-15"
    assert C.dc_b_migration(late).reasons[-1].endswith("1 systems; latest against schedule: 系统0: due 2017-10-15, done 2017-10-15")
    uncleared = E.provincial_dc_migration(
        migrations((D(2017, 9, 15), D(2017, 9, 20), D(2017, 9, 30)), (D(2017, 9, 30), D(2017, 10, 31), None))
    )
    assert uncleared.delay_months == 2 and not uncleared.disposed_in_time
    assert C.dc_a_disposal(uncleared).reasons[-1] == "last migration 2017-10-31; disposal due by 2017-11-30; not done for 系统1"
    assert C.dc_a_migration(uncleared).reasons[-1] == "2 systems; latest against schedule: 系统1: due 2017-09-30, done 2017-10-31"
    with pytest.raises(MissingEvidence):
        E.provincial_dc_migration(())


def test_review_counts_categories_not_problems():
    make = E.dc_review_problems.row_type
    rows = (
        make("t", 2, "机房", "p1", D(2017, 9, 5), D(2017, 10, 5), D(2017, 10, 5)),
        make("t", 3, "机房", "p2", D(2017, 9, 5), D(2017, 10, 5), D(2017, 10, 6)),
        make("t", 4, "迁移", "p3", D(2017, 9, 5), D(2017, 10, 5), None),
        make("t", 5, "数据", "p4", D(2017, 9, 5), D(2017, 10, 5), D(2017, 9, 1)),
    )
    assert C.dc_c_review(E.provincial_dc_review_items(rows)).points == Decimal(0)  # 3 categories × 2 = 6
    assert C.dc_c_rectification(E.provincial_dc_rectification_items(rows)).points == Decimal(3)  # 2 late categories × 3
    assert C.dc_c_review(E.provincial_dc_review_items(rows[:2])).points == Decimal(4)


@pytest.mark.parametrize(
    ("provided", "required", "expected"),
    [
        (100, 100, "4"),
        (99, 100, "2"),
        (80, 100, "2"),
        (4, 5, "2"),
        (79, 100, "1"),
        (60, 100, "1"),
        (3, 5, "1"),
        (59, 100, "0"),
        (0, 100, "0"),
    ],
)
def test_credit_completeness_tiers(provided, required, expected):
    assert C.credit_completeness(E.provincial_credit_completeness(required, provided)).points == Decimal(expected)


def test_credit_accuracy_and_proportional_rows():
    assert C.credit_accuracy(E.provincial_credit_load_rate(1000, 600)).points == Decimal(2)
    assert C.credit_accuracy(E.provincial_credit_load_rate(1000, 599)).points == Decimal(0)
    assert C.credit_accuracy(E.provincial_credit_load_rate(0, 0)).points == Decimal(0)
    assert C.credit_timeliness(9, 12).points == Decimal("1.5")
    assert C.credit_dual_publicity(13, 50).points == Decimal("0.52")
    assert C.credit_dual_publicity(0, 0).points == Decimal(2)
    assert C.projects_construction(3, 4).points == Decimal("3.75")
    assert C.projects_use(0, 0).points == Decimal(5)
    # provided > required is refused when the evidence is loaded (tests/test_impossible_evidence.py)
    with pytest.raises(ValueError, match="outside"):
        C.projects_use(11, 10)


def test_catalogue_deduction_to_the_floor():
    def errors(n):
        return tuple(Item(E.CATALOGUE_ERROR, f"e{i}") for i in range(n))

    assert C.catalogue(True, errors(0)).points == Decimal(5)
    assert C.catalogue(True, errors(9)).points == Decimal("0.5")
    assert C.catalogue(True, errors(10)).points == Decimal(0)
    floored = C.catalogue(True, errors(11))
    assert floored.points == Decimal(0)
    assert floored.reasons[-1].startswith("floor 0 reached")
    assert C.catalogue(False, errors(0)).points == Decimal(0)


def test_graded_rows_check_the_maximum():
    assert C.data_aggregation(Grade(Decimal("2.5"), "批量导入")).points == Decimal("2.5")
    assert C.data_backflow(Grade(Decimal(4), "已回流")).points == Decimal(4)
    with pytest.raises(ValueError, match="outside"):
        C.data_backflow(Grade(Decimal("4.5"), "too much"))


def test_network_security_items_and_floor():
    term = E.terminal_findings.row_type
    vuln = E.vulnerability_notices.row_type
    terminals = (
        term("t", 2, D(2017, 9, 1), "10.0.0.1", "违规外联"),
        term("t", 3, D(2017, 10, 1), "10.0.0.1", "违规外联"),
        term("t", 4, D(2017, 9, 1), "10.0.0.2", "未注册"),
        term("t", 5, D(2017, 10, 1), "10.0.0.2", "未注册"),
    )
    fixed_in_time = (vuln("t", 2, D(2017, 9, 1), "门户网站", D(2017, 9, 15)),)
    fixed_late = (vuln("t", 2, D(2017, 9, 1), "门户网站", D(2017, 9, 16)),)
    items = E.provincial_network_security_items(True, terminals, fixed_in_time, ())
    assert sorted(i.kind for i in items) == sorted([E.NS_OUTREACH, E.NS_OUTREACH, E.NS_UNREGISTERED, E.NS_VULNERABILITY])
    assert C.network_security(items).points == Decimal("4.5")  # 7 − 0.5 − 0.5 − 0.5 − 1
    assert [i.text for i in items] == [
        "terminal 10.0.0.1, notified 2017-09-01",
        "terminal 10.0.0.1, notified 2017-10-01",
        "terminal 10.0.0.2 (2017-09-01)",
        "门户网站, notified 2017-09-01",
    ]
    items = E.provincial_network_security_items(False, (), fixed_late, ())
    assert C.network_security(items).points == Decimal(3)  # 7 − 2 − 1 − 1
    assert [i.text for i in items] == [
        "not implemented",
        "门户网站, notified 2017-09-01",
        "门户网站, notified 2017-09-01, fixed 2017-09-16, 15 days after",
    ]
    unfixed = E.provincial_network_security_items(True, (), (vuln("t", 2, D(2017, 9, 1), "门户网站", None),), ())
    assert [i.text for i in unfixed] == ["门户网站, notified 2017-09-01", "门户网站, notified 2017-09-01, not fixed"]
    items = E.provincial_network_security_items(False, terminals, fixed_late + fixed_late, ())
    assert C.network_security(items).points == Decimal(0)  # 2 + 1.5 + 4 = 7.5 > 7: floor


def test_emergency_and_secrecy_rows():
    incident = E.security_incidents.row_type
    assert C.incident_feedback(()).points == Decimal(1)
    assert C.incident_feedback(
        (incident("t", 2, D(2017, 9, 1), "篡改", True), incident("t", 3, D(2017, 9, 9), "病毒", False))
    ).points == Decimal(0)
    assert C.drill(False).points == Decimal(0)

    def logins(n):
        return tuple(Item(E.LOGIN_MISS, f"u{i}") for i in range(n))

    assert [C.platform_login(logins(n)).points for n in (0, 1, 4, 5, 6)] == [
        Decimal("0.5"),
        Decimal("0.4"),
        Decimal("0.1"),
        Decimal(0),
        Decimal(0),
    ]

    def violations(n):
        return tuple(Item(E.SECRECY_VIOLATION, f"v{i}") for i in range(n))

    assert [C.secrecy(violations(n)).points for n in (0, 3, 4, 5)] == [Decimal(4), Decimal(1), Decimal(0), Decimal(0)]
    assert C.secrecy_leak(True) == "a leak of state secrets (泄密事件) occurred"
    assert C.secrecy_leak(False) is None


# --------------------------------------------------------------------------- column forms


def _random_units(seed: int, units: int = 400):
    """Random departments' rows of every table the column forms read, with the edge cases the
    fixtures branch on: no row, a terminal found twice, a fix on day 14 and 15, a problem
    rectified on its deadline, a day after, or not at all, counts past every floor."""
    import random

    rng = random.Random(seed)
    day = D(2017, 9, 1)
    terminal, vulnerability, extranet = E.terminal_findings.row_type, E.vulnerability_notices.row_type, E.extranet_notices.row_type
    problem, error = E.dc_review_problems.row_type, E.catalogue_errors.row_type
    incident, login, breach = E.security_incidents.row_type, E.platform_login_misses.row_type, E.secrecy_violations.row_type

    migration = E.dc_migrations.row_type
    due_days = [D(2017, 4, 1), D(2017, 1, 31), D(2017, 3, 31), D(2016, 12, 31)]

    def dates():
        """A system's due, done and cleared dates around every band and month end (or not done)."""
        due = rng.choice(due_days)
        done = rng.choice([None, due - dt.timedelta(days=3), due, E.add_months(due, 1), E.add_months(due, 1) + dt.timedelta(days=1)])
        done = done if done is None or rng.random() < 0.7 else E.add_months(due, rng.randint(0, 4)) + dt.timedelta(days=rng.randint(-2, 2))
        cleared = None if done is None or rng.random() < 0.2 else done + dt.timedelta(days=rng.choice([0, 28, 29, 30, 31, 32]))
        return due, done, cleared

    def some(make, most):
        return tuple(make(i) for i in range(rng.choice([0, 0, 1, 2, most, rng.randint(0, most)])))

    def one(code):
        return {
            "control": rng.random() < 0.7,
            "updated": rng.random() < 0.8,
            "findings": some(
                lambda i: terminal(code, i, day, f"10.0.0.{rng.randint(1, 3)}", rng.choice(["违规外联", "未注册", "未安装杀毒软件"])),
                12,
            ),
            "notices": some(
                lambda i: vulnerability(
                    code, i, day, f"系统{i}", rng.choice([None, day, day + dt.timedelta(days=14), day + dt.timedelta(days=15)])
                ),
                9,
            ),
            "extranet": some(lambda i: extranet(code, i, day, f"违规{i}"), 8),
            "problems": some(
                lambda i: problem(
                    code,
                    i,
                    f"类别{rng.randint(1, 4)}",
                    f"问题{i}",
                    day,
                    day + dt.timedelta(days=30),
                    rng.choice([None, day + dt.timedelta(days=30), day + dt.timedelta(days=31), day]),
                ),
                9,
            ),
            "errors": some(lambda i: error(code, i, day, "数据库目录", f"条目{i}"), 14),
            "incidents": some(lambda i: incident(code, i, day, f"事件{i}", rng.random() < 0.7), 4),
            "logins": some(lambda i: login(code, i, day, "admin"), 8),
            "breaches": some(lambda i: breach(code, i, day, f"违规{i}"), 6),
            "migrations": some(lambda i: migration(code, i, f"系统{i}", *dates()), 4),
        }

    return [one(f"u{u}") for u in range(units)]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_column_forms_agree_with_the_scalar_indicators(seed):
    """Each indicator's form over columns gives every department exactly the points (digits
    included) its function gives on the fixtures' values."""
    from escore import TableColumns

    units = _random_units(seed)

    def table(key, spec):
        return TableColumns.of_rows(spec.row_type._fields, [u[key] for u in units])

    def agree(form, scalar):
        expected = [str(scalar(u)) for u in units]
        assert [str(points) for points in form] == expected
        return expected

    migrations = table("migrations", E.dc_migrations)

    def migration_points(indicator, *tiers):
        def points(u):
            try:
                return indicator(E.provincial_dc_migration(u["migrations"]), *tiers).points
            except MissingEvidence:  # no row: the form leaves the department to the scalar engine
                return None

        return points

    delays = agree(
        C.dc_a_migration_columns(migrations, [C.A_MIGRATION.value] * len(units)), migration_points(C.dc_a_migration, C.A_MIGRATION.value)
    )
    assert {"10", "6", "3", "0", "None"} <= set(delays)
    agree(C.dc_b_migration_columns(migrations, [C.B_MIGRATION.value] * len(units)), migration_points(C.dc_b_migration, C.B_MIGRATION.value))
    assert {"2", "0", "None"} <= set(agree(C.dc_a_disposal_columns(migrations), migration_points(C.dc_a_disposal)))
    agree(C.dc_b_disposal_columns(migrations), migration_points(C.dc_b_disposal))
    problems = table("problems", E.dc_review_problems)
    agree(C.dc_c_review_columns(problems), lambda u: C.dc_c_review(E.provincial_dc_review_items(u["problems"])).points)
    late = agree(
        C.dc_c_rectification_columns(problems),
        lambda u: C.dc_c_rectification(E.provincial_dc_rectification_items(u["problems"])).points,
    )
    assert {"9", "6", "3", "0"} <= set(late)
    found = agree(
        C.catalogue_columns([u["updated"] for u in units], table("errors", E.catalogue_errors)),
        lambda u: C.catalogue(u["updated"], E.provincial_catalogue_items(u["errors"])).points,
    )
    assert {"5", "0", "4.5"} <= set(found)
    network = agree(
        C.network_security_columns(
            [u["control"] for u in units],
            table("findings", E.terminal_findings),
            table("notices", E.vulnerability_notices),
            table("extranet", E.extranet_notices),
        ),
        lambda u: C.network_security(E.provincial_network_security_items(u["control"], u["findings"], u["notices"], u["extranet"])).points,
    )
    assert "7" in network and "0" in network and len(set(network)) > 8
    agree(C.incident_feedback_columns(table("incidents", E.security_incidents)), lambda u: C.incident_feedback(u["incidents"]).points)
    agree(
        C.platform_login_columns(table("logins", E.platform_login_misses)),
        lambda u: C.platform_login(E.provincial_login_miss_items(u["logins"])).points,
    )
    agree(
        C.secrecy_columns(table("breaches", E.secrecy_violations)),
        lambda u: C.secrecy(E.provincial_secrecy_items(u["breaches"])).points,
    )


def test_column_forms_are_used_for_this_plan(plan):
    """Every form stands for the plan's own fixtures, so the column pass uses it."""
    from escore._colform import usable_form

    formed = {ip.node.code for ip in plan.indicators if usable_form(ip.func, ip.argnames, plan.fixtures) is not None}
    assert formed == {
        "P-1-1-A-2",
        "P-1-1-A-3",
        "P-1-1-B-1",
        "P-1-1-B-2",
        "P-1-1-C-1",
        "P-1-1-C-2",
        "P-2-1",
        "P-3-2",
        "P-3-3-1",
        "P-3-3-3",
        "P-3-4",
    }


# --------------------------------------------------------------------------- the sample


def test_sample_run_ranks_the_38_departments(sample_run):
    assert len(sample_run.units) == 38
    assert sample_run.synthetic
    assert sample_run.notes == ("合成数据 SYNTHETIC: real department names, made-up values for demonstration; not the 2017 results",)
    assert sample_run.ranks == tuple(range(1, 39))
    assert len({u.total for u in sample_run.units}) == 38
    counts = sample_run.status_counts()
    assert (counts["error"], counts["missing"]) == (0, 2)
    by_code = {u.unit.code: u for u in sample_run.units}
    # Hand-checked against units/prov.fgw.toml and units/prov.swt.toml and the monitoring tables.
    assert by_code["prov.fgw"].total == Decimal("60.96")
    assert by_code["prov.swt"].total == Decimal(60)
    assert sample_run.units[0].unit.code == "prov.tjj"
    assert sample_run.units[-1].unit.code == "prov.kjt"
    missing = {(u.unit.code, i.code) for u in sample_run.units for i in u.indicators if i.status == "missing"}
    assert missing == {("prov.wb", "P-1-2-4"), ("prov.rfb", "P-2-2-3")}
    assert [(u.unit.code, v.code) for u in sample_run.units for v in u.vetoes if v.status == "applied"] == [("prov.tyj", "P-3-4-V")]


def test_sample_exercises_every_rule_branch(sample_run):
    taken: dict[str, set[str]] = {}
    for unit in sample_run.units:
        for item in unit.indicators:
            for rule, branch in item.hits:
                taken.setdefault(rule, set()).add(branch)
    for name, rule in sample_run.plan.rule_objects:
        assert set(rule.branches) <= taken.get(rule.name, set()), name
    variants = {u.unit.attributes["dc_variant"] for u in sample_run.units}
    assert variants == {"A", "B", "C"}


def test_sample_is_generated_and_up_to_date(tmp_path):
    script = PROJECT / "tools" / "make_sample.py"
    subprocess.run([sys.executable, str(script), str(tmp_path / "out")], check=True, capture_output=True)
    shipped = PACK / "sample" / "provincial"
    files = sorted(p.relative_to(shipped) for p in shipped.rglob("*") if p.is_file())
    assert len(files) == 1 + 38 + 9
    assert files == sorted(p.relative_to(tmp_path / "out") for p in (tmp_path / "out").rglob("*") if p.is_file())
    for rel in files:
        assert (tmp_path / "out" / rel).read_bytes() == (shipped / rel).read_bytes(), rel
    for path in (shipped / "units").glob("*.toml"):
        text = path.read_text(encoding="utf-8")
        assert text.startswith("# 合成数据 SYNTHETIC"), path
        data = tomllib.loads(text)
        assert list(data) == ["provincial"], path


def test_package_data_covers_every_shipped_file():
    config = tomllib.loads((PROJECT / "pyproject.toml").read_text(encoding="utf-8"))
    assert config["project"]["name"] == "escore-fj2017-provincial"
    assert config["project"]["entry-points"]["escore"] == {"fj2017-provincial": "escore_fj2017_provincial.plugin"}
    patterns = config["tool"]["setuptools"]["package-data"]["escore_fj2017_provincial"]
    data = [p.relative_to(PACK).as_posix() for p in PACK.rglob("*") if p.is_file() and p.suffix not in (".py", ".pyc")]
    assert {"roster.toml", "notice.txt"} <= set(data)
    uncovered = [f for f in data if not any(fnmatch.fnmatch(f, pattern) and f.count("/") == pattern.count("/") for pattern in patterns)]
    assert uncovered == []


# --------------------------------------------------------------------------- golden cases


GOLDEN = sorted((PACK / "golden").glob("*.toml"))


def test_golden_cases_cover_every_indicator(plan):
    from escore._golden import load_cases

    cases = [case for path in GOLDEN for case in load_cases(path)]
    assert len(cases) >= 90
    leaves = {ip.node.code for ip in plan.indicators}
    assert len(leaves) == 23
    assert {code for case in cases for code in case.indicators} == leaves
    assert all(case.total is not None and "comprehensive" in case.sections for case in cases)
    assert {case.unit.get("attributes", {}).get("dc_variant") for case in cases if isinstance(case.unit, dict)} == {"A", "B", "C"}


@pytest.mark.parametrize("path", GOLDEN, ids=lambda p: p.name)
def test_golden_cases_pass(path):
    from escore._golden import load_cases, run_case

    catalog = Catalog(make_plugin_manager(autoload=False, extra=[plugin]))
    failures = []
    for case in load_cases(path):
        outcome = run_case(catalog, case)
        failures.extend(f"{case.id}: {m}" for m in outcome.mismatches)
    assert failures == []
