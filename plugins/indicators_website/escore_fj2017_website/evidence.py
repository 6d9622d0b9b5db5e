"""The evidence of the website tables: per-unit facts, monitoring tables and fixtures.

Every field key starts with ``website.`` and every table and fixture name with
``website_`` (the fj2017 packs share one fixture namespace). Table L and Table D
share a field where the fact is the same; a graded field's ``max`` is the largest
maximum of the rows it feeds, and each row checks its own maximum.

Per-unit facts go in ``units/<code>.toml``; what monitoring records event by event
(letters, interviews, notices, monthly content checks) goes in
``monitoring/<table>.csv``, one row per event and many units per file.
"""

from __future__ import annotations

import datetime as dt
from collections import namedtuple

from escore import N_, Field, MissingEvidence, column, field, fixture, gettext, table

from ._common import ANNUAL_REPORT_YEAR, in_last_year


def graded(key: str, max: str | dict[str, str], criteria: str) -> Field:
    """An assessor-graded row (READING 2 and 12): the points awarded and a one-line reason.

    ``criteria`` (marked with ``N_``) is the field's description, translated where it is shown.

    ``max`` is the row's maximum, or a mapping by category where one field feeds rows of
    different maxima (a grade above its own row's maximum is bad input, READING 15)."""
    return field(key, "graded", unit=N_("points"), min=0, max=max, description=criteria)


# --------------------------------------------------------------------------- monitoring date

monitoring_date = field(
    "website.monitoring_date",
    "date",
    actionable=False,  # the assessment's date, not the unit's to change: no improvement plan moves it
    in_assessment_year=True,  # a year typed wrong would move 注1's and 注2's 12 months off the events
    description=N_("监测时间点: the monitoring date at which 注1 and 注2 are checked (their 12-month window ends on it)"),
)

# --------------------------------------------------------------------------- 政务公开 (Table L)

public_resources = graded("website.disclosure.public_resources", {"city": "2", "county": "3"}, N_("公共资源配置 disclosure (市 2, 县 3)"))
ppp = graded("website.disclosure.ppp", "1.5", N_("PPP project disclosure (市 only)"))
social_assistance = graded("website.disclosure.social_assistance", "2", N_("社会救助 and 减灾救灾 disclosure"))
environment = graded("website.disclosure.environment", "2", N_("环境保护 disclosure"))
education = graded("website.disclosure.education", {"city": "2", "county": "3"}, N_("教育 disclosure (市 2, 县 3)"))
health = graded("website.disclosure.health", {"city": "1.5", "county": "2"}, N_("医疗卫生 disclosure (市 1.5, 县 2)"))
housing_land = graded("website.disclosure.housing_land", "2", N_("住房保障 and 土地供应 disclosure (市 only)"))
work_safety = graded("website.disclosure.work_safety", "2", N_("安全生产 disclosure"))
proactive = graded("website.gov_info.proactive", "1", N_("主动公开信息 (Table L)"))
gov_info_column = graded("website.gov_info.column", "2.5", N_("政府信息公开专栏: 条例、办法等制度规定公开情况"))
mailbox = graded("website.gov_info.mailbox", "0.5", N_("政府信息公开意见箱: replies to this year's opinions and suggestions"))
gov_info_rules = graded(
    "website.gov_info.rules", "1", N_("政府信息公开规定: 考核制度、社会评议制度、责任追究制度、保密审查制度等监督和保障制度建设情况")
)
#: The 监督和保障制度 the named list of the notice admits ("等": others too).
RULE_KINDS = ("考核制度", "社会评议制度", "责任追究制度", "保密审查制度", "其他监督保障制度")
rules_in_place = field(
    "website.gov_info.rules_in_place",
    "list[str]",
    choices=RULE_KINDS,
    optional=True,
    description=N_("context for the 规定 grade (not scored): 监督和保障制度 found in place, each listed once"),
)
press_conferences = graded(
    "website.interpretation.press_conferences",
    "1",
    N_("新闻发布会 carried on the site; press conference within 24 h of a major emergency (市 only)"),
)
residual_l = graded(
    "website.residual.l_disclosure",
    {"city": "10.5", "county": "12.5"},
    N_("Table L 政务公开 residual: 国资国企, 政策解读 and rows lost from the source (市 10.5, 县 12.5)"),
)

# --------------------------------------------------------------------------- 政务公开 (Table D)

