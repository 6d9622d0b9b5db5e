"""综合应用 of the 38 省直单位 (65 points): 信息化应用绩效 35 + 信息资源开发利用绩效 15 + 安全保障绩效 15.

Codes, titles and maxima follow the reconstruction ``seed-comprehensive`` (codes
``P-…``); every citation quotes the notice verbatim (its text with line breaks
removed). Where the notice leaves a rule open, the citation's ``note`` says what
this pack reads it as.
"""

import collections
import itertools
import operator
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any, NamedTuple

from escore import (
    N_,
    Binary,
    Deduction,
    Graded,
    Item,
    Ladder,
    Proportional,
    Score,
    TableColumns,
    cite,
    column_form,
    gettext,
    group,
    indicator,
    parameter,
    points,
    veto,
)

from .evidence import (
    CATALOGUE_ERROR,
    FIX_WINDOW,
    LATE_CATEGORY,
    LOGIN_MISS,
    NS_EXTRANET,
    NS_NO_ANTIVIRUS,
    NS_OUTREACH,
    NS_REALNAME,
    NS_UNFIXED,
    NS_UNREGISTERED,
    NS_VULNERABILITY,
    REVIEW_CATEGORY,
    SECRECY_VIOLATION,
    TERMINAL_FINDINGS,
    Migration,
    add_months,
    months_late,
    provincial_catalogue_items,
    provincial_dc_migration,
    provincial_dc_rectification_items,
    provincial_dc_review_items,
    provincial_login_miss_items,
    provincial_network_security_items,
    provincial_secrecy_items,
)

DOC = "福建省人民政府办公厅关于开展2017年度电子政务绩效考核的通知"
TABLE = "附件 2017年度福建省电子政务绩效考核指标（综合应用部分）一、省直单位"

# Assessment methods as the notice states them per indicator (A12 of the reconstruction).
SR_OM = ("self_report", "online_monitoring")  # 自评上报、在线监测
SR_OM_IN = ("self_report", "online_monitoring", "inspection")  # 自评上报、在线监测和现场检查
MON_IN = ("monitoring", "inspection")  # 日常监察和现场检查
SR_MON_IN = ("self_report", "monitoring", "inspection")  # 自评上报、日常监察和现场检查


def src(text: str, clause: str, note: str | tuple[str, ...] = ""):
    """A citation of the notice's provincial comprehensive table."""
    return cite(text, document=DOC, clause=f"{TABLE} · {clause}", note=note)


# --------------------------------------------------------------------------- rule objects

A_PLAN = Binary(
    "P-1-1-A-1 编制迁移方案",
    3,
    yes=N_("integration plan compiled and submitted on time"),
    no=N_("integration plan not completed on time"),
)
A_MIGRATION = parameter(
    "provincial_dc_a_migration_tiers",
    Ladder.at_most("P-1-1-A-2 实施应用系统迁移", [(0, 10), (1, 6), (2, 3)], otherwise=0, what="延期", unit="个月"),
)
A_DISPOSAL = Binary(
    "P-1-1-A-3 资产处置",
    2,
    yes=N_("disposal and machine-room clearance within 1 month of the migration"),
    no=N_("disposal and clearance not done within 1 month of the migration"),
)
B_MIGRATION = parameter(
    "provincial_dc_b_migration_tiers",
    Ladder.at_most("P-1-1-B-1 系统迁移整合", [(0, 13), (1, 10), (2, 5)], otherwise=0, what="延期", unit="个月"),
)
B_DISPOSAL = Binary(
    "P-1-1-B-2 资产处置",
    2,
    yes=N_("disposal and machine-room clearance within 1 month of the migration"),
    no=N_("disposal and clearance not done within 1 month of the migration"),
)
C_REVIEW = Deduction("P-1-1-C-1 “回头看”检查", max=6, per={REVIEW_CATEGORY: 2})
C_RECTIFY = Deduction("P-1-1-C-2 整改工作", max=9, per={LATE_CATEGORY: 3})

CREDIT_COMPLETE = parameter(
    "provincial_credit_completeness_tiers",
    Ladder.at_least("P-1-2-1 完整性", [(100, 4), (80, 2), (60, 1)], otherwise=0, what="完整率", unit="%"),
)
CREDIT_ACCURATE = parameter(
    "provincial_credit_accuracy_tiers", Ladder.at_least("P-1-2-2 准确性", [(60, 2)], otherwise=0, what="入库率", unit="%")
)
#: READING 13 for every 按比例 rule below: nothing to count (a whole of 0) is full marks, with a reason.
CREDIT_TIMELY = Proportional(
    "P-1-2-3 时效性", 2, what=N_("submissions on time"), nothing_to_count="full", nothing=N_("no submission required")
)
CREDIT_DUAL = Proportional(
    "P-1-2-4 双公示数据报送",
    2,
    what=N_("decisions pushed within 7 working days"),
    nothing_to_count="full",
    nothing=N_("no 行政许可 or 行政处罚 decision to report"),
)
PROJECTS_BUILD = Proportional(
    "P-1-3-1 在建项目建设", 5, what=N_("projects on schedule"), nothing_to_count="full", nothing=N_("no project under construction")
)
PROJECTS_USE = Proportional(
    "P-1-3-2 已建项目应用", 5, what=N_("systems running normally"), nothing_to_count="full", nothing=N_("no completed business system")
)

