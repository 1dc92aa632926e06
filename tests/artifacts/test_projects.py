"""Funded projects' list (search, filters with counts, pagination, stacked rows on phones)
and the public pages of institutions and people: content, constant query counts, hostile
input, and nothing confidential."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from artifacts.selectors import projects
from proposals.models import AwardInvestigator, Deadline
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

pytestmark = pytest.mark.django_db

LIST = "/projects/"


def _text(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def _award_numbers(client, url):
    return re.findall(r'href="/projects/(\d{7})/"', _text(client, url))


@pytest.fixture
def portfolio():
    """Three awards at two institutions in two states and two cycles."""
    cmu = OrganizationFactory(name="Carnegie Mellon University", state="PA", ror_id="05x2bcf33")
    ucla = OrganizationFactory(name="University of California-Los Angeles", state="CA")
    c2020 = CycleFactory(year=2020)
    c2021 = CycleFactory(year=2021)
    dialects = AwardFactory(
        award_number="2040926",
        title="Quantifying Disparities in Language Technologies",
        abstract="Speech recognition across English dialects.",
        institution=cmu,
        cycle=c2020,
        start_date=dt.date(2021, 1, 1),
    )
    AwardInvestigatorFactory(
        award=dialects,
        person=PersonFactory(
            given_name="Graham", family_name="Neubig", orcid="0000-0002-1825-0097"
        ),
    )
    ranking = AwardFactory(
        award_number="2147212",
        title="Fair ranking in hiring",
        abstract="Audits of hiring platforms.",
        institution=cmu,
        cycle=c2021,
        start_date=dt.date(2022, 2, 1),
    )
    health = AwardFactory(
        award_number="2040898",
        title="Equitable clinical prediction",
        abstract="Models for hospitals.",
        institution=ucla,
        cycle=c2020,
        start_date=dt.date(2020, 10, 1),
    )
    AwardInvestigatorFactory(award=health, person=PersonFactory(family_name="Zhou"))
    return {"cmu": cmu, "ucla": ucla, "dialects": dialects, "ranking": ranking, "health": health}


# --- Search ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("q", "found"),
    [
        ("language", ["2040926"]),  # title
        ("HOSPITALS", ["2040898"]),  # abstract, any case
        ("2147212", ["2147212"]),  # award number
        ("neubig", ["2040926"]),  # an investigator's family name
        ("graham", ["2040926"]),  # and given name
        ("carnegie", ["2147212", "2040926"]),  # the institution, newest first
    ],
)
def test_search_matches_title_abstract_number_investigators_and_institution(
    client, portfolio, q, found
):
    assert _award_numbers(client, f"{LIST}?q={q}") == found


def test_search_needs_every_word(client, portfolio):
    assert _award_numbers(client, f"{LIST}?q=carnegie+hiring") == ["2147212"]


def test_search_matches_a_quoted_phrase_whole(client, portfolio):
    assert _award_numbers(client, f"{LIST}?q=hiring+fair") == ["2147212"]
    assert _award_numbers(client, f'{LIST}?q="hiring fair"') == []
    assert _award_numbers(client, f'{LIST}?q="fair ranking"') == ["2147212"]


def test_an_investigator_matches_once_however_many_roles(client, portfolio):
    AwardInvestigatorFactory(
        award=portfolio["dialects"], person=PersonFactory(family_name="Neubigson"), role="co_pi"
    )
    assert _award_numbers(client, f"{LIST}?q=neubig") == ["2040926"]


# --- Filters ------------------------------------------------------------------------


def test_year_filter_reads_the_cycle_year(client, portfolio):
    assert _award_numbers(client, f"{LIST}?year=2020") == ["2040926", "2040898"]


def test_year_filter_reads_the_start_year_of_an_award_with_no_cycle(client, portfolio):
    AwardFactory(award_number="2200001", cycle=None, start_date=dt.date(2019, 9, 1))
    assert _award_numbers(client, f"{LIST}?year=2019") == ["2200001"]


def test_institution_filter(client, portfolio):
    url = f"{LIST}?institution={portfolio['ucla'].pk}"
    assert _award_numbers(client, url) == ["2040898"]


def test_state_filter(client, portfolio):
    assert _award_numbers(client, f"{LIST}?state=PA") == ["2147212", "2040926"]


def test_filters_combine_with_search(client, portfolio):
    assert _award_numbers(client, f"{LIST}?q=carnegie&year=2020&state=PA") == ["2040926"]


def test_each_filter_counts_the_other_choices(portfolio):
    query = projects.ProjectQuery(years=[2020])
    facets = {f.name: f for f in projects.award_search(query).facets}
    # Years count without the year choice; institutions and states count within it.
    assert {v.value: (v.count, v.selected) for v in facets["year"].values} == {
        "2021": (1, False),
        "2020": (2, True),
    }
    assert {v.label: v.count for v in facets["institution"].values} == {
        "Carnegie Mellon University": 1,
        "University of California-Los Angeles": 1,
    }
    assert {v.value: v.count for v in facets["state"].values} == {"CA": 1, "PA": 1}


def test_a_chosen_institution_matching_nothing_stays_chosen(client, portfolio):
    text = _text(client, f"{LIST}?state=CA&institution={portfolio['cmu'].pk}")
    assert "0 awards" in text
    assert f'<option value="{portfolio["cmu"].pk}" selected>Carnegie Mellon University (0)' in text


def test_a_chosen_organization_that_is_no_award_institution_is_not_named(client, portfolio):
    affiliation = PersonFactory(affiliation=OrganizationFactory(name="Secret lab")).affiliation
    text = _text(client, f"{LIST}?institution={affiliation.pk}")
    assert "Secret lab" not in text


def test_counts_show_on_the_page(client, portfolio):
    text = _text(client, f"{LIST}?state=PA")
    assert "2 awards" in text
    assert "Carnegie Mellon University (2)" in text
    assert re.search(r'value="2020"[^>]*>\s*<label[^>]*>2020 <span class="count">1</span>', text)


def test_the_filters_are_a_form_that_works_without_javascript(client, portfolio):
    text = _text(client, f"{LIST}?q=fair&state=PA&year=2021")
    form = re.search(r'<form class="project-search" action="/projects/" method="get"', text)
    assert form
    assert 'name="q" value="fair"' in text
    assert '<option value="PA" selected>' in text
    assert re.search(r'name="year" value="2021" checked', text)


def test_pagination_keeps_the_search_and_filters(client, portfolio, monkeypatch):
    monkeypatch.setattr(projects, "PAGE_SIZE", 1)
    text = _text(client, f"{LIST}?q=carnegie&state=PA")
    assert 'href="?q=carnegie&amp;state=PA&amp;page=2"' in text
    assert _award_numbers(client, f"{LIST}?q=carnegie&state=PA&page=2") == ["2040926"]


def test_every_cell_of_the_table_is_labelled_for_stacked_rows(client, portfolio):
    text = _text(client, LIST)
    assert '<table class="stack' in text
    cells = re.findall(r"<td[ >][^>]*", text)
    assert len(cells) == 3 * 7
    assert all("data-label=" in cell for cell in cells)


def test_the_list_links_institutions_and_principal_investigators(client, portfolio):
    text = _text(client, LIST)
    assert f'href="/institutions/{portfolio["cmu"].pk}/"' in text
    neubig = AwardInvestigator.objects.get(award=portfolio["dialects"]).person
    assert f'<a href="/people/{neubig.pk}/">Graham Neubig</a>' in text


@pytest.mark.parametrize(
    ("query", "notice"),
    [
        ("year=abc", "“abc” is not a year; ignored."),
        ("institution=%C2%B2", "“²” is not an institution id; ignored."),
        (f"institution={10**30}", "is not an institution id; ignored."),
        ("state=" + "x" * 500, "A state in the address was too long; ignored."),
    ],
)
def test_values_that_mean_nothing_are_dropped_with_a_notice(client, portfolio, query, notice):
    text = _text(client, f"{LIST}?{query}")
    assert notice in text
    assert "3 awards" in text


@pytest.mark.parametrize("page", [str(10**30), "-1", "x", "0"])
def test_any_page_number_shows_a_page(client, portfolio, page):
    assert len(_award_numbers(client, f"{LIST}?page={page}")) == 3


def test_nul_in_the_search_is_400(client, portfolio):
    assert client.get(f"{LIST}?q=fair%00ness").status_code == 400


# --- Project page ----------------------------------------------------------------------


def test_project_page_links_its_institution_and_team(client, portfolio):
    award = portfolio["dialects"]
    person = award.investigators.get().person
    text = _text(client, reverse("artifacts:project-detail", args=[award.award_number]))
    assert f'href="/institutions/{portfolio["cmu"].pk}/">Carnegie Mellon University</a>' in text
    assert f'href="/people/{person.pk}/">Graham Neubig</a>' in text


# --- Institution page ---------------------------------------------------------------


def test_institution_page_shows_ror_awards_and_their_artifacts(client, portfolio):
    ArtifactFactory(award=portfolio["ranking"], title="Hiring audit toolkit")
    ArtifactFactory(award=portfolio["health"], title="Clinical risk scores")
    ArtifactFactory(award=portfolio["ranking"], title="Unpublished", status="draft",
                    published_at=None)  # fmt: skip
    text = _text(client, f"/institutions/{portfolio['cmu'].pk}/")
    assert "<h1>Carnegie Mellon University</h1>" in text
    assert 'href="https://ror.org/05x2bcf33"' in text
    assert re.findall(r'href="/projects/(\d{7})/"', text) == ["2147212", "2040926"]
    assert "Hiring audit toolkit" in text
    assert "Clinical risk scores" not in text
    assert "Unpublished" not in text


def test_an_organization_that_is_no_award_institution_is_404(client, portfolio):
    affiliation = PersonFactory().affiliation
    applicant = ProposalFactory().lead_institution
    for organization in (affiliation, applicant):
        assert client.get(f"/institutions/{organization.pk}/").status_code == 404


@pytest.mark.parametrize("pk", ["999999", str(2**31), str(10**30)])
def test_an_unknown_institution_is_404(client, pk):
    assert client.get(f"/institutions/{pk}/").status_code == 404


def _institution_with(rows):
    institution = OrganizationFactory()
    for _ in range(rows):
        award = AwardFactory(institution=institution, cycle=CycleFactory())
        AwardInvestigatorFactory(award=award)
        ArtifactCreatorFactory(artifact=ArtifactFactory(award=award))
    return institution


@pytest.mark.parametrize("rows", [1, 12])
def test_institution_page_query_count_is_constant(client, django_assert_num_queries, rows):
    institution = _institution_with(rows)
    # The institution, its awards (with counts and PIs), their artifacts.
    with django_assert_num_queries(3):
        assert client.get(f"/institutions/{institution.pk}/").status_code == 200


# --- Person page ---------------------------------------------------------------------


def test_person_page_shows_orcid_roles_and_artifacts(client, portfolio):
    person = portfolio["dialects"].investigators.get().person
    AwardInvestigatorFactory(award=portfolio["ranking"], person=person, role="co_pi")
    ArtifactCreatorFactory(artifact=ArtifactFactory(title="Dialect benchmark"), person=person)
    text = _text(client, f"/people/{person.pk}/")
    assert "<h1>Graham Neubig</h1>" in text
    assert 'href="https://orcid.org/0000-0002-1825-0097"' in text
    assert re.findall(r'href="/projects/(\d{7})/"', text)[:2] == ["2147212", "2040926"]
    assert "Co-principal investigator" in text
    assert "Dialect benchmark" in text


def test_person_page_never_shows_the_email_address(client, portfolio):
    person = portfolio["dialects"].investigators.get().person
    assert person.email
    assert person.email not in _text(client, f"/people/{person.pk}/")


def test_a_creator_of_a_retired_artifact_keeps_the_page(client):
    artifact = ArtifactFactory(title="Old corpus", status="retired")
    person = ArtifactCreatorFactory(artifact=artifact).person
    text = _text(client, f"/people/{person.pk}/")
    assert "Retired" in text
    assert "Old corpus" in text


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda: PersonFactory(), id="no-role"),
        pytest.param(lambda: ProposalInvestigatorFactory(role="pi").person, id="proposal-only"),
        pytest.param(
            lambda: (
                ArtifactCreatorFactory(
                    artifact=ArtifactFactory(status="draft", published_at=None)
                ).person
            ),
            id="draft-creator-only",
        ),
    ],
)
def test_a_person_with_no_public_role_is_404(client, make):
    person = make()
    response = client.get(f"/people/{person.pk}/")
    assert response.status_code == 404
    assert person.family_name not in response.content.decode()


@pytest.mark.parametrize("pk", ["999999", str(2**31), str(10**30)])
def test_an_unknown_person_is_404(client, pk):
    assert client.get(f"/people/{pk}/").status_code == 404


@pytest.mark.parametrize("rows", [1, 12])
def test_person_page_query_count_is_constant(client, django_assert_num_queries, rows):
    person = PersonFactory()
    for _ in range(rows):
        award = AwardFactory(cycle=CycleFactory())
        AwardInvestigatorFactory(award=award, person=person, role="co_pi")
        ArtifactCreatorFactory(artifact=ArtifactFactory(award=award), person=person)
    ArtifactCreatorFactory(artifact=ArtifactFactory(status="retired"), person=person)
    # The person, their roles, their artifacts.
    with django_assert_num_queries(3):
        assert client.get(f"/people/{person.pk}/").status_code == 200


# --- Query counts of the list ----------------------------------------------------------


def _awards(rows):
    for _ in range(rows):
        award = AwardFactory(
            cycle=CycleFactory(), institution=OrganizationFactory(state="PA"), title="Fair x"
        )
        AwardInvestigatorFactory(award=award)
        ArtifactFactory(award=award)


@pytest.mark.parametrize("rows", [1, 12])
@pytest.mark.parametrize("query", ["", "?q=fair+x&state=PA&page=2"])
def test_project_list_query_count_is_constant(client, django_assert_num_queries, rows, query):
    _awards(rows)
    # The matching awards' filter columns, then the page's rows with counts and PIs.
    with django_assert_num_queries(2):
        assert client.get(f"{LIST}{query}").status_code == 200


def test_project_list_matching_nothing_costs_one_query(client, django_assert_num_queries):
    _awards(3)
    with django_assert_num_queries(1):
        text = client.get(f"{LIST}?q=nothing-like-this").content.decode()
    assert "No funded project matches." in text


# --- Confidentiality -----------------------------------------------------------------

CANARY = "canary-5b0d2"


def test_no_new_page_reveals_the_canary(client):
    """The canary in every confidential place next to a public institution and person: an
    e-mail, an affiliation, proposals (with the person as an applicant), a staff-only
    deadline and a draft artifact the person created."""
    cycle = CycleFactory()
    institution = OrganizationFactory()
    award = AwardFactory(cycle=cycle, institution=institution)
    person = PersonFactory(
        email=f"{CANARY}@example.edu", affiliation=OrganizationFactory(name=f"Aff {CANARY}")
    )
    AwardInvestigatorFactory(award=award, person=person)
    ArtifactCreatorFactory(artifact=ArtifactFactory(award=award), person=person)
    draft = ArtifactFactory(award=award, title=f"Draft {CANARY}", status="draft", published_at=None)
    ArtifactCreatorFactory(artifact=draft, person=person)
    award.proposal = ProposalFactory(cycle=cycle, title=f"Proposal {CANARY}", abstract=CANARY)
    award.save()
    proposal = ProposalFactory(cycle=cycle, title=f"Other {CANARY}", lead_institution=institution)
    ProposalInvestigatorFactory(proposal=proposal, person=person)
    DeadlineFactory(cycle=cycle, label=f"Panel {CANARY}", visibility=Deadline.Visibility.STAFF)
    urls = [
        f"/institutions/{institution.pk}/",
        f"/people/{person.pk}/",
        LIST,
        f"{LIST}?q=canary",
        f"{LIST}?institution={institution.pk}",
        reverse("artifacts:project-detail", args=[award.award_number]),
    ]
    for url in urls:
        text = _text(client, url)
        assert CANARY not in text, url
    # A search for what only a proposal or an e-mail says finds nothing.
    assert _award_numbers(client, f"{LIST}?q=canary") == []