dept_finance = graded("website.disclosure.dept_finance", "4", N_("财政资金 disclosure of the department"))
dept_statistics = graded("website.disclosure.dept_statistics", "2", N_("数据: the department's statistics and their interpretation"))
policy_interpretation = graded("website.interpretation.policy", "6", N_("政策解读 (Table D)"))
residual_d_gov_info = graded("website.residual.d_gov_info", "4.5", N_("Table D 政府信息公开(12): rows lost from the source"))
residual_d_supervision = graded(
    "website.residual.d_supervision", "5", N_("Table D 政府信息公开监察(7): 专栏, 规定 and 意见箱, whose points are lost")
)
residual_d_table = graded("website.residual.d_table", "1", N_("Table D: the 1 point not accounted for by any recovered row"))

# --------------------------------------------------------------------------- shared 政务公开 rows

on_request = graded("website.gov_info.on_request", "1", N_("依申请公开: online query of the application channel, results published"))
supervision_node = graded(
    "website.gov_info.supervision_node", "2", N_("电子监察系统节点 operation and maintenance (Table D: and training attended)")
)

#: The annual government-information-disclosure reports found by monitoring.
annual_reports = table(
    "website_annual_reports",
    column("year", "int", min=2000, max=2100, description=N_("the year the report covers")),
    column("published", "date", after_year="year", description=N_("the day the report appeared on the site")),
    description=N_("政府信息公开工作年度报告 found on the unit's site, one row per report (no row: not published)"),
)

# --------------------------------------------------------------------------- 办事服务

power_list = graded(
    "website.services.power_list", {"provincial": "2", "city": "3", "county": "3"}, N_("权责清单 published (Table L 3, Table D 2)")
)
entry_integration = graded("website.services.entry_integration", "3", N_("服务入口整合: 网上政务服务平台 fused with the portal"))
search_modes = graded("website.services.search_modes", "2", N_("信息检索方式: 模糊检索、目录检索、场景导航"))
guidance = graded("website.services.guidance", "3", N_("服务导引 by 事项性质、服务对象、实施主体、服务主题"))
admin_power_coverage = graded("website.services.admin_power_coverage", "3", N_("服务覆盖度: 行政权力事项办事指南发布情况"))
public_service_coverage = graded("website.services.public_service_coverage", "3", N_("服务覆盖度: 公共服务事项办事指南发布情况"))
admin_power_items = field(
    "website.services.admin_power_items",
    "int",
    unit=N_("items"),
    min=0,
    optional=True,
    description=N_("context for the 服务覆盖度 grade (not scored): 行政权力事项 the unit must publish guides for"),
)
admin_power_guides = field(
    "website.services.admin_power_guides",
    "int",
    unit=N_("items"),
    min=0,
    at_most="website.services.admin_power_items",
    optional=True,
    description=N_("context (not scored): 行政权力事项 with a published 办事指南, out of admin_power_items"),
)
public_service_items = field(
    "website.services.public_service_items",
    "int",
    unit=N_("items"),
    min=0,
    optional=True,
    description=N_("context for the 服务覆盖度 grade (not scored): 公共服务事项 the unit must publish guides for"),
)
public_service_guides = field(
    "website.services.public_service_guides",
    "int",
    unit=N_("items"),
    min=0,
    at_most="website.services.public_service_items",
    optional=True,
    description=N_("context (not scored): 公共服务事项 with a published 办事指南, out of public_service_items"),
)
guide_accuracy = graded("website.services.guide_accuracy", "4", N_("办事指南准确度 (Table L)"))
online_depth = graded(
    "website.services.online_depth",
    {"provincial": "2", "city": "3", "county": "3"},
    N_("在线办理深度: items handled fully online (Table L 3, Table D 2)"),
)
guides = graded("website.services.guides", "3", N_("办事指南 elements complete and accurate (Table D)"))
downloads = graded("website.services.downloads", "2", N_("附件下载: forms and attachments download normally"))
online_application = graded(
    "website.services.online_application", "2", N_("在线申报: link depth and normal access of the application system")
)
online_query = graded(
    "website.services.online_query", "2", N_("在线查询: 1. status and result queries provided; 2. they agree with reality (Table D)")
)
status_query = field(
    "website.services.status_query",
    "bool",
    optional=True,
    description=N_("context for the 在线查询 grade (not scored): criterion 1, online status and result queries are provided"),
)
query_consistent = field(
    "website.services.query_consistent",
    "bool",
    optional=True,
    description=N_("context (not scored): criterion 2, status and result queries agree with reality (content, update time)"),
)
content_coordination = graded("website.services.content_coordination", "4", N_("内容协同情况 (label only in the source)"))
guidance_modes = graded("website.services.guidance_modes", "6", N_("服务导引方式 (label only in the source)"))

