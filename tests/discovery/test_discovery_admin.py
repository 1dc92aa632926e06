"""The staff queue of suggestions: its list, filters and actions for program staff, and
nothing for staff who may not act."""

import pytest
from django.contrib.auth.models import Permission, User
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from artifacts.discovery.records import WorkType
from artifacts.models import Artifact, Publication, Suggestion
from tests.discovery.factories import DiscoveryRunFactory, PublicationFactory, SuggestionFactory
from tests.proposals.factories import AwardFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:artifacts_suggestion_changelist")


def _titles(response):
    return [suggestion.title for suggestion in response.context["cl"].result_list]


def _act(client, action, suggestions, **data):
    return client.post(
        CHANGELIST,
        {"action": action, "_selected_action": [s.pk for s in suggestions], **data},
        follow=True,
    )


@pytest.mark.parametrize("rows", [1, 20])
def test_suggestion_changelist_query_count_is_constant(
    staff_client, django_assert_num_queries, rows
):
    awards = AwardFactory.create_batch(3)
    for n in range(rows):
        SuggestionFactory(award=awards[n % 3])
    ContentType.objects.clear_cache()
    with django_assert_num_queries(10):
        response = staff_client.get(CHANGELIST)
    assert response.status_code == 200
    assert len(_titles(response)) == rows


def test_suggestion_changelist_filters_by_source_type_award_and_state(staff_client):
    award, other = AwardFactory.create_batch(2)
    SuggestionFactory(title="Zenodo dataset", award=award)
    SuggestionFactory(
        title="Crossref article",
        award=other,
        work_type=WorkType.ARTICLE.value,
        source_records={"crossref": {}, "openalex": {}},
    )
    SuggestionFactory(title="Rejected one", award=award, state="rejected", reason="Not ours.")
    assert _titles(staff_client.get(CHANGELIST, {"source": "openalex"})) == ["Crossref article"]
    assert _titles(staff_client.get(CHANGELIST, {"work_type__exact": "article"})) == [
        "Crossref article"
    ]
    assert sorted(_titles(staff_client.get(CHANGELIST, {"award__id__exact": award.pk}))) == [
        "Rejected one",
        "Zenodo dataset",
    ]
    assert _titles(staff_client.get(CHANGELIST, {"state__exact": "rejected"})) == ["Rejected one"]
    assert _titles(staff_client.get(CHANGELIST, {"q": "crossref"})) == ["Crossref article"]


def test_suggestion_page_shows_the_source_records_escaped(staff_client):
    suggestion = SuggestionFactory(source_records={"datacite": {"title": "<script>x()</script>"}})
    response = staff_client.get(reverse("admin:artifacts_suggestion_change", args=[suggestion.pk]))
    text = response.content.decode()
    assert response.status_code == 200
    assert "&lt;script&gt;x()&lt;/script&gt;" in text
    assert "<script>x()</script>" not in text
    assert "award “2" in text  # why it matched: the raw award string


def test_suggestion_page_offers_no_save_and_a_post_changes_nothing(staff_client):
    suggestion = SuggestionFactory(title="As the index wrote it")
    url = reverse("admin:artifacts_suggestion_change", args=[suggestion.pk])
    assert 'name="_save"' not in staff_client.get(url).content.decode()
    staff_client.post(url, {"title": "Edited", "state": "accepted"})
    suggestion.refresh_from_db()
    assert (suggestion.title, suggestion.state) == ("As the index wrote it", "pending")


def test_accept_action_reports_what_it_made(staff_client):
    dataset, software = SuggestionFactory.create_batch(2)
    software.work_type = WorkType.SOFTWARE.value
    software.save()
    article = SuggestionFactory(work_type=WorkType.ARTICLE.value)
    response = _act(staff_client, "accept", [dataset, software, article])
    assert "Accepted 3: 2 draft artifacts, 1 publication." in response.content.decode()
    assert Artifact.objects.filter(status="draft").count() == 2
    assert Publication.objects.get().award == article.award


def test_accept_action_names_a_suggestion_already_decided(staff_client):
    pending = SuggestionFactory()
    rejected = SuggestionFactory(title="Old upload", state="rejected", reason="A test.")
    text = _act(staff_client, "accept", [pending, rejected]).content.decode()
    assert "Accepted 1: 1 draft artifact." in text
    assert "Cannot accept &quot;Old upload&quot;: it was already rejected" in text


