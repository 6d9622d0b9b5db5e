"""Table L: 政府网站建设 of 设区市政府、平潭综合实验区管委会 (city column) and 县（市、区）政府 (county column).

One 100-point table with two score columns; every maximum is ``{"city": …, "county": …}``
and a row printed '/' in the county column has ``"county": None`` (no place in the
county tree). Codes, titles and maxima follow ``seed-website`` (W-L-…); groups whose
maximum the seed leaves unknown are derived from their children. The notes 注1, 注2
and 注3 are a veto, two vetoes and an alternative; 特色栏目 is a bonus of the city
column. Rows that state criteria but no amount or formula are assessor-graded
(READING 2 and 12), even where monitoring records facts on them (通报, 规定, 服务覆盖度,
迁移, 关停): those facts are context lines beside the grade, never points. Only the two
dated deliverables are binary. The 政务公开 points the source does not recover are one
graded residual row (READING 3). The table itself (``W-L``) cites each column's clause of the
notice: (一) for the city column (政府网站建设 30 of 100), (二) for the county column (100).
"""

from __future__ import annotations

from collections.abc import Sequence

from escore import (
    N_,
    Binary,
    Citation,
    Graded,
    Ladder,
    Score,
    bonus,
    cite,
    gettext,
    group,
    indicator,
    parameter,
    veto,
)

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
    column,
    listed,
    note1_reason,
    note2_reason,
    notice_lines,
    share_line,
    summary_score,
)


def src(text: str, clause: str, note: str | Sequence[str] = "") -> Citation:
    return cite(text, document=DOC, clause="表L " + clause, note=note)


# --------------------------------------------------------------------------- the table

W_L = group(
    "W-L",
    "表L 设区市/县(市、区)政府网站指标",
    max={"city": "100", "county": "100"},
    source={
        "city": src(
            "（一）设区市政府、平潭综合实验区管委会：综合应用（70分）＋政府网站建设（30分）。",
            "考核内容",
            note=N_("Table L's city column totals 100 and counts ×0.30: 政府网站建设 is 30 of a city's 100 points."),
        ),
        "county": src(
            "（二）县（市、区）政府：政府网站建设（100分）。",
            "考核内容",
            note=N_("Table L's county column totals 100 and counts ×1.00: 政府网站建设 is all 100 of a county's points."),
        ),
    },
)

# --------------------------------------------------------------------------- W-L-1 政务公开

W_L_1 = group(
    "W-L-1",
    "政务公开(含解读回应)〔标签未见〕",
    max={"city": "35", "county": "35"},
    parent="W-L",
    source=src(
        "2017年度福建省电子政务绩效考核指标（政府网站建设部分）",
        "政务公开",
        note=N_("一级 label not in the source; 35 = 100 − (24 + 17 + 14 + 10) in both columns."),
    ),
)
W_L_1_1 = group(
    "W-L-1-1",
    "重点领域信息公开〔标签未见〕",
    max={"city": "15", "county": "14"},
    parent="W-L-1",
    source=src(
        "本地区政府采购、工程招投标等公共资源交易公告、资格审查信息、交易过程信息、成交信息以及履约信息公开情况。",
        "政务公开·重点领域信息公开",
        note=N_(
            "二级 label and maximum not in the source; the maximum is derived from the recovered rows (市 15, 县 14). "
            "国资国企 (W-L-1-1-3) has no printed points and is graded in the residual W-L-1-R."
        ),
    ),
)

PUBLIC_RESOURCES_CITY = Graded("公共资源配置 (市)", "2", categories=("city",))
PUBLIC_RESOURCES_COUNTY = Graded("公共资源配置 (县)", "3", categories=("county",))
PPP = Graded("政府和社会资本合作(PPP)项目", "1.5")
SOCIAL_ASSISTANCE = Graded("社会救助(含减灾救灾)", "2")
ENVIRONMENT = Graded("环境保护", "2")
EDUCATION_CITY = Graded("教育 (市)", "2", categories=("city",))
EDUCATION_COUNTY = Graded("教育 (县)", "3", categories=("county",))
HEALTH_CITY = Graded("医疗卫生 (市)", "1.5", categories=("city",))
HEALTH_COUNTY = Graded("医疗卫生 (县)", "2", categories=("county",))
HOUSING_LAND = Graded("住房保障及土地供应", "2")
WORK_SAFETY = Graded("安全生产", "2")


@indicator(
    "W-L-1-1-1",
    "公共资源配置",
    max={"city": "2", "county": "3"},
    parent="W-L-1-1",
    methods=["annual_review"],
    source=src(
        "本地区政府采购、工程招投标等公共资源交易公告、资格审查信息、交易过程信息、成交信息以及履约信息公开情况。",
        "重点领域·公共资源配置",
        note=(N_("'23' = 市 2 | 县 3. "), GRADED_NOTE),
    ),
)
def public_resources(unit, website_disclosure_public_resources) -> Score:
    return column(unit, PUBLIC_RESOURCES_CITY, PUBLIC_RESOURCES_COUNTY).score(website_disclosure_public_resources)


@indicator(
    "W-L-1-1-2",
    "政府和社会资本合作(PPP)项目",
    max={"city": "1.5", "county": None},
    parent="W-L-1-1",
    methods=["annual_review"],
    source=src("全面公开PPP相关法律法规、政策文件、项目", "重点领域·PPP", note=(N_("'1.5/' = 市 1.5 | 县 not assessed. "), GRADED_NOTE)),
)
def ppp(website_disclosure_ppp) -> Score:
    return PPP.score(website_disclosure_ppp)


