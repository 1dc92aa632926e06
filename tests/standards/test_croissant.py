"""Croissant 1.0 (with its RAI 1.0 properties) of every dataset the standards catalogue has,
read by mlcroissant, MLCommons' own reference implementation, offline (every name lookup
outside the machine fails during these tests): no validation error, and only the warnings
this module lists. Non-datasets have no Croissant and say why; the pages link it for
datasets only; nothing confidential reaches it."""

from __future__ import annotations

import json
import logging
import re
import socket
from typing import Any, cast

import jsonschema
import mlcroissant
import pytest
from django.urls import reverse

from artifacts.api.renderers import CROISSANT_SCHEMA
from artifacts.metadata import croissant
from artifacts.models import Artifact, FairnessDimension
from artifacts.services.fairness import artifact_sensitive_attributes_set
from proposals.models import Person
from tests.artifacts.factories import ArtifactCreatorFactory, ArtifactFactory
from tests.proposals.factories import AwardFactory, ProposalFactory

pytestmark = pytest.mark.django_db

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
PROFILE_ACCEPT = 'application/ld+json; profile="http://mlcommons.org/croissant/1.0"'
QUERIES = 9  # a dataset's Croissant, whatever its rows (the last test says which)
RAI_PROPERTIES = {
    "rai:dataCollection",
    "rai:dataBiases",
    "rai:dataLimitations",
    "rai:dataUseCases",
    "rai:dataSocialImpact",
    "rai:annotatorDemographics",
    "rai:personalSensitiveInformation",
}
# What mlcroissant may still warn about, and why each is right: a dataset whose authors gave
# no version has none to state, and a version that does not follow Semantic Versioning is
# the one they gave (Croissant recommends SemVer; FairProg does not rewrite it).
ALLOWED_WARNINGS = re.compile(
    r'"https://schema.org/version" is recommended, but does not exist'
    r"|Version doesn't follow MAJOR.MINOR.PATCH"
)


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """No host but this machine resolves, and proxies lead nowhere: mlcroissant must read
    the documents as they are, fetching nothing."""
    resolve = socket.getaddrinfo

    def local_only(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host not in ("localhost", "127.0.0.1", "::1", None):
            raise OSError(f"offline test: no lookup of {host!r}")
        return resolve(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", local_only)
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")


def _url(artifact: Artifact) -> str:
    return reverse("artifact-detail", args=[artifact.slug])


def _croissant(client: Any, artifact: Artifact) -> dict[str, Any]:
    response = client.get(_url(artifact), {"format": "croissant"})
    assert response.status_code == 200, (artifact.slug, response.content)
    assert response["Content-Type"].startswith("application/ld+json"), artifact.slug
    data: dict[str, Any] = response.json()
    return data


def mlcroissant_issues(document: dict[str, Any]) -> tuple[list[str], list[str]]:
    """(errors, warnings) mlcroissant finds in ``document``."""
    try:
        dataset = mlcroissant.Dataset(jsonld=json.loads(json.dumps(document)))
    except mlcroissant.ValidationError as error:
        return [str(error)], []
    issues = dataset.metadata.ctx.issues
    return sorted(map(str, issues.errors)), sorted(map(str, issues.warnings))


def _unexpected(warnings: list[str]) -> list[str]:
    return [w for w in warnings if not ALLOWED_WARNINGS.search(w)]


def assert_valid(document: dict[str, Any]) -> None:
    errors, warnings = mlcroissant_issues(document)
    assert errors == []
    assert _unexpected(warnings) == []


@pytest.fixture(autouse=True)
def _quiet_mlcroissant() -> None:
    logging.getLogger("absl").setLevel(logging.ERROR)


def test_every_dataset_of_the_catalogue_is_valid_croissant(client, standards_catalogue):
    datasets = [a for a in standards_catalogue if a.kind == Artifact.Kind.DATASET]
    assert len(datasets) >= 3
    found = {}
    for artifact in datasets:
        errors, warnings = mlcroissant_issues(_croissant(client, artifact))
        if errors or _unexpected(warnings):
            found[artifact.slug] = (errors, warnings)
    assert found == {}


def test_every_dataset_body_matches_the_openapi_schema(client, standards_catalogue):
    for artifact in standards_catalogue:
        if artifact.kind == Artifact.Kind.DATASET:
            jsonschema.validate(_croissant(client, artifact), CROISSANT_SCHEMA)


def test_croissant_declares_croissant_and_rai_conformance_and_the_standard_context(
    client, edge_artifacts
):
    data = _croissant(client, edge_artifacts["special_characters"])
    assert data["@type"] == "sc:Dataset"
    assert data["conformsTo"] == [
        "http://mlcommons.org/croissant/1.0",
        "http://mlcommons.org/croissant/RAI/1.0",
    ]
    assert data["@context"]["rai"] == "http://mlcommons.org/croissant/RAI/"
    # Every term of the context mlcroissant writes for Croissant 1.0, with the same meaning.
    from mlcroissant._src.core.rdf import make_context

    assert data["@context"] == make_context()


def test_croissant_carries_the_citation_licence_doi_and_creators(client, edge_artifacts):
    artifact = edge_artifacts["special_characters"]
    data = _croissant(client, artifact)
    page = client.get(_url(artifact), {"format": "bibtex"}).content.decode()
    assert data["citeAs"] == page
    assert data["license"] == "https://spdx.org/licenses/CC-BY-4.0.html"
    assert data["identifier"] == "https://doi.org/10.5281/zenodo.7654321"
    assert "https://doi.org/10.5281/zenodo.7654321" in data["sameAs"]
    assert data["datePublished"] == "2024-02-29"
    assert data["version"] == "1.0-β {rc} ~1"
    assert [c["name"] for c in data["creator"]] == ["Zoë-Ann {O'Brien} van der Berg & Søn_ ~^\\"]
    assert data["url"] == f"http://testserver/artifacts/{artifact.slug}/"


def test_a_dataset_with_no_files_has_no_distribution_and_is_valid(client):
    artifact = ArtifactFactory(landing_url="https://example.org/a-landing-page", doi="")
    data = _croissant(client, artifact)
    assert "distribution" not in data
    assert "isLiveDataset" not in data
    assert "recordSet" not in data
    assert_valid(data)


def test_each_file_link_is_a_file_object_with_croissants_encoding_format(client):
    cases = {
        "https://example.org/data/train.csv": "text/csv",
        "https://example.org/data/all.jsonl": "application/jsonlines",
        "https://example.org/data/part-0.parquet": "application/x-parquet",
        "https://example.org/data/images.tar.gz": "application/x-tar",
        "https://example.org/data/corpus.zip": "application/zip",
    }
    for url, encoding in cases.items():
        artifact = ArtifactFactory(landing_url=url, repository_url="https://github.com/o/r")
        data = _croissant(client, artifact)
        landing, repository = data["distribution"]
        assert (landing["@type"], landing["contentUrl"]) == ("cr:FileObject", url)
        assert landing["encodingFormat"] == encoding
        assert landing["name"] == url.rsplit("/", 1)[1]
        assert repository["encodingFormat"] == "git+https"
        assert repository["contentUrl"] == "https://github.com/o/r"
        assert data["isLiveDataset"] is True
        assert_valid(data)


def test_pages_inside_a_repository_and_landing_pages_are_not_files(client):
    artifact = ArtifactFactory(
        landing_url="https://example.org/dataset",
        repository_url="https://github.com/o/r/tree/main/data",
    )
    assert "distribution" not in _croissant(client, artifact)
    assert croissant.is_git_repository("https://example.org/code/dataset.git")
    assert not croissant.is_git_repository("http://github.com/o/r")


def test_without_the_live_flag_mlcroissant_requires_a_checksum(client):
    """Why the files say the dataset is live: mlcroissant refuses a file with no checksum
    otherwise, and FairProg records none."""
    artifact = ArtifactFactory(landing_url="https://example.org/data/train.csv")
    data = _croissant(client, artifact)
    assert mlcroissant_issues(data)[0] == []
    errors, _ = mlcroissant_issues({k: v for k, v in data.items() if k != "isLiveDataset"})
    assert "sha256" in "".join(errors)
    assert "sha256" not in data["distribution"][0]
    assert "md5" not in data["distribution"][0]


def _documented(**fields: Any) -> Artifact:
    artifact = cast(Artifact, ArtifactFactory(**fields))
    gender, _ = FairnessDimension.objects.get_or_create(name="Gender", defaults={"slug": "g"})
    age, _ = FairnessDimension.objects.get_or_create(name="Age", defaults={"slug": "a"})
    artifact_sensitive_attributes_set(
        artifact=artifact,
        rows=[[gender, "self_reported", "binary only"], [age, "inferred", ""]],
    )
    return artifact


def test_a_dataset_with_every_rai_field_states_each(client):
    artifact = _documented(
        collection_process="Crawled from **public** forums in 2021.",
        known_biases="Over-represents English speakers.",
        limitations="Small for rare dialects.",
        intended_use="Auditing toxicity classifiers.",
        ethical_considerations="Could be used to profile speakers.",
        annotator_demographics="12 annotators, 7 women, from 4 countries.",
        consent_anonymisation="Usernames removed; consent by the platforms' terms.",
    )
    data = _croissant(client, artifact)
    assert set(data) >= RAI_PROPERTIES
    assert data["rai:dataCollection"] == "Crawled from public forums in 2021."
    assert data["rai:dataBiases"] == "Over-represents English speakers."
    assert data["rai:dataLimitations"] == "Small for rare dialects."
    assert data["rai:dataUseCases"] == "Auditing toxicity classifiers."
    assert data["rai:dataSocialImpact"] == "Could be used to profile speakers."
    assert data["rai:annotatorDemographics"] == "12 annotators, 7 women, from 4 countries."
    assert data["rai:personalSensitiveInformation"] == [
        "Sensitive attribute: Gender (self-reported; binary only).",
        "Sensitive attribute: Age (inferred).",
        "Usernames removed; consent by the platforms' terms.",
    ]
    assert_valid(data)
    dataset = mlcroissant.Dataset(jsonld=data)
    assert dataset.metadata.data_biases == ["Over-represents English speakers."]
    assert len(dataset.metadata.personal_sensitive_information or []) == 3


def test_a_dataset_with_no_rai_field_has_no_rai_property(client):
    artifact = ArtifactFactory(intended_use="", limitations="", ethical_considerations="")
    data = _croissant(client, artifact)
    assert [key for key in data if key.startswith("rai:")] == []
    assert mlcroissant_issues(data)[0] == []


def test_markdown_and_non_ascii_text_arrive_as_plain_unicode(client, edge_artifacts):
    artifact = edge_artifacts["special_characters"]
    Artifact.objects.filter(pk=artifact.pk).update(
        known_biases="Skews to *urban* speakers — 日本 😀 عربى\n\n- one\n- [two](https://x.org)"
    )
    response = client.get(_url(artifact), {"format": "croissant"})
    data = response.json()
    assert data["rai:dataBiases"] == "Skews to urban speakers — 日本 😀 عربى one two"
    assert data["name"] == artifact.title
    assert "*emphasised*" not in json.dumps(data, ensure_ascii=False)
    assert "😀".encode() in response.content  # UTF-8, not escaped
    assert_valid(data)


def test_a_non_dataset_has_no_croissant_a_404_by_format_and_406_by_accept(client, edge_artifacts):
    artifact = edge_artifacts["no_creators"]
    assert artifact.kind == Artifact.Kind.TOOL
    by_format = client.get(_url(artifact), {"format": "croissant"})
    by_accept = client.get(_url(artifact), HTTP_ACCEPT=PROFILE_ACCEPT)
    assert (by_format.status_code, by_accept.status_code) == (404, 406)
    for response in (by_format, by_accept):
        assert response["Content-Type"] == "application/json"
        detail = response.json()["detail"]
        assert "it is a tool" in detail
        assert "datasets only" in detail


def test_accept_with_croissants_profile_gets_croissant_and_plain_jsonld_gets_schema_org(
    client, edge_artifacts
):
    artifact = edge_artifacts["special_characters"]
    profiled = client.get(_url(artifact), HTTP_ACCEPT=PROFILE_ACCEPT)
    assert profiled.status_code == 200
    assert "croissant/1.0" in profiled["Content-Type"]
    assert profiled.json()["@type"] == "sc:Dataset"
    plain = client.get(_url(artifact), HTTP_ACCEPT="application/ld+json")
    assert plain.json()["@context"] == "https://schema.org"
    by_format = client.get(_url(artifact), {"format": "croissant"})
    assert by_format["Content-Type"] == croissant.MEDIA_TYPE


def test_dataset_pages_link_their_croissant_and_other_pages_do_not(client, edge_artifacts):
    dataset, tool = edge_artifacts["special_characters"], edge_artifacts["no_creators"]
    href = f'href="{_url(dataset)}?format=croissant"'
    assert href in client.get(reverse("artifacts:detail", args=[dataset.slug])).content.decode()
    page = client.get(reverse("artifacts:detail", args=[tool.slug])).content.decode()
    assert "format=croissant" not in page


def test_croissant_carries_no_email_proposal_or_draft(client, standards_catalogue):
    addresses = set(Person.objects.exclude(email="").values_list("email", flat=True))
    assert addresses
    for artifact in standards_catalogue:
        if artifact.kind != Artifact.Kind.DATASET:
            continue
        text = json.dumps(_croissant(client, artifact), ensure_ascii=False)
        assert not EMAIL.search(text), artifact.slug
        assert [a for a in addresses if a in text] == [], artifact.slug
    proposal = ProposalFactory(title="Confidential proposal title Q7Z")
    award = AwardFactory(proposal=proposal)
    ArtifactCreatorFactory(artifact=ArtifactFactory(award=award, slug="with-proposal"))
    published = Artifact.objects.get(slug="with-proposal")
    assert "Q7Z" not in json.dumps(_croissant(client, published))
    draft = ArtifactFactory(status=Artifact.Status.DRAFT, published_at=None)
    assert client.get(_url(draft), {"format": "croissant"}).status_code == 404


def test_croissant_reads_a_fixed_number_of_queries_whatever_its_rows(
    client, django_assert_num_queries
):
    """The ETag's two reads, the artifact with its award, then one read each of
    its creators, dimensions, tasks, funders, links and sensitive attributes: the same
    for one creator and attribute as for five of each."""
    few = _documented(slug="few")
    ArtifactCreatorFactory(artifact=few)
    many = ArtifactFactory(slug="many")
    dimensions = [
        FairnessDimension.objects.create(slug=f"d{n}", name=f"Dimension {n}", order=n)
        for n in range(5)
    ]
    artifact_sensitive_attributes_set(
        artifact=many, rows=[[d, "annotated", f"note {d.pk}"] for d in dimensions]
    )
    for order in range(5):
        ArtifactCreatorFactory(artifact=many, order=order)
    for artifact, creators in ((few, 1), (many, 5)):
        with django_assert_num_queries(QUERIES):
            data = _croissant(client, artifact)
        assert len(data["creator"]) == creators
        assert len(data["rai:personalSensitiveInformation"]) == creators + (creators == 1)
