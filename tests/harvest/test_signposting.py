"""FAIR Signposting (https://signposting.org/FAIR/) of artifact pages, read as a client
reads it: the `signposting` package parses the page's Link header, and its link sets in
RFC 9264's JSON and native formats served by a live server."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.urls import reverse
from signposting import find_signposting_http_link, find_signposting_linkset

from artifacts.metadata.formats import alternate_formats
from artifacts.services.artifacts import artifact_update
from artifacts.signposting import HEADER_ITEMS, Signpost, link_header, linkset_json
from tests.artifacts.factories import ArtifactCreatorFactory, ArtifactFactory
from tests.harvest.conftest import ORCID, orcid
from tests.proposals.factories import PersonFactory

BASE = "http://testserver"


def _signposts(client: Any, slug: str) -> Any:
    url = reverse("artifacts:detail", args=[slug])
    response = client.get(url)
    assert response.status_code == 200
    return find_signposting_http_link([response["Link"]], BASE + url)


def _hrefs(signposts: Any) -> set[str]:
    return {str(s.target) for s in signposts}


def test_cite_as_is_the_doi_when_there_is_one(client, catalogue):
    signposting = _signposts(client, "crowd-labels")
    assert str(signposting.citeAs.target) == "https://doi.org/10.5281/zenodo.4242"


def test_cite_as_is_the_page_without_a_doi(client, catalogue):
    signposting = _signposts(client, "bias-probe")
    assert str(signposting.citeAs.target) == f"{BASE}/artifacts/bias-probe/"


def test_describedby_names_every_format_the_page_announces(client, catalogue):
    signposting = _signposts(client, "crowd-labels")
    announced = {
        (BASE + alternate.href, alternate.media_type)
        for alternate in alternate_formats(catalogue.dataset)
    }
    assert {(str(s.target), str(s.type)) for s in signposting.describedBy} == announced
    assert "application/vnd.datacite.datacite+json" in {m for _, m in announced}


@pytest.mark.parametrize(
    ("slug", "schema_type"),
    [("crowd-labels", "Dataset"), ("bias-probe", "SoftwareSourceCode")],
)
def test_type_is_the_schema_org_type_and_about_page(client, catalogue, slug, schema_type):
    assert _hrefs(_signposts(client, slug).types) == {
        f"https://schema.org/{schema_type}",
        "https://schema.org/AboutPage",
    }


def test_author_is_each_creator_with_an_orcid(client, catalogue):
    assert _hrefs(_signposts(client, "crowd-labels").authors) == {f"https://orcid.org/{ORCID}"}


def test_license_is_the_spdx_url(client, catalogue):
    license_ = _signposts(client, "crowd-labels").license
    assert str(license_.target) == "https://spdx.org/licenses/CC-BY-4.0.html"


def test_items_are_the_artifact_links_with_their_media_type(client, catalogue):
    items = {
        (str(s.target), s.type and str(s.type)) for s in _signposts(client, "crowd-labels").items
    }
    assert items == {
        ("https://example.org/crowd-labels/data.csv", "text/csv"),
        ("https://github.com/example/crowd-labels", None),
    }


def test_linkset_names_both_link_sets(client, catalogue):
    linksets = _signposts(client, "crowd-labels").linksets
    assert {(str(s.target), str(s.type)) for s in linksets} == {
        (f"{BASE}/artifacts/crowd-labels/linkset.json", "application/linkset+json"),
        (f"{BASE}/artifacts/crowd-labels/linkset", "application/linkset"),
    }


def test_a_retired_artifact_keeps_cite_as_but_offers_no_items(client, catalogue):
    signposting = _signposts(client, "old-benchmark")
    assert str(signposting.citeAs.target) == f"{BASE}/artifacts/old-benchmark/"
    assert signposting.describedBy
    assert not signposting.items


def test_the_header_names_at_most_the_item_cap():
    signposts = [Signpost("cite-as", "https://doi.org/10.1/x")] + [
        Signpost("item", f"https://example.org/{n}.csv", "text/csv") for n in range(50)
    ]
    header = link_header(signposts)
    parsed = find_signposting_http_link([header], "https://example.org/")
    assert len(parsed.items) == HEADER_ITEMS
    assert parsed.citeAs is not None


def test_a_quote_in_a_media_type_is_escaped():
    header = link_header([Signpost("describedby", "https://example.org/m", 'a/b; x="y"')])
    assert header == '<https://example.org/m> ; rel="describedby" ; type="a/b; x=\\"y\\""'


def _linkset_json(client: Any, slug: str) -> Any:
    response = client.get(reverse("artifacts:linkset-json", args=[slug]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/linkset+json"
    return json.loads(response.content)


def test_the_json_link_set_has_rfc_9264_structure(client, catalogue):
    document = _linkset_json(client, "crowd-labels")
    assert list(document) == ["linkset"]
    assert isinstance(document["linkset"], list)
    for context in document["linkset"]:
        assert isinstance(context["anchor"], str)
        assert context["anchor"].startswith(("http://", "https://"))
        relations = {key: value for key, value in context.items() if key != "anchor"}
        assert relations
        for targets in relations.values():
            assert isinstance(targets, list)
            assert targets
            for target in targets:
                assert set(target) <= {"href", "type"}
                assert all(isinstance(value, str) for value in target.values())
    page = document["linkset"][0]
    assert page["anchor"] == f"{BASE}/artifacts/crowd-labels/"
    assert page["cite-as"] == [{"href": "https://doi.org/10.5281/zenodo.4242"}]
    assert "linkset" not in page


def test_each_metadata_record_describes_the_page(client, catalogue):
    page, *records = _linkset_json(client, "crowd-labels")["linkset"]
    assert [record["anchor"] for record in records] == [d["href"] for d in page["describedby"]]
    assert all(record["describes"] == [{"href": page["anchor"], "type": "text/html"}]
               for record in records)  # fmt: skip


def test_the_link_set_has_every_item_the_header_leaves_out():
    signposts = [Signpost("item", f"https://example.org/{n}.csv", "text/csv") for n in range(50)]
    assert link_header(signposts).count('rel="item"') == HEADER_ITEMS
    document = linkset_json(signposts, anchor="https://example.org/page/")
    assert len(document["linkset"][0]["item"]) == 50


def test_a_former_slug_redirects_to_the_link_set(client, catalogue):
    artifact_update(artifact=catalogue.tool, slug="bias-probe-2")
    for route in ("artifacts:linkset-json", "artifacts:linkset"):
        response = client.get(reverse(route, args=["bias-probe"]))
        assert response.status_code == 301
        assert response["Location"] == reverse(route, args=["bias-probe-2"])


@pytest.mark.parametrize("slug", ["draft-thing", "submitted-thing", "no-such-thing"])
def test_no_link_set_for_an_artifact_without_a_public_page(client, catalogue, slug):
    for route in ("artifacts:linkset-json", "artifacts:linkset"):
        assert client.get(reverse(route, args=[slug])).status_code == 404


@pytest.mark.parametrize("creators", [1, 6])
def test_the_link_set_costs_the_same_queries_for_any_number_of_creators(
    client, db, django_assert_num_queries, creators
):
    artifact = ArtifactFactory(slug="many-creators")
    for order in range(creators):
        ArtifactCreatorFactory(
            artifact=artifact, person=PersonFactory(orcid=orcid(order + 1)), order=order
        )
    # The artifact, then its creators, vocabulary, funders and links (prefetched).
    with django_assert_num_queries(6):
        client.get(reverse("artifacts:linkset-json", args=["many-creators"]))


@pytest.mark.django_db(transaction=True)
def test_a_signposting_client_reads_both_link_sets_over_http(live_server):
    artifact = ArtifactFactory(slug="live-one", doi="10.5281/zenodo.77",
                               landing_url="https://example.org/live/data.zip")  # fmt: skip
    ArtifactCreatorFactory(artifact=artifact, person=PersonFactory(orcid=ORCID))
    page = f"{live_server.url}/artifacts/live-one/"
    for path, media_type in (("linkset.json", "application/linkset+json"),
                             ("linkset", "application/linkset")):  # fmt: skip
        found = find_signposting_linkset(f"{page}{path}", media_type).for_context(page)
        assert str(found.citeAs.target) == "https://doi.org/10.5281/zenodo.77", path
        assert _hrefs(found.authors) == {f"https://orcid.org/{ORCID}"}, path
        assert str(found.license.target) == "https://spdx.org/licenses/CC-BY-4.0.html", path
        assert {(str(s.target), str(s.type)) for s in found.items} == {
            ("https://example.org/live/data.zip", "application/zip")
        }, path
        assert {str(s.type) for s in found.describedBy} >= {"application/ld+json"}, path
        assert _hrefs(found.types) == {"https://schema.org/Dataset", "https://schema.org/AboutPage"}


def test_the_page_header_is_the_same_for_head(client, catalogue):
    url = reverse("artifacts:detail", args=["crowd-labels"])
    assert client.head(url)["Link"] == client.get(url)["Link"]
