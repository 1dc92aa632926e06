"""Typo tolerance: a misspelt search offers the closest titles on either database (the
trigram match on PostgreSQL; the catalogue's own words, through rapidfuzz, on SQLite)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.http import QueryDict

from artifacts.models import Artifact
from artifacts.selectors import catalogue
from artifacts.selectors.catalogue import artifact_search, catalogue_vocabulary, words_corrected
from artifacts.selectors.search import CatalogueQuery
from fairprog.catalogue_version import catalogue_changed
from tests.artifacts.factories import ArtifactFactory

pytestmark = pytest.mark.django_db

sqlite_only = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="the rapidfuzz fallback serves SQLite"
)


def _search(query_string: str):
    return artifact_search(CatalogueQuery.from_querydict(QueryDict(query_string)))


def _titles(result) -> list[str]:
    return [a.title for a in result.page.object_list]


def test_a_misspelt_word_offers_the_titles_it_meant():
    ArtifactFactory(title="Fairness audit toolkit", keywords=["audit"])
    ArtifactFactory(title="Speech recognition errors", keywords=["speech"])
    result = _search("q=fariness")
    assert result.fallback
    assert _titles(result) == ["Fairness audit toolkit"]


def test_a_misspelt_search_keeps_its_filters():
    ArtifactFactory(title="Fairness metric suite", kind=Artifact.Kind.METRIC)
    ArtifactFactory(title="Fairness dataset", kind=Artifact.Kind.DATASET)
    result = _search("q=fariness&kind=metric")
    assert _titles(result) == ["Fairness metric suite"]


def test_a_search_that_matches_shows_no_suggestion():
    ArtifactFactory(title="Fairness audit toolkit")
    result = _search("q=fairness")
    assert not result.fallback
    assert result.suggestion == ""


def test_words_far_from_every_title_offer_nothing():
    ArtifactFactory(title="Fairness audit toolkit")
    result = _search("q=zzyzx")
    assert result.total == 0
    assert _titles(result) == []


@sqlite_only
def test_sqlite_suggests_the_corrected_query():
    ArtifactFactory(title="Counterfactual fairness toolkit")
    result = _search("q=counterfactaul+toolkit")
    assert result.fallback
    assert result.suggestion == "counterfactual toolkit"
    assert _titles(result) == ["Counterfactual fairness toolkit"]


@sqlite_only
def test_sqlite_corrects_a_word_found_only_in_keywords():
    ArtifactFactory(title="Loan approval audit", keywords=["intersectionality"])
    result = _search("q=intersectionalty")
    assert _titles(result) == ["Loan approval audit"]


def test_vocabulary_holds_title_words_and_keywords_of_public_artifacts_only():
    ArtifactFactory(title="Dialect benchmark", keywords=["speech recognition"])
    ArtifactFactory(
        title="Secret draft", status=Artifact.Status.DRAFT, published_at=None, keywords=[]
    )
    assert set(catalogue_vocabulary()) == {"dialect", "benchmark", "speech", "recognition"}


def test_vocabulary_is_bounded_to_the_words_of_the_most_artifacts(monkeypatch):
    monkeypatch.setattr(catalogue, "VOCABULARY_SIZE", 2)
    ArtifactFactory(title="Fairness audit", keywords=["metric"])
    ArtifactFactory(title="Fairness metric", keywords=[])
    ArtifactFactory(title="Rare words", keywords=["fairness"])
    assert catalogue_vocabulary() == ["fairness", "metric"]


def test_vocabulary_is_cached_until_the_catalogue_changes(django_assert_num_queries):
    ArtifactFactory(title="Fairness audit", keywords=[])
    catalogue_vocabulary()
    ArtifactFactory(title="Calibration toolkit", keywords=[])
    with django_assert_num_queries(0):
        assert "calibration" not in catalogue_vocabulary()
    catalogue_changed()
    with django_assert_num_queries(1):
        assert "calibration" in catalogue_vocabulary()


def test_correction_leaves_known_and_short_words_alone():
    ArtifactFactory(title="Fairness audit", keywords=[])
    assert words_corrected(["fairness", "aud"]) is None
    assert words_corrected(["Fariness", "audit"]) == ["fairness", "audit"]


@sqlite_only
def test_a_misspelt_search_page_takes_few_queries(client, django_assert_max_num_queries):
    for n in range(5):
        ArtifactFactory(title=f"Fairness audit {n}", keywords=["audit"])
    client.get("/artifacts/?q=fariness")  # fills the caches (facets, vocabulary)
    with django_assert_max_num_queries(8):
        response = client.get("/artifacts/?q=fariness")
    assert response.status_code == 200
    assert response.content.count(b'class="card"') == 5
    assert b"Or search for" in response.content


def test_a_misspelt_search_offers_no_feed_of_itself(client):
    # Its feed would list nothing: the feed follows the words typed, not the suggestion.
    ArtifactFactory(title="Fairness audit toolkit")
    body = client.get("/artifacts/?q=fariness").content.decode()
    assert "did you mean one of these?" in body
    assert "Follow this search" not in body
    assert 'type="application/atom+xml" href="/feeds/artifacts.atom?q=' not in body
