"""Table D: 政府网站建设 of the 省直单位 (one 100-point column, ×0.35 into the 35-point section).

Codes, titles and maxima follow ``seed-website`` (W-D-…), with one departure where the
notice says otherwise (W-D-5-2-1, see its citation note). The 9.5 政务公开 points the
source does not show are two graded residual rows that keep the printed subtotals
(12) and (7); the 1 point no recovered row accounts for is a residual row at the top
of the table (READING 3). Content the department supplies to the provincial portal
that is unrelated, wrong or illegal forfeits that month's points of the row (SR-04).
Rows without a printed amount or formula are assessor-graded (READING 12: 通报 rows and
在线查询 included), their monitoring facts shown as context.
"""

from __future__ import annotations

from escore import (
    N_,
    Binary,
    Citation,
    Grade,
    Graded,
    Score,
    forfeit,
    gettext,
    group,
    indicator,
    veto,
)
from escore import cite as _cite

from ._common import (
    ANNUAL_REPORT_DEADLINE,
    ANNUAL_REPORT_YEAR,
    DATED_NOTE,
    DOC,
    GRADED_CONTEXT_NOTE,
    GRADED_NOTE,
    NOTE1,
    NOTE2,
    NOTE3_ALTERNATIVES,
    PRINTED_NOTE,
    RESIDUAL_NOTE,
    SUMMARY_DEADLINE,
    annual_report_score,
    monthly_average,
    note1_reason,
    note2_reason,
    notice_lines,
    summary_score,
)


def src(text: str, clause: str, note: str | tuple[str, ...] = "") -> Citation:
    return _cite(text, document=DOC, clause="表D " + clause, note=note)


DEDUCTION_NOTE = (GRADED_CONTEXT_NOTE, N_(" (the notices recorded in website_notices; the amount per notice is not printed)."))

W_D = group(
    "W-D",
    "表D 省直单位网站指标",
    max="100",
    source=src(
        "（三）省直单位：综合应用（65分）＋政府网站建设（35分）。",
        "考核内容",
        note=N_(
            "Table D is a 100-point table (assumed; its labelled and derived blocks give 99, READING 3 adds a 1-point residual), counted ×0.35."
        ),
    ),
)

# --------------------------------------------------------------------------- W-D-1 政务公开(19)

W_D_1 = group("W-D-1", "政务公开(19)", max="19", parent="W-D", source=src("政务公开(19)", "政务公开"))
W_D_1_1 = group(
    "W-D-1-1",
    "政府信息公开/主动公开信息(12)",
    max="12",
    parent="W-D-1",
    source=src(
        "主动公年底开信息(12)",
        "政务公开·政府信息公开",
        note=N_("Reading PA (seed A-03): (12) = 财政资金 4 + 数据 2 + 依申请公开 1 + 年度报告 0.5 + 4.5 not shown in the source."),
    ),
)
DEPT_FINANCE = Graded("财政资金", "4")
DEPT_STATISTICS = Graded("数据", "2")
ON_REQUEST_D = Graded("依申请公开 (表D)", "1")
ANNUAL_REPORT_D = Binary(
    "政府信息公开工作年度报告 (表D)", "0.5", yes=N_("report published by the deadline"), no=N_("report not published by the deadline")
)
RESIDUAL_GOV_INFO = Graded("政府信息公开未复原分值", "4.5")


@indicator(
    "W-D-1-1-1",
    "财政资金",
    max="4",
    parent="W-D-1-1",
    methods=["annual_review"],
    source=src(
        "财政部门重大项目经费等相关专项资金使用、管理情况，资金财政资金管理制度，政府采购（政策法规、采购指南、招标公告、中标公告）等信息公开情况。",
        "政府信息公开·财政资金",
        note=GRADED_NOTE,
    ),
)
def dept_finance(website_disclosure_dept_finance) -> Score:
    return DEPT_FINANCE.score(website_disclosure_dept_finance)


@indicator(
    "W-D-1-1-2",
    "数据",
    max="2",
    parent="W-D-1-1",
    methods=["monitoring"],
    source=src(
        "数据部门年度、季度、月份相关业务主题统计数据、解读发布信息公开情况（通过文字、图表等方式）。",
        "政府信息公开·数据",
        note=GRADED_NOTE,
    ),
)
def dept_statistics(website_disclosure_dept_statistics) -> Score:
    return DEPT_STATISTICS.score(website_disclosure_dept_statistics)


