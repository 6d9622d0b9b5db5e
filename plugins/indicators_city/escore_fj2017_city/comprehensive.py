"""fj2017 设区市政府、平潭综合实验区管委会 — 综合应用 (70 = 40 + 15 + 15, READING reading R-A).

Codes, titles and maxima follow the reconstruction ``seed-comprehensive`` (codes ``C-…``).
Every citation is a verbatim substring of the notice (``notice.txt`` with newlines removed).
Rows whose rule the source does not recover are assessor-graded (READING decision 2).
"""

from typing import Any

from escore import N_, Award, Binary, Deduction, Graded, Item, Proportional, Score, cite, gettext, group, indicator

TABLE = "2017年度福建省电子政务绩效考核指标（综合应用部分）"
CITY = "二、设区市政府综合应用部分指标"

#: 综合应用考核采取单位自评上报、日常监测和现场检查相结合方式 — used where a row states no method.
NOTICE_METHODS = ("self_report", "monitoring", "inspection")
PLATFORM_METHODS = ("self_report", "online_check")  # 自评上报、网上核查
SECURITY_METHODS = ("self_report", "monitoring", "inspection")  # 自评上报、日常监察和现场检查
NO_RULE = N_("the source states no scoring rule for these points, so they are assessor-graded (READING decision 2).")
CAP_NOTE = N_("Capped at the class maximum by the rule cited on C-1-1 (以上如分项合计如超出本分项最高分值，则按最高分值计算).")


def _cite(text, clause, note=""):
    return cite(text, document=TABLE, clause=f"{CITY} · {clause}", note=note)


# ============================================================ C-1 信息化应用绩效 (40)

C1 = group("C-1", "信息化应用绩效", max=40, source=_cite("信息化应用绩效（40）视频会议（10）", "一级指标"))

# ------------------------------------------------------------ C-1-1 公共平台建设情况 (20)
C1_1 = group(
    "C-1-1",
    "公共平台建设情况",
    max=20,
    parent="C-1",
    methods=PLATFORM_METHODS,
    source=_cite("以上如分项合计如超出本分项最高分值，则按最高分值计算。", "公共平台建设情况 · 分值计算"),
)
IOT = Award("C-1-1-1 物联网服务", cap=4, per={"platform": 1})
BASIC_NETWORK = Award("C-1-1-2 基础网络服务", cap=4, per={"platform": "0.5"})
CLOUD = Award("C-1-1-3 云计算服务", cap=3, per={"platform": 1})
INFO_RESOURCE = Award("C-1-1-4 信息资源服务平台", cap=3, per={"platform": "0.5"})
APP_SYSTEM = Award("C-1-1-5 公共应用系统服务", cap=4, per={"platform": "0.5"})
SECURITY_PLATFORMS = Award("C-1-1-6 安全保障服务", cap=2, per={"platform": "0.5"})


def _platforms(rule, names):
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ValueError(gettext("a platform counts once; listed more than once: {0}").format(", ".join(repeated)))
    return rule.score(Item(N_("platform"), name) for name in names)


@indicator(
    "C-1-1-1",
    "物联网服务",
    max=4,
    parent="C-1-1",
    methods=PLATFORM_METHODS,
    source=_cite("1.物联网服务，4分；1个平台得1分。", "公共平台建设情况 · 分值计算1", CAP_NOTE),
)
def platforms_iot(city_platforms_iot) -> Score:
    return _platforms(IOT, city_platforms_iot)


@indicator(
    "C-1-1-2",
    "基础网络服务",
    max=4,
    parent="C-1-1",
    methods=PLATFORM_METHODS,
    source=_cite("2.基础网络服务，4分；1个平台，0.5分。", "公共平台建设情况 · 分值计算2", CAP_NOTE),
)
def platforms_basic_network(city_platforms_basic_network) -> Score:
    return _platforms(BASIC_NETWORK, city_platforms_basic_network)


@indicator(
    "C-1-1-3",
    "云计算服务",
    max=3,
    parent="C-1-1",
    methods=PLATFORM_METHODS,
    source=_cite("3.云计算服务，3分；1个平台得1分。", "公共平台建设情况 · 分值计算3", CAP_NOTE),
)
def platforms_cloud(city_platforms_cloud) -> Score:
    return _platforms(CLOUD, city_platforms_cloud)


