"""factory_boy factories for the catalogue."""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from artifacts.models import Artifact, ArtifactCreator
from tests.proposals.factories import AwardFactory, PersonFactory


class ArtifactFactory(DjangoModelFactory):
    class Meta:
        model = Artifact
        skip_postgeneration_save = True

    award = factory.SubFactory(AwardFactory)
    kind = Artifact.Kind.DATASET
    title = factory.Sequence(lambda n: f"Fairness benchmark number {n}")
    slug = factory.Sequence(lambda n: f"fairness-benchmark-{n}")
    summary = "Annotated examples for measuring disparities."
    description = "A longer description."
    landing_url = factory.Sequence(lambda n: f"https://example.org/artifact/{n}")
    license = "CC-BY-4.0"
    keywords = factory.LazyFunction(lambda: ["benchmark"])
    status = Artifact.Status.PUBLISHED
    published_at = factory.Sequence(lambda n: timezone.now() - dt.timedelta(days=n + 1))

    @factory.post_generation
    def dimensions(self, create, extracted, **kwargs):
        if create and extracted:
            self.dimensions.set(extracted)

    @factory.post_generation
    def tasks(self, create, extracted, **kwargs):
        if create and extracted:
            self.tasks.set(extracted)


class ArtifactCreatorFactory(DjangoModelFactory):
    class Meta:
        model = ArtifactCreator

    artifact = factory.SubFactory(ArtifactFactory)
    person = factory.SubFactory(PersonFactory)
    order = 0
