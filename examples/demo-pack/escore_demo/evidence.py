"""The evidence the demo rules read: fields of each town's TOML file, one monitoring table, fixtures."""

from escore import column, field, fixture, table

reply_rate = field("service.reply_rate", "decimal", unit="%", min=0, max=100, description="share of requests answered on time")
reply_delay = field("service.median_delay", "int", unit="days", min=0, description="median days to answer a request")
platforms = field("service.platforms", "list[str]", description="shared platforms the town uses")
plan_filed = field("service.plan_filed", "bool", description="the yearly plan was filed on time")
has_app = field("website.has_app", "bool", description="the town runs its own mobile app")
has_wechat = field("website.has_wechat", "bool", description="the town runs a WeChat account")
app_rating = field("website.app_rating", "int", unit="stars", min=0, max=5, description="rating of the mobile app")
wechat_rating = field("website.wechat_rating", "int", unit="stars", min=0, max=5, description="rating of the WeChat account")
design = field("website.design", "graded", max=4, description="assessor's grade of the site design")
leak = field("website.leak", "bool", description="personal data leaked from the site")
pages_ok = field("website.pages_ok", "int", min=0, description="pages that passed the check")
pages_total = field("website.pages_total", "int", min=0, description="pages checked")
vote_rank = field("website.vote_rank", "int", min=1, description="rank in the public vote")

#: Outages found by monitoring; a village's outages count against its town.
outages = table(
    "outages",
    column("date", "date", description="day of the outage"),
    column("hours", "decimal", unit="hours", min=0),
    description="website outages found by daily monitoring",
    rollup=True,
)


@fixture
def no_app_but_wechat(website_has_app, website_has_wechat):
    """注: a town without an app but with a WeChat account is scored on the account."""
    return not website_has_app and website_has_wechat