@indicator(
    "W-D-1-1-3",
    "依申请公开",
    max="1",
    parent="W-D-1-1",
    methods=["monitoring"],
    source=src(
        "依申请公开渠道在线查询功能、受理结果公开情况请公开（受理情况列表、统计数据等）。", "政府信息公开·依申请公开", note=GRADED_NOTE
    ),
)
def on_request(website_gov_info_on_request) -> Score:
    return ON_REQUEST_D.score(website_gov_info_on_request)


@indicator(
    "W-D-1-1-4",
    "政府信息公开工作年度报告",
    max="0.5",
    parent="W-D-1-1",
    methods=["monitoring"],
    source=src(
        "行政机关在每年3月31日前公布本行政机关的政府信息年度工作公开工作年度报告情况。",
        "政府信息公开·年度报告",
        note=(DATED_NOTE, N_(": the 2016 report on the site by 2017-03-31.")),
    ),
)
def annual_report(
    website_annual_report,
    website_annual_report_year=ANNUAL_REPORT_YEAR.value,
    website_annual_report_deadline=ANNUAL_REPORT_DEADLINE.value,
) -> Score:
    return annual_report_score(ANNUAL_REPORT_D, website_annual_report, website_annual_report_year, website_annual_report_deadline)


@indicator(
    "W-D-1-1-R",
    "政府信息公开未复原分值",
    max="4.5",
    parent="W-D-1-1",
    methods=["monitoring", "annual_review"],
    source=src(
        "主动公年底开信息(12)",
        "政务公开·政府信息公开·未复原",
        note=(
            RESIDUAL_NOTE,
            N_(": 4.5 of the printed (12) have no row in the source; graded by the assessor against the 主动公开信息 duties."),
        ),
    ),
)
def gov_info_residual(website_residual_d_gov_info) -> Score:
    return RESIDUAL_GOV_INFO.score(website_residual_d_gov_info)


W_D_1_2 = group(
    "W-D-1-2",
    "政府信息公开监察（7）",
    max="7",
    parent="W-D-1",
    source=src(
        "政府信息公开专栏政府信息公开监察规定（7）政府信息公开意见箱",
        "政务公开·政府信息公开监察",
        note=N_("Reading PA: (7) = 节点 2 + 5 for 专栏, 规定 and 意见箱."),
    ),
)
SUPERVISION_NODE_D = Graded("电子监察系统节点运行维护保障情况 (表D)", "2")
RESIDUAL_SUPERVISION = Graded("政府信息公开监察未复原分值", "5")


@indicator(
    "W-D-1-2-4",
    "电子监察系统节点运行维护保障情况",
    max="2",
    parent="W-D-1-2",
    methods=["annual_review"],
    source=src(
        "本年度各监察节点对全省政府信息公开电子监察系统节点的运行维护保障情况、参加培训情况。",
        "政府信息公开监察·电子监察系统节点",
        note=(N_("First value of the block '2623'. "), GRADED_NOTE),
    ),
)
def supervision_node(website_gov_info_supervision_node) -> Score:
    return SUPERVISION_NODE_D.score(website_gov_info_supervision_node)


@indicator(
    "W-D-1-2-R",
    "政府信息公开监察未复原分值（专栏、规定、意见箱）",
    max="5",
    parent="W-D-1-2",
    methods=["monitoring"],
    source=src(
        "《中华人民共和国政府信息公开条例》、《福建省政府信息公开办法》等制度规定公开情况。",
        "政府信息公开监察·未复原",
        note=(
            RESIDUAL_NOTE,
            N_(
                ": the rows 政府信息公开专栏 (W-D-1-2-1), 规定 (W-D-1-2-2) and 意见箱 (W-D-1-2-3) are named "
                "but their points are not recoverable from the source (7 − 2 = 5 together); graded by the assessor against those criteria."
            ),
        ),
    ),
)
def supervision_residual(website_residual_d_supervision) -> Score:
    return RESIDUAL_SUPERVISION.score(website_residual_d_supervision)


# --------------------------------------------------------------------------- W-D-2 解读回应(6)

W_D_2 = group("W-D-2", "解读回应(6)", max="6", parent="W-D", source=src("解读解读回应(6)回应(6)政策解读", "解读回应"))
POLICY = Graded("政策解读", "6")