@indicator(
    "W-L-1-1-4",
    "社会救助(含减灾救灾)",
    max={"city": "2", "county": "2"},
    parent="W-L-1-1",
    methods=["annual_review"],
    source=src(
        "医疗救助对象的人次数、资金支出情况；临时救助对象的人次数、救助水平、资金支出等情况。",
        "重点领域·社会救助",
        note=(N_("The row also covers 减灾救灾信息公开 (定期发布本地区核定灾情、救灾工作进展…). "), GRADED_NOTE),
    ),
)
def social_assistance(website_disclosure_social_assistance) -> Score:
    return SOCIAL_ASSISTANCE.score(website_disclosure_social_assistance)


@indicator(
    "W-L-1-1-5",
    "环境保护",
    max={"city": "2", "county": "2"},
    parent="W-L-1-1",
    methods=["annual_review"],
    source=src(
        "开展城市水环境治理排名工作，每年公布水质最好和最差的地区名单。持续推进集中式生活饮用水水源水质监测信息公开。集中发布重点排污单位环境信息。",
        "重点领域·环境保护",
        note=GRADED_NOTE,
    ),
)
def environment(website_disclosure_environment) -> Score:
    return ENVIRONMENT.score(website_disclosure_environment)


@indicator(
    "W-L-1-1-6",
    "教育",
    max={"city": "2", "county": "3"},
    parent="W-L-1-1",
    methods=["annual_review"],
    source=src(
        "主动公开义务教育招生政策、招生范围、招生条件、学校情况、招生结果等信息。",
        "重点领域·教育",
        note=(N_("'23' = 市 2 | 县 3. "), GRADED_NOTE),
    ),
)
def education(unit, website_disclosure_education) -> Score:
    return column(unit, EDUCATION_CITY, EDUCATION_COUNTY).score(website_disclosure_education)


@indicator(
    "W-L-1-1-7",
    "医疗卫生",
    max={"city": "1.5", "county": "2"},
    parent="W-L-1-1",
    methods=["annual_review"],
    source=src(
        "医疗卫生做好医疗机构院务公开和改善医疗服务行动计划落实情况公开工作",
        "重点领域·医疗卫生",
        note=(N_("'1.52' = 市 1.5 | 县 2. "), GRADED_NOTE),
    ),
)
def health(unit, website_disclosure_health) -> Score:
    return column(unit, HEALTH_CITY, HEALTH_COUNTY).score(website_disclosure_health)


@indicator(
    "W-L-1-1-8",
    "住房保障及土地供应(标签仅见“住房”)",
    max={"city": "2", "county": None},
    parent="W-L-1-1",
    methods=["annual_review"],
    source=src(
        "住房棚户区改造及配套基础设施建设、农村危房改造相关政策措施执行信息公开情况；保障性安居工程相关任务完成情况等信息公开情况。土地供应计划、出让公告、成交公示和供应结果信息公开情况。",
        "重点领域·住房",
        note=(N_("'2/' read as 市 2 | 县 not assessed (low confidence, seed A-11). "), GRADED_NOTE),
    ),
)
def housing_land(website_disclosure_housing_land) -> Score:
    return HOUSING_LAND.score(website_disclosure_housing_land)


@indicator(
    "W-L-1-1-9",
    "安全生产",
    max={"city": "2", "county": "2"},
    parent="W-L-1-1",
    methods=["annual_review"],
    source=src("及时公开安全生产监管监察常规检查执法、暗查暗访、突击检查、随机抽查等执法信息。", "重点领域·安全生产", note=GRADED_NOTE),
)
def work_safety(website_disclosure_work_safety) -> Score:
    return WORK_SAFETY.score(website_disclosure_work_safety)


W_L_1_2 = group(
    "W-L-1-2",
    "政府信息公开",
    max={"city": "2.5", "county": "2.5"},
    parent="W-L-1",
    source=src(
        "政府信息主动公开信息依申请公开政府信息公开年度工作报告",
        "政务公开·政府信息公开",
        note=N_("Column block '110.5110.5' = 1, 1, 0.5 | 1, 1, 0.5."),
    ),
)
PROACTIVE = Graded("主动公开信息", "1")
ON_REQUEST = Graded("依申请公开", "1")
ANNUAL_REPORT_L = Binary(
    "政府信息公开年度工作报告 (表L)", "0.5", yes=N_("report published by the deadline"), no=N_("report not published by the deadline")
)


@indicator(
    "W-L-1-2-1",
    "主动公开信息",
    max={"city": "1", "county": "1"},
    parent="W-L-1-2",
    methods=["monitoring"],
    source=src("政府信息主动公开信息", "政府信息公开·主动公开信息", note=(N_("Label only in Table L; "), GRADED_NOTE)),
)
def proactive(website_gov_info_proactive) -> Score:
    return PROACTIVE.score(website_gov_info_proactive)


@indicator(
    "W-L-1-2-2",
    "依申请公开",
    max={"city": "1", "county": "1"},
    parent="W-L-1-2",
    methods=["monitoring"],
    source=src(
        "依申请公开渠道在线查询功能、受理结果公开情况",
        "政府信息公开·依申请公开",
        note=(N_("Table L text lost; Table D's row of the same name. "), GRADED_NOTE),
    ),
)
def on_request(website_gov_info_on_request) -> Score:
    return ON_REQUEST.score(website_gov_info_on_request)


@indicator(
    "W-L-1-2-3",
    "政府信息公开年度工作报告",
    max={"city": "0.5", "county": "0.5"},
    parent="W-L-1-2",
    methods=["monitoring"],
    source=src(
        "行政机关在每年3月31日前公布本行政机关的政府信息年度工作公开工作年度报告情况。",
        "政府信息公开·年度工作报告",
        note=(
            N_("Text from Table D's row (Table L keeps the label only). "),
            DATED_NOTE,
            N_(": the 2016 report on the site by 2017-03-31."),
        ),
    ),
)
def annual_report(
    website_annual_report,
    website_annual_report_year=ANNUAL_REPORT_YEAR.value,
    website_annual_report_deadline=ANNUAL_REPORT_DEADLINE.value,
) -> Score:
    return annual_report_score(ANNUAL_REPORT_L, website_annual_report, website_annual_report_year, website_annual_report_deadline)