CATALOGUE = Deduction("P-2-1 目录注册和更新", max=5, per={CATALOGUE_ERROR: "0.5"})
DATA_CATALOGUE = Proportional(
    "P-2-2-1 梳理政务数据目录",
    2,
    what=N_("catalogue entries complete and accurate"),
    nothing_to_count="full",
    nothing=N_("no catalogue entry expected"),
)
DATA_AGGREGATION = Graded("P-2-2-2 向政务数据云汇聚政务数据", 4)
DATA_BACKFLOW = Graded("P-2-2-3 自建服务系统数据回流", 4)

MLPS = Binary(
    "P-3-1 信息系统安全等级保护",
    2,
    yes=N_("等级保护 technical and management requirements met"),
    no=N_("等级保护 requirements not met"),
)
NETWORK = Deduction(
    "P-3-2 网络安全管理",
    max=7,
    per={
        NS_REALNAME: 2,
        NS_OUTREACH: "0.5",
        NS_UNREGISTERED: "0.5",
        NS_NO_ANTIVIRUS: "0.5",
        NS_VULNERABILITY: 1,
        NS_UNFIXED: 1,
        NS_EXTRANET: 1,
    },
)
INCIDENTS = Binary(
    "P-3-3-1 事件整改反馈",
    1,
    yes=N_("every incident rectified and fed back on time"),
    no=N_("an incident was not rectified and fed back on time"),
)
DRILL = Binary(
    "P-3-3-2 应急处置演练响应", "0.5", yes=N_("responded in time in the province-wide drill"), no=N_("did not respond in the drill")
)
LOGIN = Deduction("P-3-3-3 应急处置平台应用", max="0.5", per={LOGIN_MISS: "0.1"})
SECRECY = Deduction("P-3-4 保密管理", max=4, per={SECRECY_VIOLATION: 1})

#: The line of P-1-1-A-3 and P-1-1-B-2: the migration's own text (:attr:`.evidence.Migration.disposal`,
#: translated there), formatted only when an explanation is written; not a message of its own.
DISPOSAL = "{0.disposal}"

# --------------------------------------------------------------------------- P-1 信息化应用绩效 35

P1 = group(
    "P-1",
    "信息化应用绩效",
    max=35,
    source=src(
        "信息化应用绩效（35）公共信用数据建设（10）",
        "一级指标 信息化应用绩效（35）",
        note=N_(
            "The label survives once, glued to 公共信用数据建设 in the city-table part of the scrape; 数据中心整合 15 + 公共信用数据建设 10 + 部门项目建设应用情况 10 = 35."
        ),
    ),
)

P11 = group(
    "P-1-1",
    "数据中心整合",
    max=15,
    parent="P-1",
    variant_by="dc_variant",
    methods=SR_OM,
    source=src(
        "数据中心整合（15）考核内容：按照省委省政府《关于整合省直部门数据中心及信息中心的实施方案》（闽委发〔2015〕5号）要求，开展省直部门数据中心整合迁移。",
        "数据中心整合（15） · 考核内容",
        note=N_(
            "Exactly one of three variants applies, by the roster attribute dc_variant: the notice names only variant A's five departments; B and C are assigned in the roster."
        ),
    ),
)

P11A = group(
    "P-1-1-A",
    "应用大集中部门（省财政厅、省交通运输厅、省人社厅、省工商局、省地税局）",
    max=15,
    parent="P-1-1",
    variant="A",
    methods=SR_OM,
    source=src(
        "分值计算：1.应用大集中部门（省财政厅、省交通运输厅、省人社厅、省工商局、省地税局）数据中心整合工作。",
        "数据中心整合（15） · 分值计算1",
    ),
)


@indicator(
    "P-1-1-A-1",
    "编制迁移方案",
    max=3,
    parent="P-1-1-A",
    methods=SR_OM,
    source=src(
        "（1）编制迁移方案，3分。按要求编制并及时报送本部门数据中心整合具体方案，得3分；未按时完成的，不得分。",
        "数据中心整合（15） · 分值计算1（1）",
    ),
)
def dc_a_plan(provincial_data_centre_plan_on_time) -> Score:
    return A_PLAN.score(provincial_data_centre_plan_on_time)