@indicator(
    "W-D-2-1-1",
    "政策解读",
    max="6",
    parent="W-D-2",
    methods=["annual_review"],
    source=src(
        "解读解读回应(6)回应(6)政策解读",
        "解读回应·政策解读",
        note=(
            N_(
                "Second value of the block '2623'. Table D keeps the label only; criterion as Table L's: "
                "「本地区重要政策文件公开后3个工作日内发布解读材料…」. "
            ),
            GRADED_NOTE,
        ),
    ),
)
def policy_interpretation(website_interpretation_policy) -> Score:
    return POLICY.score(website_interpretation_policy)


# --------------------------------------------------------------------------- W-D-3 办事服务(23)

SERVICE_LABELS = "服务实用办情况事服务（13）(23)服务人性化情况（8）"
W_D_3 = group("W-D-3", "办事服务(23)", max="23", parent="W-D", source=src(SERVICE_LABELS, "办事服务"))
W_D_3_1 = group("W-D-3-1", "权责清单（2）", max="2", parent="W-D-3", source=src("权责清单（2）", "办事服务·权责清单"))
W_D_3_2 = group("W-D-3-2", "服务实用情况（13）", max="13", parent="W-D-3", source=src(SERVICE_LABELS, "办事服务·服务实用情况"))
W_D_3_3 = group("W-D-3-3", "服务人性化情况（8）", max="8", parent="W-D-3", source=src(SERVICE_LABELS, "办事服务·服务人性化情况"))
POWER_LIST_D = Graded("权责清单 (表D)", "2")
GUIDES = Graded("办事指南", "3")
DOWNLOADS = Graded("附件下载", "2")
ONLINE_APPLICATION = Graded("在线申报", "2")
#: 在线查询: two numbered criteria for 2 points, no value per criterion printed (READING 12: graded).
ONLINE_QUERY = Graded("在线查询", "2")
CONTENT_COORDINATION = Graded("内容协同情况", "4")
GUIDANCE_MODES = Graded("服务导引方式", "6")
ONLINE_DEPTH_D = Graded("在线办理深度 (表D)", "2")
LABELS = "在线申报在线查询内容协同情况服务导引方式在线办理深度"


@indicator(
    "W-D-3-1-1",
    "权责清单",
    max="2",
    parent="W-D-3-1",
    methods=["annual_review"],
    source=src(
        "权责清单（2）权责清单办事指南", "权责清单", note=(N_("Third value of the block '2623'; criterion as Table L's row. "), GRADED_NOTE)
    ),
)
def power_list(website_services_power_list) -> Score:
    return POWER_LIST_D.score(website_services_power_list)


@indicator(
    "W-D-3-2-1",
    "办事指南",
    max="3",
    parent="W-D-3-2",
    methods=["monitoring"],
    source=src(
        "办事指南要素的完整性、准确性情况。要素类别包括事项名称、设定依据、申请条件、办理材料、办理地点、办理时间、联系电话、办理流程等。",
        "服务实用情况·办事指南",
        note=(N_("Fourth value of the block '2623'. "), GRADED_NOTE),
    ),
)
def guides(website_services_guides) -> Score:
    return GUIDES.score(website_services_guides)


@indicator(
    "W-D-3-2-2",
    "附件下载",
    max="2",
    parent="W-D-3-2",
    methods=["monitoring"],
    source=src("所需的办事表格（空表、样表），以及文件附件等资料正常下载情况。", "服务实用情况·附件下载", note=GRADED_NOTE),
)
def downloads(website_services_downloads) -> Score:
    return DOWNLOADS.score(website_services_downloads)


@indicator(
    "W-D-3-2-3",
    "在线申报",
    max="2",
    parent="W-D-3-2",
    methods=["monitoring"],
    source=src("在线申报系统链接深度、正常访问情况。", "服务实用情况·在线申报", note=GRADED_NOTE),
)
def online_application(website_services_online_application) -> Score:
    return ONLINE_APPLICATION.score(website_services_online_application)


