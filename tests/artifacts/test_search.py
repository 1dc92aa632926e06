"""Catalogue search and facets, on PostgreSQL (ranked full-text) and SQLite (simple match)."""

from typing import cast

import pytest
from django.http import QueryDict
from django.utils import timezone

from artifacts import linkcheck
from artifacts.models import Artifact, ArtifactLink, FairnessDimension, LinkState, Task
from artifacts.selectors.catalogue import artifact_search
from artifacts.selectors.search import CatalogueQuery
from artifacts.services import links
from artifacts.templatetags.catalogue import highlight
from tests.artifacts.factories import ArtifactFactory
from tests.proposals.factories import AwardFactory, CycleFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


def _search(query_string: str):
    return artifact_search(CatalogueQuery.from_querydict(QueryDict(query_string)))


def _titles(result) -> list[str]:
    return [a.title for a in result.page.object_list]


def test_search_finds_words_in_title_summary_and_keywords():
    ArtifactFactory(title="Dialect speech benchmark")
    ArtifactFactory(title="Other", summary="Measures dialect gaps in ASR.")
    ArtifactFactory(title="Third", keywords=["dialect"])
    ArtifactFactory(title="Unrelated hiring audit")
    assert sorted(_titles(_search("q=dialect"))) == ["Dialect speech benchmark", "Other", "Third"]


def test_search_excludes_words_with_a_minus():
    ArtifactFactory(title="Speech dialect benchmark")
    ArtifactFactory(title="Text dialect benchmark")
    assert _titles(_search("q=dialect+-speech")) == ["Text dialect benchmark"]


def test_search_matches_quoted_phrases():
    ArtifactFactory(title="Equal opportunity metric")
    ArtifactFactory(title="Opportunity for equal access")
    assert _titles(_search('q="equal opportunity"')) == ["Equal opportunity metric"]


def test_search_never_lists_drafts_or_retired_artifacts():
    ArtifactFactory(title="Draft dialect set", status=Artifact.Status.DRAFT, published_at=None)
    ArtifactFactory(title="Retired dialect set", status=Artifact.Status.RETIRED)
    ArtifactFactory(title="Published dialect set")
    assert _titles(_search("q=dialect")) == ["Published dialect set"]
    assert _search("").total == 1


def test_facets_combine_across_and_within_facets():
    gender = FairnessDimension.objects.get(slug="gender")
    age = FairnessDimension.objects.get(slug="age")
    nlp = Task.objects.get(slug="nlp")
    ArtifactFactory(title="A", dimensions=[gender], tasks=[nlp])
    ArtifactFactory(title="B", dimensions=[age], tasks=[nlp])
    ArtifactFactory(title="C", dimensions=[gender])
    assert sorted(_titles(_search("dimension=gender&dimension=age"))) == ["A", "B", "C"]
    assert sorted(_titles(_search("dimension=gender&task=nlp"))) == ["A"]


def test_facet_counts_leave_their_own_choice_open():
    ArtifactFactory(kind="dataset", license="MIT")
    ArtifactFactory(kind="dataset", license="CC-BY-4.0")
    ArtifactFactory(kind="tool", license="MIT")
    result = _search("kind=dataset")
    facets = {
        facet.name: {v.value: (v.count, v.selected) for v in facet.values}
        for facet in result.facets
    }
    assert facets["kind"] == {"dataset": (2, True), "tool": (1, False)}
    assert facets["license"] == {"MIT": (1, False), "CC-BY-4.0": (1, False)}


def test_facets_on_cycle_year_and_institution():
    uni = OrganizationFactory(name="Carnegie Mellon University")
    ArtifactFactory(title="Old", award=AwardFactory(cycle=CycleFactory(year=2020), institution=uni))
    ArtifactFactory(title="New", award=AwardFactory(cycle=CycleFactory(year=2021)))
    assert _titles(_search("year=2020")) == ["Old"]
    assert _titles(_search(f"institution={uni.pk}")) == ["Old"]
    years = next(f for f in _search("").facets if f.name == "year")
    assert [(v.value, v.count) for v in years.values] == [("2021", 1), ("2020", 1)]


def _with_links(**fields) -> Artifact:
    artifact = cast(Artifact, ArtifactFactory(**fields))
    links.artifact_links_sync(artifact=artifact)
    return artifact


def _check(artifact: Artifact, outcome: str, role: str = "landing") -> None:
    """Record one check of the artifact's link, as the checker does."""
    link = ArtifactLink.objects.get(artifact=artifact, role=role)
    status = 200 if outcome in ("ok", "redirected") else 404
    result = linkcheck.CheckResult(
        url=link.url, outcome=outcome, status_code=status, final_url=link.url
    )
    links.link_checks_record([(link, result)])


