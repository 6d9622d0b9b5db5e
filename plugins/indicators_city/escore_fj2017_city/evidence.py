"""The evidence the city 综合应用 rules read.

Per-unit facts live in ``units/<city>.toml`` under ``city.*`` keys (what the city
reports in its 自查自评 and what assessors confirm by 网上核查 or 现场检查);
events found by monitoring and inspection live in CSV monitoring tables, one row
per finding, many units per file. Every name starts with ``city`` because the
fixtures are shared by all fj2017 packs.
"""

from escore import N_, Item, column, field, fixture, table

# --------------------------------------------------------------- C-1-1 公共平台建设情况
# 各设区市参照以上说明，报送已建成、可访问的公共平台以及基于省级公共平台开展应用情况: one name per
# built, accessible platform (or application on a provincial platform), each listed once, in one class.
# Each description is written out whole, so that the pack's catalogue can translate it.
platforms_iot = field(
    "city.platforms.iot",
    "list[str]",
    unit="个平台",
    description=N_(
        "built and accessible 物联网服务 (IoT) platforms the city reported and the assessors confirmed by 网上核查 (one name each, listed once)"
    ),
    unique_across="city.platforms",
)
platforms_basic_network = field(
    "city.platforms.basic_network",
    "list[str]",
    unit="个平台",
    description=N_(
        "built and accessible 基础网络服务 (basic network) platforms the city reported and the assessors confirmed by 网上核查 (one name each, listed once)"
    ),
    unique_across="city.platforms",
)
platforms_cloud = field(
    "city.platforms.cloud",
    "list[str]",
    unit="个平台",
    description=N_(
        "built and accessible 云计算服务 (cloud computing, disaster backup) platforms the city reported and the assessors confirmed by 网上核查 (one name each, listed once)"
    ),
    unique_across="city.platforms",
)
platforms_info_resource = field(
    "city.platforms.info_resource",
    "list[str]",
    unit="个平台",
    description=N_(
        "built and accessible 信息资源服务 (information resource) platforms the city reported and the assessors confirmed by 网上核查 (one name each, listed once)"
    ),
    unique_across="city.platforms",
)
platforms_app_system = field(
    "city.platforms.app_system",
    "list[str]",
    unit="个平台",
    description=N_(
        "built and accessible 公共应用系统服务 (common application system) platforms the city reported and the assessors confirmed by 网上核查 (one name each, listed once)"
    ),
    unique_across="city.platforms",
)
platforms_security = field(
    "city.platforms.security",
    "list[str]",
    unit="个平台",
    description=N_(
        "built and accessible 安全保障服务 (security) platforms the city reported and the assessors confirmed by 网上核查 (one name each, listed once)"
    ),
    unique_across="city.platforms",
)

# --------------------------------------------------------------- C-1-2 数据中心整合
data_centre_plan_issued = field(
    "city.data_centre.plan_issued",
    "bool",
    description=N_("设区市数据中心整合实施方案 has been formally issued (正式印发), not merely drafted"),
)
data_centre_work_started = field(
    "city.data_centre.work_started",
    "bool",
    description=N_("integration of the departments' data centres in the city's jurisdiction has started (启动整合工作)"),
)

# --------------------------------------------------------------- C-1-3 视频会议
#: Kinds of video-conference findings, by the C-1-3 item whose bucket they deduct from (what
#: each means is in the ``kind`` column's description). Marked so that a deduction line names
#: the kind in the command's language; the value written in the CSV is the key itself.
VIDEO_KINDS = (
    N_("rollcall_absent"),
    N_("rollcall_late"),
    N_("venue_nonconforming"),
    N_("picture_poor"),
    N_("attendee_misconduct"),
    N_("hd_room_missing"),
    N_("room_condition_missing"),
    N_("no_leader_or_staff"),
    N_("install_noncooperation"),
)