W_L_1_3 = group(
    "W-L-1-3",
    "政府信息公开监察（6）",
    max={"city": "6", "county": "6"},
    parent="W-L-1",
    source=src(
        "公开专栏《中华人民共和国政府信息公开条例》、监察政府信息《福建省政府信息公开办法》等制度规定公开情况。日常（6）",
        "政务公开·政府信息公开监察",
    ),
)
GOV_INFO_COLUMN = Graded("政府信息公开专栏", "2.5")
#: 规定: the notice names the systems but prints no value per system (READING 12: graded).
RULES = Graded("政府信息公开规定", "1")
MAILBOX = Graded("政府信息公开意见箱", "0.5")
SUPERVISION_NODE = Graded("电子监察系统节点运行维护保障情况", "2")


@indicator(
    "W-L-1-3-1",
    "政府信息公开专栏",
    max={"city": "2.5", "county": "2.5"},
    parent="W-L-1-3",
    methods=["monitoring"],
    source=src(
        "《中华人民共和国政府信息公开条例》、监察政府信息《福建省政府信息公开办法》等制度规定公开情况。",
        "政府信息公开监察·专栏",
        note=(N_("2.5 derived: 6 − 1 − 0.5 − 2. "), GRADED_NOTE),
    ),
)
def gov_info_column(website_gov_info_column) -> Score:
    return GOV_INFO_COLUMN.score(website_gov_info_column)


@indicator(
    "W-L-1-3-2",
    "政府信息公开规定",
    max={"city": "1", "county": "1"},
    parent="W-L-1-3",
    methods=["monitoring"],
    source=src(
        "政府信息公开工作考核制度、社会评议制11监规定度、责任追究制度，以及保密审查制度等监督和测保障制度建设情况。",
        "政府信息公开监察·规定",
        note=(GRADED_CONTEXT_NOTE, N_(" (the 监督和保障制度 recorded in place; no value per system is printed).")),
    ),
)
def gov_info_rules(website_gov_info_rules, website_gov_info_rules_in_place) -> Score:
    in_place = website_gov_info_rules_in_place
    context = (
        ()
        if in_place is None
        else (gettext("监督和保障制度 recorded in place: {0}").format(listed(in_place) if in_place else gettext("none")),)
    )
    return RULES.score(website_gov_info_rules, context)


@indicator(
    "W-L-1-3-3",
    "政府信息公开意见箱",
    max={"city": "0.5", "county": "0.5"},
    parent="W-L-1-3",
    methods=["monitoring"],
    source=src("本年度政府信息公开意见箱接收意见、建议的答复办理情况。", "政府信息公开监察·意见箱", note=GRADED_NOTE),
)
def mailbox(website_gov_info_mailbox) -> Score:
    return MAILBOX.score(website_gov_info_mailbox)


@indicator(
    "W-L-1-3-4",
    "电子监察系统节点运行维护保障情况",
    max={"city": "2", "county": "2"},
    parent="W-L-1-3",
    methods=["annual_review"],
    source=src(
        "本年度各监察节点对全省政府信息公开电子监察系统节点的运行维护保障情况。", "政府信息公开监察·电子监察系统节点", note=GRADED_NOTE
    ),
)
def supervision_node(website_gov_info_supervision_node) -> Score:
    return SUPERVISION_NODE.score(website_gov_info_supervision_node)


W_L_1_4 = group(
    "W-L-1-4",
    "解读回应〔L表标签未见〕",
    max={"city": "1", "county": None},
    parent="W-L-1",
    source=src(
        "本地区重要政策文件公开后3个工作日内发布解读材料，详细介绍政策的背景依据、目标任务、主要内容和解决的问题等。",
        "政务公开·解读回应",
        note=N_(
            "Label and maximum not in Table L; derived from the recovered rows: 市 1 (新闻发布会), 县 none (新闻发布会 is '/'). "
            "政策解读 (W-L-1-4-1, this text) has no printed points and is graded in the residual W-L-1-R."
        ),
    ),
)
PRESS_CONFERENCES = Graded("新闻发布会", "1")


@indicator(
    "W-L-1-4-2",
    "新闻发布会",
    max={"city": "1", "county": None},
    parent="W-L-1-4",
    methods=["annual_review"],
    source=src(
        "网站以文字、图片或者视频等方式，直播、底发布录播、转播新闻发布会情况。",
        "解读回应·新闻发布会",
        note=(N_("'1/' = 市 1 | 县 not assessed. "), GRADED_NOTE),
    ),
)
def press_conferences(website_interpretation_press_conferences) -> Score:
    return PRESS_CONFERENCES.score(website_interpretation_press_conferences)


RESIDUAL_CITY = Graded("政务公开未复原分值 (市)", "10.5", categories=("city",))
RESIDUAL_COUNTY = Graded("政务公开未复原分值 (县)", "12.5", categories=("county",))


@indicator(
    "W-L-1-R",
    "政务公开未复原分值（国资国企、政策解读及遗失行）",
    max={"city": "10.5", "county": "12.5"},
    parent="W-L-1",
    methods=["annual_review"],
    source=src(
        "国有产权交易、增资扩股项目的信息披露和结果公示情况。按月公开国有及国有控股企业主要经济效益指标等情况。",
        "政务公开·未复原",
        note=(
            RESIDUAL_NOTE,
            N_(
                ". 政务公开 is 35, its recovered rows give 24.5 (市) / 22.5 (县). "
                "The 10.5 / 12.5 points cover 国资国企 (W-L-1-1-3, this text), 政策解读 (W-L-1-4-1: 「本地区重要政策文件公开后3个工作日内发布解读材料…」) "
                "and rows lost from the source; graded by the assessor against those criteria."
            ),
        ),
    ),
)
def disclosure_residual(unit, website_residual_l_disclosure) -> Score:
    return column(unit, RESIDUAL_CITY, RESIDUAL_COUNTY).score(website_residual_l_disclosure)