@indicator(
    "C-1-1-4",
    "信息资源服务平台",
    max=3,
    parent="C-1-1",
    methods=PLATFORM_METHODS,
    source=_cite("4.信息资源服务平台，3分；1个平台得0.5分。", "公共平台建设情况 · 分值计算4", CAP_NOTE),
)
def platforms_info_resource(city_platforms_info_resource) -> Score:
    return _platforms(INFO_RESOURCE, city_platforms_info_resource)


@indicator(
    "C-1-1-5",
    "公共应用系统服务",
    max=4,
    parent="C-1-1",
    methods=PLATFORM_METHODS,
    source=_cite("5.公共应用系统服务，4分；1个平台得0.5分。", "公共平台建设情况 · 分值计算5", CAP_NOTE),
)
def platforms_app_system(city_platforms_app_system) -> Score:
    return _platforms(APP_SYSTEM, city_platforms_app_system)


@indicator(
    "C-1-1-6",
    "安全保障服务",
    max=2,
    parent="C-1-1",
    methods=PLATFORM_METHODS,
    source=_cite(
        "6.安全保障服务：2分，1个平台0.5分。以上如分项合计如超出本分项最高分值，则按最高分值计算。", "公共平台建设情况 · 分值计算6"
    ),
)
def platforms_security(city_platforms_security) -> Score:
    return _platforms(SECURITY_PLATFORMS, city_platforms_security)


# ------------------------------------------------------------ C-1-2 数据中心整合 (10)
DATA_CENTRE = Binary(
    "C-1-2 数据中心整合",
    10,
    yes=N_("integration started and the implementation plan formally issued"),
    no=N_("plan not formally issued or integration not started"),
)


@indicator(
    "C-1-2",
    "数据中心整合",
    max=10,
    parent="C-1",
    methods=["self_report", "inspection"],  # 自评上报和现场检查
    source=_cite(
        "分值计算：启动本辖区部门数据中心整合工作，正式印发设区市数据中心整合实施方案的，得10分；未制定的，不得分。",
        "数据中心整合 · 分值计算",
        N_("Both conditions are required; a drafted but unissued plan scores 0 (seed A17)."),
    ),
)
def data_centre(city_data_centre_plan_issued, city_data_centre_work_started) -> Score:
    return DATA_CENTRE.score(city_data_centre_plan_issued and city_data_centre_work_started)


# ------------------------------------------------------------ C-1-3 视频会议 (10)
VIDEO_METHODS = ("self_report", "online_monitoring", "inspection")  # 自评上报、在线监测和现场检查
ROLLUP_NOTE = N_("County findings count against the parent city (READING decision 5); each item 1–6 is its own bucket, floored at 0.")

C1_3 = group(
    "C-1-3",
    "视频会议",
    max=10,
    parent="C-1",
    methods=VIDEO_METHODS,
    source=_cite("分值计算：设区市所属县市区出现扣分情况从所属设区市中扣相应分数。", "视频会议 · 分值计算", ROLLUP_NOTE),
)
VIDEO_ROLLCALL = Deduction("C-1-3-1 调试点名", max=1, per={"rollcall_absent": "0.05", "rollcall_late": "0.05"})
VIDEO_ORDER = Deduction(
    "C-1-3-2 会场秩序与画面", max=2, per={"venue_nonconforming": "0.05", "picture_poor": "0.05", "attendee_misconduct": "0.05"}
)
VIDEO_HD_ROOMS = Deduction("C-1-3-3 高清视频会议室", max=1, per={"hd_room_missing": "0.05"})
VIDEO_ROOM_CONDITIONS = Deduction("C-1-3-4 会议室条件", max=2, per={"room_condition_missing": "0.1"})
VIDEO_STAFFING = Deduction("C-1-3-5 分管领导和专职人员", max=2, per={"no_leader_or_staff": "0.5"})
VIDEO_INSTALL = Deduction("C-1-3-6 安装调测配合", max=2, per={"install_noncooperation": "0.5"})


def _video(rule, items):
    return rule.score(item for item in items if item.kind in rule.per)


@indicator(
    "C-1-3-1",
    "调试点名缺席迟到",
    max=1,
    parent="C-1-3",
    methods=VIDEO_METHODS,
    source=_cite("1.在省政府召开的视频会议会前半天及会前两小时调试点名中，缺席和迟到每次扣0.05分，总分1分。", "视频会议 · 分值计算1"),
)
def video_rollcall(city_video_items) -> Score:
    return _video(VIDEO_ROLLCALL, city_video_items)


