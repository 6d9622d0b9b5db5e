"""The evidence the provincial comprehensive rules read.

Two kinds of evidence, as the assessors collect it:

* per-department facts in ``units/<code>.toml`` under ``[provincial.*]``: what the
  department reports in its 自查自评 report and what the 现场检查 confirms
  (counts taken from the 省公共信用信息平台, booleans, assessor grades);
* monitoring tables in ``monitoring/provincial_*.csv``, one row per event and
  many departments per file: the rules that count events (errors, notices,
  terminals, violations, problems, migrated systems) read these, and the
  fixtures below turn the raw rows into the findings a rule counts.

Every name here starts with ``provincial``: the fixtures of all fj2017 packs
share one namespace.
"""

from __future__ import annotations

import calendar
import datetime as dt
from decimal import Decimal
from typing import Any, NamedTuple

from escore import N_, Item, MissingEvidence, column, field, fixture, gettext, table

# --------------------------------------------------------------------------- item kinds
# The deduction rules of comprehensive.py count these kinds; the fixtures below emit them.

#: P-1-1-C-1: one item per problem category notified in the “回头看” inspection.
REVIEW_CATEGORY = "被通报问题类别"
#: P-1-1-C-2: one item per problem category with a problem not rectified on time.
LATE_CATEGORY = "未按时整改问题类别"
#: P-2-1: one item per catalogue error or omission.
CATALOGUE_ERROR = "目录错漏"
#: P-3-2 deduction items, numbered as in the notice (item 3 is not in the source).
NS_REALNAME = "1.互联网终端实名认证、安全状态检测和修复未落实"
NS_OUTREACH = "2.违规外联终端被通报"
NS_UNREGISTERED = "4.终端未注册政务网接入"
NS_NO_ANTIVIRUS = "5.终端未安装杀毒软件"
NS_VULNERABILITY = "6.重大安全漏洞被通报"
NS_UNFIXED = "7.漏洞接到通报2周内未修复反馈"
NS_EXTRANET = "8.违规接入政务外网被通报"
#: P-3-3-3: one item per time a platform user failed to log in as required.
LOGIN_MISS = "平台用户未按要求登录"
#: P-3-4: one item per breach of secrecy law found in the special inspection.
SECRECY_VIOLATION = "违反保密法律法规"

#: 2 weeks after a notice (P-3-2 item 7), inclusive.
FIX_WINDOW = dt.timedelta(days=14)
#: P-3-2 items 4 and 5: the kind of a terminal finding counted once per terminal.
TERMINAL_FINDINGS = {"未注册": NS_UNREGISTERED, "未安装杀毒软件": NS_NO_ANTIVIRUS}

# --------------------------------------------------------------------------- per-unit fields

# P-1-1 数据中心整合, variant A
dc_plan_on_time = field(
    "provincial.data_centre.plan_on_time",
    "bool",
    description=N_(
        "P-1-1-A-1: the department compiled its data-centre integration plan as required and submitted it on time (应用大集中部门 only)"
    ),
)