def _break(artifact: Artifact) -> None:
    ArtifactLink.objects.filter(artifact=artifact).update(state=LinkState.BROKEN)
    links.artifacts_health_refresh(artifact_ids=[artifact.pk], now=timezone.now())


def test_link_health_facet_filters_by_the_artifacts_worst_link():
    working = _with_links(title="Working", repository_url="https://code.example.org/w")
    _check(working, "ok")
    _check(working, "ok", role="repository")
    half = _with_links(title="Half", repository_url="https://code.example.org/h")
    _check(half, "ok")  # its repository is not checked yet
    _break(_with_links(title="Broken"))
    ArtifactFactory(title="No links", landing_url="")

    assert _titles(_search("link=ok")) == ["Working"]
    assert _titles(_search("link=unchecked")) == ["Half"]
    assert sorted(_titles(_search("link=broken&link=none"))) == ["Broken", "No links"]


def test_link_health_facet_counts_leave_their_own_choice_open_in_a_fixed_order():
    _check(_with_links(kind="dataset"), "ok")
    _check(_with_links(kind="tool"), "ok")
    _break(_with_links(kind="dataset"))
    _with_links(kind="dataset")
    ArtifactFactory(kind="tool", landing_url="")

    result = _search("link=broken&kind=dataset")

    facets = {facet.name: facet for facet in result.facets}
    assert [(v.value, v.label, v.count, v.selected) for v in facets["link"].values] == [
        ("ok", "Working", 1, False),
        ("broken", "Broken", 1, True),
        ("unchecked", "Not checked yet", 1, False),
    ]
    assert {v.value: v.count for v in facets["kind"].values} == {"dataset": 1}
    assert result.total == 1


def test_link_health_facet_lists_every_state_with_artifacts():
    for outcome in ("ok", "redirected", "blocked", "broken"):
        _check(_with_links(), outcome)
    _break(_with_links())
    _with_links()
    ArtifactFactory(landing_url="")

    values = next(f for f in _search("").facets if f.name == "link").values

    assert [(v.value, v.label, v.count) for v in values] == [
        ("ok", "Working", 1),
        ("redirected", "Redirected", 1),
        ("blocked", "Unknown (site refused our checker)", 1),
        ("failing", "Failing (not yet confirmed)", 1),
        ("broken", "Broken", 1),
        ("unchecked", "Not checked yet", 1),
        ("none", "No links", 1),
    ]


def test_a_chosen_link_health_without_artifacts_stays_listed():
    _with_links()

    values = next(f for f in _search("link=broken").facets if f.name == "link").values

    assert [(v.value, v.count, v.selected) for v in values] == [
        ("broken", 0, True),
        ("unchecked", 1, False),
    ]


def test_facet_counts_follow_a_link_check_at_once(django_capture_on_commit_callbacks):
    artifact = _with_links()
    assert _as_dict(_search("").facets)["link"] == {"unchecked": 1}

    with django_capture_on_commit_callbacks(execute=True):  # the check's commit
        _check(artifact, "ok")

    assert _as_dict(_search("").facets)["link"] == {"ok": 1}


def test_bad_parameters_are_dropped_with_a_notice():
    ArtifactFactory()
    query = CatalogueQuery.from_querydict(QueryDict("year=twenty&kind=poem&sort=random&link=dead"))
    assert query.years == []
    assert query.kinds == []
    assert query.links == []
    assert query.sort == "newest"
    assert len(query.notices) == 4
    assert artifact_search(query).total == 1


def test_sort_by_title_and_newest():
    ArtifactFactory(title="Beta")
    ArtifactFactory(title="Alpha")
    assert _titles(_search("sort=title")) == ["Alpha", "Beta"]
    assert _titles(_search("sort=newest")) == ["Beta", "Alpha"]


def test_highlight_escapes_html_and_marks_terms():
    marked = highlight("<b>Dialects</b> & accents", ["dialect"])
    assert marked == "&lt;b&gt;<mark>Dialects</mark>&lt;/b&gt; &amp; accents"


@pytest.mark.postgres
def test_search_ranks_title_matches_above_description_matches():
    ArtifactFactory(title="Generic toolkit", description="Handles calibration in passing.")
    ArtifactFactory(title="Calibration metric")
    assert _titles(_search("q=calibration"))[0] == "Calibration metric"


@pytest.mark.postgres
def test_search_stems_words():
    ArtifactFactory(title="Auditing classifiers")
    assert _titles(_search("q=audits")) == ["Auditing classifiers"]


@pytest.mark.postgres
def test_search_falls_back_to_similar_titles_for_a_typo():
    ArtifactFactory(title="Counterfactual fairness toolkit")
    result = _search("q=counterfactaul")
    assert result.fallback
    assert _titles(result) == ["Counterfactual fairness toolkit"]


