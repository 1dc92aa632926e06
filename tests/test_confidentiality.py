"""Confidential data never reaches a public surface: pages, API (every format), feeds,
schema, docs. One canary string is planted in a proposal, a staff-only deadline, a
person's e-mail, a draft artifact and its links, the link checker's staff-only records
(errors, proposed addresses, check history), staff's internal notes and attachments, and
the names of organizations with no public record (one known only from a draft proposal, a
person's affiliation, a demo institution with no award), then every public URL is fetched
anonymously."""

from typing import Any, cast

import pytest
from django.urls import reverse
from django.utils import timezone

from artifacts import linkcheck
from artifacts.models import Artifact, ArtifactLink
from artifacts.services import links
from proposals.models import Deadline, Organization
from tests.artifacts.factories import ArtifactCreatorFactory, ArtifactFactory
from tests.proposals.factories import (
    AwardFactory,
    AwardInvestigatorFactory,
    CycleFactory,
    DeadlineFactory,
    OrganizationFactory,
    PersonFactory,
    ProposalFactory,
    ProposalInvestigatorFactory,
)

CANARY = "canary-e41d7"
ARTIFACT_FORMATS = [
    "application/json",
    "application/ld+json",
    "application/vnd.datacite.datacite+json",
    "application/x-bibtex",
    "application/x-cff+yaml",
]


def _plant_canaries() -> tuple[Any, Any, Any]:
    """The canary in every confidential place next to public records: an investigator's
    e-mail, proposals, a staff-only deadline, a draft artifact, link-check internals, and
    organizations that have no public record."""
    cycle: Any = CycleFactory()
    award: Any = AwardFactory(cycle=cycle, institution=OrganizationFactory())
    cycle.program.funders.add(OrganizationFactory(name="National Science Foundation"))
    person = PersonFactory(
        email=f"{CANARY}@example.edu", affiliation=OrganizationFactory(name=f"Affiliation {CANARY}")
    )
    AwardInvestigatorFactory(award=award, person=person)
    artifact = ArtifactFactory(award=award, slug="public-one")
    ArtifactCreatorFactory(artifact=artifact, person=person)
    award.proposal = ProposalFactory(cycle=cycle, title=f"Proposal {CANARY}", abstract=CANARY)
    award.save()
    ProposalFactory(cycle=cycle, title=f"Other {CANARY}", decision_note=CANARY)
    ProposalFactory(
        cycle=cycle,
        status="draft",
        lead_institution=OrganizationFactory(name=f"Applicant {CANARY}"),
    )
    OrganizationFactory(name=f"Demo institution {CANARY}")
    DeadlineFactory(cycle=cycle)
    DeadlineFactory(cycle=cycle, label=f"Panel {CANARY}", visibility=Deadline.Visibility.STAFF)
    ArtifactFactory(award=award, slug="draft-one", title=f"Draft {CANARY}", status="draft",
                    published_at=None)  # fmt: skip
    _plant_in_links(artifact, award)
    _plant_in_notes(award)
    return cycle, award, artifact


@pytest.mark.django_db
def test_no_public_url_reveals_the_canary(client):
    cycle, award, artifact = _plant_canaries()

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
        *[
            reverse("artifacts:feed-deadline", args=[pk])
            for pk in Deadline.objects.filter(
                cycle=cycle, visibility=Deadline.Visibility.PUBLIC
            ).values_list("pk", flat=True)
        ],
        reverse("api-schema"),
        reverse("api-docs"),
        "/api/v1/",
        "/api/v1/artifacts/",
        "/api/v1/artifacts/?q=draft",
        "/api/v1/artifacts/?link_health=unchecked&link_health=redirected&link_health=broken",
        reverse("artifacts:list") + "?link=unchecked&link=redirected&link=broken",
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
    assert client.get("/api/v1/artifacts/draft-two/").status_code == 404
    # The staff-only deadline has no calendar of its own.
    staff_only = Deadline.objects.get(visibility=Deadline.Visibility.STAFF, cycle=cycle)
    hidden = client.get(reverse("artifacts:feed-deadline", args=[staff_only.pk]))
    assert hidden.status_code == 404
    assert CANARY not in hidden.content.decode()
    # The public artifact's link health is shown: the canary was there to be found.
    shown = dict(fetched)
    for what in ("artifact as application/json", reverse("artifacts:detail", args=["public-one"])):
        assert "https://zenodo.org/records/4242" in shown[what].content.decode(), what