@indicator(
    "C-1-3-2",
    "会场秩序与画面",
    max=2,
    parent="C-1-3",
    methods=VIDEO_METHODS,
    source=_cite(
        "2.会场秩序不符要求，会场桌椅、背景、照明、摄像头位置不符要求，画面质量较差、画面偏转移动消失、无关音视频干扰每次扣0.05分；"
        "发现参会人员交头接耳、睡觉、抽烟、看书、看报、玩手机等情况每次扣0.05分，总分2分。",
        "视频会议 · 分值计算2",
    ),
)
def video_order(city_video_items) -> Score:
    return _video(VIDEO_ORDER, city_video_items)


@indicator(
    "C-1-3-3",
    "高清视频会议室配备",
    max=1,
    parent="C-1-3",
    methods=VIDEO_METHODS,
    source=_cite(
        "3.未按福建省政务视频会议公共平台项目建设要求辖区内每个县市区配备好三个高清视频会议室的，每缺少一个扣0.05分，总分1分。",
        "视频会议 · 分值计算3",
        N_("One finding per missing room, recorded against the county that lacks it."),
    ),
)
def video_hd_rooms(city_video_items) -> Score:
    return _video(VIDEO_HD_ROOMS, city_video_items)


@indicator(
    "C-1-3-4",
    "会议室条件",
    max=2,
    parent="C-1-3",
    methods=VIDEO_METHODS,
    source=_cite(
        "4.高清视频会议室均应具备召开视频会议的条件，包括：高清显示设备（高清电视、高清投影仪等）、音频设备、网络综合布线等，每缺少一项扣0.1分，总分2分。",
        "视频会议 · 分值计算4",
        N_("One finding per missing condition per room (seed A20)."),
    ),
)
def video_room_conditions(city_video_items) -> Score:
    return _video(VIDEO_ROOM_CONDITIONS, city_video_items)


@indicator(
    "C-1-3-5",
    "分管领导和专职人员",
    max=2,
    parent="C-1-3",
    methods=VIDEO_METHODS,
    source=_cite(
        "5.各设区市及所属县市区需提供配合福建省政务视频会议公共平台项目建设的分管领导和视频会议专职人员，每少一个县市区的，扣0.5分，总分2分。",
        "视频会议 · 分值计算5",
        N_("Deducted once per county (or the city itself) lacking them, however many findings name it (seed A20)."),
    ),
)
def video_staffing(city_video_items) -> Score:
    per_unit: dict[str, Item] = {}  # a county's first such item (its origin), or the city's own
    for item in city_video_items:
        if item.kind == "no_leader_or_staff":
            per_unit.setdefault(item.origin, item)
    return VIDEO_STAFFING.score(per_unit.values())


@indicator(
    "C-1-3-6",
    "高清设备安装调测配合",
    max=2,
    parent="C-1-3",
    methods=VIDEO_METHODS,
    source=_cite(
        "6.高清设备（高清视频MCU、高清视频终端、高清摄像头等）安装调测期间无技术人员配合或者配合度差的，每发现一次扣0.5分，总分2分。",
        "视频会议 · 分值计算6",
    ),
)
def video_install(city_video_items) -> Score:
    return _video(VIDEO_INSTALL, city_video_items)


# ============================================================ C-2 信息资源开发利用绩效 (15)

C2 = group(
    "C-2",
    "信息资源开发利用绩效",
    max=15,
    source=_cite(
        "公共信用信息平台建设（10）政务数据汇聚（5）信息资源开发利用绩效（15）",
        "一级指标",
        N_("Reading R-A: 公共信用信息平台建设 10 + 政务数据汇聚 5; 政务信息资源目录编制 is listed but not scored (READING decision 1)."),
    ),
)

# ------------------------------------------------------------ C-2-1 公共信用信息平台建设 (10)
C2_1 = group(
    "C-2-1",
    "公共信用信息平台建设",
    max=10,
    parent="C-2",
    methods=NOTICE_METHODS,
    source=_cite(
        "公共信用信息平台建设（10）政务数据汇聚（5）信息资源开发利用绩效（15）考核内容：公共信用信息平台信息数据建设及报送情况。",
        "公共信用信息平台建设 · 考核内容",
        N_("The row states no method; the notice-level methods apply (单位自评上报、日常监测和现场检查)."),
    ),
)
CREDIT_COVERAGE = Graded("C-2-1-1 信用信息采集范围覆盖", 5)
#: READING 13: a city with no decision to publish has nothing 未实现: full marks, with a reason.
DUAL_PUBLICITY = Proportional(
    "C-2-1-2 双公示",
    5,
    what=N_("decisions published and pushed within 7 working days"),
    nothing_to_count="full",
    nothing=N_("no 行政许可 or 行政处罚 decision to publish"),
)