# --------------------------------------------------------------------------- 互动交流

timeliness = graded("website.letters.timeliness", "3", N_("答复及时性 of letters in the 咨询投诉 column"))
reply_quality = graded("website.letters.quality", "3", N_("答复质量: no non-reply, perfunctory answer or buck-passing"))
interview_mechanism = graded("website.interviews.mechanism", "1", N_("访谈机制: long-term and next-session previews"))
interview_richness = graded("website.interviews.richness", "2", N_("在线访谈 内容丰富度"))
interview_topics = graded("website.interviews.topics", "2", N_("在线访谈 主题设计 (Table L)"))
interview_answers = graded("website.interviews.answer_quality", "2", N_("答复公众问题的质量 in interviews (Table D)"))
solicitation_richness = graded("website.solicitations.richness", "2", N_("调查征集 内容丰富度"))
opinion_feedback = graded("website.solicitations.opinion_feedback", "2", N_("意见征集结果反馈"))
survey_feedback = graded("website.solicitations.survey_feedback", "2", N_("网上调查结果反馈"))

#: 注1: the letters of the 咨询投诉 column.
letters = table(
    "website_letters",
    column("received", "date", description=N_("the day the letter or message was submitted")),
    column("replied", "date", required=False, at_least="received", description=N_("the day the reply was published; empty: no reply yet")),
    column("subject", "str", required=False, description=N_("subject, for the explanation")),
    description=N_("valid letters and messages of the 咨询投诉 column (spam, tests and duplicates are not recorded), one row per letter"),
)

#: 注2: online interviews.
interviews = table(
    "website_interviews",
    column("date", "date", description=N_("the day of the interview")),
    column(
        "kind",
        "enum",
        choices=("自主开展", "上级网站或媒体访谈整理", "新闻发布会整理", "内容链接或工作动态"),
        description=N_("自主开展 = held by the site; the two 整理 kinds = compiled on the site; 内容链接或工作动态 does not count"),
    ),
    column("title", "str", required=False, description=N_("topic, for the explanation")),
    description=N_("在线访谈 found on the unit's site, one row per interview"),
)

#: 注2: opinion solicitations and online surveys.
solicitations = table(
    "website_solicitations",
    column("date", "date", description=N_("the day the solicitation or survey opened")),
    column("kind", "enum", choices=("意见征集", "网上调查")),
    column("title", "str", required=False, description=N_("topic, for the explanation")),
    description=N_("意见征集 and 网上调查 found on the unit's site, one row per event"),
)

# --------------------------------------------------------------------------- 集约化建设及运维保障

unified_platform = graded("website.sites.unified_platform", "1", N_("网站统一技术平台 built and completed (市 only)"))
site_migration = graded(
    "website.sites.migration", {"city": "1", "county": "1.5"}, N_("网站迁移 to the city's unified technical platform (市 1, 县 1.5)")
)
site_closure = graded("website.sites.closure", {"city": "1", "county": "1.5"}, N_("网站关停 per the national registry (市 1, 县 1.5)"))
migration_in_scope = field(
    "website.sites.migration_in_scope",
    "int",
    unit=N_("sites"),
    min=0,
    optional=True,
    description=N_(
        "context for the 网站迁移 grade (not scored): sites that must move to the city's unified platform (a county: its own portal; a city: county portals and city department sites)"
    ),
)
migrated = field(
    "website.sites.migrated",
    "int",
    unit=N_("sites"),
    min=0,
    at_most="website.sites.migration_in_scope",
    optional=True,
    description=N_("context (not scored): of those, sites running on the city's unified platform"),
)
closure_in_scope = field(
    "website.sites.closure_in_scope",
    "int",
    unit=N_("sites"),
    min=0,
    optional=True,
    description=N_(
        "context for the 网站关停 grade (not scored): 乡镇、街道 and county department sites to be closed, per the national government-website registry"
    ),
)
closed = field(
    "website.sites.closed",
    "int",
    unit=N_("sites"),
    min=0,
    at_most="website.sites.closure_in_scope",
    optional=True,
    description=N_("context (not scored): of those, sites closed per the national registry"),
)
presentation = graded("website.site.presentation", "2", N_("展示规范: name, domain and footer elements"))