@indicator(
    "P-1-1-A-2",
    "实施应用系统迁移",
    max=10,
    parent="P-1-1-A",
    methods=SR_OM,
    source=src(
        "（2）实施应用系统迁移，10分。根据整合方案和进度安排，按时完成部门所有应用系统迁移整合的，得10分；延期1个月内完成的，得6分；延期2个月内完成的，得3分；延期2个月以上的，不得分。",
        "数据中心整合（15） · 分值计算1（2）",
        note=N_(
            "Delay in started calendar months after the date the 2017 部署会 set for each system, boundaries inclusive (done by due + 1 month → 6); "
            "the department's delay is that of its latest system; a migration not completed scores 0."
        ),
    ),
)
def dc_a_migration(provincial_dc_migration, provincial_dc_a_migration_tiers=A_MIGRATION.value) -> Score:
    m = provincial_dc_migration
    if m.delay_months is None:
        return points(
            0, "migration not completed: {0} pending ({1} of {2} systems): 0", gettext(", ").join(m.pending), len(m.pending), m.systems
        )
    return provincial_dc_a_migration_tiers.score(m.delay_months).with_reason("{0.systems} systems; latest against schedule: {0.worst}", m)


@indicator(
    "P-1-1-A-3",
    "资产处置",
    max=2,
    parent="P-1-1-A",
    methods=SR_OM,
    source=src(
        "（3）资产处置，2分。应用系统迁移后1个月之内完成资产处置、机房清退的，得2分；逾期未完成的，不得分。",
        "数据中心整合（15） · 分值计算1（3）",
        note=N_("Read as: all systems migrated, and the last disposal done within 1 calendar month (inclusive) of the last migration."),
    ),
)
def dc_a_disposal(provincial_dc_migration) -> Score:
    return A_DISPOSAL.score(provincial_dc_migration.disposed_in_time).with_reason(DISPOSAL, provincial_dc_migration)


P11B = group(
    "P-1-1-B",
    "涉及专网应用系统迁移部门",
    max=15,
    parent="P-1-1",
    variant="B",
    methods=SR_OM,
    source=src(
        "2.涉及专网应用系统迁移部门。",
        "数据中心整合（15） · 分值计算2",
        note=N_("The notice does not name the departments of this variant; the roster assigns them."),
    ),
)


@indicator(
    "P-1-1-B-1",
    "系统迁移整合",
    max=13,
    parent="P-1-1-B",
    methods=SR_OM,
    source=src(
        "（1）系统迁移整合，13分。根据整合方案和进度安排，按时完成涉及专网应用系统迁移整合的，得13分；延期1个月内完成的，得10分；延期2个月内完成的，得5分；延期2个月以上的，不得分。",
        "数据中心整合（15） · 分值计算2（1）",
        note=N_(
            "Delay as for P-1-1-A-2: started calendar months, boundaries inclusive, the latest 专网 system counts; not completed scores 0."
        ),
    ),
)
def dc_b_migration(provincial_dc_migration, provincial_dc_b_migration_tiers=B_MIGRATION.value) -> Score:
    m = provincial_dc_migration
    if m.delay_months is None:
        return points(
            0, "migration not completed: {0} pending ({1} of {2} systems): 0", gettext(", ").join(m.pending), len(m.pending), m.systems
        )
    return provincial_dc_b_migration_tiers.score(m.delay_months).with_reason("{0.systems} systems; latest against schedule: {0.worst}", m)


@indicator(
    "P-1-1-B-2",
    "资产处置",
    max=2,
    parent="P-1-1-B",
    methods=SR_OM,
    source=src(
        "（2）资产处置，2分。应用系统迁移后1个月之内完成资产处置、机房清退的，得2分；逾期未完成的，不得分。",
        "数据中心整合（15） · 分值计算2（2）",
        note=N_("As P-1-1-A-3: the last disposal within 1 calendar month (inclusive) of the last migration."),
    ),
)
def dc_b_disposal(provincial_dc_migration) -> Score:
    return B_DISPOSAL.score(provincial_dc_migration.disposed_in_time).with_reason(DISPOSAL, provincial_dc_migration)


P11C = group(
    "P-1-1-C",
    "2015年、2016年数据中心整合工作部门（“回头看”）",
    max=15,
    parent="P-1-1",
    variant="C",
    methods=SR_OM,
    source=src(
        "3.2015年、2016年数据中心整合工作部门。",
        "数据中心整合（15） · 分值计算3",
        note=N_("The notice does not name the departments of this variant; the roster assigns them."),
    ),
)


@indicator(
    "P-1-1-C-1",
    "“回头看”检查",
    max=6,
    parent="P-1-1-C",
    methods=SR_OM,
    source=src(
        "（1）“回头看”检查，6分。检查中未发现问题的，得6分；发现问题被通报的，1类问题扣2分。",
        "数据中心整合（15） · 分值计算3（1）",
        note=N_(
            "'1类问题' read as one category of problem (several problems of one category deduct once); floor 0, which the notice does not state."
        ),
    ),
)
def dc_c_review(provincial_dc_review_items) -> Score:
    return C_REVIEW.score(provincial_dc_review_items)


@indicator(
    "P-1-1-C-2",
    "整改工作",
    max=9,
    parent="P-1-1-C",
    methods=SR_OM,
    source=src(
        "（2）整改工作，9分。未发现问题，或发现问题及时落实整改的，得9分；未能按时整改的，1类问题扣3分。",
        "数据中心整合（15） · 分值计算3（2）",
        note=N_(
            "A category counts once if any of its problems was not rectified by its deadline; floor 0, which the notice does not state."
        ),
    ),
)
def dc_c_rectification(provincial_dc_rectification_items) -> Score:
    return C_RECTIFY.score(provincial_dc_rectification_items)


