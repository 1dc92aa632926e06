"""Public representation of catalogue artifacts."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from artifacts import selectors
from artifacts.models import Artifact, FairnessDimension, Task


class VocabularySerializer(serializers.Serializer[Any]):
    slug = serializers.SlugField(read_only=True)
    name = serializers.CharField(read_only=True)


class CreatorSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(source="person.full_name", read_only=True)
    given_name = serializers.CharField(source="person.given_name", read_only=True)
    family_name = serializers.CharField(source="person.family_name", read_only=True)
    orcid = serializers.CharField(source="person.orcid", read_only=True)


class ArtifactSerializer(serializers.ModelSerializer[Artifact]):
    award_number = serializers.CharField(source="award.award_number", read_only=True)
    award_title = serializers.CharField(source="award.title", read_only=True)
    institution = serializers.CharField(
        source="award.institution.name", read_only=True, default=None, allow_null=True
    )
    cycle_year = serializers.IntegerField(
        source="award.cycle.year", read_only=True, default=None, allow_null=True
    )
    dimensions = serializers.SerializerMethodField(help_text="Fairness dimensions (slug, name).")
    tasks = serializers.SerializerMethodField(help_text="Tasks and modalities (slug, name).")
    creators = CreatorSerializer(source="creator_links", many=True, read_only=True)
    url = serializers.SerializerMethodField(help_text="The artifact's public page.")

    class Meta:
        model = Artifact
        fields = [
            "id",
            "slug",
            "kind",
            "title",
            "summary",
            "description",
            "landing_url",
            "repository_url",
            "doi",
            "license",
            "version",
            "release_date",
            "keywords",
            "dimensions",
            "tasks",
            "creators",
            "intended_use",
            "out_of_scope_use",
            "limitations",
            "evaluation_data",
            "ethical_considerations",
            "status",
            "published_at",
            "retirement_note",
            "updated_at",
            "is_demo",
            "award_number",
            "award_title",
            "institution",
            "cycle_year",
            "url",
        ]

    def _vocabulary(self, artifact: Artifact, kind: str) -> list[dict[str, str]]:
        if hasattr(artifact, f"{kind}_list"):  # annotated by selectors.with_vocabulary
            return selectors.vocabulary_from(getattr(artifact, f"{kind}_list"))
        related = artifact.dimensions.all() if kind == "dimension" else artifact.tasks.all()
        return sorted(({"slug": v.slug, "name": v.name} for v in related), key=lambda v: v["slug"])

    @extend_schema_field(VocabularySerializer(many=True))
    def get_dimensions(self, artifact: Artifact) -> list[dict[str, str]]:
        return self._vocabulary(artifact, "dimension")

    @extend_schema_field(VocabularySerializer(many=True))
    def get_tasks(self, artifact: Artifact) -> list[dict[str, str]]:
        return self._vocabulary(artifact, "task")

    def get_url(self, artifact: Artifact) -> str:
        request: Any = self.context.get("request")
        path = reverse("artifacts:detail", args=[artifact.slug])
        return str(request.build_absolute_uri(path)) if request else path


__all__ = ["ArtifactSerializer", "FairnessDimension", "Task"]
