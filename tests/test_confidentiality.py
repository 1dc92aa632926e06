"""Confidential data never reaches a public surface: pages, API (every format), feeds,
schema, docs. One canary string is planted in a proposal, a staff-only deadline, a
person's e-mail and a draft artifact, then every public URL is fetched anonymously."""

import pytest
from django.urls import reverse

from proposals.models import Deadline
from tests.artifacts.factories import ArtifactCreatorFactory, ArtifactFactory
from tests.proposals.factories import (
    AwardFactory,
    AwardInvestigatorFactory,
    CycleFactory,
    DeadlineFactory,
    OrganizationFactory,
    PersonFactory,
    ProposalFactory,
)

CANARY = "canary-e41d7"
ARTIFACT_FORMATS = [
    "application/json",
    "application/ld+json",
    "application/vnd.datacite.datacite+json",
    "application/x-bibtex",
    "application/x-cff+yaml",
]


@pytest.mark.django_db
def test_no_public_url_reveals_the_canary(client):
    cycle = CycleFactory()
    award = AwardFactory(cycle=cycle, institution=OrganizationFactory())
    person = PersonFactory(email=f"{CANARY}@example.edu")
    AwardInvestigatorFactory(award=award, person=person)
    artifact = ArtifactFactory(award=award, slug="public-one")
    ArtifactCreatorFactory(artifact=artifact, person=person)
    award.proposal = ProposalFactory(cycle=cycle, title=f"Proposal {CANARY}", abstract=CANARY)
    award.save()
    ProposalFactory(cycle=cycle, title=f"Other {CANARY}", decision_note=CANARY)
    DeadlineFactory(cycle=cycle)
    DeadlineFactory(cycle=cycle, label=f"Panel {CANARY}", visibility=Deadline.Visibility.STAFF)
    ArtifactFactory(award=award, slug="draft-one", title=f"Draft {CANARY}", status="draft",
                    published_at=None)  # fmt: skip

    pages = [
        reverse("artifacts:home"),
        reverse("artifacts:list"),
        reverse("artifacts:list") + "?q=draft",
        reverse("artifacts:detail", args=[artifact.slug]),
        reverse("artifacts:cite-bibtex", args=[artifact.slug]),
        reverse("artifacts:cite-cff", args=[artifact.slug]),
        reverse("artifacts:project-list"),
        reverse("artifacts:project-detail", args=[award.award_number]),
        reverse("artifacts:cycle-list"),
        reverse("artifacts:feed-atom"),
        reverse("artifacts:feed-rss"),
        reverse("artifacts:feed-deadlines"),
        reverse("artifacts:feed-cycle-deadlines", args=[cycle.pk]),
        reverse("api-schema"),
        reverse("api-docs"),
        "/api/v1/",
        "/api/v1/artifacts/",
        "/api/v1/artifacts/?q=draft",
        "/api/v1/awards/",
        f"/api/v1/awards/{award.award_number}/",
        "/api/v1/cycles/",
        f"/api/v1/cycles/{cycle.pk}/",
        "/api/v1/deadlines/",
        "/api/v1/organizations/",
        "/healthz",
    ]
    fetched = [(url, client.get(url)) for url in pages]
    fetched += [
        (f"artifact as {media_type}", client.get(f"/api/v1/artifacts/{artifact.slug}/",
                                                 HTTP_ACCEPT=media_type))
        for media_type in ARTIFACT_FORMATS
    ]  # fmt: skip
    for what, response in fetched:
        assert response.status_code == 200, what
        assert CANARY not in response.content.decode(), what
    # The draft has no public address at all.
    assert client.get("/api/v1/artifacts/draft-one/").status_code == 404
    assert client.get(reverse("artifacts:detail", args=["draft-one"])).status_code == 404