# P-1-2 公共信用数据建设 (figures of the 省公共信用信息平台 for 2017)
credit_items_required = field(
    "provincial.credit.items_required",
    "int",
    unit="项",
    min=1,
    description=N_("P-1-2-1: information items the 信用信息征集目录 requires of the department"),
)
credit_items_provided = field(
    "provincial.credit.items_provided",
    "int",
    unit="项",
    min=0,
    at_most="provincial.credit.items_required",
    description=N_(
        "P-1-2-1: required information items the department actually provided, out of items_required (完整率 = provided ÷ required)"
    ),
)
credit_records_provided = field(
    "provincial.credit.records_provided",
    "int",
    unit="条",
    min=0,
    description=N_("P-1-2-2: credit records the department provided to the platform in 2017"),
)
credit_records_loaded = field(
    "provincial.credit.records_loaded",
    "int",
    unit="条",
    min=0,
    at_most="provincial.credit.records_provided",
    description=N_(
        "P-1-2-2: provided records that entered the database as valid (信用主体名称 and 统一社会信用代码 not empty); 入库率 = loaded ÷ provided"
    ),
)
credit_updates_required = field(
    "provincial.credit.updates_required",
    "int",
    unit="次",
    min=0,
    description=N_("P-1-2-3: submissions the department's update cycle (数据更新周期) required in the assessment year"),
)
credit_updates_on_time = field(
    "provincial.credit.updates_on_time",
    "int",
    unit="次",
    min=0,
    at_most="provincial.credit.updates_required",
    description=N_("P-1-2-3: submissions made on time, out of updates_required"),
)
credit_decisions_total = field(
    "provincial.credit.decisions_total",
    "int",
    unit="条",
    min=0,
    description=N_("P-1-2-4: 行政许可 and 行政处罚 decisions of the department in the assessment year (双公示)"),
)
credit_decisions_on_time = field(
    "provincial.credit.decisions_on_time",
    "int",
    unit="条",
    min=0,
    at_most="provincial.credit.decisions_total",
    description=N_("P-1-2-4: decisions pushed to the 省公共信用信息平台 within 7 working days of the decision, out of decisions_total"),
)

# P-1-3 部门项目建设应用情况
projects_under_construction = field(
    "provincial.projects.under_construction",
    "int",
    unit="个",
    min=0,
    description=N_("P-1-3-1: the department's e-government projects under construction in 2017"),
)
projects_on_schedule = field(
    "provincial.projects.on_schedule",
    "int",
    unit="个",
    min=0,
    at_most="provincial.projects.under_construction",
    description=N_("P-1-3-1: projects that completed their stage tasks on the approved schedule (批复工期), out of under_construction"),
)
projects_systems_built = field(
    "provincial.projects.systems_built",
    "int",
    unit="个",
    min=0,
    description=N_("P-1-3-2: the department's completed (已建) business systems"),
)
projects_systems_running = field(
    "provincial.projects.systems_running",
    "int",
    unit="个",
    min=0,
    at_most="provincial.projects.systems_built",
    description=N_("P-1-3-2: completed business systems found running normally and well used, out of systems_built"),
)

# P-2-1 目录注册和更新
catalogue_updated = field(
    "provincial.catalogue.updated",
    "bool",
    description=N_(
        "P-2-1: the department registered and updated its 信息资源目录, 数据库目录, 应用系统目录 and 证照目录 according to its functions"
    ),
)

# P-2-2 政务数据汇聚
data_catalogue_expected = field(
    "provincial.data_sharing.catalogue_expected",
    "int",
    unit="项",
    min=0,
    description=N_("P-2-2-1: 政务数据目录 entries the assessor expects from the department's 权力清单, 责任清单 and 行政服务事项"),
)
data_catalogue_complete = field(
    "provincial.data_sharing.catalogue_complete",
    "int",
    unit="项",
    min=0,
    at_most="provincial.data_sharing.catalogue_expected",
    description=N_("P-2-2-1: expected entries the department's 政务数据目录 lists completely and accurately, out of catalogue_expected"),
)
data_aggregation = field(
    "provincial.data_sharing.aggregation",
    "graded",
    unit="分",
    max=4,
    description=N_(
        "P-2-2-2: assessor's grade (0–4) of the data aggregated into the 政务数据云, weighing items connected, completeness, timeliness, access mode and sharing use; the notice gives no weights"
    ),
)
data_backflow = field(
    "provincial.data_sharing.backflow",
    "graded",
    unit="分",
    max=4,
    description=N_(
        "P-2-2-3: assessor's grade (0–4) of the rebuilt self-built service systems returning data to the cities' 行政服务中心 systems; the notice gives no rule"
    ),
)

# P-3-1 信息系统安全等级保护
mlps_requirements_met = field(
    "provincial.mlps.requirements_met",
    "bool",
    description=N_(
        "P-3-1: the department's information systems meet the basic technical and management requirements of 等级保护 (inspected)"
    ),
)