P12 = group(
    "P-1-2",
    "公共信用数据建设",
    max=10,
    parent="P-1",
    methods=SR_OM,
    source=src("公共信用数据建设（10）考核内容：信用数据建设情况。", "公共信用数据建设（10） · 考核内容"),
)


@indicator(
    "P-1-2-1",
    "完整性",
    max=4,
    parent="P-1-2",
    methods=SR_OM,
    source=src(
        "1.完整性，4分。完整率达100%，得4分；达80%，得2分；达60%，得1分；低于60%,不得分。",
        "公共信用数据建设（10） · 分值计算1",
        note=N_("完整率 = items provided ÷ items required × 100% (考核要求 1); 达X% read as ≥ X%."),
    ),
)
def credit_completeness(provincial_credit_completeness, provincial_credit_completeness_tiers=CREDIT_COMPLETE.value) -> Score:
    return provincial_credit_completeness_tiers.score(provincial_credit_completeness)


@indicator(
    "P-1-2-2",
    "准确性",
    max=2,
    parent="P-1-2",
    methods=SR_OM,
    source=src(
        "2.准确性，2分。入库率达60%以上的，得2分；低于60%,不得分。",
        "公共信用数据建设（10） · 分值计算2",
        note=N_(
            "入库率 = valid records loaded ÷ records provided × 100% (考核要求 2); 60% itself scores; a department that provided no record has 入库率 0."
        ),
    ),
)
def credit_accuracy(provincial_credit_load_rate, provincial_credit_accuracy_tiers=CREDIT_ACCURATE.value) -> Score:
    return provincial_credit_accuracy_tiers.score(provincial_credit_load_rate)


@indicator(
    "P-1-2-3",
    "时效性",
    max=2,
    parent="P-1-2",
    methods=SR_OM,
    source=src(
        "3.时效性，2分。按照要求及时采集上报信用数据的，得2分；未实现的，按比例扣分。",
        "公共信用数据建设（10） · 分值计算3",
        note=N_("'按比例扣分' read as 2 × submissions on time ÷ submissions the update cycle required."),
    ),
)
def credit_timeliness(provincial_credit_updates_on_time, provincial_credit_updates_required) -> Score:
    return CREDIT_TIMELY.score(provincial_credit_updates_on_time, provincial_credit_updates_required)


@indicator(
    "P-1-2-4",
    "双公示数据报送情况",
    max=2,
    parent="P-1-2",
    methods=SR_OM,
    source=src(
        "4.及时报送行政许可和行政处罚信息得2分；未实现的，按比例扣分。",
        "公共信用数据建设（10） · 分值计算4",
        note=N_(
            "'按比例扣分' read as 2 × decisions pushed within 7 working days ÷ all 行政许可/行政处罚 decisions; a department with no such decision scores 2."
        ),
    ),
)
def credit_dual_publicity(provincial_credit_decisions_on_time, provincial_credit_decisions_total) -> Score:
    return CREDIT_DUAL.score(provincial_credit_decisions_on_time, provincial_credit_decisions_total)


P13 = group(
    "P-1-3",
    "部门项目建设应用情况",
    max=10,
    parent="P-1",
    methods=SR_OM_IN,
    source=src(
        "部门项目建设应用情况（10）目录注册和更新（5）信息资考核内容：部门在建项目的建设情况和已建业务系统应用情况。",
        "部门项目建设应用情况（10） · 考核内容",
    ),
)


@indicator(
    "P-1-3-1",
    "在建项目建设",
    max=5,
    parent="P-1-3",
    methods=SR_OM_IN,
    source=src(
        "分值计算：1.在建项目建设，5分。所有在建项目按批复工期进度要求，完成阶段建设任务的，得5分；未按进度要求，建设延期的，按比例扣分。",
        "部门项目建设应用情况（10） · 分值计算1",
        note=N_(
            "'按比例扣分' read as 5 × projects on schedule ÷ projects under construction; a department with no project under construction scores 5."
        ),
    ),
)
def projects_construction(provincial_projects_on_schedule, provincial_projects_under_construction) -> Score:
    return PROJECTS_BUILD.score(provincial_projects_on_schedule, provincial_projects_under_construction)


@indicator(
    "P-1-3-2",
    "已建项目应用",
    max=5,
    parent="P-1-3",
    methods=SR_OM_IN,
    source=src(
        "2.已建项目应用，5分。所有已建业务系统运行正常、应用良好的，得5分；出现系统未正常运行应用的，按比例扣分。",
        "部门项目建设应用情况（10） · 分值计算2",
        note=N_("'按比例扣分' read as 5 × systems running normally ÷ systems built; a department with no completed system scores 5."),
    ),
)
def projects_use(provincial_projects_systems_running, provincial_projects_systems_built) -> Score:
    return PROJECTS_USE.score(provincial_projects_systems_running, provincial_projects_systems_built)


# --------------------------------------------------------------------------- P-2 信息资源开发利用绩效 15