# --------------------------------------------------------------------------- W-L-2 办事服务

W_L_2 = group("W-L-2", "办事服务(24)", max={"city": "24", "county": "24"}, parent="W-L", source=src("办事服务(24)", "办事服务"))
W_L_2_1 = group(
    "W-L-2-1", "权责清单（3）", max={"city": "3", "county": "3"}, parent="W-L-2", source=src("权责清单（3）", "办事服务·权责清单")
)
W_L_2_2 = group(
    "W-L-2-2",
    "服务方式完备度（8）",
    max={"city": "8", "county": "8"},
    parent="W-L-2",
    source=src("服务方式完备度（8）", "办事服务·服务方式完备度"),
)
W_L_2_3 = group(
    "W-L-2-3", "服务覆盖度（6）", max={"city": "6", "county": "6"}, parent="W-L-2", source=src("服务覆盖度（6）", "办事服务·服务覆盖度")
)
W_L_2_4 = group(
    "W-L-2-4",
    "办事指南准确度（4）",
    max={"city": "4", "county": "4"},
    parent="W-L-2",
    source=src("办事指南准确度（4）", "办事服务·办事指南准确度"),
)
W_L_2_5 = group(
    "W-L-2-5",
    "在线办理深度（3）",
    max={"city": "3", "county": "3"},
    parent="W-L-2",
    source=src("在线办理深度（3）", "办事服务·在线办理深度"),
)

POWER_LIST_L = Graded("权责清单 (表L)", "3")
ENTRY_INTEGRATION = Graded("服务入口整合", "3")
SEARCH_MODES = Graded("信息检索方式", "2")
GUIDANCE = Graded("服务导引", "3")
ADMIN_POWER_GUIDES = Graded("行政权力事项办事指南发布情况", "3")
PUBLIC_SERVICE_GUIDES = Graded("公共服务事项办事指南发布情况", "3")
GUIDE_ACCURACY = Graded("办事指南准确度", "4")
ONLINE_DEPTH_L = Graded("在线办理深度 (表L)", "3")
BLOCK_NOTE = N_("Points from the column block '332333433|332333433'; method from the merged cell (seed A-14). ")


@indicator(
    "W-L-2-1-1",
    "权责清单",
    max={"city": "3", "county": "3"},
    parent="W-L-2-1",
    methods=["annual_review"],
    source=src(
        "各级各部门的权责清单（包括投资核准事项清单、国家职业资格目录清单、政府定价或指导价经营服务性收费清单、中介服务事项清单、工商登记前置审批事项目录和企业设立后的经营许可清单等），除涉密事项外要及时向社会公开。",
        "权责清单",
        note=(BLOCK_NOTE, GRADED_NOTE),
    ),
)
def power_list(website_services_power_list) -> Score:
    return POWER_LIST_L.score(website_services_power_list)


@indicator(
    "W-L-2-2-1",
    "服务入口整合",
    max={"city": "3", "county": "3"},
    parent="W-L-2-2",
    methods=["annual_review"],
    source=src(
        "网上政务服务平台（门户)与本地政府门户网站融合度。两者实现前端融合、平台对接和应用兼容，政府门户网站提供统一的前端展现情况。",
        "服务方式完备度·服务入口整合",
        note=(BLOCK_NOTE, GRADED_NOTE),
    ),
)
def entry_integration(website_services_entry_integration) -> Score:
    return ENTRY_INTEGRATION.score(website_services_entry_integration)


@indicator(
    "W-L-2-2-2",
    "信息检索方式",
    max={"city": "2", "county": "2"},
    parent="W-L-2-2",
    methods=["annual_review"],
    source=src("考核模糊检索、目录检索方式、场景导航等事项信息检索情况。", "服务方式完备度·信息检索方式", note=(BLOCK_NOTE, GRADED_NOTE)),
)
def search_modes(website_services_search_modes) -> Score:
    return SEARCH_MODES.score(website_services_search_modes)


@indicator(
    "W-L-2-2-3",
    "服务导引",
    max={"city": "3", "county": "3"},
    parent="W-L-2-2",
    methods=["annual_review"],
    source=src(
        "服务是否按事项性质，服务对象（自然人和法人），实施主体（事项归属部门），服务主题（公众和企业关注的热点或重点领域）等分类提供导引。",
        "服务方式完备度·服务导引",
        note=(BLOCK_NOTE, GRADED_NOTE),
    ),
)
def guidance(website_services_guidance) -> Score:
    return GUIDANCE.score(website_services_guidance)


@indicator(
    "W-L-2-3-1",
    "行政权力事项办事指南发布情况",
    max={"city": "3", "county": "3"},
    parent="W-L-2-3",
    methods=["annual_review"],
    source=src(
        "行政权力事项办事指南发布情况",
        "服务覆盖度·行政权力事项",
        note=(BLOCK_NOTE, N_("Label only. "), GRADED_CONTEXT_NOTE, N_(" (items with a published guide, out of items).")),
    ),
)
def admin_power_guides(
    website_services_admin_power_coverage, website_services_admin_power_guides, website_services_admin_power_items
) -> Score:
    context = share_line(
        website_services_admin_power_guides, website_services_admin_power_items, N_("行政权力事项 with a published guide: {0} of {1}")
    )
    return ADMIN_POWER_GUIDES.score(website_services_admin_power_coverage, context)