@indicator(
    "C-2-1-1",
    "市级信用信息平台采集范围覆盖",
    max=5,
    parent="C-2-1",
    methods=NOTICE_METHODS,
    source=_cite(
        "考核要求：1.市级信用信息平台信用信息采集范围覆盖设区市主要相关市级部门及所辖市（县）。",
        "公共信用信息平台建设 · 考核要求1",
        (N_("Maximum inferred as 10 − 5 (seed A11); "), NO_RULE),
    ),
)
def credit_coverage(city_credit_coverage) -> Score:
    return CREDIT_COVERAGE.score(city_credit_coverage)


@indicator(
    "C-2-1-2",
    "行政许可和行政处罚信息公示与推送",
    max=5,
    parent="C-2-1",
    methods=NOTICE_METHODS,
    source=_cite(
        "2.行政许可和行政处罚等信息自行政决定之日起7个工作日内在设区市信用网站公示并同时推送省公共信用信息平台并在设区市信用平台公示得5分；未实现的，按比例扣分。",
        "公共信用信息平台建设 · 分值计算2",
        N_("按比例扣分 read as 5 × on time ÷ all decisions (seed A14)."),
    ),
)
def credit_dual_publicity(city_credit_dual_publicity_on_time, city_credit_dual_publicity_total) -> Score:
    return DUAL_PUBLICITY.score(city_credit_dual_publicity_on_time, city_credit_dual_publicity_total)


# ------------------------------------------------------------ C-2-2 政务数据汇聚 (5)
C2_2 = group(
    "C-2-2",
    "政务数据汇聚",
    max=5,
    parent="C-2",
    methods=NOTICE_METHODS,
    source=_cite(
        "考核内容：根据《福建省电子政务建设和应用管理办法》，建立数据整合汇聚的工作机制和技术平台",
        "政务数据汇聚 · 考核内容",
        N_("The row states no method; the notice-level methods apply (单位自评上报、日常监测和现场检查)."),
    ),
)
TECH_PLAN = Binary("C-2-2-1 技术方案", 3, yes=N_("technical plan of the city data-sharing platform compiled"), no=N_("no technical plan"))
TENDER = Binary("C-2-2-2 建设启动", 2, yes=N_("construction started: project tender completed"), no=N_("project tender not completed"))


@indicator(
    "C-2-2-1",
    "编制市政务数据汇聚共享平台技术方案",
    max=3,
    parent="C-2-2",
    methods=NOTICE_METHODS,
    source=_cite("分值计算：1.编制市政务数据汇聚共享平台技术方案的，得3分，否则不得分。", "政务数据汇聚 · 分值计算1"),
)
def data_sharing_plan(city_data_sharing_tech_plan) -> Score:
    return TECH_PLAN.score(city_data_sharing_tech_plan)


@indicator(
    "C-2-2-2",
    "平台建设启动（完成项目招标）",
    max=2,
    parent="C-2-2",
    methods=NOTICE_METHODS,
    source=_cite("2.开始市政务数据汇聚共享平台建设启动工作的，以完成项目招标的要求，完成的得2分，否则不得分。", "政务数据汇聚 · 分值计算2"),
)
def data_sharing_tender(city_data_sharing_tender_done) -> Score:
    return TENDER.score(city_data_sharing_tender_done)


# ------------------------------------------------------------ C-2-3 政务信息资源目录编制 (10, not scored)
C2_3 = group(
    "C-2-3",
    "政务信息资源目录编制",
    max=10,
    parent="C-2",
    counted=False,
    methods=NOTICE_METHODS,
    source=_cite(
        "政务信息资源目录编制（10）信息系统安全等级保护（5）安全保障绩效（15）考核内容：市级部门政务信息资源注册登记情况。",
        "政务信息资源目录编制 · 考核内容",
        N_(
            "Listed in the notice with no method and no scoring rule, and no place in the 70 points: not scored in 2017 (READING decision 1)."
        ),
    ),
)

