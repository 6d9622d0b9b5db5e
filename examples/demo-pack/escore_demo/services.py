"""Demo rules of the services section: tiers, awards, variants, a roll-up deduction."""

from escore import (
    Award,
    Binary,
    Deduction,
    Item,
    Ladder,
    Score,
    cite,
    group,
    indicator,
    mark,
    parameter,
)

DOC = "Demo assessment notice 2024"

S = group("S", "Public services", max=60, source=cite("Public services (60)", document=DOC))
S1 = group("S-1", "Requests", max=30, parent="S")
S2 = group("S-2", "Planning", max=30, parent="S", variant_by="kind")
S2A = group("S-2-A", "Planning (market towns)", max=30, parent="S-2", variant="market")
S2B = group("S-2-B", "Planning (rural towns)", max=30, parent="S-2", variant="rural")
CATALOGUE = group("S-9", "Catalogue (no rule this year)", max=10, counted=False, source=cite("Catalogue (10)", document=DOC))

REPLY_RATE = Ladder.at_least("reply rate", [(100, 10), (80, 6)], otherwise=0, what="reply rate", unit="%")
#: A parameter: indicators receive it by name, and a later year replaces it without copying them.
REPLY_DELAY = parameter(
    "reply_delay_tiers", Ladder.at_most("reply delay", [(3, 10), (7, 5)], otherwise=0, what="median delay", unit=" days")
)
PLATFORM_AWARD = Award("platforms", cap=10, per={"platform": 1})
PLAN = Binary("plan", 30, yes="plan filed on time", no="plan not filed on time")
OUTAGES = Deduction("outages", max=30, per={"outage": "0.05"})


@mark.self_report
@indicator("S-1-1", "Reply rate", max=10, parent="S-1", methods=["monitoring"], source=cite("rate ≥100% → 10, ≥80% → 6", document=DOC))
def reply_rate(service_reply_rate) -> Score:
    return REPLY_RATE.score(service_reply_rate)


@indicator("S-1-2", "Reply delay", max=10, parent="S-1", methods=["monitoring"], source=cite("≤3 days → 10, ≤7 days → 5", document=DOC))
def reply_delay(service_median_delay, reply_delay_tiers) -> Score:
    return reply_delay_tiers.score(service_median_delay)


@indicator(
    "S-1-3",
    "Shared platforms",
    max=10,
    parent="S-1",
    methods=["self_report"],
    source=cite("1 point per platform, at most 10", document=DOC),
)
def platforms(service_platforms) -> Score:
    return PLATFORM_AWARD.score(Item("platform", name) for name in service_platforms)


@indicator("S-2-A-1", "Yearly plan", max=30, parent="S-2-A", methods=["inspection"], source=cite("plan filed → 30", document=DOC))
def plan_market(service_plan_filed) -> Score:
    return PLAN.score(service_plan_filed)


@indicator(
    "S-2-B-1",
    "Outages",
    max=30,
    parent="S-2-B",
    methods=["monitoring"],
    source=cite("deduct 0.05 per outage until zero; villages count", document=DOC),
)
def outages_rural(outages, unit) -> Score:
    # The label is a template of the row, formatted only when the explanation is written.
    return OUTAGES.score(
        Item("outage", "{0.date} {0.hours} h", origin=row.unit if row.unit != unit.code else "", args=(row,)) for row in outages
    )