# P-3-2 关键信息基础设施和重要信息系统（网站）网络安全管理, item 1
terminal_control = field(
    "provincial.network_security.terminal_control",
    "bool",
    description=N_(
        "P-3-2 item 1: Internet-connected terminals get real-name authentication, security-state detection and repair in real time (inspected)"
    ),
)

# P-3-3 网络与信息安全应急处置工作, item 2
drill_responded = field(
    "provincial.emergency.drill_responded",
    "bool",
    description=N_("P-3-3-2: the department responded in time in the province-wide emergency drill (simulated network attack)"),
)

# P-3-4 保密管理
secrecy_leak = field(
    "provincial.secrecy.leak",
    "bool",
    description=N_("P-3-4-V: a leak of state secrets (泄密事件) occurred at the department in the assessment year"),
)

# --------------------------------------------------------------------------- monitoring tables

dc_migrations = table(
    "provincial_dc_migrations",
    column(
        "system",
        "str",
        description=N_(
            "the application system migrated to the 政务云 (variant A: every non-classified system; variant B: the 专网 systems)"
        ),
    ),
    column("due", "date", description=N_("completion date the 2017 省直部门数据中心整合工作部署会 set for this system")),
    column("done", "date", required=False, description=N_("date the migration was completed; empty = not completed")),
    column(
        "cleared",
        "date",
        required=False,
        at_least="done",
        description=N_("date its old equipment was disposed of and machine-room space vacated (资产处置、机房清退); empty = not done"),
    ),
    description=N_(
        "P-1-1-A/B: data-centre migration schedule, one row per system of a department of variant A or B (在线监测 by 省数字办)"
    ),
    unique=("system",),  # two rows of one system contradict each other (done, and not done)
)

dc_review_problems = table(
    "provincial_dc_review_problems",
    column("category", "str", description=N_("category of the problem (1类问题)")),
    column("problem", "str", description=N_("the problem found")),
    column("notified", "date", description=N_("date the problem was notified")),
    column("rectify_by", "date", at_least="notified", description=N_("rectification deadline set in the notification")),
    column(
        "rectified",
        "date",
        required=False,
        at_least="notified",
        description=N_("date the rectification was completed; empty = not rectified"),
    ),
    description=N_(
        "P-1-1-C: problems found and notified in the “回头看” inspection of the 2015/2016 data-centre integration, one row per problem"
    ),
)

catalogue_errors = table(
    "provincial_catalogue_errors",
    column("found", "date", description=N_("date of the check that found it")),
    column("catalogue", "enum", choices=("信息资源目录", "数据库目录", "应用系统目录", "证照目录"), description=N_("which catalogue")),
    column("entry", "str", description=N_("the entry that is wrong or missing")),
    description=N_("P-2-1: errors and omissions (错漏) found in the department's registered catalogues, one row per error"),
)

terminal_findings = table(
    "provincial_terminal_findings",
    column("notified", "date", description=N_("date of the notice or check")),
    column("terminal", "str", description=N_("terminal identifier (IP or asset number)")),
    column(
        "finding",
        "enum",
        choices=("违规外联", "未注册", "未安装杀毒软件"),
        description=N_(
            "违规外联 = notified by the 省网络与信息安全信息通报中心 for an illegal outbound connection; 未注册 = no 政务网接入注册软件; 未安装杀毒软件 = no antivirus"
        ),
    ),
    description=N_("P-3-2 items 2, 4, 5: findings on terminals connected to the 政务网, one row per terminal per notice or check"),
)

vulnerability_notices = table(
    "provincial_vulnerability_notices",
    column("notified", "date", description=N_("date the 省网络与信息安全信息通报中心 notified the vulnerability")),
    column("system", "str", description=N_("the key infrastructure or important system (website) concerned")),
    column(
        "fixed", "date", required=False, at_least="notified", description=N_("date the repair was fed back as required; empty = not fixed")
    ),
    description=N_("P-3-2 items 6, 7: notices of major security vulnerabilities, one row per notice"),
)