#: Findings of the provincial video-conference monitoring and inspection. A row may name a
#: county: it then counts against the county's city (设区市所属县市区出现扣分情况从所属设区市中扣相应分数).
video_incidents = table(
    "city_video_incidents",
    column("date", "date", since_assessment_year=True, description=N_("day of the conference, roll-call or inspection")),
    column(
        "kind",
        "enum",
        choices=VIDEO_KINDS,
        description=N_(
            "what was found: "
            "rollcall_absent = C-1-3-1 absent from the roll-call half a day or two hours before a provincial video conference (缺席); "
            "rollcall_late = C-1-3-1 late for that roll-call (迟到); "
            "venue_nonconforming = C-1-3-2 venue order, tables and chairs, backdrop, lighting or camera position not as required; "
            "picture_poor = C-1-3-2 poor picture, picture turned, moving or lost, unrelated audio or video; "
            "attendee_misconduct = C-1-3-2 attendees chatting, sleeping, smoking, reading, on the phone; "
            "hd_room_missing = C-1-3-3 one of the three HD video-conference rooms a county must have is missing; "
            "room_condition_missing = C-1-3-4 an HD room lacks one required condition (HD display, audio, cabling, ...); "
            "no_leader_or_staff = C-1-3-5 a county (or the city) names no 分管领导 or no full-time video-conference staff; "
            "install_noncooperation = C-1-3-6 no technician, or poor cooperation, while HD equipment was installed and tested"
        ),
    ),
    column("detail", "str", required=False, description=N_("the finding in the monitor's words (conference, room, item)")),
    description=N_("video-conference findings (one row each) against a city or one of its counties; county rows roll up to the city"),
    rollup=True,
    # 每个县市区配备好三个高清视频会议室: a county can miss at most its three rooms.
    rows_at_most=("kind", {"hd_room_missing": 3}),
)


@fixture
def city_video_items(city_video_incidents, unit, subunits):
    """The unit's video findings as deduction items; a county's row names the county (READING decision 5)."""
    names = {sub.code: sub.name for sub in subunits}
    return tuple(
        Item(
            row.kind,
            f"{row.date} {row.detail}" if row.detail else str(row.date),
            origin="" if row.unit == unit.code else f"{names.get(row.unit, '')} {row.unit}".strip(),
        )
        for row in city_video_incidents
    )


# --------------------------------------------------------------- C-2-1 公共信用信息平台建设
credit_coverage = field(
    "city.credit.coverage",
    "graded",
    unit="分",
    min=0,
    max=5,
    description=N_(
        "assessor's points (0–5) and reason for how far the city credit platform's collection covers the main city departments and the counties"
    ),
)
credit_dual_publicity_on_time = field(
    "city.credit.dual_publicity_on_time",
    "int",
    unit="条",
    min=0,
    at_most="city.credit.dual_publicity_total",
    description=N_(
        "行政许可/行政处罚 decisions published on the city credit website and pushed to the provincial platform within 7 working days"
    ),
)
credit_dual_publicity_total = field(
    "city.credit.dual_publicity_total",
    "int",
    unit="条",
    min=0,
    description=N_("行政许可/行政处罚 decisions of the year that had to be published and pushed"),
)

# --------------------------------------------------------------- C-2-2 政务数据汇聚
data_sharing_tech_plan = field(
    "city.data_sharing.tech_plan",
    "bool",
    description=N_("the technical plan of the city 政务数据汇聚共享平台 has been compiled (编制技术方案)"),
)
data_sharing_tender_done = field(
    "city.data_sharing.tender_done",
    "bool",
    description=N_("construction of the platform has started, evidenced by a completed project tender (完成项目招标)"),
)

# --------------------------------------------------------------- C-3 安全保障
#: Systems of the jurisdiction's 2017 accepted e-government projects found without the
#: 等级保护 evaluation (or, if classified, without the 保密局 licence and evaluation report).
mlps_findings = table(
    "city_mlps_findings",
    column("date", "date", since_assessment_year=True, description=N_("day the finding was made")),
    column("system", "str", description=N_("the information system found non-compliant (one deduction per system)")),
    column("owner", "str", required=False, description=N_("department or county that runs the system")),
    column("finding", "str", required=False, description=N_("what was missing")),
    description=N_("等级保护 findings (one row per non-compliant system) of 日常监察 and 现场检查, recorded against the city"),
)
security_govnet = field(
    "city.security.govnet",
    "graded",
    unit="分",
    min=0,
    max=6,
    description=N_(
        "assessor's points (0–6) and reason for 政务信息系统安全和政务信息网安全管理 (vulnerabilities, 违规外联注册器 and antivirus on 政务信息网 terminals)"
    ),
)
emergency_platform_used = field(
    "city.emergency.platform_used",
    "bool",
    description=N_(
        "the city handles its jurisdiction's network and information security incidents through the provincial emergency-handling platform"
    ),
)
emergency_other = field(
    "city.emergency.other",
    "graded",
    unit="分",
    min=0,
    max=2,
    description=N_("assessor's points (0–2) and reason for the rest of 网络与信息安全应急处置工作, whose rule the source does not recover"),
)