@indicator(
    "W-L-2-3-2",
    "公共服务事项办事指南发布情况",
    max={"city": "3", "county": "3"},
    parent="W-L-2-3",
    methods=["annual_review"],
    source=src(
        "公共服务事项办事指南发布情况",
        "服务覆盖度·公共服务事项",
        note=(BLOCK_NOTE, N_("Label only. "), GRADED_CONTEXT_NOTE, N_(" (items with a published guide, out of items).")),
    ),
)
def public_service_guides(
    website_services_public_service_coverage, website_services_public_service_guides, website_services_public_service_items
) -> Score:
    context = share_line(
        website_services_public_service_guides, website_services_public_service_items, N_("公共服务事项 with a published guide: {0} of {1}")
    )
    return PUBLIC_SERVICE_GUIDES.score(website_services_public_service_coverage, context)


@indicator(
    "W-L-2-4-1",
    "办事指南准确度",
    max={"city": "4", "county": "4"},
    parent="W-L-2-4",
    methods=["annual_review"],
    source=src(
        "考核办事指南中事项基本信息、申请材料度信息、表格及样表下载、办理流程等是否准确。", "办事指南准确度", note=(BLOCK_NOTE, GRADED_NOTE)
    ),
)
def guide_accuracy(website_services_guide_accuracy) -> Score:
    return GUIDE_ACCURACY.score(website_services_guide_accuracy)


@indicator(
    "W-L-2-5-1",
    "在线办理深度",
    max={"city": "3", "county": "3"},
    parent="W-L-2-5",
    methods=["annual_review"],
    source=src("已经实现全程网办的事项数量。", "在线办理深度", note=(BLOCK_NOTE, N_("Table L text lost; Table D's row. "), GRADED_NOTE)),
)
def online_depth(website_services_online_depth) -> Score:
    return ONLINE_DEPTH_L.score(website_services_online_depth)


# --------------------------------------------------------------------------- W-L-3 互动交流

W_L_3 = group("W-L-3", "互动交流(17)", max={"city": "17", "county": "17"}, parent="W-L", source=src("互动交流(17)", "互动交流"))
W_L_3_1 = group(
    "W-L-3-1", "咨询投诉（6）(注1)", max={"city": "6", "county": "6"}, parent="W-L-3", source=src("咨询投诉（6）", "互动交流·咨询投诉")
)
W_L_3_2 = group(
    "W-L-3-2", "在线访谈（5）", max={"city": "5", "county": "5"}, parent="W-L-3", source=src("在线访谈（5）", "互动交流·在线访谈")
)
W_L_3_3 = group(
    "W-L-3-3",
    "调查征集（6）",
    max={"city": "6", "county": "6"},
    parent="W-L-3",
    source=src(
        "网上调查日常网上调查分析、意见采纳公开情况。22结果监反馈测",
        "互动交流·调查征集",
        note=N_("Label fragments '征集反馈测（6）'; 6 = 2 + 2 + 2."),
    ),
)
TIMELINESS = Graded("答复及时性", "3")
REPLY_QUALITY = Graded("答复质量", "3")
INTERVIEW_MECHANISM = Graded("访谈机制", "1")
INTERVIEW_RICHNESS = Graded("在线访谈·内容丰富度", "2")
INTERVIEW_TOPICS = Graded("在线访谈·主题设计", "2")
SOLICITATION_RICHNESS = Graded("调查征集·内容丰富度", "2")
OPINION_FEEDBACK = Graded("意见征集结果反馈", "2")
SURVEY_FEEDBACK = Graded("网上调查结果反馈", "2")


@indicator(
    "W-L-3-1-1",
    "答复及时性",
    max={"city": "3", "county": "3"},
    parent="W-L-3-1",
    methods=["monitoring"],
    source=src(
        "咨询投诉栏目答复信件的及时性情况。",
        "咨询投诉·答复及时性",
        note=(N_("Last value of the block '332333433'; text from Table D. "), GRADED_NOTE, N_("; 注1 may zero it.")),
    ),
)
def reply_timeliness(website_letters_timeliness) -> Score:
    return TIMELINESS.score(website_letters_timeliness)


@indicator(
    "W-L-3-1-2",
    "答复质量",
    max={"city": "3", "county": "3"},
    parent="W-L-3-1",
    methods=["monitoring"],
    source=src(
        "信件答复的内容质量情况（是否存在对本部门职能范围内的咨询投诉不答复、应付、推诿现象）。",
        "咨询投诉·答复质量",
        note=(N_("'33' = 3 | 3. "), GRADED_NOTE, N_("; 注1 may zero it.")),
    ),
)
def reply_quality(website_letters_quality) -> Score:
    return REPLY_QUALITY.score(website_letters_quality)


@veto("W-L-V1", "注1 咨询投诉不得分", targets=["W-L-3-1"], source=NOTE1)
def note1(website_letters_longest_wait, website_letters_last_12m, website_monitoring_date) -> str | None:
    return note1_reason(website_letters_longest_wait, website_letters_last_12m, website_monitoring_date)


@indicator(
    "W-L-3-2-1",
    "访谈机制",
    max={"city": "1", "county": "1"},
    parent="W-L-3-2",
    methods=["monitoring"],
    source=src("在线访谈长期预告、下期预告情况。", "在线访谈·访谈机制", note=(N_("'11' = 1 | 1. "), GRADED_NOTE)),
)
def interview_mechanism(website_interviews_mechanism) -> Score:
    return INTERVIEW_MECHANISM.score(website_interviews_mechanism)


@indicator(
    "W-L-3-2-2",
    "内容丰富度(注2)",
    max={"city": "2", "county": "2"},
    parent="W-L-3-2",
    methods=["monitoring"],
    source=src(
        "网站自主开展在线访谈的丰富程度情况，以内容及本级政府及部门负责人接受上级单位网站和新丰富度闻媒体访谈、参加新闻发布会内容整理情况（不(注2)包括内容链接、工作动态）。",
        "在线访谈·内容丰富度",
        note=(N_("2 derived: (5) − 1 split 2/2 by analogy with Table D (seed A-17). "), GRADED_NOTE, N_("; 注2 may zero it.")),
    ),
)
def interview_richness(website_interviews_richness) -> Score:
    return INTERVIEW_RICHNESS.score(website_interviews_richness)