# ============================================================ C-3 安全保障绩效 (15)

C3 = group("C-3", "安全保障绩效", max=15, source=_cite("安全保障绩效（15）网络与信息安全应急处置工作（4）", "一级指标"))

# ------------------------------------------------------------ C-3-1 信息系统安全等级保护 (5)
MLPS = Deduction("C-3-1 等级保护", max=5, per={"system": 1})


@indicator(
    "C-3-1",
    "信息系统安全等级保护",
    max=5,
    parent="C-3",
    methods=SECURITY_METHODS,
    source=_cite(
        "分值计算：本辖区内2017年电子政务建设验收项目已落实信息安全等级保护测评工作的，得5分；每发现1个信息系统不符合的，扣1分,直至5分扣完。",
        "信息系统安全等级保护 · 分值计算",
        N_("One deduction per non-compliant system, however many findings name it."),
    ),
)
def mlps(city_mlps_findings) -> Score:
    # A system is its name and who runs it: two counties' 政务服务分平台 are two systems.
    first: dict[tuple[str, str], Any] = {}  # (system, owner) → its first finding row
    for row in city_mlps_findings:
        first.setdefault((row.system, row.owner or ""), row)
    # The label is a template of the row, formatted (and translated) only when a line is written.
    return MLPS.score(
        Item(N_("system"), N_("{0} ({1}, {2})") if row.owner else N_("{0} ({1})"), args=(row.system, row.date, row.owner))
        for row in first.values()
    )


# ------------------------------------------------------------ C-3-2 政务信息系统安全和政务信息网安全管理 (6)
GOVNET = Graded("C-3-2 政务信息系统和政务信息网安全", 6)


@indicator(
    "C-3-2",
    "政务信息系统安全和政务信息网安全管理",
    max=6,
    parent="C-3",
    methods=NOTICE_METHODS,
    source=_cite(
        "考核要求：政务应用系统是否存在安全漏洞;在政务信息网终端安装违规外联注册器和杀毒软件。",
        "政务信息系统安全和政务信息网安全管理 · 考核要求",
        (N_("The row states no method (the notice-level methods apply), and "), NO_RULE),
    ),
)
def govnet(city_security_govnet) -> Score:
    return GOVNET.score(city_security_govnet)


# ------------------------------------------------------------ C-3-3 网络与信息安全应急处置工作 (4)
C3_3 = group(
    "C-3-3",
    "网络与信息安全应急处置工作",
    max=4,
    parent="C-3",
    methods=SECURITY_METHODS,
    source=_cite(
        "安全保障绩效（15）网络与信息安全应急处置工作（4）考核内容：开展网络与信息安全应急处置工作情况。",
        "网络与信息安全应急处置工作 · 考核内容",
    ),
)
EMERGENCY_PLATFORM = Binary(
    "C-3-3-1 省应急处置平台应用",
    2,
    yes=N_("incidents handled through the provincial emergency platform"),
    no=N_("provincial emergency platform not used"),
)
EMERGENCY_OTHER = Graded("C-3-3-X 其余应急处置工作", 2)


@indicator(
    "C-3-3-1",
    "省网络与信息安全应急处置平台应用",
    max=2,
    parent="C-3-3",
    methods=SECURITY_METHODS,
    source=_cite(
        "分值计算：1.省网络与信息安全应急处置平台应用，2分。利用省网络与信息安全应急处置平台，开展本辖区网络与信息安全事件应急处置工作的，得2分；未开展的，不得分。",
        "网络与信息安全应急处置工作 · 分值计算1",
    ),
)
def emergency_platform(city_emergency_platform_used) -> Score:
    return EMERGENCY_PLATFORM.score(city_emergency_platform_used)


@indicator(
    "C-3-3-X",
    "其余应急处置工作（原文缺失）",
    max=2,
    parent="C-3-3",
    methods=SECURITY_METHODS,
    source=_cite(
        "考核要求：按照《福建省网络与信息安全事件应急处置预案》的要求开展网络与信息安全事件应急处置工作。",
        "网络与信息安全应急处置工作 · 考核要求",
        (N_("Only item 1 (2 points) survives; the remaining 2 points are inferred as 4 − 2 (seed A08), and "), NO_RULE),
    ),
)
def emergency_other(city_emergency_other) -> Score:
    return EMERGENCY_OTHER.score(city_emergency_other)