@indicator(
    "W-D-3-2-4",
    "在线查询",
    max="2",
    parent="W-D-3-2",
    methods=["monitoring"],
    source=src(
        "网上办事状态查询提供情况：1.提供网上办事状态查询、结果查询功能；22.办事状态查询、结果查询与实际情况保持一致（包括内容一致、更新时间一致等，下同）。",
        "服务实用情况·在线查询",
        note=(
            N_("Two numbered criteria for 2 points, no value per criterion printed. "),
            GRADED_CONTEXT_NOTE,
            N_(" (the two criteria as recorded)."),
        ),
    ),
)
def online_query(website_services_online_query, website_services_status_query, website_services_query_consistent) -> Score:
    shown = {True: gettext("criterion {0} ({1}) recorded as met"), False: gettext("criterion {0} ({1}) recorded as not met")}
    context = tuple(
        shown[value].format(n, what)
        for n, what, value in (
            (1, "状态查询、结果查询功能", website_services_status_query),
            (2, "与实际情况保持一致", website_services_query_consistent),
        )
        if value is not None
    )
    return ONLINE_QUERY.score(website_services_online_query, context)


@indicator(
    "W-D-3-2-5",
    "内容协同情况",
    max="4",
    parent="W-D-3-2",
    methods=["monitoring"],
    source=src(LABELS, "服务实用情况·内容协同情况", note=(N_("Label only; 4 derived: 13 − 3 − 2 − 2 − 2. "), GRADED_NOTE)),
)
def content_coordination(website_services_content_coordination) -> Score:
    return CONTENT_COORDINATION.score(website_services_content_coordination)


@indicator(
    "W-D-3-3-1",
    "服务导引方式",
    max="6",
    parent="W-D-3-3",
    methods=["monitoring"],
    source=src(LABELS, "服务人性化情况·服务导引方式", note=(N_("Label only; 6 derived: 8 − 2 (seed A-15). "), GRADED_NOTE)),
)
def guidance_modes(website_services_guidance_modes) -> Score:
    return GUIDANCE_MODES.score(website_services_guidance_modes)


@indicator(
    "W-D-3-3-2",
    "在线办理深度",
    max="2",
    parent="W-D-3-3",
    methods=["monitoring"],
    source=src(
        "根据《“互联网+政务服务”技术体系建设指南》，考核2已经实现全程网办的事项数量。", "服务人性化情况·在线办理深度", note=GRADED_NOTE
    ),
)
def online_depth(website_services_online_depth) -> Score:
    return ONLINE_DEPTH_D.score(website_services_online_depth)


# --------------------------------------------------------------------------- W-D-4 互动交流(17)

W_D_4 = group(
    "W-D-4",
    "互动交流(17)",
    max="17",
    parent="W-D",
    source=src("日常监测日常监测(17)", "互动交流", note=N_("6 + 5 + 6 = 17, every row printed.")),
)
W_D_4_1 = group("W-D-4-1", "咨询投诉（6）(注1)", max="6", parent="W-D-4", source=src("咨询投诉（6）", "互动交流·咨询投诉"))
W_D_4_2 = group("W-D-4-2", "在线访谈（5）", max="5", parent="W-D-4", source=src("互动交流在线访谈（5）", "互动交流·在线访谈"))
W_D_4_3 = group("W-D-4-3", "调查征集（6）", max="6", parent="W-D-4", source=src("调查征意见集（6）", "互动交流·调查征集"))
TIMELINESS_D = Graded("答复及时性 (表D)", "3")
REPLY_QUALITY_D = Graded("答复质量 (表D)", "3")
INTERVIEW_MECHANISM_D = Graded("访谈机制 (表D)", "1")
INTERVIEW_RICHNESS_D = Graded("在线访谈·内容丰富度 (表D)", "2")
INTERVIEW_ANSWERS = Graded("答复质量(访谈)", "2")
SOLICITATION_RICHNESS_D = Graded("调查征集·内容丰富度 (表D)", "2")
OPINION_FEEDBACK_D = Graded("意见征集结果反馈 (表D)", "2")
SURVEY_FEEDBACK_D = Graded("网上调查结果反馈 (表D)", "2")


@indicator(
    "W-D-4-1-1",
    "答复及时性",
    max="3",
    parent="W-D-4-1",
    methods=["monitoring"],
    source=src("咨询投诉栏目答复信件的及时性情况。", "咨询投诉·答复及时性", note=(GRADED_NOTE, N_("; 注1 may zero it."))),
)
def reply_timeliness(website_letters_timeliness) -> Score:
    return TIMELINESS_D.score(website_letters_timeliness)