@veto("W-L-V2-1", "注2 在线访谈内容丰富度不得分", targets=["W-L-3-2-2"], source=NOTE2)
def note2_interviews(website_interviews_last_12m, website_monitoring_date) -> str | None:
    return note2_reason(website_interviews_last_12m, N_("interviews held or compiled"), website_monitoring_date)


@indicator(
    "W-L-3-2-3",
    "主题设计",
    max={"city": "2", "county": "2"},
    parent="W-L-3-2",
    methods=["monitoring"],
    source=src(
        "在线访谈的主题设计情况（主题应与政府工作重点相结合）。", "在线访谈·主题设计", note=(N_("2 derived (see W-L-3-2-2). "), GRADED_NOTE)
    ),
)
def interview_topics(website_interviews_topics) -> Score:
    return INTERVIEW_TOPICS.score(website_interviews_topics)


@indicator(
    "W-L-3-3-1",
    "内容丰富度(注2)",
    max={"city": "2", "county": "2"},
    parent="W-L-3-3",
    methods=["monitoring"],
    source=src(
        "网站开展意见征集、网上调查的丰富程度情况。",
        "调查征集·内容丰富度",
        note=(N_("Table L text lost; Table D's row. 2 derived: 6 − 2 − 2. "), GRADED_NOTE, N_("; 注2 may zero it.")),
    ),
)
def solicitation_richness(website_solicitations_richness) -> Score:
    return SOLICITATION_RICHNESS.score(website_solicitations_richness)


@veto("W-L-V2-2", "注2 调查征集内容丰富度不得分", targets=["W-L-3-3-1"], source=NOTE2)
def note2_solicitations(website_solicitations_last_12m, website_monitoring_date) -> str | None:
    return note2_reason(website_solicitations_last_12m, N_("意见征集 and 网上调查"), website_monitoring_date)


@indicator(
    "W-L-3-3-2",
    "意见征集结果反馈",
    max={"city": "2", "county": "2"},
    parent="W-L-3-3",
    methods=["monitoring"],
    source=src(
        "征集公众意见公开情况。常调查结果意见征集分析、意见采纳公开情况。",
        "调查征集·意见征集结果反馈",
        note=(N_("'22' = 2 | 2. "), GRADED_NOTE),
    ),
)
def opinion_feedback(website_solicitations_opinion_feedback) -> Score:
    return OPINION_FEEDBACK.score(website_solicitations_opinion_feedback)


@indicator(
    "W-L-3-3-3",
    "网上调查结果反馈",
    max={"city": "2", "county": "2"},
    parent="W-L-3-3",
    methods=["monitoring"],
    source=src("网上调查分析、意见采纳公开情况。", "调查征集·网上调查结果反馈", note=(N_("'22' = 2 | 2. "), GRADED_NOTE)),
)
def survey_feedback(website_solicitations_survey_feedback) -> Score:
    return SURVEY_FEEDBACK.score(website_solicitations_survey_feedback)


# --------------------------------------------------------------------------- W-L-4 集约化建设及运维保障

W_L_4 = group(
    "W-L-4",
    "集约化建设及运维保障(14)",
    max={"city": "14", "county": "14"},
    parent="W-L",
    source=src("集约化建设及运维保障(14)", "集约化建设及运维保障"),
)
W_L_4_1 = group(
    "W-L-4-1",
    "集约化建设及网站整合（3）",
    max={"city": "3", "county": "3"},
    parent="W-L-4",
    source=src("集约化建设及网站整合（3）", "集约化建设及运维保障·集约化建设及网站整合", note=N_("市 1 + 1 + 1, 县 — + 1.5 + 1.5.")),
)
W_L_4_2 = group(
    "W-L-4-2",
    "展示规范（2）",
    max={"city": "2", "county": "2"},
    parent="W-L-4",
    source=src("展示规范（2）", "集约化建设及运维保障·展示规范"),
)
W_L_4_3 = group(
    "W-L-4-3",
    "网站普查、网站安全检查通报情况（4）",
    max={"city": "4", "county": "4"},
    parent="W-L-4",
    source=src("网站普查、网站安全检查通报", "集约化建设及运维保障·网站普查、网站安全检查通报情况"),
)
W_L_4_4 = group(
    "W-L-4-4",
    "保障机制（5）",
    max={"city": "5", "county": "5"},
    parent="W-L-4",
    source=src("保障机制（5）", "集约化建设及运维保障·保障机制"),
)

UNIFIED_PLATFORM = Graded("网站统一技术平台建设", "1")
MIGRATION_CITY = Graded("网站迁移 (市)", "1", categories=("city",))
MIGRATION_COUNTY = Graded("网站迁移 (县)", "1.5", categories=("county",))
CLOSURE_CITY = Graded("网站关停 (市)", "1", categories=("city",))
CLOSURE_COUNTY = Graded("网站关停 (县)", "1.5", categories=("county",))
PRESENTATION = Graded("展示规范", "2")
#: 上级通报 and 网民曝光及网络安全通报: the notice prints no amount per notice (READING 12: graded).
HIGHER_NOTICES = Graded("上级通报", "2")
HIGHER_KINDS = ("国务院办公厅通报", "省政府办公厅通报")
EXPOSURE_AND_SECURITY = Graded("网民曝光及网络安全通报", "2")
EXPOSURE_AND_SECURITY_KINDS = ("网民曝光纠正", "网络安全通报批评", "专项检查重大安全问题")
SUMMARY_L = Binary(
    "网站保障机制 (表L)", "5", yes=N_("work summary received by the deadline"), no=N_("work summary not received by the deadline")
)
DEDUCTION_NOTE = (GRADED_CONTEXT_NOTE, N_(" (the notices recorded in website_notices; the amount per notice is not printed)."))