def _public_pages(cycle: Any, award: Any, artifact: Any) -> list[str]:
    return [
        reverse("artifacts:home"),
        reverse("artifacts:list") + "?q=draft",
        reverse("artifacts:detail", args=[artifact.slug]),
        reverse("artifacts:project-detail", args=[award.award_number]),
        reverse("artifacts:cycle-list"),
        reverse("artifacts:feed-atom"),
        reverse("artifacts:feed-deadlines"),
        "/api/v1/artifacts/?q=draft",
        f"/api/v1/awards/{award.award_number}/",
        "/api/v1/deadlines/",
    ]


RESEARCHER_BACKEND = "sesame.backends.ModelBackend"


@pytest.mark.django_db
def test_a_signed_in_researcher_of_another_award_sees_no_canary(client):
    from proposals.services.researchers import researcher_user

    cycle, award, artifact = _plant_canaries()
    elsewhere = AwardFactory(award_number="2999001")
    other = PersonFactory(email="other-pi@example.org")
    AwardInvestigatorFactory(award=elsewhere, person=other, role="pi")
    client.force_login(researcher_user(other), backend=RESEARCHER_BACKEND)

    pages = [
        *_public_pages(cycle, award, artifact),
        "/my/",
        "/my/projects/2999001/",
        "/my/projects/2999001/outputs/",
        "/my/projects/2999001/artifacts/new/",
        "/my/settings/",
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert CANARY not in response.content.decode(), url
    assert client.get(f"/my/projects/{award.award_number}/").status_code == 404


@pytest.mark.django_db
def test_a_researcher_sees_their_own_drafts_but_no_proposal_e_mail_or_staff_deadline(client):
    from proposals.services.researchers import researcher_user

    _, award, _ = _plant_canaries()
    owner = award.investigators.get().person
    client.force_login(researcher_user(owner), backend=RESEARCHER_BACKEND)

    draft = Artifact.objects.get(slug="draft-one")
    listing = ("/my/", f"/my/projects/{award.award_number}/", f"/my/artifacts/{draft.pk}/edit/")
    for url in (
        *listing,
        f"/my/projects/{award.award_number}/outputs/",
        f"/my/projects/{award.award_number}/artifacts/new/",
        "/my/settings/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        text = response.content.decode()
        if url in listing:  # their own award's draft: theirs to see
            assert f"Draft {CANARY}" in text, url
        for secret in (f"Proposal {CANARY}", f"Other {CANARY}", f"Panel {CANARY}",
                       f"{CANARY}@", f"Applicant {CANARY}", f"Affiliation {CANARY}",
                       f"Note {CANARY}", f"Attachment {CANARY}"):  # fmt: skip
            assert secret not in text, (url, secret)


@pytest.mark.django_db
def test_organizations_without_a_public_record_are_nowhere_public(client):
    """An organization is public through an award or a funded program, never through a
    proposal, an affiliation or its mere existence: not listed, not fetched by id, not a
    filter choice; asking for one by id answers as for any unknown id."""
    _, award, _ = _plant_canaries()
    hidden = list(Organization.objects.filter(name__contains=CANARY).values_list("pk", flat=True))
    assert len(hidden) == 3

    listed = client.get("/api/v1/organizations/").json()["results"]
    assert sorted(o["name"] for o in listed) == sorted(
        ["National Science Foundation", award.institution.name]
    )
    for pk in hidden:
        assert client.get(f"/api/v1/organizations/{pk}/").status_code == 404
        for url in (
            f"/api/v1/awards/?institution={pk}",
            f"/api/v1/artifacts/?institution={pk}",
            f"{reverse('artifacts:list')}?institution={pk}",
            f"{reverse('artifacts:feed-atom')}?institution={pk}",
        ):
            response = client.get(url)
            assert response.status_code == 200, url
            assert CANARY not in response.content.decode(), url
    facet = client.get(reverse("artifacts:list")).context["result"].facets
    choices = next(f for f in facet if f.name == "institution").values
    assert [c.label for c in choices] == [award.institution.name]


def _plant_in_links(artifact, award) -> None:
    """The canary in what the checker keeps for staff only: errors, a proposed new address,
    where a non-DOI link ended up, the redirects of a check; and a draft's links."""
    artifact.repository_url = "https://code.example.org/public-one"
    artifact.doi = "10.5281/zenodo.4242"
    artifact.save()
    links.artifact_links_sync(artifact=artifact)
    by_role = {link.role: link for link in artifact.links.all()}
    email = f"{CANARY}@example.edu"
    links.link_checks_record(
        [
            (
                by_role["landing"],
                linkcheck.CheckResult(
                    url=by_role["landing"].url,
                    outcome="redirected",
                    status_code=200,
                    final_url=f"https://example.org/{CANARY}/landing?contact={email}",
                    redirects=[(301, f"https://example.org/{CANARY}/moved")],
                    error=f"Proposal {CANARY}",
                ),
            ),
            (
                by_role["repository"],
                linkcheck.CheckResult(
                    url=by_role["repository"].url,
                    outcome="broken",
                    status_code=404,
                    final_url=f"https://code.example.org/{CANARY}",
                    error=f"HTTP 404 for {email}",
                ),
            ),
            (
                by_role["doi"],
                linkcheck.CheckResult(
                    url=by_role["doi"].url,
                    outcome="redirected",
                    status_code=200,
                    final_url="https://zenodo.org/records/4242",
                    error=CANARY,
                ),
            ),
        ]
    )
    assert ArtifactLink.objects.filter(proposed_url__contains=CANARY).exists()
    draft = cast(
        Artifact,
        ArtifactFactory(
            award=award,
            slug="draft-two",
            title="Draft with links",
            status="draft",
            published_at=None,
            landing_url=f"https://example.org/{CANARY}/draft",
            doi="10.5281/zenodo.99999",
        ),
    )
    links.artifact_links_sync(artifact=draft)
    ArtifactLink.objects.filter(artifact=draft).update(
        state="ok", last_checked_at=timezone.now(), final_url=f"https://example.org/{CANARY}/doi"
    )
    links.artifacts_health_refresh(artifact_ids=[draft.pk], now=timezone.now())


def _plant_in_notes(award: Any) -> None:
    """Staff's notes and attached files on the award and its proposal, by a staff user whose
    name carries the canary too."""
    from django.contrib.auth.models import User
    from django.core.files.base import ContentFile

    from proposals.services.notes import attachment_add, note_add

    staff = User.objects.create_user(f"staff-{CANARY}", "notes@example.org", is_staff=True)
    for target in (award, award.proposal):
        note_add(target=target, author=staff, text=f"Note {CANARY}")
        upload = ContentFile(f"Attachment {CANARY}\n".encode(), name=f"Attachment {CANARY}.txt")
        attachment_add(target=target, uploaded_by=staff, upload=upload)


@pytest.mark.django_db
def test_notes_and_attachments_reach_no_one_but_staff(client):
    """Anonymous users, the award's own PI and a reviewer get the staff login, never a note,
    the attachments' list or a file."""
    from proposals.models import ReviewAssignment, ReviewerProfile
    from proposals.services.researchers import researcher_user

    _, award, _ = _plant_canaries()
    urls = [
        reverse("admin:proposals_attachment_download", args=[award.attachments.get().pk]),
        reverse("admin:proposals_attachment_changelist"),
        reverse("admin:proposals_award_change", args=[award.pk]),
        reverse("admin:proposals_proposal_change", args=[award.proposal.pk]),
    ]
    reviewer = ReviewerProfile.objects.create(person=PersonFactory(email="rev@example.org"))
    ReviewAssignment.objects.create(proposal=award.proposal, reviewer=reviewer)
    visitors = [None, award.investigators.get().person, reviewer.person]
    for person in visitors:
        if person is not None:
            client.force_login(researcher_user(person), backend=RESEARCHER_BACKEND)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 302, (person, url)
            assert response["Location"].startswith(reverse("admin:login")), (person, url)
            assert CANARY not in response.content.decode(), (person, url)


@pytest.mark.django_db
def test_open_data_reveals_no_canary(client, settings, tmp_path):
    """/data/ and every file it serves, exported from the same kind of canaries."""
    from artifacts.opendata.export import open_data_export
    from artifacts.opendata.snapshot import CONTENT_TYPES

    settings.OPEN_DATA_DIR = tmp_path
    _plant_canaries()
    open_data_export()

    shown = {}
    for url in [
        reverse("artifacts:open-data"),
        *(reverse("artifacts:open-data-file", args=[name]) for name in CONTENT_TYPES),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert CANARY.encode() not in body, url
        shown[url] = body
    # The public artifact and its link health are exported: the canary was there to be found.
    assert b"https://zenodo.org/records/4242" in shown["/data/artifacts.jsonl"]
    assert b"public-one" in shown["/data/artifacts.csv"]


@pytest.mark.django_db
def test_the_program_in_numbers_reveals_no_canary(client):
    """/numbers/ and its CSVs, from the same kind of canaries: nothing about a proposal,
    not even how many there are; the staff dashboard's figures stay behind the login."""
    _plant_canaries()

    numbers = reverse("numbers")
    charts = ("funding", "kinds", "dimensions", "links")
    for url in [numbers, *(f"{numbers}?chart={chart}&format=csv" for chart in charts)]:
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        assert CANARY not in body, url
        assert "proposal" not in body.lower(), url
    # The public artifact is counted (the drafts are not): the page read what was planted.
    assert client.get(numbers).context["totals"]["artifacts"] == 1
    for url in [reverse("admin:index"), reverse("admin:index") + "?chart=funnel&format=csv"]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("admin:login")), url


@pytest.mark.django_db
def test_reviews_reach_no_one_but_staff_and_their_own_reviewer(client):
    """A review, its reviewer, the assignment and a declared conflict, all carrying the canary:
    nowhere public, not on the proposal's PI's pages, not on another reviewer's pages."""
    from proposals.models import ConflictDeclaration, Review, ReviewAssignment, ReviewerProfile
    from proposals.services.researchers import researcher_user

    cycle, award, artifact = _plant_canaries()
    proposal = award.proposal
    pi = award.investigators.get().person
    ProposalInvestigatorFactory(proposal=proposal, person=pi, role="co_pi")
    reviewer = ReviewerProfile.objects.create(
        person=PersonFactory(given_name="Reviewer", family_name=f"Name {CANARY}",
                             email=f"reviewer-{CANARY}@example.org"),
        expertise=[CANARY],
    )  # fmt: skip
    mine = ReviewAssignment.objects.create(proposal=proposal, reviewer=reviewer)
    Review.objects.create(assignment=mine, summary=f"Summary {CANARY}",
                          comments_to_staff=f"Staff {CANARY}", status="submitted")  # fmt: skip
    ConflictDeclaration.objects.create(proposal=proposal, reviewer=reviewer, reason=CANARY)
    other = ReviewerProfile.objects.create(person=PersonFactory(email="other-rev@example.org"))
    theirs = ReviewAssignment.objects.create(proposal=ProposalFactory(cycle=cycle), reviewer=other)

    for url in _public_pages(cycle, award, artifact):
        assert CANARY not in client.get(url).content.decode(), url

    client.force_login(researcher_user(pi), backend=RESEARCHER_BACKEND)
    for url in ("/my/", f"/my/projects/{award.award_number}/"):
        text = client.get(url).content.decode()
        for secret in (f"Summary {CANARY}", f"Staff {CANARY}", f"Name {CANARY}", "reviewer-"):
            assert secret not in text, (url, secret)
    assert client.get(f"/my/reviews/{mine.pk}/").status_code == 404

    client.force_login(researcher_user(other.person), backend=RESEARCHER_BACKEND)
    for url in ("/my/reviews/", f"/my/reviews/{theirs.pk}/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert CANARY not in response.content.decode(), url
    assert client.get(f"/my/reviews/{mine.pk}/").status_code == 404
