"""What Table L and Table D share: the source document, the notes 注1/注2 and a few helpers.

Nothing here is registered with escore; the table modules and the evidence module
import it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from functools import reduce
from typing import Any

from escore import N_, Alternative, Score, cite, gettext, parameter

#: The notice the tables are attached to (every citation quotes it verbatim).
NOTICE = "福建省人民政府办公厅关于开展2017年度电子政务绩效考核的通知"
#: The attachment holding both website tables.
DOC = NOTICE + " · 2017年度福建省电子政务绩效考核指标（政府网站建设部分）"

#: 注1: "咨询信件超过3个月未回应的" — READING decision 6 reads 3 months as more than 90 days.
NOTE1_MAX_WAIT_DAYS = 90
#: 注2: "开展次数少于3次的" — fewer than 3 events zero the 内容丰富度 row.
NOTE2_MIN_EVENTS = 3

#: 保障机制: "于2017年11月15日前…报送本年度…政府网站建设工作总结" (the day itself counts).
SUMMARY_DEADLINE = parameter("website_summary_deadline", dt.date(2017, 11, 15))
#: 年度报告: "行政机关在每年3月31日前公布…政府信息公开工作年度报告" — the 2016 report, due 2017-03-31.
ANNUAL_REPORT_YEAR = parameter("website_annual_report_year", 2016)
ANNUAL_REPORT_DEADLINE = parameter("website_annual_report_deadline", dt.date(2017, 3, 31))

NOTE1 = cite(
    "咨询信件超过3个月未回应的，或者监测时间点前1年内栏目中无任何有效信件、留言的，“咨询投诉”指标不得分。",
    document=DOC,
    clause="说明1（注1）",
    note=N_(
        "Case: printed rule (注1). READING 6: more than 90 days without a reply before the monitoring date (late replies count), "
        "or no valid letter in the 12 months before it, zeroes the whole 咨询投诉 block."
    ),
)
NOTE2 = cite(
    "监测时间点前1年内开展次数少于3次的，对应的“内容丰富度”指标不得分。",
    document=DOC,
    clause="说明2（注2）",
    note=N_(
        "Case: printed rule (注2). READING 6: fewer than 3 events in the 12 months before the monitoring date zero the matching 内容丰富度 row only."
    ),
)
NOTE3 = cite(
    "没有建设移动客户端但已开通微信公众号的单位，考核微信公众号建设及内容推送情况。",
    document=DOC,
    clause="说明3（注3）",
    note=N_(
        "Case: printed rule (注3). READING 14: decided in order — a client (or 闽政通 access) is graded on the client whatever is recorded about WeChat; "
        "no client but a WeChat account: graded on the account; neither: 0 (scored); only an unknown client flag is missing."
    ),
)

#: 注3 for the 移动客户端 rows of both tables (the indicator's parameter is ``website_channels_app``).
#: The conditions are read lazily: a unit with a client is never asked about WeChat.
NOTE3_ALTERNATIVES = (
    Alternative(
        "website_channels_app",
        instead="website_channels_wechat_for_app",
        when="not website_channels_has_app and website_channels_has_wechat",
        source=NOTE3,
        label="注3: 微信公众号",
    ),
    Alternative(
        "website_channels_app",
        instead=None,
        when="not website_channels_has_app and not website_channels_has_wechat",
        source=NOTE3,
        label="注3: 无移动客户端、无微信公众号",
    ),
)


# Every website row's citation note says which of four cases it is (a test holds every row to it).
# A note that adds to one of these is written in parts, ``note=(N_("Row lost. "), GRADED_NOTE)``:
# the pack's catalogue translates each part, the shared sentence once.
#: The notice prints the row's points with criteria but no amount or formula.
GRADED_NOTE = N_("Case: assessor-graded per READING 12 (criteria only, no amount or formula printed; READING 2)")
#: ... and monitoring records facts bearing on it, which are shown beside the grade, never counted.
GRADED_CONTEXT_NOTE = N_(
    "Case: assessor-graded per READING 12, even where monitoring data exist: the notice prints no amount or formula "
    "for them; the monitoring facts are shown beside the grade as context lines, never turned into points"
)
#: The row's only criterion is a deliverable due by a date.
DATED_NOTE = N_("Case: dated deliverable (READING 12), binary on the date, the day itself included")
#: The notice prints the rule (an amount, tiers, a veto, a bonus).
PRINTED_NOTE = N_("Case: printed rule")
#: The row stands for points the source does not recover.
RESIDUAL_NOTE = N_("Case: residual per READING 3, assessor-graded (not recoverable from the source)")
#: The four cases; every indicator's note names one.
CASES = (PRINTED_NOTE, DATED_NOTE, GRADED_NOTE, GRADED_CONTEXT_NOTE, RESIDUAL_NOTE)


def listed(items: Iterable[str]) -> str:
    """``items`` joined with ", " (in Chinese "、"), for an explanation line."""
    return reduce(lambda head, item: gettext("{0}, {1}").format(head, item), items)


def notice_lines(rows: Any, kinds: Iterable[str], what: str) -> tuple[str, ...]:
    """Context of a graded 通报 row: the notices of ``kinds`` that monitoring recorded (never points).

    ``what`` names them in the count line; an English ``what`` is marked with ``N_`` where it is given."""
    if rows is None:
        return (gettext("monitoring/website_notices.csv not provided: no 通报 facts to show"),)
    kinds = tuple(kinds)
    found = [row for row in rows if row.kind in kinds]
    lines = [gettext("{0} {1} recorded in website_notices").format(len(found), gettext(what))]
    with_subject, without = gettext("{0} {1} {2} (line {3})"), gettext("{0} {1} (line {2})")
    lines.extend(
        with_subject.format(row.kind, row.date, row.subject, row.line) if row.subject else without.format(row.kind, row.date, row.line)
        for row in found
    )
    return tuple(lines)


def share_line(part: int | None, whole: int | None, template: str) -> tuple[str, ...]:
    """Context of a graded row with a monitored count, nothing when not recorded.

    ``template`` (marked with ``N_`` where it is given) is formatted with the part and the whole:
    ``"sites closed per the national registry: {0} of {1}"``."""
    if part is None and whole is None:
        return ()
    shown = lambda value: gettext("not recorded") if value is None else str(value)  # noqa: E731
    return (gettext(template).format(shown(part), shown(whole)),)


def one_year_before(day: dt.date) -> dt.date:
    """The same calendar day a year earlier (29 February → 28 February): the start of "前1年内"."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def in_last_year(day: dt.date, monitoring: dt.date) -> bool:
    """Whether ``day`` falls within the year before the monitoring date, both ends included."""
    return one_year_before(monitoring) <= day <= monitoring