@indicator(
    "W-L-4-1-1",
    "网站统一技术平台建设",
    max={"city": "1", "county": None},
    parent="W-L-4-1",
    methods=["annual_review"],
    source=src(
        "各设区市、平潭综合实验区政府网站统一技术平台建设及完成情况。",
        "集约化建设及网站整合·统一技术平台",
        note=(N_("'1/' = 市 1 | 县 not assessed. "), GRADED_NOTE),
    ),
)
def unified_platform(website_sites_unified_platform) -> Score:
    return UNIFIED_PLATFORM.score(website_sites_unified_platform)


@indicator(
    "W-L-4-1-2",
    "网站迁移",
    max={"city": "1", "county": "1.5"},
    parent="W-L-4-1",
    methods=["annual_review"],
    source=src(
        "县级政府门户网站、设区市政府部门网站迁移到市级政府网站统一技术平台情况。",
        "集约化建设及网站整合·网站迁移",
        note=(
            N_("'11.5' = 市 1 | 县 1.5. "),
            GRADED_CONTEXT_NOTE,
            N_(" (sites migrated, out of sites in scope; a county's scope is its own portal)."),
        ),
    ),
)
def migration(unit, website_sites_migration, website_sites_migrated, website_sites_migration_in_scope) -> Score:
    context = share_line(website_sites_migrated, website_sites_migration_in_scope, N_("sites on the city's unified platform: {0} of {1}"))
    return column(unit, MIGRATION_CITY, MIGRATION_COUNTY).score(website_sites_migration, context)


@indicator(
    "W-L-4-1-3",
    "网站关停",
    max={"city": "1", "county": "1.5"},
    parent="W-L-4-1",
    methods=["annual_review"],
    source=src(
        "乡镇、街道以及县级政府部门政府网站关停情况（以全国政府网站管理系统数据为准）。",
        "集约化建设及网站整合·网站关停",
        note=(
            N_("'11.5' = 市 1 | 县 1.5. "),
            GRADED_CONTEXT_NOTE,
            N_(" (sites closed, out of sites to close, per the national registry)."),
        ),
    ),
)
def closure(unit, website_sites_closure, website_sites_closed, website_sites_closure_in_scope) -> Score:
    context = share_line(website_sites_closed, website_sites_closure_in_scope, N_("sites closed per the national registry: {0} of {1}"))
    return column(unit, CLOSURE_CITY, CLOSURE_COUNTY).score(website_sites_closure, context)


@indicator(
    "W-L-4-2-1",
    "展示规范",
    max={"city": "2", "county": "2"},
    parent="W-L-4-2",
    methods=["monitoring"],
    source=src(
        "网站名称、域名规范化使用情况。",
        "展示规范",
        note=(N_("Footer elements listed in Table D's row (党政机关网站标识、找错入口、网站标识码…). "), GRADED_NOTE),
    ),
)
def presentation(website_site_presentation) -> Score:
    return PRESENTATION.score(website_site_presentation)


@indicator(
    "W-L-4-3-1",
    "上级通报",
    max={"city": "2", "county": "2"},
    parent="W-L-4-3",
    methods=["annual_review"],
    source=src(
        "本地区及下属单位网站被国务院办公厅、省情况（4）网站普查、网站安全检查通报政府办公厅通报情况。",
        "网站普查、网站安全检查通报·上级通报",
        note=DEDUCTION_NOTE,
    ),
)
def higher_notices(website_notices_higher, website_notices) -> Score:
    return HIGHER_NOTICES.score(website_notices_higher, notice_lines(website_notices, HIGHER_KINDS, "上级通报"))


@indicator(
    "W-L-4-3-2",
    "网民曝光及网络安全通报",
    max={"city": "2", "county": "2"},
    parent="W-L-4-3",
    methods=["annual_review"],
    source=src(
        "本地区及下属单位网站被网民曝光纠正情况（以“我为政府网站找错”监督举报平台数据为准）。本地区及下属单位网站被网络安全监管相关部门通报批评、在专项检查中被发现重大安全问题情况。",
        "网站普查、网站安全检查通报·网民曝光及网络安全通报",
        note=(N_("2 derived: 4 − 2. "), *DEDUCTION_NOTE),
    ),
)
def exposure_and_security(website_notices_exposure_and_security, website_notices) -> Score:
    context = notice_lines(website_notices, EXPOSURE_AND_SECURITY_KINDS, N_("网民曝光 and 网络安全 notices"))
    return EXPOSURE_AND_SECURITY.score(website_notices_exposure_and_security, context)


@indicator(
    "W-L-4-4-1",
    "网站保障机制",
    max={"city": "5", "county": "5"},
    parent="W-L-4-4",
    methods=["annual_review"],
    source=src(
        "各地区于2017年11月15日前向省政府办公厅年保障机制（5）网站保障机制（电子政务办公室）报送本年度本地区政府网站建设工作总结。",
        "保障机制·网站保障机制",
        note=(
            N_("5 derived from the label (5). Only the summary requirement survives. "),
            DATED_NOTE,
            N_(": the summary received by 2017-11-15."),
        ),
    ),
)
def summary(website_summary_received, website_summary_deadline=SUMMARY_DEADLINE.value) -> Score:
    return summary_score(SUMMARY_L, website_summary_received, website_summary_deadline)


# --------------------------------------------------------------------------- W-L-5 创新发展

