"""Demo rules of the website section: an alternative, parametrize, grading, a veto and a bonus."""

from escore import (
    Alternative,
    Binary,
    Graded,
    Ladder,
    Proportional,
    Score,
    bonus,
    cite,
    group,
    indicator,
    mark,
    param,
    veto,
)

DOC = "Demo assessment notice 2024"

W = group("W", "Website", max=100)
W1 = group("W-1", "Channels", max=40, parent="W")
APP = Ladder.at_least("app", [(4, 20), (2, 10)], otherwise=0, what="rating", unit=" stars")
DESIGN = Graded("design", 4)
PAGES = Proportional("pages", 16, what="pages passing", nothing_to_count="missing")


@indicator(
    "W-1-1",
    "Mobile channel",
    max=20,
    parent="W-1",
    methods=["monitoring"],
    source=cite("app rated ≥4 → 20, ≥2 → 10", document=DOC),
    alternatives=[Alternative("website_app_rating", instead="website_wechat_rating", when="no_app_but_wechat", label="no app: WeChat")],
)
def mobile(website_app_rating) -> Score:
    return APP.score(website_app_rating)


@mark.parametrize(
    "part",
    [param("home", code="W-1-2", title="Home page", max=10), param("search", code="W-1-3", title="Search", max=10)],
)
@indicator("W-1-x", "Site part", max=10, parent="W-1", methods=["online_check"], source=cite("each part works → 10", document=DOC))
def site_part(part, website_pages_ok, website_pages_total) -> Score:
    working = website_pages_ok == website_pages_total if part == "home" else website_pages_ok > 0
    return Binary(f"part {part}", 10).score(working)


@indicator("W-2", "Design", max=4, parent="W", methods=["inspection"], source=cite("design graded by the assessor, 4 points", document=DOC))
def design(website_design) -> Score:
    return DESIGN.score(website_design)


@indicator(
    "W-3", "Page quality", max=16, parent="W", methods=["online_check"], source=cite("16 × passing pages ÷ pages checked", document=DOC)
)
def pages(website_pages_ok, website_pages_total) -> Score:
    return PAGES.score(website_pages_ok, website_pages_total)


@indicator("W-4", "Security", max=40, parent="W", methods=["inspection"], source=cite("no incident → 40", document=DOC))
def security(website_leak) -> Score:
    return Binary("security", 40, yes="no incident", no="incident").score(not website_leak)


@veto("V-1", "Data leak", targets=["W-1"], source=cite("a leak zeroes the channel points", document=DOC))
def leak_veto(website_leak) -> str | None:
    return "personal data leaked" if website_leak else None


@bonus("W-B", "Public vote", max=1, methods=["public_vote"], source=cite("top 3 of the vote: +1", document=DOC))
def vote(website_vote_rank) -> Score:
    return Binary("vote", 1, yes=f"rank {website_vote_rank} in the top 3", no=f"rank {website_vote_rank}, not in the top 3").score(
        website_vote_rank <= 3
    )