#: 网站普查、网站安全检查通报 rows: assessor-graded (READING 12); the notices are their context.
higher_notices = graded(
    "website.notices.higher", "2", N_("上级通报: notices by 国务院办公厅 or 省政府办公厅 naming the unit's sites (Table L)")
)
exposure_and_security = graded(
    "website.notices.exposure_and_security", "2", N_("网民曝光纠正 and 网络安全通报批评、专项检查重大安全问题 (Table L)")
)
exposure = graded("website.notices.exposure", "2", N_("网民曝光纠正 on the “我为政府网站找错” platform (Table D)"))
security = graded("website.notices.security", "2", N_("网络安全通报批评 and 专项检查重大安全问题 (Table D)"))

#: 网站普查、网站安全检查通报: every notice or exposure naming the unit's sites; context of the
#: graded 通报 rows, never points (an absent file: no context line, not missing evidence).
notices = table(
    "website_notices",
    column("date", "date", description=N_("the day of the notice or report")),
    column("kind", "enum", choices=("国务院办公厅通报", "省政府办公厅通报", "网民曝光纠正", "网络安全通报批评", "专项检查重大安全问题")),
    column("subject", "str", required=False, description=N_("which site and what, for the explanation")),
    description=N_(
        "notices naming the unit's (or its subordinate units') sites in 2017, one row per notice (context of the graded 通报 rows)"
    ),
    optional=True,
)

#: 保障机制: the website work summaries received by 省政府办公厅（电子政务办公室）.
summaries = table(
    "website_summaries",
    column("received", "date", since_assessment_year=True, description=N_("the day the summary was received")),
    description=N_("本年度政府网站建设工作总结 received from the unit, one row per submission (no row: not submitted)"),
)

# --------------------------------------------------------------------------- 创新发展

#: 移动客户端 (and 注3's WeChat account graded in its place): 市 2 | 县 4 in Table L, 2 in Table D.
APP_MAX = {"provincial": "2", "city": "2", "county": "4"}
smart_search = graded("website.innovation.smart_search", {"city": "2", "county": "3"}, N_("智能搜索 (市 2, 县 3)"))
smart_interaction = graded("website.innovation.smart_interaction", {"city": "2", "county": "3"}, N_("智能互动 (市 2, 县 3)"))
has_app = field("website.channels.has_app", "bool", description=N_("the unit built a mobile client or connected its site to 闽政通APP"))
has_wechat = field("website.channels.has_wechat", "bool", description=N_("the unit runs a WeChat official account"))
app = graded(
    "website.channels.app",
    APP_MAX,
    N_("移动客户端: client (or 闽政通 access), site entry and instructions, functions and content (市 2, 县 4, 省直 2)"),
)
wechat_for_app = graded(
    "website.channels.wechat_for_app",
    APP_MAX,
    N_("注3: the WeChat account's build and content pushes, assessed in the 移动客户端 row of a unit without a client"),
)
wechat = graded("website.channels.wechat", "2", N_("微信 row (市 only)"))
weibo = graded("website.channels.weibo", "2", N_("微博 row (市 only)"))
unlabelled_channel = graded("website.channels.d_unlabelled", "2", N_("the 2-point 日常监测 row of Table D whose label is lost"))
vote_rank = field(
    "website.feature_column.vote_rank",
    "int",
    unit=N_("place"),
    min=1,
    max=10,
    description=N_(
        "the city's place in the 特色栏目 public vote (1 = most votes; a city without a column nominated by 2017-11-15 takes the last place)"
    ),
)

# --------------------------------------------------------------------------- 省政府门户网站内容保障 (Table D)

portal_interviews = graded("website.portal.interviews", "2", N_("the department's duties for 在线访谈 on the provincial portal"))

#: 日常监测(按月汇总): the monthly content-guarantee scores of the provincial portal rows.
portal_months = table(
    "website_portal_months",
    column("month", "int", min=1, max=12, description=N_("month of 2017")),
    column(
        "row", "enum", choices=("资源库", "重点领域"), description=N_("资源库 = W-D-7-2-1 (6 points); 重点领域 = W-D-7-3-1 (10 points)")
    ),
    column(
        "points",
        "decimal",
        unit=N_("points"),
        min=0,
        max=10,
        max_by=("row", {"资源库": "6", "重点领域": "10"}),
        description=N_("the month's 分档计分 score of that row (资源库 at most 6, 重点领域 at most 10)"),
    ),
    column("note", "str", required=False, description=N_("the monitor's remark, for the explanation")),
    description=N_("monthly monitoring of the department's content on the provincial portal, one row per month and row"),
    unique=("month", "row"),
)