@indicator(
    "W-D-4-1-2",
    "答复质量",
    max="3",
    parent="W-D-4-1",
    methods=["monitoring"],
    source=src(
        "答复信件答复的内容质量情况（是否存在对本部门职能范3日常质量围内的咨询投诉不答复、应付、推诿现象）。",
        "咨询投诉·答复质量",
        note=(GRADED_NOTE, N_("; 注1 may zero it.")),
    ),
)
def reply_quality(website_letters_quality) -> Score:
    return REPLY_QUALITY_D.score(website_letters_quality)


@veto("W-D-V1", "注1 咨询投诉不得分", targets=["W-D-4-1"], source=NOTE1)
def note1(website_letters_longest_wait, website_letters_last_12m, website_monitoring_date) -> str | None:
    return note1_reason(website_letters_longest_wait, website_letters_last_12m, website_monitoring_date)


@indicator(
    "W-D-4-2-1",
    "访谈机制",
    max="1",
    parent="W-D-4-2",
    methods=["monitoring"],
    source=src("监测访谈日常机制在线访谈长期预告、下期预告情况。", "在线访谈·访谈机制", note=GRADED_NOTE),
)
def interview_mechanism(website_interviews_mechanism) -> Score:
    return INTERVIEW_MECHANISM_D.score(website_interviews_mechanism)


@indicator(
    "W-D-4-2-2",
    "内容丰富度(注2)",
    max="2",
    parent="W-D-4-2",
    methods=["monitoring"],
    source=src(
        "网站自主开展在线访谈的丰富程度情况，以及本级政互动交流在线访谈（5）(注2)府及部门负责人接受上级单位网站和新闻媒体访谈、参加丰富新闻发布会内容整理情况（不包括内容链接、工作动度态）。",
        "在线访谈·内容丰富度",
        note=(GRADED_NOTE, N_("; 注2 may zero it.")),
    ),
)
def interview_richness(website_interviews_richness) -> Score:
    return INTERVIEW_RICHNESS_D.score(website_interviews_richness)


@veto("W-D-V2-1", "注2 在线访谈内容丰富度不得分", targets=["W-D-4-2-2"], source=NOTE2)
def note2_interviews(website_interviews_last_12m, website_monitoring_date) -> str | None:
    return note2_reason(website_interviews_last_12m, N_("interviews held or compiled"), website_monitoring_date)


@indicator(
    "W-D-4-2-3",
    "答复质量(访谈)",
    max="2",
    parent="W-D-4-2",
    methods=["monitoring"],
    source=src("答复公众问题的质量情况。", "在线访谈·答复质量", note=(N_("Row label not printed; named from its text. "), GRADED_NOTE)),
)
def interview_answers(website_interviews_answer_quality) -> Score:
    return INTERVIEW_ANSWERS.score(website_interviews_answer_quality)


@indicator(
    "W-D-4-3-1",
    "内容丰富度(注2)",
    max="2",
    parent="W-D-4-3",
    methods=["monitoring"],
    source=src(
        "网站开展意见征集、网上调查的丰富程度情况。内容意见征集、网上调查活动的主题设计情况（主题应与2日常丰富度政府工作重点相结合）。监测定期开展情况，以及内容质量情况等。",
        "调查征集·内容丰富度",
        note=(GRADED_NOTE, N_("; 注2 may zero it.")),
    ),
)
def solicitation_richness(website_solicitations_richness) -> Score:
    return SOLICITATION_RICHNESS_D.score(website_solicitations_richness)


@veto("W-D-V2-2", "注2 调查征集内容丰富度不得分", targets=["W-D-4-3-1"], source=NOTE2)
def note2_solicitations(website_solicitations_last_12m, website_monitoring_date) -> str | None:
    return note2_reason(website_solicitations_last_12m, N_("意见征集 and 网上调查"), website_monitoring_date)


@indicator(
    "W-D-4-3-2",
    "意见征集结果反馈",
    max="2",
    parent="W-D-4-3",
    methods=["monitoring"],
    source=src("征集公众意见公开情况。2日常(注2)结果意见征集分析、采纳公开情况。", "调查征集·意见征集结果反馈", note=GRADED_NOTE),
)
def opinion_feedback(website_solicitations_opinion_feedback) -> Score:
    return OPINION_FEEDBACK_D.score(website_solicitations_opinion_feedback)