extranet_notices = table(
    "provincial_extranet_notices",
    column("notified", "date", description=N_("date of the notice")),
    column("detail", "str", description=N_("what breached the 《福建省电子政务外网接入安全技术规范》")),
    description=N_("P-3-2 item 8: notices for connecting to the 政务外网 in breach of its access specification, one row per notice"),
)

security_incidents = table(
    "provincial_security_incidents",
    column("occurred", "date", description=N_("date of the network or information-security incident")),
    column("incident", "str", description=N_("what happened")),
    column("rectified_on_time", "bool", description=N_("rectified and fed back on time as required")),
    description=N_("P-3-3-1: network and information-security incidents at the department, one row per incident"),
)

platform_login_misses = table(
    "provincial_platform_login_misses",
    column("date", "date", description=N_("day the missed login was found")),
    column("user", "str", description=N_("the platform account")),
    description=N_("P-3-3-3: times a user of the 福建省网络与信息安全应急处置平台 did not log in as required, one row per finding"),
)

secrecy_violations = table(
    "provincial_secrecy_violations",
    column("found", "date", description=N_("date of the special secrecy inspection (保密专项检查) that found it")),
    column("finding", "str", description=N_("the breach of secrecy law or regulation")),
    description=N_("P-3-4: breaches of secrecy laws and regulations found in the special inspection, one row per breach"),
)

# --------------------------------------------------------------------------- item labels
# What each item shows in its explanation line: templates of the item's args, formatted (and
# translated from the pack's catalogue) only when a line is written.
PROBLEM_LABEL = N_("{0} ({1} problem)")
PROBLEMS_LABEL = N_("{0} ({1} problems)")
LATE_LABEL = N_("{0}: {1}")
CATALOGUE_ERROR_LABEL = N_("{0.catalogue} {0.entry} ({0.found})")
NOT_IMPLEMENTED_LABEL = N_("not implemented")
OUTREACH_LABEL = N_("terminal {0.terminal}, notified {0.notified}")
TERMINAL_LABEL = N_("terminal {0.terminal} ({0.notified})")
NOTIFIED_LABEL = N_("{0.system}, notified {0.notified}")
NOT_FIXED_LABEL = N_("{0.system}, notified {0.notified}, not fixed")
FIXED_LATE_LABEL = N_("{0.system}, notified {0.notified}, fixed {0.fixed}, {1.days} days after")
EXTRANET_LABEL = N_("{0.detail}, notified {0.notified}")
LOGIN_MISS_LABEL = N_("{0.user} ({0.date})")
SECRECY_LABEL = N_("{0.finding} ({0.found})")

# --------------------------------------------------------------------------- helpers


#: Days of each month of a common year, January at 1.
_MONTH_DAYS = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus whole calendar months, clamped to the month's last day (9-30 + 1 month = 10-30)."""
    year, month = divmod(day.month - 1 + months, 12)
    year += day.year
    month += 1
    # The month's length (calendar.monthrange without the weekday it also works out).
    length = 29 if month == 2 and calendar.isleap(year) else _MONTH_DAYS[month]
    return day.replace(year=year, month=month, day=min(day.day, length))


def months_late(due: dt.date, done: dt.date) -> int:
    """Started calendar months of delay: 0 on or before ``due``, 1 up to ``due`` + 1 month inclusive, and so on.

    That is the smallest ``n`` with ``done <= add_months(due, n)``. ``add_months(due, m)``, for
    the ``m`` that lands in ``done``'s month, falls on ``due``'s day clamped to that month's
    length, which is at least ``done.day``: ``done`` lies beyond it exactly when
    ``done.day > due.day``. No calendar is needed.
    """
    if done <= due:
        return 0
    months = (done.year - due.year) * 12 + done.month - due.month + (done.day > due.day)
    return max(months, 1)