#: SR-04: offending content found in the department's portal columns.
portal_offences = table(
    "website_portal_offences",
    column(
        "month",
        "int",
        min=1,
        max=12,
        within=("website_portal_months", "month", {"row": "重点领域"}),
        description=N_("month of 2017 the content was found (a month with a 重点领域 score in website_portal_months)"),
    ),
    column("kind", "enum", choices=("与栏目定位无关", "内容错误", "违法违规")),
    column("item", "str", required=False, description=N_("what was found, for the explanation")),
    description=N_(
        "content the department supplied to the 重点领域 platforms and 专题 that is unrelated, wrong or illegal, one row per finding"
    ),
)

# --------------------------------------------------------------------------- fixtures

Wait = namedtuple("Wait", "days what")
#: The longest wait in words (for the 注1 reason): with the letter's subject, or without one.
LETTER_ANSWERED_ABOUT = N_("letter of {0} (line {1}, {2}) answered after {3} days")
LETTER_UNANSWERED_ABOUT = N_("letter of {0} (line {1}, {2}) unanswered for {3} days")
LETTER_ANSWERED = N_("letter of {0} (line {1}) answered after {2} days")
LETTER_UNANSWERED = N_("letter of {0} (line {1}) unanswered for {2} days")


@fixture
def website_letters_longest_wait(website_letters, website_monitoring_date):
    """注1: the longest time a letter waited for its reply, up to the monitoring date.

    Counted: letters received in the 12 months before the monitoring date, and any
    older letter still unanswered on that date. A reply published after the
    monitoring date counts as no reply yet. ``None`` when there is no such letter.
    """
    longest = None
    for row in website_letters:
        if row.received > website_monitoring_date:
            continue
        answered = row.replied is not None and row.replied <= website_monitoring_date
        if answered and not in_last_year(row.received, website_monitoring_date):
            continue
        end = row.replied if answered else website_monitoring_date
        days = (end - row.received).days
        if longest is None or days > longest.days:
            if row.subject:
                template = LETTER_ANSWERED_ABOUT if answered else LETTER_UNANSWERED_ABOUT
                longest = Wait(days, gettext(template).format(row.received, row.line, row.subject, days))
            else:
                template = LETTER_ANSWERED if answered else LETTER_UNANSWERED
                longest = Wait(days, gettext(template).format(row.received, row.line, days))
    return longest


@fixture
def website_letters_last_12m(website_letters, website_monitoring_date):
    """注1: valid letters received in the 12 months up to the monitoring date."""
    return sum(1 for row in website_letters if in_last_year(row.received, website_monitoring_date))


COUNTED_INTERVIEWS = ("自主开展", "上级网站或媒体访谈整理", "新闻发布会整理")


@fixture
def website_interviews_last_12m(website_interviews, website_monitoring_date):
    """注2: interviews held or compiled in the 12 months up to the monitoring date (links and work news excluded)."""
    return sum(1 for row in website_interviews if row.kind in COUNTED_INTERVIEWS and in_last_year(row.date, website_monitoring_date))


@fixture
def website_solicitations_last_12m(website_solicitations, website_monitoring_date):
    """注2: 意见征集 and 网上调查 together, in the 12 months up to the monitoring date."""
    return sum(1 for row in website_solicitations if in_last_year(row.date, website_monitoring_date))


@fixture
def website_annual_report(website_annual_reports, website_annual_report_year=ANNUAL_REPORT_YEAR.value):
    """The report on the year before (2016 for fj2017), due by 31 March (``None``: not found on the site)."""
    found = [row for row in website_annual_reports if row.year == website_annual_report_year]
    return min(found, key=lambda row: row.published) if found else None


@fixture
def website_summary_received(website_summaries) -> dt.date | None:
    """The day the first website work summary arrived (``None``: none received)."""
    return min((row.received for row in website_summaries), default=None)


def _portal_rows(rows, which):
    found = sorted((row for row in rows if row.row == which), key=lambda row: row.month)
    if not found:
        raise MissingEvidence(
            "website_portal_months", gettext("monitoring/website_portal_months.csv has no {0} month for this unit").format(which)
        )
    return tuple(found)


@fixture
def website_portal_library_months(website_portal_months):
    """资源库 (W-D-7-2-1): the monthly scores, in month order."""
    return _portal_rows(website_portal_months, "资源库")


@fixture
def website_portal_key_area_months(website_portal_months):
    """重点领域 (W-D-7-3-1): the monthly scores, in month order."""
    return _portal_rows(website_portal_months, "重点领域")