def note1_reason(wait: Any, letters_last_year: int, monitoring: dt.date) -> str:
    """Why 注1 zeroes the 咨询投诉 block, or "" when it does not."""
    reasons = []
    if wait is not None and wait.days > NOTE1_MAX_WAIT_DAYS:
        reasons.append(gettext("{0} > {1} days (注1 '超过3个月未回应')").format(wait.what, NOTE1_MAX_WAIT_DAYS))
    if letters_last_year == 0:
        reasons.append(
            gettext("no valid letter in the 12 months up to the monitoring date {0} (注1 '前1年内…无任何有效信件、留言')").format(
                monitoring
            )
        )
    return gettext("; ").join(reasons)


def note2_reason(count: int, what: str, monitoring: dt.date) -> str:
    """Why 注2 zeroes a 内容丰富度 row, or "" when it does not (``what``: the events counted, marked with ``N_``)."""
    if count < NOTE2_MIN_EVENTS:
        return gettext("{0} {1} in the 12 months up to the monitoring date {2}, fewer than {3} (注2)").format(
            count, gettext(what), monitoring, NOTE2_MIN_EVENTS
        )
    return ""


def column(unit: Any, city: Any, county: Any) -> Any:
    """The rule object of the unit's Table L column: 设区市/平潭 or 县（市、区）."""
    return city if unit.category == "city" else county


def monthly_average(parts: Iterable[Score]) -> Score:
    """按月汇总: the mean of the monthly scores, keeping every month's lines."""
    parts = list(parts)
    total = sum((p.points for p in parts), Decimal(0))
    mean = total / len(parts)
    reasons = [line for p in parts for line in p.reasons]
    hits = [hit for p in parts for hit in p.hits]
    shown = " + ".join(format(p.points.normalize(), "f") for p in parts)
    reasons.append(gettext("按月汇总: ({0}) ÷ {1} months = {2}").format(shown, len(parts), format(mean.normalize(), "f")))
    return Score(mean, tuple(reasons), tuple(hits))


def annual_report_score(rule: Any, report: Any, year: int, deadline: dt.date) -> Score:
    """年度报告: the ``Binary`` rule on the report on ``year`` being on the site by ``deadline``."""
    if report is None:
        return rule.score(False).with_reason("no report on {0} found on the site (due {1})", year, deadline)
    on_time = report.published <= deadline
    return rule.score(on_time).with_reason("report on {0} published {1} (line {2}), due {3}", year, report.published, report.line, deadline)


def summary_score(rule: Any, received: dt.date | None, deadline: dt.date) -> Score:
    """保障机制: the ``Binary`` rule on the work summary having arrived by ``deadline``, and when it arrived."""
    if received is None:
        return rule.score(False).with_reason("no work summary received (deadline {0})", deadline)
    if received <= deadline:
        return rule.score(True).with_reason("work summary received {0}, by the deadline {1}", received, deadline)
    return rule.score(False).with_reason("work summary received {0}, after the deadline {1}", received, deadline)
