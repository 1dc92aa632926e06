"""factory_boy factories for discovered outputs, and found works as the sources read them."""

from __future__ import annotations

import dataclasses
from typing import Any

import factory
from factory.django import DjangoModelFactory

from artifacts.discovery.awards import AwardMatch
from artifacts.discovery.records import AwardReference, Creator, FoundWork, Source, WorkType
from artifacts.models import DiscoveryRun, Publication, Suggestion
from tests.proposals.factories import AwardFactory

NSF_FUNDER = "National Science Foundation (https://doi.org/10.13039/100000001)"


class SuggestionFactory(DjangoModelFactory):
    class Meta:
        model = Suggestion

    doi = factory.Sequence(lambda n: f"10.5281/zenodo.{700000 + n}")
    key = factory.LazyAttribute(lambda o: f"doi:{o.doi}" if o.doi else f"url:{o.url}")
    url = factory.LazyAttribute(lambda o: f"https://zenodo.org/records/{o.doi.rsplit('.', 1)[-1]}")
    title = factory.Sequence(lambda n: f"Dialect speech corpus, release {n}")
    work_type = WorkType.DATASET.value
    type_as_given = "Dataset"
    creators = factory.LazyFunction(
        lambda: [{"name": "Koenecke, Allison", "family_name": "Koenecke",
                  "given_name": "Allison", "orcid": ""}]
    )  # fmt: skip
    license = "CC-BY-4.0"
    year = 2022
    award = factory.SubFactory(AwardFactory)
    matches = factory.LazyAttribute(
        lambda o: [{"source": "zenodo", "raw_award": o.award.award_number,
                    "funder_as_given": NSF_FUNDER, "award_number": o.award.award_number}]
    )  # fmt: skip
    source_records = factory.LazyAttribute(lambda o: {"zenodo": {"doi": o.doi}})


class PublicationFactory(DjangoModelFactory):
    class Meta:
        model = Publication

    award = factory.SubFactory(AwardFactory)
    title = factory.Sequence(lambda n: f"Racial disparities in speech recognition, part {n}")
    doi = factory.Sequence(lambda n: f"10.1073/pnas.{1915768 + n}")
    authors = factory.LazyFunction(lambda: [{"name": "Allison Koenecke", "orcid": ""}])
    venue = "PNAS"
    year = 2020


class DiscoveryRunFactory(DjangoModelFactory):
    class Meta:
        model = DiscoveryRun

    source = Source.DATACITE.value
    status = DiscoveryRun.Status.SUCCEEDED
    awards_searched = 34
    requests = 40
    works_read = 120
    suggestions_made = 3


def found_work(**fields: Any) -> FoundWork:
    """A dataset on Zenodo citing award 2040000, with ``fields`` changed."""
    work = FoundWork(
        source=Source.DATACITE,
        source_id="10.5281/zenodo.7752775",
        doi="10.5281/zenodo.7752775",
        url="https://zenodo.org/records/7752775",
        title="Speech recognition disparities: audio snippets and transcripts",
        work_type=WorkType.DATASET,
        type_as_given="Dataset",
        creators=(
            Creator(
                name="Koenecke, Allison",
                family_name="Koenecke",
                given_name="Allison",
                orcid="0000-0002-1825-0097",
            ),
            Creator(name="Nam, Andrew", family_name="Nam", given_name="Andrew"),
        ),
        license="CC-BY-4.0",
        version="1.1",
        year=2023,
        venue="Zenodo",
        awards=(
            AwardReference(raw_award="IIS-2040000", funder_name="National Science Foundation"),
        ),
    )
    return dataclasses.replace(work, **fields)


def match(award_number: str, *, source: Source = Source.DATACITE, raw: str = "") -> AwardMatch:
    return AwardMatch(
        award_number=award_number,
        source=source,
        raw_award=raw or f"IIS-{award_number}",
        funder_as_given=NSF_FUNDER,
    )