@indicator(
    "W-D-4-3-3",
    "网上调查结果反馈",
    max="2",
    parent="W-D-4-3",
    methods=["monitoring"],
    source=src("网上调查日常网上调查的分析、采纳公开情况。", "调查征集·网上调查结果反馈", note=GRADED_NOTE),
)
def survey_feedback(website_solicitations_survey_feedback) -> Score:
    return SURVEY_FEEDBACK_D.score(website_solicitations_survey_feedback)


# --------------------------------------------------------------------------- W-D-5 集约化建设及运维保障

FOOTER = (
    "底部功能区列明党政机关网站标识、“我为政府网站找展示规错”监督举报平台入口、网站标识码、网站主办单位及联系范展示方式、"
    "ICP备案编号、公安机关备案标识和站点地图等内2日常规范容情况。"
)
W_D_5 = group(
    "W-D-5",
    "集约化建设及运维保障〔标签未见〕",
    max="12",
    parent="W-D",
    source=src(
        "2017年度福建省电子政务绩效考核指标（政府网站建设部分）",
        "集约化建设及运维保障",
        note=N_("一级 label not in Table D; 12 = 展示规范 2 + 通报 4 + 保障机制 6."),
    ),
)
W_D_5_1 = group("W-D-5-1", "展示规范", max="2", parent="W-D-5", source=src(FOOTER, "集约化建设及运维保障·展示规范"))
W_D_5_2 = group(
    "W-D-5-2",
    "网站普查、网站安全检查通报",
    max="4",
    parent="W-D-5",
    source=src(
        "网站普查、网本部门及下属单位网站被网民曝光纠正情况（以“我为站安全检政府网站找错”监督举报平台数据为准）。查通报",
        "集约化建设及运维保障·网站普查、网站安全检查通报",
        note=N_("Two criteria in Table D: 网民曝光纠正 (W-D-5-2-1) and 网络安全通报 (W-D-5-2-2, '2' printed); 4 = 2 + 2."),
    ),
)
W_D_5_3 = group(
    "W-D-5-3",
    "保障机制（6）",
    max="6",
    parent="W-D-5",
    source=src(
        "保障机网站各部门于2017年11月15日前向省政府办公厅（电子政年底制（6）务办公室）报送本年度本部门政府网站建设工作总结。",
        "集约化建设及运维保障·保障机制",
    ),
)
PRESENTATION_D = Graded("展示规范 (表D)", "2")
#: 网民曝光纠正 and 网络安全通报: no amount per notice printed (READING 12: graded; the notices are context).
EXPOSURE = Graded("网民曝光纠正", "2")
SECURITY = Graded("网络安全通报", "2")
SECURITY_KINDS = ("网络安全通报批评", "专项检查重大安全问题")
SUMMARY_D = Binary(
    "网站保障机制 (表D)", "6", yes=N_("work summary received by the deadline"), no=N_("work summary not received by the deadline")
)


@indicator(
    "W-D-5-1-1",
    "展示规范",
    max="2",
    parent="W-D-5-1",
    methods=["monitoring"],
    source=src(FOOTER, "展示规范", note=(N_("Also 「网站名称、域名规范化使用情况。」. "), GRADED_NOTE)),
)
def presentation(website_site_presentation) -> Score:
    return PRESENTATION_D.score(website_site_presentation)


@indicator(
    "W-D-5-2-1",
    "网民曝光纠正〔D表标签未见〕",
    max="2",
    parent="W-D-5-2",
    methods=["annual_review"],
    source=src(
        "本部门及下属单位网站被网民曝光纠正情况（以“我为站安全检政府网站找错”监督举报平台数据为准）。",
        "网站普查、网站安全检查通报·网民曝光纠正",
        note=(
            N_(
                "Departure from the seed, which names this row 上级通报(国办/省办) by analogy with Table L: the notice's Table D shows no "
                "国办/省办 notice criterion, only this 网民曝光纠正 sentence and the 网络安全 one. 2 derived: 4 − 2. "
            ),
            *DEDUCTION_NOTE,
        ),
    ),
)
def exposure(website_notices_exposure, website_notices) -> Score:
    return EXPOSURE.score(website_notices_exposure, notice_lines(website_notices, ("网民曝光纠正",), "网民曝光纠正"))