def test_reject_action_asks_for_the_reason_then_rejects(staff_client):
    one, two = SuggestionFactory.create_batch(2)
    form = _act(staff_client, "reject", [one, two])
    assert form.templates[0].name == "admin/artifacts/suggestion/reject.html"
    assert one.title in form.content.decode()
    assert Suggestion.objects.filter(state="pending").count() == 2
    empty = _act(staff_client, "reject", [one, two], reason="")
    assert "This field is required." in empty.content.decode()
    done = _act(staff_client, "reject", [one, two], reason="Conference slides, not data.")
    assert "Rejected 2 suggestions." in done.content.decode()
    one.refresh_from_db()
    assert (one.state, one.reason) == ("rejected", "Conference slides, not data.")


def test_merge_action_keeps_the_suggestion_with_a_doi(staff_client):
    award = AwardFactory()
    without_doi = SuggestionFactory(
        award=award, doi="", url="https://openalex.org/W1", source_records={"openalex": {}}
    )
    with_doi = SuggestionFactory(award=award)
    text = _act(staff_client, "merge", [without_doi, with_doi]).content.decode()
    assert f"Merged &quot;{without_doi.title}&quot; into &quot;{with_doi.title}&quot;." in text
    without_doi.refresh_from_db()
    assert without_doi.merged_into == with_doi
    with_doi.refresh_from_db()
    assert set(with_doi.source_records) == {"zenodo", "openalex"}


def test_merge_action_needs_exactly_two(staff_client):
    only = SuggestionFactory()
    text = _act(staff_client, "merge", [only]).content.decode()
    assert "Select exactly two suggestions of the same work to merge." in text
    only.refresh_from_db()
    assert only.state == "pending"


def test_staff_without_permissions_cannot_see_the_queue(client):
    user = User.objects.create_user("clerk", "clerk@example.org", "pw", is_staff=True)
    client.force_login(user)
    assert client.get(CHANGELIST).status_code == 403


def test_staff_who_may_only_view_cannot_accept(client):
    user = User.objects.create_user("reader", "reader@example.org", "pw", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_suggestion"))
    client.force_login(user)
    suggestion = SuggestionFactory()
    response = client.get(CHANGELIST)
    assert response.status_code == 200
    assert response.context["action_form"] is None  # no action is offered
    _act(client, "accept", [suggestion])
    suggestion.refresh_from_db()
    assert suggestion.state == "pending"
    assert not Artifact.objects.exists()


def test_publication_added_in_the_admin_is_stored_with_a_bare_doi(staff_client):
    award = AwardFactory()
    response = staff_client.post(
        reverse("admin:artifacts_publication_add"),
        {
            "award": award.pk,
            "title": "Fair ranking under uncertainty",
            "doi": "https://doi.org/10.1145/3442188.3445922",
            "authors": '[{"name": "Ashudeep Singh", "orcid": ""}]',
            "venue": "FAccT",
            "year": "2021",
            "url": "",
        },
    )
    assert response.status_code == 302
    publication = Publication.objects.get()
    assert publication.doi == "10.1145/3442188.3445922"
    assert publication.author_names == "Ashudeep Singh"


@pytest.mark.parametrize(
    ("authors", "stored"),
    [
        ("", []),
        ('[{"name": "Ashudeep Singh", "orcid": ""}]', [{"name": "Ashudeep Singh", "orcid": ""}]),
    ],
)
def test_publication_add_form_takes_no_authors_or_a_list(staff_client, authors, stored):
    award = AwardFactory()
    data = {"award": award.pk, "title": "Fair ranking", "doi": "", "authors": authors}
    response = staff_client.post(reverse("admin:artifacts_publication_add"), data)
    assert response.status_code == 302
    assert Publication.objects.get().authors == stored


def test_publication_add_form_refuses_authors_that_are_not_a_list(staff_client):
    award = AwardFactory()
    data = {"award": award.pk, "title": "Fair ranking", "authors": '"Ashudeep Singh"'}
    response = staff_client.post(reverse("admin:artifacts_publication_add"), data)
    assert response.status_code == 200
    assert "Give the authors as a list" in response.content.decode()
    assert not Publication.objects.exists()


def test_program_staff_see_publications_and_the_error_of_a_failed_run(staff_client):
    PublicationFactory.create_batch(3)
    run = DiscoveryRunFactory(status="failed", error="Crossref answered 500 three times.")
    assert staff_client.get(reverse("admin:artifacts_publication_changelist")).status_code == 200
    assert staff_client.get(reverse("admin:artifacts_discoveryrun_changelist")).status_code == 200
    page = staff_client.get(reverse("admin:artifacts_discoveryrun_change", args=[run.pk]))
    assert "Crossref answered 500 three times." in page.content.decode()