class Migration(NamedTuple):
    """What P-1-1-A-2/-3 and P-1-1-B-1/-2 need to know about a department's migration.

    The texts behind the numbers (:attr:`worst`, :attr:`disposal`) are made when an
    explanation asks for them, from the rows kept here.
    """

    systems: int
    pending: tuple[str, ...]  # systems not migrated
    delay_months: int | None  # the largest delay over all systems; None while any is pending
    disposed_in_time: bool  # disposal and clearance done within 1 month after the last migration
    latest: Any = None  # the row of the system with the largest delay (None while any is pending)
    completed: dt.date | None = None  # the last migration
    uncleared: tuple[str, ...] = ()  # systems whose machine room is not cleared
    cleared: dt.date | None = None  # the last clearance, when every system is cleared

    @property
    def worst(self) -> str:
        """The system with the largest delay, with its dates."""
        row = self.latest
        return "" if row is None else gettext("{0}: due {1}, done {2}").format(row.system, row.due.isoformat(), row.done.isoformat())

    @property
    def disposal(self) -> str:
        """The dates behind :attr:`disposed_in_time`."""
        if self.pending:
            return gettext("migration not completed ({0} of {1} systems pending)").format(len(self.pending), self.systems)
        assert self.completed is not None
        completed, due = self.completed.isoformat(), add_months(self.completed, 1).isoformat()
        if self.uncleared:
            return gettext("last migration {0}; disposal due by {1}; not done for {2}").format(
                completed, due, gettext(", ").join(self.uncleared)
            )
        assert self.cleared is not None
        return gettext("last migration {0}; disposal due by {1}; done {2}").format(completed, due, self.cleared.isoformat())


# --------------------------------------------------------------------------- fixtures

# An item's label is a template of its row (`Item(kind, "{0.user} ({0.date})", args=(row,))`),
# formatted only when an explanation line is written: a table or CSV run counts the items and
# formats none. The other texts here are written `.isoformat()`: the text `str()` gives, without
# the detour of `format()` that a bare `{date}` takes.


@fixture
def provincial_dc_migration(provincial_dc_migrations) -> Migration:
    """The department's migration: delay in started calendar months of its latest system, and its disposal."""
    rows = provincial_dc_migrations
    if not rows:
        raise MissingEvidence(
            "provincial_dc_migrations",
            "monitoring table 'provincial_dc_migrations' has no row for this department: its migration schedule is unknown",
        )
    pending = tuple(row.system for row in rows if row.done is None)
    if pending:
        return Migration(len(rows), pending, None, False)
    worst = max(rows, key=lambda row: (months_late(row.due, row.done), row.done))
    delay = months_late(worst.due, worst.done)
    completed = max(row.done for row in rows)
    uncleared = tuple(row.system for row in rows if row.cleared is None)
    if uncleared:
        return Migration(len(rows), (), delay, False, worst, completed, uncleared)
    cleared = max(row.cleared for row in rows)
    return Migration(len(rows), (), delay, cleared <= add_months(completed, 1), worst, completed, (), cleared)


@fixture
def provincial_dc_review_items(provincial_dc_review_problems) -> tuple[Item, ...]:
    """P-1-1-C-1: one item per problem category notified (1类问题扣2分)."""
    counts: dict[str, int] = {}
    for row in provincial_dc_review_problems:
        counts[row.category] = counts.get(row.category, 0) + 1
    return tuple(
        Item(REVIEW_CATEGORY, PROBLEMS_LABEL if count > 1 else PROBLEM_LABEL, args=(category, count)) for category, count in counts.items()
    )


@fixture
def provincial_dc_rectification_items(provincial_dc_review_problems) -> tuple[Item, ...]:
    """P-1-1-C-2: one item per problem category with a problem not rectified by its deadline (1类问题扣3分)."""
    late: dict[str, list[str]] = {}
    for row in provincial_dc_review_problems:
        if row.rectified is None or row.rectified > row.rectify_by:
            if row.rectified is None:
                text = gettext("{0}: due {1}, not rectified").format(row.problem, row.rectify_by.isoformat())
            else:
                text = gettext("{0}: due {1}, rectified {2}").format(row.problem, row.rectify_by.isoformat(), row.rectified.isoformat())
            late.setdefault(row.category, []).append(text)
    separator = gettext("; ")
    return tuple([Item(LATE_CATEGORY, LATE_LABEL, args=(category, separator.join(problems))) for category, problems in late.items()])