@indicator(
    "W-D-5-2-2",
    "网络安全通报",
    max="2",
    parent="W-D-5-2",
    methods=["annual_review"],
    source=src(
        "本部门网站被网络安全监管相关部门通报批评、在专2年底综合考核项检查中被发现重大安全问题情况。",
        "网站普查、网站安全检查通报·网络安全通报",
        note=DEDUCTION_NOTE,
    ),
)
def security(website_notices_security, website_notices) -> Score:
    return SECURITY.score(website_notices_security, notice_lines(website_notices, SECURITY_KINDS, N_("网络安全 notices")))


@indicator(
    "W-D-5-3-1",
    "网站保障机制",
    max="6",
    parent="W-D-5-3",
    methods=["annual_review"],
    source=src(
        "保障机网站各部门于2017年11月15日前向省政府办公厅（电子政年底制（6）务办公室）报送本年度本部门政府网站建设工作总结。",
        "保障机制·网站保障机制",
        note=(
            N_("6 derived from the label (6). Only the summary requirement survives. "),
            DATED_NOTE,
            N_(": the summary received by 2017-11-15."),
        ),
    ),
)
def summary(website_summary_received, website_summary_deadline=SUMMARY_DEADLINE.value) -> Score:
    return summary_score(SUMMARY_D, website_summary_received, website_summary_deadline)


# --------------------------------------------------------------------------- W-D-6 渠道拓展

W_D_6 = group(
    "W-D-6",
    "创新发展/渠道拓展〔标签未见〕",
    max="4",
    parent="W-D",
    source=src("22日常监测日常监测", "创新发展", note=N_("Labels not in Table D; 4 = two 2-point 日常监测 rows ('22日常监测日常监测').")),
)
W_D_6_1 = group(
    "W-D-6-1", "渠道拓展(推定)", max="4", parent="W-D-6", source=src("22日常监测日常监测", "创新发展·渠道拓展", note=N_("Label inferred."))
)
APP_D = Graded("移动客户端 (表D)", "2")
UNLABELLED = Graded("(未显示标签的2分行)", "2")


@indicator(
    "W-D-6-1-1",
    "移动客户端(注3)",
    max="2",
    parent="W-D-6-1",
    methods=["monitoring"],
    source=src(
        "网站开发建设移动客户端或者网站信息资源接入全省移动政府服务APP统一平台（闽政通APP）情况。客户端网站显著位置提供移动客户端访问入口、说明情况。(注3)移动客户端服务功能、内容保障情况。",
        "渠道拓展·移动客户端",
        note=(
            N_("闽政通 access counts as a client. "),
            GRADED_NOTE,
            N_("; 注3 (READING 14, in order): a client is graded on the client; no client but WeChat: graded on the account; neither: 0."),
        ),
    ),
    alternatives=NOTE3_ALTERNATIVES,
)
def mobile_client(website_channels_app) -> Score:
    return APP_D.score(website_channels_app)


@indicator(
    "W-D-6-1-2",
    "(未显示标签的2分行)",
    max="2",
    parent="W-D-6-1",
    methods=["monitoring"],
    source=src(
        "22日常监测日常监测",
        "渠道拓展·未显示标签",
        note=(RESIDUAL_NOTE, N_(": label and criterion lost (perhaps 微信); graded by the assessor.")),
    ),
)
def unlabelled_channel(website_channels_d_unlabelled) -> Score:
    return UNLABELLED.score(website_channels_d_unlabelled)


# --------------------------------------------------------------------------- W-D-7 省政府门户网站内容保障(18)