W_L_5 = group("W-L-5", "创新发展（10）", max={"city": "10", "county": "10"}, parent="W-L", source=src("创新发展（10）", "创新发展"))
W_L_5_1 = group(
    "W-L-5-1", "个性化服务(4/6)", max={"city": "4", "county": "6"}, parent="W-L-5", source=src("个性化服务(4/6)", "创新发展·个性化服务")
)
W_L_5_2 = group(
    "W-L-5-2",
    "渠道拓展(6/4)",
    max={"city": "6", "county": "4"},
    parent="W-L-5",
    source=src("道拓展(6/4)", "创新发展·渠道拓展", note=N_("Label printed as '道拓展(6/4)' (渠 lost).")),
)
SMART_SEARCH_CITY = Graded("智能搜索 (市)", "2", categories=("city",))
SMART_SEARCH_COUNTY = Graded("智能搜索 (县)", "3", categories=("county",))
SMART_INTERACTION_CITY = Graded("智能互动 (市)", "2", categories=("city",))
SMART_INTERACTION_COUNTY = Graded("智能互动 (县)", "3", categories=("county",))
APP_CITY = Graded("移动客户端 (市)", "2", categories=("city",))
APP_COUNTY = Graded("移动客户端 (县)", "4", categories=("county",))
WECHAT = Graded("微信", "2")
WEIBO = Graded("微博", "2")
NO_METHOD = N_(" No assessment method survives for the 个性化服务 rows (seed A-14).")


@indicator(
    "W-L-5-1-1",
    "智能搜索",
    max={"city": "2", "county": "3"},
    parent="W-L-5-1",
    source=src(
        "优化网站搜索功能，提供错别字自动纠正、关键词推荐、拼音转化搜索和通俗语言搜索等功能情况。",
        "个性化服务·智能搜索",
        note=(N_("'23' = 市 2 | 县 3. "), GRADED_NOTE, N_("."), NO_METHOD),
    ),
)
def smart_search(unit, website_innovation_smart_search) -> Score:
    return column(unit, SMART_SEARCH_CITY, SMART_SEARCH_COUNTY).score(website_innovation_smart_search)


@indicator(
    "W-L-5-1-2",
    "智能互动",
    max={"city": "2", "county": "3"},
    parent="W-L-5-1",
    source=src(
        "网站利用知识库技术，梳理、归纳、统计和汇编各类常见问题、热点问题、电子文件资料等，并基于此开展自动化、半自动化的咨询互动情况。利用即时咨询系统，与用户开展在线实时交流。",
        "个性化服务·智能互动",
        note=(N_("Derived: (4/6) − 智能搜索 = 2 | 3. "), GRADED_NOTE, N_("."), NO_METHOD),
    ),
)
def smart_interaction(unit, website_innovation_smart_interaction) -> Score:
    return column(unit, SMART_INTERACTION_CITY, SMART_INTERACTION_COUNTY).score(website_innovation_smart_interaction)


@indicator(
    "W-L-5-2-1",
    "移动客户端(注3)",
    max={"city": "2", "county": "4"},
    parent="W-L-5-2",
    methods=["monitoring"],
    source=src(
        "网站开发建设移动客户端或者网站信息资源接入全省移动政府服务APP统一平台（闽政通APP）情况。",
        "渠道拓展·移动客户端",
        note=(
            N_("'24' = 市 2 | 县 4 (seed A-04 reading A); the row text survives in the Table D stream. 闽政通 access counts as a client. "),
            GRADED_NOTE,
            N_("; 注3 (READING 14, in order): a client is graded on the client; no client but WeChat: graded on the account; neither: 0."),
        ),
    ),
    alternatives=NOTE3_ALTERNATIVES,
)
def mobile_client(unit, website_channels_app) -> Score:
    return column(unit, APP_CITY, APP_COUNTY).score(website_channels_app)


@indicator(
    "W-L-5-2-2",
    "微信",
    max={"city": "2", "county": None},
    parent="W-L-5-2",
    methods=["monitoring"],
    source=src(
        "网站开通微信公众号且具有有效内容情况。微信公众号持续进行内容维护并及时发布最新政府信息情况。微信账号基于用户需求整合政务服务情况。",
        "渠道拓展·微信",
        note=(N_("'2/' = 市 2 | 县 not assessed. "), GRADED_NOTE),
    ),
)
def wechat(website_channels_wechat) -> Score:
    return WECHAT.score(website_channels_wechat)


@indicator(
    "W-L-5-2-3",
    "微博",
    max={"city": "2", "county": None},
    parent="W-L-5-2",
    methods=["monitoring"],
    source=src("网站政务微博且具有有效内容情况。", "渠道拓展·微博", note=(N_("'2/' = 市 2 | 县 not assessed. "), GRADED_NOTE)),
)
def weibo(website_channels_weibo) -> Score:
    return WEIBO.score(website_channels_weibo)


# --------------------------------------------------------------------------- 加分项目

#: 特色栏目: "前3名加分" with '1' printed — +1 raw point for places 1 to 3 (READING 6); the section stays capped at 100.
FEATURE_VOTE = parameter(
    "website_feature_vote_tiers", Ladder.at_most("特色栏目公众满意度投票", [(3, 1)], otherwise=0, what=N_("vote place"))
)


@bonus(
    "W-L-B-1-1",
    "加分项目·特色栏目",
    max={"city": "1", "county": None},
    methods=["public_vote"],
    source=src(
        "设区市政府、平潭综合实验区管委会在2017年11月15日前推荐不超过2个栏目，作为特色评选栏目，省政府门户网站通过开展公众满意度投票进行评分，前3名加分。",
        "加分项目·特色栏目",
        note=(
            PRINTED_NOTE,
            N_(
                ": '1' printed; +1 raw point on the 100-point table for the top 3 cities (READING 6), section capped at 100. "
                "The seed's group W-L-B is not declared: a bonus item sits at the top of the section."
            ),
        ),
    ),
)
def feature_column(website_feature_column_vote_rank, website_feature_vote_tiers=FEATURE_VOTE.value) -> Score:
    return website_feature_vote_tiers.score(website_feature_column_vote_rank)
