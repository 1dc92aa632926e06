"""A small public catalogue beside what must never be harvested: a draft, a submitted
artifact and a retired one, creators with and without an ORCID iD."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from artifacts.models import Artifact
from artifacts.services.artifacts import artifact_retire
from proposals.validators import orcid_checksum
from tests.artifacts.factories import ArtifactCreatorFactory, ArtifactFactory
from tests.proposals.factories import AwardFactory, PersonFactory

ORCID = "0000-0002-1825-0097"  # ORCID's own example iD (a valid checksum)


def orcid(number: int) -> str:
    """A valid ORCID iD made from a number (creators' iDs are unique)."""
    digits = f"{number:015d}"
    base = digits + orcid_checksum(digits)
    return "-".join(base[i : i + 4] for i in range(0, 16, 4))


@dataclass
class Catalogue:
    award: Any
    dataset: Any
    tool: Any
    retired: Any
    draft: Any
    submitted: Any


@pytest.fixture
def catalogue(db: None) -> Catalogue:
    award = AwardFactory(award_number="2040001")
    dataset = ArtifactFactory(
        award=award,
        slug="crowd-labels",
        doi="10.5281/zenodo.4242",
        landing_url="https://example.org/crowd-labels/data.csv",
        repository_url="https://github.com/example/crowd-labels",
        license="CC-BY-4.0",
    )
    ArtifactCreatorFactory(artifact=dataset, person=PersonFactory(orcid=ORCID), order=0)
    ArtifactCreatorFactory(artifact=dataset, person=PersonFactory(orcid=""), order=1)
    tool = ArtifactFactory(award=award, slug="bias-probe", kind=Artifact.Kind.TOOL, doi="")
    retired: Any = ArtifactFactory(award=award, slug="old-benchmark")
    artifact_retire(artifact=retired, note="Superseded by crowd-labels.")
    draft = ArtifactFactory(award=award, slug="draft-thing", status="draft", published_at=None)
    submitted = ArtifactFactory(
        award=award, slug="submitted-thing", status="submitted", published_at=None
    )
    return Catalogue(award, dataset, tool, retired, draft, submitted)
