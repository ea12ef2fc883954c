"""Agent quality (STATS-5): a seeded monthly sample per agent, checklist scores, scores per
agent per month; only inspectors and supervisors score; an agent sees their own scores."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from hotline.core.errors import Conflict, InvalidInput, PermissionDenied
from hotline.quality import services as svc
from hotline.quality.models import SampledTicket
from tests.factories import UserFactory
from tests.quality.helpers import Api, register

pytestmark = pytest.mark.django_db

OCT = date(2026, 10, 1)
FULL = {"courtesy": 5, "accuracy": 4, "classification": 5, "completeness": 3}


@pytest.fixture
def agents(centre):
    """Two agents with 8 and 3 tickets in October, one ticket in November."""
    lin = UserFactory(username="lin", unit=centre, roles=["agent"])
    zhou = UserFactory(username="zhou", unit=centre, roles=["agent"])
    for day in range(1, 9):
        register(lin, when=f"2026-10-{day:02d} 09:00", phone=f"1390000{day:04d}")
    for day in range(1, 4):
        register(zhou, when=f"2026-10-{day + 10:02d} 09:00")
    register(lin, when="2026-11-01 00:10")  # next month, local time
    register(lin, when="2026-10-31 23:50")  # still October in Beijing
    return lin, zhou


@pytest.mark.req("STATS-5")
def test_the_sample_is_reproducible_per_agent_and_month(agents):
    """STATS-5: the same seed draws the same tickets; each agent gets at most N of their own."""
    _lin, _zhou = agents
    first = svc.sample_draw(month=OCT, per_agent=4, seed=7)
    picked = sorted(SampledTicket.objects.values_list("ticket__number", flat=True))
    assert [(a.agent, a.sampled, a.registered) for a in first.agents] == [
        ("lin", 4, 9),
        ("zhou", 3, 3),
    ]
    assert set(SampledTicket.objects.values_list("seed", flat=True)) == {7}
    for row in SampledTicket.objects.select_related("ticket"):
        assert row.ticket.registered_by_id == row.agent_id
    SampledTicket.objects.all().delete()
    svc.sample_draw(month=OCT, per_agent=4, seed=7)
    assert sorted(SampledTicket.objects.values_list("ticket__number", flat=True)) == picked
    # A rerun keeps the sample; another seed for a drawn month is refused.
    again = svc.sample_draw(month=OCT, per_agent=4)
    assert again.seed == 7 and SampledTicket.objects.count() == 7
    with pytest.raises(Conflict):
        svc.sample_draw(month=OCT, per_agent=4, seed=8)


@pytest.mark.req("STATS-5")
def test_the_default_seed_is_the_month(agents):
    assert svc.sample_draw(month=OCT, per_agent=2).seed == 202610


@pytest.mark.req("STATS-5")
def test_the_command_prints_one_line_per_agent(agents, capsys):
    call_command("quality", "sample", "--month", "2026-10", "--per-agent", "2", "--seed", "3")
    out = capsys.readouterr().out.splitlines()
    assert out == ["month 2026-10 seed 3", "lin 2 9", "zhou 2 3"]
    with pytest.raises(CommandError):
        call_command("quality", "sample", "--month", "2026-13")


@pytest.mark.req("STATS-5")
def test_scoring_needs_every_item_and_the_right_role(agents, inspector, supervisor):
    lin, _ = agents
    svc.sample_draw(month=OCT, per_agent=1, seed=1)
    sample = SampledTicket.objects.get(agent=lin)
    with pytest.raises(PermissionDenied):
        svc.review_score(actor=lin, sample=sample, scores=FULL)
    with pytest.raises(InvalidInput):
        svc.review_score(actor=inspector, sample=sample, scores={"courtesy": 5})
    with pytest.raises(InvalidInput):
        svc.review_score(actor=inspector, sample=sample, scores={**FULL, "courtesy": 6})
    review = svc.review_score(
        actor=inspector, sample=sample, scores=FULL, notes={"completeness": "未记录地址"}
    )
    assert review.score == 85.0 and review.notes == {"completeness": "未记录地址"}
    with pytest.raises(Conflict):
        svc.review_score(actor=supervisor, sample=sample, scores=FULL)


@pytest.mark.req("STATS-5")
def test_the_agent_scores_contract(agents, inspector, supervisor):
    lin, zhou = agents
    svc.sample_draw(month=OCT, per_agent=2, seed=5)
    boss, checker, own = Api(supervisor), Api(inspector), Api(lin)
    lin_tickets = list(
        SampledTicket.objects.filter(agent=lin).values_list("ticket__number", flat=True)
    )
    body = {"ticket": lin_tickets[0], "scores": FULL, "notes": {"courtesy": "语气生硬"}}
    assert own.post("/quality/reviews", body).status_code == 403
    bad = checker.post("/quality/reviews", {**body, "scores": {**FULL, "accuracy": 9}})
    assert bad.status_code == 400 and set(bad.json()) >= {"code", "message"}
    assert checker.post("/quality/reviews", {**body, "scores": {"courtesy": 1}}).status_code == 400
    assert checker.post("/quality/reviews", [1, 2]).status_code == 400
    unsampled = checker.post("/quality/reviews", {**body, "ticket": "20990101-000001"})
    assert unsampled.status_code == 404
    created = checker.post("/quality/reviews", body)
    assert created.status_code == 201, created.content
    assert created.json()["score"] == 85.0 and created.json()["agent"] == "lin"
    assert checker.post("/quality/reviews", body).status_code == 409
    second = {"ticket": lin_tickets[1], "scores": {k: 5 for k in FULL}}
    assert boss.post("/quality/reviews", second).status_code == 201

    listed = checker.get("/quality/agents", month="2026-10").json()
    assert listed == {
        "results": [
            {"agent": "lin", "sampled": 2, "scored": 2, "score": 92.5},
            {"agent": "zhou", "sampled": 2, "scored": 0, "score": None},
        ]
    }
    # An agent sees their own row only; a unit officer sees none.
    assert own.get("/quality/agents", month="2026-10").json()["results"] == [
        {"agent": "lin", "sampled": 2, "scored": 2, "score": 92.5}
    ]
    assert Api(zhou).get("/quality/reviews", month="2026-10").json()["results"][0]["agent"] == (
        "zhou"
    )
    assert checker.get("/quality/agents", month="2026-13").status_code == 400
    assert checker.get("/quality/agents", month="october").status_code == 400
    assert checker.get("/quality/agents").status_code == 400
    assert checker.get("/quality/agents", month="2026-09").json() == {"results": []}


@pytest.mark.req("STATS-5")
def test_the_scores_take_one_query_however_many_agents(
    agents, inspector, django_assert_num_queries
):
    from hotline.quality.selectors import agent_scores

    svc.sample_draw(month=OCT, per_agent=3, seed=5)
    assert inspector.can("ticket.inspect")  # the reader's roles, read once per request
    with django_assert_num_queries(1):
        rows = agent_scores(inspector, OCT)
    assert [r.sampled for r in rows] == [3, 3]


@pytest.mark.req("STATS-5")
def test_an_outsider_sees_no_scores(agents, inspector, unit_officer):
    svc.sample_draw(month=OCT, per_agent=2, seed=5)
    assert Api(unit_officer).get("/quality/agents", month="2026-10").json() == {"results": []}