P2 = group(
    "P-2",
    "信息资源开发利用绩效",
    max=15,
    source=src(
        "信息资源开发利用绩效（15）政务数据汇聚（10）信息系统安全等级保护（2）",
        "一级指标 信息资源开发利用绩效（15）",
        note=N_("目录注册和更新 5 + 政务数据汇聚 10 = 15."),
    ),
)


@indicator(
    "P-2-1",
    "目录注册和更新",
    max=5,
    parent="P-2",
    methods=SR_OM,
    source=src(
        "分值计算：依据职能完成本单位信息资源目录注册更新的，得5分；每发现1处错漏，扣0.5分，直至扣完。",
        "目录注册和更新（5） · 分值计算",
        note=N_(
            "A department that did not register and update its catalogues scores 0 (the notice does not say); errors count across the four catalogues of the 考核要求."
        ),
    ),
)
def catalogue(provincial_catalogue_updated, provincial_catalogue_items) -> Score:
    if not provincial_catalogue_updated:
        return points(0, "catalogues not registered and updated according to the department's functions: 0")
    return CATALOGUE.score(provincial_catalogue_items)


P22 = group(
    "P-2-2",
    "政务数据汇聚",
    max=10,
    parent="P-2",
    methods=SR_OM,
    source=src(
        "考核要求：1.各单位根据本单位人口和法人相关业务，梳理政务数据汇聚目录清单；2.接入政务数据汇聚平台，根据目录向政务数据云实时汇聚本单位数据。",
        "政务数据汇聚（10） · 考核要求",
        note=N_("2 + 4 + 4 = 10: item 3's 4 points come from an orphan '4分。' in the scrape."),
    ),
)


@indicator(
    "P-2-2-1",
    "梳理政务数据目录",
    max=2,
    parent="P-2-2",
    methods=SR_OM,
    source=src(
        "1.根据本单位的业务职能所规定的权力清单、责任清单和行政服务事项，梳理本单位的政务数据目录，2分。梳理完整准确的，得2分；梳理不完整的，按比例扣分。",
        "政务数据汇聚（10） · 分值计算1",
        note=N_("'按比例扣分' read as 2 × entries complete and accurate ÷ entries expected."),
    ),
)
def data_catalogue(provincial_data_sharing_catalogue_complete, provincial_data_sharing_catalogue_expected) -> Score:
    return DATA_CATALOGUE.score(provincial_data_sharing_catalogue_complete, provincial_data_sharing_catalogue_expected)


@indicator(
    "P-2-2-2",
    "接入汇聚平台并汇聚数据",
    max=4,
    parent="P-2-2",
    methods=SR_OM,
    source=src(
        "2.根据梳理的政务数据目录，通过接入政务数据汇聚平台，向政务数据云汇聚政务数据，4分。根据各单位接入的数据项（目录）数量、数据量完整性、数据更新及时性、数据接入方式和数据共享使用情况等多个因素，综合计算得分。",
        "政务数据汇聚（10） · 分值计算2",
        note=N_("The notice names the factors but no weights or formula: assessor-graded (0–4) against these criteria."),
    ),
)
def data_aggregation(provincial_data_sharing_aggregation) -> Score:
    return DATA_AGGREGATION.score(provincial_data_sharing_aggregation)


@indicator(
    "P-2-2-3",
    "改造自建服务系统、数据回流设区市行政服务中心",
    max=4,
    parent="P-2-2",
    methods=SR_OM,
    source=src(
        "3.省直部门改造自建服务系统，向省级政务数据汇聚共享平台提供数据回流给各设区市行政服务中心办理系统。",
        "政务数据汇聚（10） · 分值计算3",
        note=N_(
            "The source does not recover this item's rule; its 4 points come from an orphan '4分。' (2 + 4 + 4 = 10). Assessor-graded (0–4) against the criterion quoted."
        ),
    ),
)
def data_backflow(provincial_data_sharing_backflow) -> Score:
    return DATA_BACKFLOW.score(provincial_data_sharing_backflow)


# --------------------------------------------------------------------------- P-3 安全保障绩效 15

P3 = group(
    "P-3",
    "安全保障绩效",
    max=15,
    source=src(
        "安全保障绩效（15）关键信息基础设施和重要信息系统（网站）网络安全管理（7）",
        "一级指标 安全保障绩效（15）",
        note=N_("信息系统安全等级保护 2 + 网络安全管理 7 + 应急处置 2 + 保密管理 4 = 15; the label repeats in the scrape (a page break)."),
    ),
)


@indicator(
    "P-3-1",
    "信息系统安全等级保护",
    max=2,
    parent="P-3",
    methods=MON_IN,
    source=src(
        "分值计算：信息系统落实信息系统安全等级保护基本的技术要求和管理要求的，得2分；未落实的，扣2分。",
        "信息系统安全等级保护（2） · 分值计算",
        note=N_("On a 2-point indicator '扣2分' means 0."),
    ),
)
def mlps(provincial_mlps_requirements_met) -> Score:
    return MLPS.score(provincial_mlps_requirements_met)


