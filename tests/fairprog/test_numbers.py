"""The public page "The program in numbers" (/numbers/): public data only, its CSVs, its
query count, and a canary that proves nothing about proposals reaches it."""

from __future__ import annotations

import csv
import io
import json
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from artifacts.models import Artifact, FairnessDimension, LinkState
from proposals.models import Deadline, Proposal
from tests.artifacts.factories import ArtifactFactory
from tests.proposals.factories import (
    AwardFactory,
    CycleFactory,
    DeadlineFactory,
    PersonFactory,
    ProposalFactory,
    ProposalInvestigatorFactory,
)

pytestmark = pytest.mark.django_db

CANARY = "canary-9b3f1"
# A number of proposals that appears nowhere else in the portfolio below.
PLANTED_PROPOSALS = 23


@pytest.fixture
def catalogue():
    cycle = CycleFactory(year=2021)
    award = AwardFactory(cycle=cycle, awarded_amount=Decimal("1250000"))
    AwardFactory(cycle=CycleFactory(program=cycle.program, year=2022),
                 awarded_amount=Decimal("300000"))  # fmt: skip
    gender = FairnessDimension.objects.get(slug="gender")
    ArtifactFactory(award=award, kind=Artifact.Kind.TOOL, link_health=LinkState.OK,
                    dimensions=[gender])  # fmt: skip
    ArtifactFactory(award=award, kind=Artifact.Kind.TOOL, link_health=LinkState.BROKEN)
    ArtifactFactory(award=award, kind=Artifact.Kind.DATASET, link_health=LinkState.REDIRECTED)
    ArtifactFactory(award=award, kind=Artifact.Kind.MODEL, status="draft", published_at=None,
                    link_health=LinkState.OK)  # fmt: skip
    return award


def _specs(body: str) -> dict[str, dict]:
    """The charts' data as the page hands it to the drawing script."""
    found = re.findall(r'<script id="chart-(\w+)-data" type="application/json">(.*?)</script>',
                       body, re.S)  # fmt: skip
    return {key: json.loads(text) for key, text in found}


def _csv(client, chart: str) -> list[list[str]]:
    response = client.get(reverse("numbers"), {"chart": chart, "format": "csv"})
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_numbers_page_shows_the_public_totals(client, catalogue):
    response = client.get(reverse("numbers"))

    assert response.status_code == 200
    assert response.context["totals"] == {
        "projects": 2,
        "awarded": Decimal("1550000"),
        "artifacts": 3,
        "working_links": 2,
    }
    assert "$1,550,000" in response.content.decode()


def test_numbers_page_draws_four_charts_from_their_data(client, catalogue):
    specs = _specs(client.get(reverse("numbers")).content.decode())

    assert sorted(specs) == ["dimensions", "funding", "kinds", "links"]
    assert specs["funding"]["labels"] == [["2021", "1 project"], ["2022", "1 project"]]
    assert specs["funding"]["datasets"][0]["data"] == [1250000.0, 300000.0]


def test_numbers_count_published_artifacts_only(client, catalogue):
    rows = dict(_csv(client, "kinds")[1:])

    assert rows == {
        "Dataset": "1",
        "Fairness metric": "0",
        "Tool": "2",
        "Testing methodology": "0",
        "Model": "0",  # the draft model is not counted
        "Documentation": "0",
        "Other": "0",
    }


def test_numbers_link_health_counts_published_artifacts_by_state(client, catalogue):
    rows = _csv(client, "links")

    assert rows[0] == ["Link health", "Published artifacts"]
    assert dict(rows[1:]) == {
        "Working": "1",
        "Redirected": "1",
        "Unknown (blocked)": "0",
        "Failing": "0",
        "Broken": "1",
        "Not checked yet": "0",
    }


def test_numbers_funding_csv_has_awarded_amounts_by_year(client, catalogue):
    response = client.get(reverse("numbers"), {"chart": "funding", "format": "csv"})

    assert response["Content-Disposition"].startswith('attachment; filename="fairprog-funding-')
    assert _csv(client, "funding") == [
        ["Cycle year", "Awarded (USD)", "Funded projects"],
        ["2021", "1250000.00", "1"],
        ["2022", "300000.00", "1"],
    ]


def test_numbers_page_offers_no_staff_chart(client, catalogue):
    response = client.get(reverse("numbers"), {"chart": "funnel", "format": "csv"})

    assert response.status_code == 404


@pytest.mark.parametrize("rows", [1, 15])
def test_numbers_page_query_count_is_constant(client, count_queries, rows):
    for n in range(rows):
        award = AwardFactory(cycle=CycleFactory())
        ArtifactFactory(award=award, kind=Artifact.Kind.values[n % 7])

    # One query per chart; the totals add up the charts' rows.
    assert count_queries(lambda: client.get(reverse("numbers"))) == 4


def test_numbers_never_reveal_a_proposal_or_how_many_there_are(client, catalogue):
    cycle = CycleFactory(year=2031)
    for n in range(PLANTED_PROPOSALS):
        proposal = ProposalFactory(
            cycle=cycle,
            title=f"Proposal {n} {CANARY}",
            abstract=CANARY,
            status=Proposal.Status.UNDER_REVIEW,
            decision_note=CANARY,
        )
        ProposalInvestigatorFactory(
            proposal=proposal, person=PersonFactory(email=f"{CANARY}{n}@example.edu")
        )
    DeadlineFactory(cycle=cycle, label=f"Panel {CANARY}", visibility=Deadline.Visibility.STAFF)

    page = client.get(reverse("numbers"))
    csvs = [
        client.get(reverse("numbers"), {"chart": key, "format": "csv"})
        for key in ("funding", "kinds", "dimensions", "links")
    ]

    for response in [page, *csvs]:
        assert response.status_code == 200
        body = response.content.decode()
        assert CANARY not in body
        assert "proposal" not in body.lower()
    for spec in _specs(page.content.decode()).values():
        for dataset in spec["datasets"]:
            assert PLANTED_PROPOSALS not in dataset["data"]
    assert "2031" not in page.content.decode()  # a cycle with proposals but no award


@pytest.mark.parametrize("query", ["", "?chart=funnel&format=csv", "?chart=funding&format=csv"])
def test_the_staff_dashboard_and_its_csvs_send_anonymous_users_to_log_in(client, query):
    response = client.get(reverse("admin:index") + query)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_the_site_navigation_links_to_the_numbers(client):
    body = client.get(reverse("artifacts:home")).content.decode()

    assert f'<a href="{reverse("numbers")}"' in body