FORFEIT = "障的信息，明显与栏目定位无关、内容错误、违法违规10监测(按月汇总)的，扣除对应考核项所得的分数。"
W_D_7 = group(
    "W-D-7",
    "省政府门户网站内容保障(18)",
    max="18",
    parent="W-D",
    source=src("(18)省政府门户网站重点领域公共服务平台", "省政府门户网站内容保障"),
)
W_D_7_1 = group(
    "W-D-7-1", "在线访谈(门户内容保障)", max="2", parent="W-D-7", source=src("省政府门户网2综合站“在线访谈”活动安排", "内容保障·在线访谈")
)
W_D_7_2 = group(
    "W-D-7-2",
    "信息公开、办事服务资源库",
    max="6",
    parent="W-D-7",
    source=src("库2监测(按月汇总)", "内容保障·资源库", note=N_("6 derived: 18 − 2 − 10 (seed A-05).")),
)
W_D_7_3 = group(
    "W-D-7-3",
    "重点领域公共服务平台及部分专题（10）",
    max="10",
    parent="W-D-7",
    source=src("根据各部门保障的服务项目数量、栏目完整性、内容保障及部分专规范性以及信息持续更新等情况进行分档计分。", "内容保障·重点领域"),
)
PORTAL_INTERVIEWS = Graded("在线访谈(门户网站内容保障)", "2")
LIBRARY_MONTH = Graded("资源库 月度分档计分", "6")
KEY_AREAS_MONTH = Graded("重点领域 月度分档计分", "10")
RESIDUAL_TABLE = Graded("表D未复原分值", "1")


@indicator(
    "W-D-7-1-1",
    "在线访谈(门户网站内容保障)",
    max="2",
    parent="W-D-7-1",
    methods=["annual_review"],
    source=src(
        "各部门对《福建省人民政府办公厅关于印发中国福建年底在线政府门户网站内容保障方案（暂行）的通知》（闽政办访谈〔2007〕204号）和省政府办公厅印发的省政府门户网2综合站“在线访谈”活动安排等文件规定内容的保障情况。",
        "内容保障·在线访谈",
        note=GRADED_NOTE,
    ),
)
def portal_interviews(website_portal_interviews) -> Score:
    return PORTAL_INTERVIEWS.score(website_portal_interviews)


def _month(rule, row):
    if row.note:
        return rule.score(Grade(row.points, gettext("{0}月 (line {1}): {2}").format(row.month, row.line, row.note)))
    return rule.score(Grade(row.points, gettext("{0}月 (line {1})").format(row.month, row.line)))


@indicator(
    "W-D-7-2-1",
    "信息公开、办事服务资源库",
    max="6",
    parent="W-D-7-2",
    methods=["monitoring"],
    source=src(
        "库2监测(按月汇总)",
        "内容保障·资源库",
        note=(
            PRINTED_NOTE,
            N_(
                " (按月汇总, READING 11): the mean of the monthly 分档计分 scores recorded by monitoring. Label only. "
                "The content forfeiture is printed in the 重点领域 row only and is not applied here."
            ),
        ),
    ),
)
def resource_library(website_portal_library_months) -> Score:
    return monthly_average(_month(LIBRARY_MONTH, row) for row in website_portal_library_months)


@indicator(
    "W-D-7-3-1",
    "重点领域公共服务平台及部分专题",
    max="10",
    parent="W-D-7-3",
    methods=["monitoring"],
    source=src(
        FORFEIT,
        "内容保障·重点领域",
        note=(
            PRINTED_NOTE,
            N_(
                " (按月汇总 and 扣除对应考核项所得的分数, READING 11). 分档计分 thresholds are in an annex the source lacks: "
                "monitoring records each month's tier score; the row is their mean. SR-04: a month in which offending content was found forfeits that month's points (the tier score is not itemised, seed A-12)."
            ),
        ),
    ),
)
def key_areas(website_portal_key_area_months, website_portal_offences) -> Score:
    # An offence in a month without a score is refused when the evidence is loaded (column ``within``).
    parts = []
    for row in website_portal_key_area_months:
        score = _month(KEY_AREAS_MONTH, row)
        found = [o for o in website_portal_offences if o.month == row.month]
        if found:
            what = gettext("; ").join(f"{o.kind} {o.item or ''}".strip() for o in found)
            score = forfeit(score, what, rule="内容保障 扣除对应考核项所得的分数")
        parts.append(score)
    return monthly_average(parts)


@indicator(
    "W-D-R",
    "表D未复原分值",
    max="1",
    parent="W-D",
    source=src(
        "（三）省直单位：综合应用（65分）＋政府网站建设（35分）。",
        "未复原",
        note=(
            RESIDUAL_NOTE,
            N_(": Table D's recovered blocks give 99 of 100; the 1 point is graded by the assessor against the table as a whole."),
        ),
    ),
)
def table_residual(website_residual_d_table) -> Score:
    return RESIDUAL_TABLE.score(website_residual_d_table)