@indicator(
    "P-3-2",
    "关键信息基础设施和重要信息系统（网站）网络安全管理",
    max=7,
    parent="P-3",
    methods=SR_MON_IN,
    source=src(
        "关键信息基础设施和重要信息系统（网站）网络安全管理（7）考核内容:开展关键信息基础设施、重要信息系统（网站）网络安全管理情况和政务外网安全接入情况。",
        "关键信息基础设施和重要信息系统（网站）网络安全管理（7） · 考核内容; 分值计算 1、2、4–8",
        note=N_(
            "Deduction-only, 7 points, deductions stop at 0 for the whole indicator (直至扣完): item 1 −2 if real-name authentication, "
            "state detection and repair of Internet terminals is not in place; items 2, 4, 5 −0.5 per terminal (违规外联 per terminal per notice; "
            "未注册, 未安装杀毒软件 once per terminal); items 6, 8 −1 per notice; item 7 −1 per notice not fixed and fed back within 2 weeks (14 days). "
            "Item 3 is not recoverable from the source (the numbering jumps from 2 to 4; the requirement it probably scored, "
            "'部署在政务信息网的应用系统不存在安全漏洞', is left without a deduction)."
        ),
    ),
)
def network_security(provincial_network_security_items) -> Score:
    return NETWORK.score(provincial_network_security_items)


P33 = group(
    "P-3-3",
    "网络与信息安全应急处置工作",
    max=2,
    parent="P-3",
    methods=SR_MON_IN,
    source=src(
        "安全保障绩效（15）网络与信息安全应急处置工作（2）考核内容：开展网络与信息安全应急处置工作情况。",
        "网络与信息安全应急处置工作（2） · 考核内容",
    ),
)


@indicator(
    "P-3-3-1",
    "事件整改反馈",
    max=1,
    parent="P-3-3",
    methods=SR_MON_IN,
    source=src(
        "分值计算：1.发生网络与信息安全事件按要求及时整改反馈的，得1分；未按要求及时整改反馈的，不得分。",
        "网络与信息安全应急处置工作（2） · 分值计算1",
        note=N_("A department with no incident scores 1 (the notice does not say)."),
    ),
)
def incident_feedback(provincial_security_incidents) -> Score:
    late = sum(1 for row in provincial_security_incidents if not row.rectified_on_time)
    return INCIDENTS.score(late == 0).with_reason(
        "{0} incident(s), {1} not rectified and fed back on time", len(provincial_security_incidents), late
    )


@indicator(
    "P-3-3-2",
    "应急处置演练响应",
    max="0.5",
    parent="P-3-3",
    methods=SR_MON_IN,
    source=src(
        "2.在开展全省的网络与信息安全事件应急处置演练中（模拟网络攻击），能及时响应的得0.5分；未响应的，不得分。",
        "网络与信息安全应急处置工作（2） · 分值计算2",
    ),
)
def drill(provincial_emergency_drill_responded) -> Score:
    return DRILL.score(provincial_emergency_drill_responded)


@indicator(
    "P-3-3-3",
    "福建省网络与信息安全应急处置平台应用",
    max="0.5",
    parent="P-3-3",
    methods=SR_MON_IN,
    source=src(
        "3.福建省网络与信息安全应急处置平台应用，0.5分。平台用户未按要求登录的，发现一次扣0.1分，直至扣完0.5分为止。",
        "网络与信息安全应急处置工作（2） · 分值计算3",
    ),
)
def platform_login(provincial_login_miss_items) -> Score:
    return LOGIN.score(provincial_login_miss_items)


@indicator(
    "P-3-4",
    "保密管理",
    max=4,
    parent="P-3",
    methods=SR_MON_IN,
    source=src(
        "分值计算：保密专项检查，发现违反保密法律、法规1次，扣1分。",
        "保密管理（4） · 分值计算",
        note=N_("Deduction-only, 4 points, floor 0 (binding decision 7); a leak zeroes it through veto P-3-4-V."),
    ),
)
def secrecy(provincial_secrecy_items) -> Score:
    return SECRECY.score(provincial_secrecy_items)


@veto(
    "P-3-4-V",
    "泄密事件",
    targets=["P-3-4"],
    source=src("发生泄密事件的，本项不得分。", "保密管理（4） · 分值计算", note=N_("'本项' is 保密管理 only, not the section.")),
)
def secrecy_leak(provincial_secrecy_leak) -> str | None:
    return N_("a leak of state secrets (泄密事件) occurred") if provincial_secrecy_leak else None


# --------------------------------------------------------------------------- column forms
# The column pass (a table, CSV or ranking of many units) scores the indicators that count a
# department's monitoring rows from the tables' columns (escore.column_form), without a row,
# an item or a call per department: each department's counts of the items the fixture would
# give, and the indicator itself called once per distinct set of counts, on as many items of
# each kind. A deduction's points follow from its items' kinds alone (their labels are only
# written into explanations, which this pass does not write), and the sum of their amounts is
# exact in any order. The functions above stay the reference and explain every point;
# test_pack_provincial checks that both forms agree.