@fixture
def provincial_credit_completeness(provincial_credit_items_required, provincial_credit_items_provided) -> Decimal:
    """P-1-2-1: 完整率 in percent, exact."""
    # provided ≤ required is declared on the field (at_most) and checked when the evidence is loaded.
    return Decimal(100) * provincial_credit_items_provided / provincial_credit_items_required


@fixture
def provincial_credit_load_rate(provincial_credit_records_provided, provincial_credit_records_loaded) -> Decimal:
    """P-1-2-2: 入库率 in percent, exact; a department that provided no record has a rate of 0."""
    if provincial_credit_records_provided == 0:
        return Decimal(0)
    return Decimal(100) * provincial_credit_records_loaded / provincial_credit_records_provided


@fixture
def provincial_catalogue_items(provincial_catalogue_errors) -> tuple[Item, ...]:
    """P-2-1: one item per error or omission found (每发现1处错漏)."""
    return tuple([Item(CATALOGUE_ERROR, CATALOGUE_ERROR_LABEL, args=(row,)) for row in provincial_catalogue_errors])


@fixture
def provincial_network_security_items(
    provincial_network_security_terminal_control,
    provincial_terminal_findings,
    provincial_vulnerability_notices,
    provincial_extranet_notices,
) -> tuple[Item, ...]:
    """P-3-2: the deduction items 1, 2, 4–8 found for the department.

    Item 2 counts every terminal in every notice (通报一次, 按每台…扣); items 4 and 5
    count each terminal once (每台终端); item 7 counts each notice not fixed and fed
    back within 2 weeks (14 days, inclusive).
    """
    items: list[Item] = []
    if not provincial_network_security_terminal_control:
        items.append(Item(NS_REALNAME, NOT_IMPLEMENTED_LABEL))
    seen: set[tuple[str, str]] = set()
    for row in provincial_terminal_findings:
        if row.finding == "违规外联":
            items.append(Item(NS_OUTREACH, OUTREACH_LABEL, args=(row,)))
        elif (row.finding, row.terminal) not in seen:
            seen.add((row.finding, row.terminal))
            items.append(Item(TERMINAL_FINDINGS[row.finding], TERMINAL_LABEL, args=(row,)))
    for row in provincial_vulnerability_notices:
        items.append(Item(NS_VULNERABILITY, NOTIFIED_LABEL, args=(row,)))
        if row.fixed is None:
            items.append(Item(NS_UNFIXED, NOT_FIXED_LABEL, args=(row,)))
        elif row.fixed > row.notified + FIX_WINDOW:
            items.append(
                Item(
                    NS_UNFIXED,
                    FIXED_LATE_LABEL,
                    args=(row, row.fixed - row.notified),
                )
            )
    for row in provincial_extranet_notices:
        items.append(Item(NS_EXTRANET, EXTRANET_LABEL, args=(row,)))
    return tuple(items)


@fixture
def provincial_login_miss_items(provincial_platform_login_misses) -> tuple[Item, ...]:
    """P-3-3-3: one item per missed login found (发现一次扣0.1分)."""
    return tuple([Item(LOGIN_MISS, LOGIN_MISS_LABEL, args=(row,)) for row in provincial_platform_login_misses])


@fixture
def provincial_secrecy_items(provincial_secrecy_violations) -> tuple[Item, ...]:
    """P-3-4: one item per breach found in the special inspection (发现…1次，扣1分)."""
    return tuple([Item(SECRECY_VIOLATION, SECRECY_LABEL, args=(row,)) for row in provincial_secrecy_violations])
