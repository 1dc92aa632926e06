"""Suggestions of outputs found by award number: one per work across sources, never one for
what the catalogue has or staff decided, and what accepting, rejecting and merging do."""

import json
from pathlib import Path

import pytest

from artifacts.discovery.awards import NSF, work_matches
from artifacts.discovery.records import Creator, Source, WorkType
from artifacts.discovery.sources import crossref
from artifacts.models import Artifact, Publication, Suggestion
from artifacts.selectors.discovery import (
    award_publications,
    suggestion_pending_count,
    suggestion_pending_counts_by_award,
)
from artifacts.services.discovery import (
    suggestion_accept,
    suggestion_merge,
    suggestion_record,
    suggestion_reject,
)
from artifacts.services.publications import publication_create
from fairprog.errors import DomainError
from proposals.models import Person
from tests.artifacts.factories import ArtifactFactory
from tests.discovery.factories import (
    PublicationFactory,
    SuggestionFactory,
    found_work,
    match,
)
from tests.proposals.factories import AwardFactory, PersonFactory

pytestmark = pytest.mark.django_db

CROSSREF_NSF_WORKS = (
    Path(__file__).resolve().parents[1]
    / "fixtures/discovery/crossref/funders-10.13039-100000001-works-rows5.json"
)


@pytest.fixture
def award():
    return AwardFactory(award_number="2040000")


def _record(award, work, **match_fields):
    return suggestion_record(
        work=work,
        award=award,
        matches=[match(award.award_number, source=work.source, **match_fields)],
        raw={"id": work.source_id, "source": work.source.value},
    )


def test_sources_finding_the_same_doi_make_one_suggestion_with_each_reason(award):
    _record(award, found_work(source=Source.DATACITE, doi="10.5281/ZENODO.7752775"))
    suggestion = _record(
        award,
        found_work(source=Source.OPENALEX, source_id="W4323", doi="10.5281/zenodo.7752775"),
        raw="NSF IIS 2040000",
    )
    assert Suggestion.objects.count() == 1
    assert suggestion is not None
    assert suggestion.key == "doi:10.5281/zenodo.7752775"
    assert [(m["source"], m["raw_award"]) for m in suggestion.matches] == [
        ("datacite", "IIS-2040000"),
        ("openalex", "NSF IIS 2040000"),
    ]
    assert set(suggestion.source_records) == {"datacite", "openalex"}


def test_a_work_without_doi_joins_the_suggestion_with_its_landing_page(award):
    first = _record(award, found_work(source=Source.ZENODO, doi=""))
    assert first is not None
    assert first.key == "url:https://zenodo.org/records/7752775"
    joined = _record(award, found_work(source=Source.DATACITE))
    assert joined is not None
    assert joined.pk == first.pk
    assert joined.doi == "10.5281/zenodo.7752775"
    assert joined.sources == ["zenodo", "datacite"]


def test_recording_the_same_work_twice_changes_nothing(award):
    _record(award, found_work())
    again = _record(award, found_work())
    assert again is not None
    assert len(again.matches) == 1
    assert Suggestion.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_sources_recording_the_same_work_at_once_make_one_suggestion(award):
    import threading

    from django.db import connection, transaction

    recorded, release = threading.Event(), threading.Event()

    def first_source() -> None:
        with transaction.atomic():
            _record(award, found_work(source=Source.DATACITE))
            recorded.set()
            release.wait(10)
        connection.close()

    holder = threading.Thread(target=first_source)
    holder.start()
    recorded.wait(10)
    # The second insert waits on the first's uncommitted row until it commits.
    threading.Timer(0.5, release.set).start()
    try:
        second = _record(award, found_work(source=Source.OPENALEX, source_id="W4323"))
    finally:
        release.set()
        holder.join()
    assert second is not None
    assert Suggestion.objects.count() == 1
    assert Suggestion.objects.get().sources == ["datacite", "openalex"]


@pytest.mark.parametrize(
    "known",
    [
        lambda award: ArtifactFactory(award=award, doi="10.5281/zenodo.7752775"),
        lambda award: ArtifactFactory(
            award=award, landing_url="https://zenodo.org/records/7752775"
        ),
        lambda award: ArtifactFactory(
            award=award, repository_url="https://zenodo.org/records/7752775"
        ),
        lambda award: PublicationFactory(award=award, doi="10.5281/zenodo.7752775"),
    ],
    ids=["artifact-doi", "artifact-landing", "artifact-repository", "publication-doi"],
)
def test_a_work_already_in_the_catalogue_is_not_suggested(award, known):
    known(award)
    assert _record(award, found_work(doi="10.5281/ZENODO.7752775")) is None
    assert not Suggestion.objects.exists()


def test_a_work_without_doi_or_landing_page_is_not_suggested(award):
    assert _record(award, found_work(doi="", url="")) is None
    assert _record(award, found_work(doi="", url="https://example.org/" + "x" * 1000)) is None
    assert not Suggestion.objects.exists()