@pytest.mark.postgres
def test_search_vector_follows_edits():
    artifact = ArtifactFactory(title="First name")
    artifact.title = "Renamed calibration set"
    artifact.save()
    assert _titles(_search("q=calibration")) == ["Renamed calibration set"]


def test_facet_counts_are_cached_until_the_catalogue_changes(
    django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    from artifacts.services.artifacts import artifact_create, artifact_publish

    dataset = ArtifactFactory(kind="dataset")
    first = _search("")
    with django_assert_max_num_queries(4):  # page only: the facets come from the cache
        _search("")
    with django_capture_on_commit_callbacks(execute=True):  # the service moves the version
        tool = artifact_create(
            award=dataset.award,
            kind="tool",
            title="A tool",
            summary="S.",
            license="MIT",
            landing_url="https://example.org/tool",
        )
        artifact_publish(artifact=tool)
    kinds = {
        v.value: v.count for v in next(f for f in _search("").facets if f.name == "kind").values
    }
    assert kinds == {"dataset": 1, "tool": 1}
    assert first.total == 1


def _as_dict(facets) -> dict[str, dict[str, int]]:
    return {facet.name: {v.value: v.count for v in facet.values} for facet in facets}


@pytest.mark.postgres
def test_whole_catalogue_counts_kept_by_triggers_match_counting_the_rows():
    from artifacts.selectors.facets import _counts_from_rows, _whole_catalogue_counts
    from artifacts.services.artifacts import artifact_retire, artifact_update

    gender = FairnessDimension.objects.get(slug="gender")
    age = FairnessDimension.objects.get(slug="age")
    nlp = Task.objects.get(slug="nlp")
    kept = _with_links(kind="tool", license="MIT", dimensions=[gender, age], tasks=[nlp])
    moved = ArtifactFactory(kind="dataset", dimensions=[gender])
    retired = _with_links(kind="metric", license="Apache-2.0", dimensions=[age])
    deleted = _with_links(kind="model", tasks=[nlp])
    _with_links(kind="dataset", status=Artifact.Status.DRAFT, published_at=None, dimensions=[age])
    bare = ArtifactFactory(kind="tool", landing_url="", license="")

    artifact_update(artifact=moved, kind="tool", license="MIT", dimensions=[age], award=kept.award)
    artifact_retire(artifact=retired, note="Superseded.")
    kept.tasks.clear()
    _check(deleted, "ok")
    deleted.delete()
    _check(kept, "ok")  # unchecked -> ok
    _check(moved, "broken")  # unchecked (since the update synced its links) -> failing

    counted = _counts_from_rows(CatalogueQuery.from_querydict(QueryDict("")))
    assert _whole_catalogue_counts() == counted
    assert counted.kind == {"tool": 3}
    assert counted.license == {"MIT": 2}
    assert counted.dimension == {gender.pk: 1, age.pk: 2}
    assert counted.task == {}
    assert counted.award_for_year == {kept.award_id: 2, bare.award_id: 1}
    assert counted.link == {"ok": 1, "failing": 1, "none": 1}

    _check(moved, "ok")
    counted = _counts_from_rows(CatalogueQuery.from_querydict(QueryDict("")))
    assert _whole_catalogue_counts() == counted
    assert counted.link == {"ok": 2, "none": 1}


def test_facet_counts_use_one_statement_for_every_facet(django_assert_max_num_queries):
    from artifacts.selectors.facets import facet_counts

    ArtifactFactory(kind="dataset", license="MIT")
    ArtifactFactory(kind="tool", license="MIT")
    query = CatalogueQuery.from_querydict(QueryDict("q=benchmark&kind=dataset&license=MIT"))
    # the counts, the two vocabularies, the awards behind year and institution
    with django_assert_max_num_queries(4):
        facets = _as_dict(facet_counts(query))
    assert facets["kind"] == {"dataset": 1, "tool": 1}
    assert facets["license"] == {"MIT": 1}


def test_total_and_pages_follow_the_choices():
    from artifacts.selectors.catalogue import PAGE_SIZE

    for n in range(PAGE_SIZE + 3):
        ArtifactFactory(kind="dataset" if n % 2 else "tool", title=f"Set {n:02d}")
    datasets = _search("kind=dataset&sort=title")
    assert datasets.total == Artifact.objects.filter(kind="dataset").count() == 11
    both = _search("kind=dataset&kind=tool&page=2")
    assert both.total == PAGE_SIZE + 3
    assert both.page.number == 2
    assert len(both.page.object_list) == 3
    beyond = _search("page=99")
    assert beyond.page.number == 2  # past the end: the last page
    assert _search("kind=metric").total == 0
