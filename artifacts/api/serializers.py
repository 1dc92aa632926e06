"""Public representation of catalogue artifacts."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from rest_framework import serializers

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
        source="award.institution.name", read_only=True, default=None
    )
    cycle_year = serializers.IntegerField(source="award.cycle.year", read_only=True, default=None)
    dimensions = VocabularySerializer(many=True, read_only=True)
    tasks = VocabularySerializer(many=True, read_only=True)
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

    def get_url(self, artifact: Artifact) -> str:
        request: Any = self.context.get("request")
        path = reverse("artifacts:detail", args=[artifact.slug])
        return str(request.build_absolute_uri(path)) if request else path


__all__ = ["ArtifactSerializer", "FairnessDimension", "Task"]