def test_an_overlong_title_is_cut_and_kept_whole_in_the_source_record(award):
    title = "Fairness " * 200
    suggestion = suggestion_record(
        work=found_work(title=title), award=award, matches=[match("2040000")], raw={"t": title}
    )
    assert suggestion is not None
    assert len(suggestion.title) <= 1000
    assert suggestion.title.endswith("…")
    assert suggestion.source_records["datacite"]["t"] == title


def test_a_rejected_work_never_comes_back(award, staff_user):
    suggestion = _record(award, found_work())
    assert suggestion is not None
    suggestion_reject(suggestion=suggestion, user=staff_user, reason="A test upload, not data.")
    assert _record(award, found_work(source=Source.OPENALEX, doi="10.5281/Zenodo.7752775")) is None
    assert _record(award, found_work(source=Source.ZENODO, doi="")) is None
    suggestion.refresh_from_db()
    assert suggestion.state == Suggestion.State.REJECTED
    assert suggestion.reason == "A test upload, not data."
    assert len(suggestion.matches) == 1


def test_an_accepted_work_is_not_suggested_again(award, staff_user):
    suggestion = _record(award, found_work(work_type=WorkType.ARTICLE, doi="10.1073/pnas.1"))
    assert suggestion is not None
    suggestion_accept(suggestion=suggestion, user=staff_user)
    assert _record(award, found_work(work_type=WorkType.ARTICLE, doi="10.1073/PNAS.1")) is None


def test_accepting_an_article_makes_a_publication_of_the_award(award, staff_user):
    suggestion = _record(
        award,
        found_work(
            source=Source.CROSSREF,
            doi="10.1073/pnas.1915768117",
            url="https://www.pnas.org/doi/10.1073/pnas.1915768117",
            title="Racial disparities in automated speech recognition",
            work_type=WorkType.ARTICLE,
            type_as_given="journal-article",
            venue="Proceedings of the National Academy of Sciences",
            year=2020,
        ),
    )
    assert suggestion is not None
    made = suggestion_accept(suggestion=suggestion, user=staff_user)
    assert isinstance(made, Publication)
    assert made.award == award
    assert made.doi == "10.1073/pnas.1915768117"
    assert made.title == "Racial disparities in automated speech recognition"
    assert made.venue == "Proceedings of the National Academy of Sciences"
    assert made.year == 2020
    assert made.author_names == "Allison Koenecke, Andrew Nam"
    assert made.authors[0]["orcid"] == "0000-0002-1825-0097"
    assert list(award_publications(award)) == [made]
    assert suggestion.state == Suggestion.State.ACCEPTED
    assert suggestion.publication == made
    assert suggestion.decided_by == staff_user
    assert not Artifact.objects.exists()


def test_accepting_a_dataset_makes_a_draft_artifact_prefilled_from_the_record(award, staff_user):
    known_by_orcid = PersonFactory(
        given_name="A.", family_name="Koenecke", orcid="0000-0002-1825-0097"
    )
    known_by_name = PersonFactory(given_name="Andrew", family_name="Nam")
    suggestion = _record(
        award,
        found_work(
            creators=(
                *found_work().creators,
                Creator(name="Lake, Quinten", family_name="", given_name=""),
            ),
            license="cc-by-4.0",
            published=None,
        ),
    )
    assert suggestion is not None
    people_before = Person.objects.count()
    made = suggestion_accept(suggestion=suggestion, user=staff_user)
    assert isinstance(made, Artifact)
    assert made.status == Artifact.Status.DRAFT
    assert made.kind == Artifact.Kind.DATASET
    assert made.award == award
    assert made.title == "Speech recognition disparities: audio snippets and transcripts"
    assert made.summary == "Dataset recorded in DataCite citing award 2040000."
    assert made.doi == "10.5281/zenodo.7752775"
    assert made.license == "CC-BY-4.0"
    assert made.version == "1.1"
    assert made.landing_url == "https://zenodo.org/records/7752775"
    creators = [link.person for link in made.creator_links.order_by("order")]
    assert creators[:2] == [known_by_orcid, known_by_name]
    assert (creators[2].given_name, creators[2].family_name) == ("Quinten", "Lake")
    assert Person.objects.count() == people_before + 1
    assert suggestion.artifact == made


@pytest.mark.parametrize(
    ("work_type", "kind"),
    [
        (WorkType.SOFTWARE, Artifact.Kind.TOOL),
        (WorkType.MODEL, Artifact.Kind.MODEL),
        (WorkType.OTHER, Artifact.Kind.OTHER),
    ],
)
def test_accepting_takes_the_artifact_kind_from_the_work_type(award, staff_user, work_type, kind):
    suggestion = _record(award, found_work(work_type=work_type))
    assert suggestion is not None
    made = suggestion_accept(suggestion=suggestion, user=staff_user)
    assert isinstance(made, Artifact)
    assert made.kind == kind


def test_accepting_leaves_a_licence_that_is_not_spdx_for_staff(award, staff_user):
    suggestion = _record(award, found_work(license="Some custom terms"))
    assert suggestion is not None
    made = suggestion_accept(suggestion=suggestion, user=staff_user)
    assert isinstance(made, Artifact)
    assert made.license == ""


