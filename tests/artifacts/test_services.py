"""Catalogue services: creation, publication, retirement, and their refusals; each moves
the catalogue version once its transaction commits."""

import pytest

from artifacts.models import Artifact
from artifacts.services.artifacts import (
    artifact_create,
    artifact_publish,
    artifact_retire,
    artifact_set_creators,
    artifact_update,
)
from fairprog.errors import DomainError
from tests.artifacts.factories import ArtifactFactory
from tests.proposals.factories import AwardFactory, PersonFactory

pytestmark = pytest.mark.django_db


def _draft(**fields):
    defaults = {
        "award": AwardFactory(),
        "kind": Artifact.Kind.TOOL,
        "title": "Crowd audit toolkit",
        "summary": "Finds bias with crowd workers.",
    }
    return artifact_create(**{**defaults, **fields})


def test_artifact_create_normalises_doi_and_licence_and_makes_a_slug():
    artifact = _draft(doi="https://doi.org/10.5281/ZENODO.42", license="apache-2.0")
    assert artifact.doi == "10.5281/zenodo.42"
    assert artifact.license == "Apache-2.0"
    assert artifact.slug == "crowd-audit-toolkit"
    assert artifact.status == Artifact.Status.DRAFT
    assert _draft().slug == "crowd-audit-toolkit-2"


def test_artifact_create_refuses_an_unknown_licence_naming_the_field():
    with pytest.raises(DomainError, match="is not an SPDX licence id") as excinfo:
        _draft(license="GPL")
    assert "license" in excinfo.value.errors
    assert not Artifact.objects.exists()


def test_artifact_create_keeps_creators_in_order():
    first, second = PersonFactory(), PersonFactory()
    artifact = _draft(creators=[second, first])
    assert [link.person for link in artifact.creator_links.all()] == [second, first]


def test_artifact_set_creators_refuses_a_person_twice():
    person = PersonFactory()
    with pytest.raises(DomainError, match="listed twice"):
        _draft(creators=[person, person])


def test_artifact_publish_needs_a_licence_and_a_link():
    artifact = _draft()
    with pytest.raises(DomainError, match="needs a licence and a link"):
        artifact_publish(artifact=artifact)
    artifact_update(artifact=artifact, license="MIT", repository_url="https://example.org/x")
    artifact_publish(artifact=artifact)
    assert artifact.status == Artifact.Status.PUBLISHED
    assert artifact.published_at is not None


def test_artifact_retire_needs_a_note_and_keeps_the_publication_date():
    artifact = ArtifactFactory()
    published_at = artifact.published_at
    with pytest.raises(DomainError, match="Say why the artifact is retired"):
        artifact_retire(artifact=artifact, note=" ")
    artifact_retire(artifact=artifact, note="Superseded by version 2.")
    artifact.refresh_from_db()
    assert artifact.status == Artifact.Status.RETIRED
    assert artifact.published_at == published_at
    assert artifact.is_public


def test_artifact_history_records_publication():
    artifact = _draft(license="MIT", landing_url="https://example.org/a")
    artifact_publish(artifact=artifact)
    assert artifact.history.first().history_change_reason == "Published"


def test_artifact_create_moves_the_catalogue_version_after_commit(catalogue_moves_after_commit):
    award = AwardFactory()
    catalogue_moves_after_commit(lambda: _draft(award=award))


def test_artifact_update_moves_the_catalogue_version_after_commit(catalogue_moves_after_commit):
    artifact = ArtifactFactory()
    catalogue_moves_after_commit(lambda: artifact_update(artifact=artifact, title="Renamed"))


def test_artifact_set_creators_moves_the_catalogue_version_after_commit(
    catalogue_moves_after_commit,
):
    artifact, person = ArtifactFactory(), PersonFactory()
    catalogue_moves_after_commit(
        lambda: artifact_set_creators(artifact=artifact, creators=[person])
    )


def test_artifact_publish_moves_the_catalogue_version_after_commit(catalogue_moves_after_commit):
    artifact = ArtifactFactory(status=Artifact.Status.DRAFT, published_at=None)
    catalogue_moves_after_commit(lambda: artifact_publish(artifact=artifact))


def test_artifact_retire_moves_the_catalogue_version_after_commit(catalogue_moves_after_commit):
    artifact = ArtifactFactory()
    catalogue_moves_after_commit(lambda: artifact_retire(artifact=artifact, note="Withdrawn."))
