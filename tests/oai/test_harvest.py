"""A real harvester (Sickle) harvests /oai over HTTP, page by page through resumption
tokens, as OpenAIRE, BASE and CORE do: every response valid OAI-PMH, nothing lost or
repeated when the catalogue changes mid-harvest, and incremental harvests from a previous
responseDate."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone
from sickle.oaiexceptions import NoRecordsMatch

from artifacts.models import Artifact
from artifacts.services.artifacts import artifact_publish, artifact_update
from tests.artifacts.factories import ArtifactFactory
from tests.oai.conftest import OAI, ValidatingSickle

pytestmark = pytest.mark.django_db(transaction=True)

HOST = "127.0.0.1"


@pytest.fixture(autouse=True)
def _small_pages(settings: Any) -> None:
    settings.OAI_PAGE_SIZE = 2


def _slugs(records: list[Any]) -> list[str]:
    """The slugs of harvested records or headers (ListIdentifiers yields headers)."""
    return [getattr(r, "header", r).identifier.rsplit(":", 1)[1] for r in records]


def _response_date(response: Any) -> str:
    return str(response.xml.find(f"{OAI}responseDate").text)


def test_a_full_harvest_gets_every_public_record_once(harvester, catalogue):
    records = list(harvester.ListRecords(metadataPrefix="oai_dc"))
    public = [a.slug for a in catalogue["published"]] + [catalogue["retired"].slug]
    assert sorted(_slugs(records)) == sorted(public)
    assert len(harvester.responses) == 3  # six records, two a page


def test_a_retired_artifact_is_a_deleted_record(harvester, catalogue):
    records = list(harvester.ListRecords(metadataPrefix="oai_dc"))
    deleted = [r for r in records if r.header.deleted]
    assert _slugs(deleted) == [catalogue["retired"].slug]
    assert deleted[0].xml.find(f"{OAI}metadata") is None


def test_drafts_submissions_and_rejections_never_appear(harvester, catalogue):
    identifiers = _slugs(list(harvester.ListIdentifiers(metadataPrefix="oai_dc")))
    assert not {a.slug for a in catalogue["hidden"]} & set(identifiers)


def test_oai_datacite_leaves_out_artifacts_without_doi(harvester, catalogue):
    slugs = _slugs(list(harvester.ListRecords(metadataPrefix="oai_datacite")))
    with_doi = [a.slug for a in catalogue["published"] if a.doi]
    assert sorted(slugs) == sorted([*with_doi, catalogue["retired"].slug])


def test_the_last_page_carries_the_list_size_and_cursor(harvester, catalogue):
    list(harvester.ListIdentifiers(metadataPrefix="oai_dc"))
    token = harvester.responses[-1].xml.find(f".//{OAI}resumptionToken")
    assert token is not None
    assert not token.text
    assert token.get("completeListSize") == "6"
    assert token.get("cursor") == "4"
    first = harvester.responses[0].xml.find(f".//{OAI}resumptionToken")
    assert first.get("expirationDate")
    assert first.get("cursor") == "0"


def test_a_set_selects_its_kind_and_cycle(harvester, catalogue):
    tools = _slugs(list(harvester.ListIdentifiers(metadataPrefix="oai_dc", set="kind:tool")))
    assert sorted(tools) == sorted(a.slug for a in catalogue["published"] if a.kind == "tool")
    cycle_2022 = _slugs(list(harvester.ListIdentifiers(metadataPrefix="oai_dc", set="cycle:2022")))
    assert sorted(cycle_2022) == sorted(
        a.slug for a in catalogue["published"] if a.award.cycle.year == 2022
    )


def test_a_harvest_spanning_a_publish_loses_and_repeats_nothing(harvester, catalogue):
    draft = catalogue["hidden"][0]
    draft.landing_url = "https://example.org/late"
    draft.save()
    records = harvester.ListRecords(metadataPrefix="oai_dc")
    first_page = [next(records), next(records)]
    started = _response_date(harvester.responses[0])
    artifact_publish(artifact=Artifact.objects.get(pk=draft.pk))
    # An artifact not harvested yet changes too: it moves past the frozen until.
    changed = Artifact.objects.order_by("updated_at", "id").filter(status="published").last()
    assert changed is not None
    artifact_update(artifact=changed, summary="Changed while being harvested.")
    rest = list(records)
    harvested = _slugs(first_page + rest)
    assert len(harvested) == len(set(harvested))
    incremental = _slugs(list(harvester.ListRecords(metadataPrefix="oai_dc", **{"from": started})))
    assert draft.slug in incremental
    assert changed.slug in incremental
    public = {a.slug for a in catalogue["published"]} | {catalogue["retired"].slug, draft.slug}
    assert set(harvested) | set(incremental) == public


def test_an_incremental_harvest_gets_only_what_changed_since(harvester, catalogue):
    # Datestamps are seconds and from is inclusive: what changed in the harvest's own second
    # is sent again by design, so the catalogue here changed well before it.
    Artifact.objects.update(updated_at=timezone.now() - dt.timedelta(hours=1))
    list(harvester.ListIdentifiers(metadataPrefix="oai_dc"))
    since = _response_date(harvester.responses[0])
    with pytest.raises(NoRecordsMatch):
        list(harvester.ListIdentifiers(metadataPrefix="oai_dc", **{"from": since}))
    late = ArtifactFactory(award=catalogue["awards"][0])
    slugs = _slugs(list(harvester.ListIdentifiers(metadataPrefix="oai_dc", **{"from": since})))
    assert slugs == [late.slug]


def test_get_record_in_both_formats(harvester, catalogue):
    artifact = catalogue["published"][0]
    identifier = f"oai:{HOST}:{artifact.slug}"
    dc = harvester.GetRecord(identifier=identifier, metadataPrefix="oai_dc")
    assert dc.metadata["title"] == [artifact.title]
    datacite = harvester.GetRecord(identifier=identifier, metadataPrefix="oai_datacite")
    assert artifact.doi in datacite.raw


def test_harvesting_by_post_pages_like_get(live_server, oai_schema, catalogue):
    harvester = ValidatingSickle(f"{live_server.url}/oai", oai_schema, http_method="POST")
    assert len(list(harvester.ListIdentifiers(metadataPrefix="oai_dc"))) == 6