def test_accepting_moves_the_catalogue_version_after_commit(
    award, staff_user, catalogue_moves_after_commit
):
    suggestion = _record(award, found_work())
    assert suggestion is not None
    catalogue_moves_after_commit(lambda: suggestion_accept(suggestion=suggestion, user=staff_user))


def test_accepting_twice_is_refused_with_a_clear_error(award, staff_user):
    suggestion = _record(award, found_work())
    assert suggestion is not None
    suggestion_accept(suggestion=suggestion, user=staff_user)
    stale = Suggestion.objects.get(pk=suggestion.pk)
    with pytest.raises(DomainError, match="it was already accepted; only a pending suggestion"):
        suggestion_accept(suggestion=stale, user=staff_user)
    assert Artifact.objects.count() == 1


@pytest.mark.parametrize(
    ("reason", "message"),
    [("  ", "Give the reason"), ("Not ours.\nReally.", "on one line")],
)
def test_rejecting_needs_a_reason_on_one_line(award, staff_user, reason, message):
    suggestion = _record(award, found_work())
    assert suggestion is not None
    with pytest.raises(DomainError, match=message):
        suggestion_reject(suggestion=suggestion, user=staff_user, reason=reason)
    suggestion.refresh_from_db()
    assert suggestion.state == Suggestion.State.PENDING


def test_merging_marks_the_duplicate_and_moves_its_reasons(award, staff_user):
    into = _record(award, found_work(source=Source.DATACITE))
    duplicate = _record(
        award,
        found_work(source=Source.OPENALEX, doi="", url="https://openalex.org/W4323", title="Alt"),
    )
    assert into is not None
    assert duplicate is not None
    kept = suggestion_merge(suggestion=duplicate, into=into, user=staff_user)
    assert kept.pk == into.pk
    assert kept.sources == ["datacite", "openalex"]
    assert set(kept.source_records) == {"datacite", "openalex"}
    duplicate.refresh_from_db()
    assert duplicate.state == Suggestion.State.MERGED
    assert duplicate.merged_into == kept
    # The duplicate's own address now leads to the suggestion it was merged into.
    again = _record(
        award, found_work(source=Source.OPENALEX, doi="", url="https://openalex.org/W4323")
    )
    assert again is not None
    assert again.pk == kept.pk


def test_merging_a_suggestion_into_itself_is_refused(award, staff_user):
    suggestion = SuggestionFactory(award=award)
    with pytest.raises(DomainError, match="cannot be merged into itself"):
        suggestion_merge(suggestion=suggestion, into=suggestion, user=staff_user)


def test_a_publication_doi_is_recorded_once(award):
    publication_create(award=award, title="First", doi="https://doi.org/10.1145/3442188.3445922")
    with pytest.raises(DomainError, match=r"DOI 10\.1145/3442188\.3445922 is already recorded"):
        publication_create(award=award, title="Again", doi="10.1145/3442188.3445922")


def test_pending_counts_leave_decided_suggestions_out(award):
    other = AwardFactory()
    SuggestionFactory.create_batch(2, award=award)
    SuggestionFactory(award=other)
    SuggestionFactory(award=other, state=Suggestion.State.REJECTED, reason="Not ours.")
    assert suggestion_pending_count() == 3
    assert suggestion_pending_counts_by_award() == {award.pk: 2, other.pk: 1}


def test_a_recorded_crossref_page_makes_one_suggestion_per_work_citing_an_award(staff_user):
    awards = {n: AwardFactory(award_number=n) for n in ("0630250", "0841423", "1203100")}
    body = CROSSREF_NSF_WORKS.read_bytes()
    page = crossref.read_page(body, url="https://api.crossref.org/works?filter=award.number:x")
    items = json.loads(body)["message"]["items"]
    for _ in range(2):  # a second read of the same page changes nothing
        for work, item in zip(page.works, items, strict=True):
            matches = work_matches(work, awards=dict.fromkeys(awards, NSF))
            if matches:
                suggestion_record(
                    work=work, award=awards[matches[0].award_number], matches=matches, raw=item
                )
    acm = Suggestion.objects.get(doi="10.1145/2649387.2649416")
    assert [m["award_number"] for m in acm.matches] == ["0630250", "0841423"]
    assert {m["raw_award"] for m in acm.matches} == {"MCB 0630250, DGE 0841423"}
    assert acm.source_records["crossref"]["DOI"] == "10.1145/2649387.2649416"
    physics = Suggestion.objects.get(award=awards["1203100"])
    assert physics.matches[0]["raw_award"] == "PHY-1203100 (USNA)"
    assert Suggestion.objects.count() == 2
    made = suggestion_accept(suggestion=physics, user=staff_user)
    assert isinstance(made, Publication)
    assert made.doi == "10.1103/physrevc.91.057301"
    assert made.award == awards["1203100"]
    assert made.venue
    assert len(made.authors) == 26