#: P-3-2 item 2's finding, counted for every notice (items 4 and 5 count each terminal once).
OUTREACH = "违规外联"


def _once_per_key(keys: Sequence[Any], points_of: Callable[[Any], Score]) -> list[Decimal]:
    """``points_of(key).points`` for each key, computed once per distinct key."""
    found = {key: points_of(key).points for key in dict.fromkeys(keys)}
    return list(map(found.__getitem__, keys))


def _items(*kinds_and_counts: tuple[str, int]) -> tuple[Item, ...]:
    """``count`` items of each ``kind``, in that order (labels play no part in points)."""
    return tuple(Item(kind) for kind, count in kinds_and_counts for _ in range(count))


def _categories(table: TableColumns, rows: list[bool] | None = None) -> list[int]:
    """Each unit's number of distinct ``category`` cells (among ``rows`` flagged, if given)."""
    units = table.unit_of_rows()
    pairs = zip(units, table["category"]) if rows is None else ((u, c) for u, c, kept in zip(units, table["category"], rows) if kept)
    counts = collections.Counter(unit for unit, _ in set(pairs))
    return [counts.get(unit, 0) for unit in range(len(table))]


#: The last table of migrations :func:`_migrations` read, and what it found: the delay's form
#: and the disposal's read the same departments' rows one after the other.
_last_migrations: list[Any] = [None, None]


def _migrations(migrations: TableColumns) -> list[tuple[int | None, bool] | None]:
    """Each department's (delay_months, disposed_in_time) as provincial_dc_migration gives them
    (``None`` for a department without rows, for which it raises)."""
    dues, dones, cleared = migrations["due"], migrations["done"], migrations["cleared"]
    read = (migrations.counts, dues, dones, cleared)
    if _last_migrations[0] == read:  # equal cells, object for object (the same rows read again)
        return _last_migrations[1]
    _last_migrations[:] = read, _compute_migrations(*read)
    return _last_migrations[1]


def _compute_migrations(counts: list[int], dues: list[Any], dones: list[Any], cleared: list[Any]) -> list[tuple[int | None, bool] | None]:
    out: list[tuple[int | None, bool] | None] = []
    start = 0
    for count in counts:
        stop = start + count
        if count == 1:  # nearly every department: its one system
            done = dones[start]
            if done is None:
                out.append((None, False))
            else:
                last = cleared[start]
                out.append((months_late(dues[start], done), last is not None and last <= add_months(done, 1)))
        elif count == 0:
            out.append(None)
        else:
            done_all = dones[start:stop]
            if None in done_all:
                out.append((None, False))
            else:
                delay = max(map(months_late, dues[start:stop], done_all))
                cleared_all = cleared[start:stop]
                disposed = None not in cleared_all and max(cleared_all) <= add_months(max(done_all), 1)
                out.append((delay, disposed))
        start = stop
    return out


def _migration_points(migrations: TableColumns, points_of: Callable[[Migration], Score], key: int) -> list[Decimal | None]:
    """The points ``points_of`` gives each department's migration, once per distinct
    ``outcome[key]`` (0: the delay, 1: the disposal); ``None`` where the fixture raises."""
    outcomes = _migrations(migrations)
    keys = [None if outcome is None else outcome[key] for outcome in outcomes]
    found = {}
    for value in dict.fromkeys(keys):
        outcome = (value, False) if key == 0 else (0, value)
        found[value] = points_of(Migration(1, () if outcome[0] is not None else ("",), *outcome)).points
    return [None if outcome is None else found[value] for outcome, value in zip(outcomes, keys)]


@column_form(dc_a_migration, reads=("provincial_dc_migrations", "provincial_dc_a_migration_tiers"), stands_for=(provincial_dc_migration,))
def dc_a_migration_columns(migrations: TableColumns, tiers: list[Any]) -> list[Decimal | None]:
    """P-1-1-A-2 over columns: the delay of each department's latest system."""
    return _migration_points(migrations, lambda m: dc_a_migration(m, tiers[0]), 0)


@column_form(dc_a_disposal, reads=("provincial_dc_migrations",), stands_for=(provincial_dc_migration,))
def dc_a_disposal_columns(migrations: TableColumns) -> list[Decimal | None]:
    """P-1-1-A-3 over columns: disposal within 1 month of the last migration."""
    return _migration_points(migrations, dc_a_disposal, 1)


@column_form(dc_b_migration, reads=("provincial_dc_migrations", "provincial_dc_b_migration_tiers"), stands_for=(provincial_dc_migration,))
def dc_b_migration_columns(migrations: TableColumns, tiers: list[Any]) -> list[Decimal | None]:
    """P-1-1-B-1 over columns: the delay of each department's latest 专网 system."""
    return _migration_points(migrations, lambda m: dc_b_migration(m, tiers[0]), 0)


@column_form(dc_b_disposal, reads=("provincial_dc_migrations",), stands_for=(provincial_dc_migration,))
def dc_b_disposal_columns(migrations: TableColumns) -> list[Decimal | None]:
    """P-1-1-B-2 over columns: disposal within 1 month of the last migration."""
    return _migration_points(migrations, dc_b_disposal, 1)


@column_form(dc_c_review, reads=("provincial_dc_review_problems",), stands_for=(provincial_dc_review_items,))
def dc_c_review_columns(problems: TableColumns) -> list[Decimal]:
    """P-1-1-C-1 over columns: the problem categories notified."""
    return _once_per_key(_categories(problems), lambda n: dc_c_review(_items((REVIEW_CATEGORY, n))))


@column_form(dc_c_rectification, reads=("provincial_dc_review_problems",), stands_for=(provincial_dc_rectification_items,))
def dc_c_rectification_columns(problems: TableColumns) -> list[Decimal]:
    """P-1-1-C-2 over columns: the categories with a problem not rectified by its deadline."""
    late = [done is None or done > due for done, due in zip(problems["rectified"], problems["rectify_by"])]
    return _once_per_key(_categories(problems, late), lambda n: dc_c_rectification(_items((LATE_CATEGORY, n))))


@column_form(catalogue, reads=("provincial_catalogue_updated", "provincial_catalogue_errors"), stands_for=(provincial_catalogue_items,))
def catalogue_columns(updated: list[Any], errors: TableColumns) -> list[Decimal]:
    """P-2-1 over columns: registered and updated, and the errors found."""
    keys = list(zip(map(bool, updated), errors.counts))
    return _once_per_key(keys, lambda key: catalogue(key[0], _items((CATALOGUE_ERROR, key[1]))))


@column_form(
    network_security,
    reads=(
        "provincial_network_security_terminal_control",
        "provincial_terminal_findings",
        "provincial_vulnerability_notices",
        "provincial_extranet_notices",
    ),
    stands_for=(provincial_network_security_items,),
)
def network_security_columns(control: list[Any], findings: TableColumns, notices: TableColumns, extranet: TableColumns) -> list[Decimal]:
    """P-3-2 over columns: the items of provincial_network_security_items, counted by kind."""
    finding = findings["finding"]
    if not set(finding) <= {OUTREACH, *TERMINAL_FINDINGS}:
        raise KeyError("a finding the fixture does not know")  # the fixture raises for it: the scalar engine words it
    outreach = findings.per_unit(map(OUTREACH.__eq__, finding))
    # Items 4 and 5: each terminal once per kind of finding.
    others = list(map(OUTREACH.__ne__, finding))
    pick = itertools.compress
    once = set(zip(pick(findings.unit_of_rows(), others), pick(finding, others), pick(findings["terminal"], others)))
    unregistered, no_antivirus = [0] * len(control), [0] * len(control)
    for (unit, kind), count in collections.Counter(map(operator.itemgetter(0, 1), once)).items():
        (unregistered if TERMINAL_FINDINGS[kind] == NS_UNREGISTERED else no_antivirus)[unit] = count
    unfixed = notices.per_unit(
        [fixed is None or fixed > notified + FIX_WINDOW for fixed, notified in zip(notices["fixed"], notices["notified"])]
    )
    counted = [list(map(operator.not_, control)), outreach, unregistered, no_antivirus, notices.counts, unfixed, extranet.counts]
    kinds = (NS_REALNAME, NS_OUTREACH, NS_UNREGISTERED, NS_NO_ANTIVIRUS, NS_VULNERABILITY, NS_UNFIXED, NS_EXTRANET)
    # Only the amounts count: kinds deducting the same amount (to the digit) are one count, one
    # kind standing for them.
    groups: dict[str, list[int]] = {}
    for k, kind in enumerate(kinds):
        groups.setdefault(str(NETWORK.per[kind]), []).append(k)
    first = [kinds[group[0]] for group in groups.values()]
    keys = list(zip(*[list(map(sum, zip(*[counted[k] for k in group]))) for group in groups.values()]))
    return _once_per_key(keys, lambda key: network_security(_items(*zip(first, key))))


class _Incident(NamedTuple):
    rectified_on_time: bool


@column_form(incident_feedback, reads=("provincial_security_incidents",))
def incident_feedback_columns(incidents: TableColumns) -> list[Decimal]:
    """P-3-3-1 over columns: the incidents not rectified and fed back on time."""
    late = incidents.per_unit(map(operator.not_, incidents["rectified_on_time"]))
    return _once_per_key(late, lambda n: incident_feedback((_Incident(False),) * n))


@column_form(platform_login, reads=("provincial_platform_login_misses",), stands_for=(provincial_login_miss_items,))
def platform_login_columns(misses: TableColumns) -> list[Decimal]:
    """P-3-3-3 over columns: the missed logins."""
    return _once_per_key(misses.counts, lambda n: platform_login(_items((LOGIN_MISS, n))))


@column_form(secrecy, reads=("provincial_secrecy_violations",), stands_for=(provincial_secrecy_items,))
def secrecy_columns(violations: TableColumns) -> list[Decimal]:
    """P-3-4 over columns: the breaches found (the leak veto is the veto's)."""
    return _once_per_key(violations.counts, lambda n: secrecy(_items((SECRECY_VIOLATION, n))))
