"""Public representation of catalogue artifacts."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import OpenApiExample, extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from artifacts.metadata.fairness import sensitive_attributes
from artifacts.models import (
    Artifact,
    ArtifactLink,
    Domain,
    FairnessDimension,
    FairnessNotion,
    LinkState,
    MetricForm,
    MetricInput,
    SensitiveAttribute,
    Task,
)
from artifacts.representation import (
    FIELD_ORDER,
    REPRESENTATION_COLUMNS,
    artifact_representation,
    links_representation,
)
from artifacts.selectors.artifacts import sensitive_from, vocabulary_from
from artifacts.selectors.links import artifact_links_public
from artifacts.services.artifacts import artifact_create, artifact_update
from proposals.api.fields import (
    AWARD_NUMBER_PATTERN,
    DOI_PATTERN,
    SLUG_PATTERN,
    WEB_ADDRESS_PATTERN,
    IdRelatedField,
    KeyRelatedField,
    TextField,
)
from proposals.models import Award, Person


class VocabularySerializer(serializers.Serializer[Any]):
    slug = serializers.SlugField(read_only=True)
    name = serializers.CharField(read_only=True)


class SensitiveAttributeSerializer(serializers.Serializer[Any]):
    dimension = serializers.SlugField(
        read_only=True, help_text="Slug of the fairness dimension the attribute records."
    )
    name = serializers.CharField(read_only=True, help_text="Name of that dimension.")
    obtained = serializers.ChoiceField(
        choices=SensitiveAttribute.Obtained.choices,
        read_only=True,
        help_text="How the attribute was obtained.",
    )
    note = serializers.CharField(read_only=True, help_text="A short note; may be empty.")


class CreatorSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(source="person.full_name", read_only=True)
    given_name = serializers.CharField(source="person.given_name", read_only=True)
    family_name = serializers.CharField(source="person.family_name", read_only=True)
    orcid = serializers.CharField(source="person.orcid", read_only=True)


class ArtifactLinkSerializer(serializers.Serializer[Any]):
    """One URL of an artifact and its health: never the checker's errors or history."""

    role = serializers.ChoiceField(
        choices=ArtifactLink.Role.choices, read_only=True, help_text="What the URL is."
    )
    url = serializers.URLField(read_only=True, help_text="The URL checked.")
    state = serializers.ChoiceField(
        choices=[(value, label) for value, label in LinkState.choices if value != LinkState.NONE],
        read_only=True,
        help_text="The link's health: ok (working), redirected (working, through a redirect), "
        "blocked (unknown: the site refused the checker), failing (failed recently, not yet "
        "confirmed), broken (failed repeatedly over days), unchecked (not checked yet).",
    )
    state_since = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text="Since when the link has had its state (UTC)."
    )
    checked_at = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text="When the link was last checked (UTC)."
    )
    resolves_to = serializers.URLField(
        read_only=True,
        allow_null=True,
        help_text="For a working DOI, the landing page it resolves to; otherwise null.",
    )


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
    sensitive_attributes = serializers.SerializerMethodField(
        help_text="A dataset's sensitive attributes: the dimension, how it was obtained, a note."
    )
    creators = CreatorSerializer(source="creator_links", many=True, read_only=True)
    links = serializers.SerializerMethodField(
        help_text="The artifact's landing page, repository and DOI, in that order, each with "
        "its health as the link checker last found it."
    )
    url = serializers.SerializerMethodField(help_text="The artifact's public page.")
    superseded_by = serializers.CharField(
        source="superseded_by.slug",
        read_only=True,
        default=None,
        allow_null=True,
        help_text="Slug of the published artifact that replaces this one (a retired "
        "artifact's successor, e.g. its next version); null when none is named.",
    )
    domain = serializers.ChoiceField(
        choices=Domain.choices,
        read_only=True,
        allow_blank=True,
        help_text="Application domain; empty when not stated.",
    )
    fairness_notions = serializers.ListField(
        child=serializers.ChoiceField(choices=FairnessNotion.choices),
        read_only=True,
        help_text="Fairness notions a metric measures (codes).",
    )
    metric_inputs = serializers.ListField(
        child=serializers.ChoiceField(choices=MetricInput.choices),
        read_only=True,
        help_text="What a metric needs as input (codes).",
    )

    class Meta:
        model = Artifact
        fields = list(FIELD_ORDER)

    def _vocabulary(self, artifact: Artifact, kind: str) -> list[dict[str, str]]:
        if hasattr(artifact, f"{kind}_list"):  # annotated by with_vocabulary
            return vocabulary_from(getattr(artifact, f"{kind}_list"))
        related = artifact.dimensions.all() if kind == "dimension" else artifact.tasks.all()
        return sorted(({"slug": v.slug, "name": v.name} for v in related), key=lambda v: v["slug"])

    @extend_schema_field(VocabularySerializer(many=True))
    def get_dimensions(self, artifact: Artifact) -> list[dict[str, str]]:
        return self._vocabulary(artifact, "dimension")

    @extend_schema_field(VocabularySerializer(many=True))
    def get_tasks(self, artifact: Artifact) -> list[dict[str, str]]:
        return self._vocabulary(artifact, "task")

    @extend_schema_field(SensitiveAttributeSerializer(many=True))
    def get_sensitive_attributes(self, artifact: Artifact) -> list[dict[str, str]]:
        if hasattr(artifact, "sensitive_list"):  # annotated by with_vocabulary
            return sensitive_from(artifact.sensitive_list)
        return [
            {"dimension": a.dimension.slug, "name": a.dimension.name, "obtained": a.obtained,
             "note": a.note}
            for a in sorted(sensitive_attributes(artifact), key=lambda a: a.dimension.slug)
        ]  # fmt: skip

    @extend_schema_field(ArtifactLinkSerializer(many=True))
    def get_links(self, artifact: Artifact) -> list[dict[str, Any]]:
        return links_representation(artifact_links_public(artifact))

    def get_url(self, artifact: Artifact) -> str:
        return f"{self._site()}{reverse('artifacts:list')}{artifact.slug}/"

    def _site(self) -> str:
        site = self.context.get("_site")
        if site is None:
            request: Any = self.context.get("request")
            site = request.build_absolute_uri("/").rstrip("/") if request else ""
            self.context["_site"] = site
        return str(site)

    def to_representation(self, artifact: Artifact) -> dict[str, Any]:
        # Written out by hand (see artifact_representation); the declared fields above
        # still describe the schema, and a test checks both give the same output.
        row = {key: _follow(artifact, path) for key, path in REPRESENTATION_COLUMNS.items()}
        for kind in ("dimension", "task"):
            row[f"{kind}s"] = self._vocabulary(artifact, kind)
        row["sensitive_attributes"] = self.get_sensitive_attributes(artifact)
        creators = [
            {
                "name": link.person.full_name,
                "given_name": link.person.given_name,
                "family_name": link.person.family_name,
                "orcid": link.person.orcid,
            }
            for link in artifact.creator_links.all()
        ]
        return artifact_representation(
            row, creators=creators, links=self.get_links(artifact), url=self.get_url(artifact)
        )


def _follow(instance: Any, path: str) -> Any:
    for part in path.split("__"):
        if instance is None:
            return None
        instance = getattr(instance, part)
    return instance


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "A new draft",
            request_only=True,
            value={
                "award": "2040800",
                "kind": "dataset",
                "title": "Hiring audit benchmark",
                "summary": "Resumes and outcomes for auditing automated hiring for bias.",
                "license": "CC-BY-4.0",
                "landing_url": "https://example.org/hiring-audit",
                "keywords": ["hiring", "audit"],
            },
        )
    ]
)
class ArtifactWriteSerializer(serializers.Serializer[Artifact]):
    """What staff send to create or change an artifact; saved through the services."""

    award = KeyRelatedField(
        pattern=AWARD_NUMBER_PATTERN,
        slug_field="award_number",
        queryset=Award.objects.all(),
        help_text="NSF award number of a recorded award (seven digits).",
    )
    kind = serializers.ChoiceField(choices=Artifact.Kind.choices)
    title = TextField(max_length=300)
    summary = TextField(max_length=400)
    slug = TextField(
        pattern=SLUG_PATTERN,
        max_length=120,
        required=False,
        help_text="Stable short name used in URLs; made from the title when not given, and "
        "never one another artifact had.",
    )
    description = TextField(required=False, allow_blank=True)
    landing_url = TextField(
        pattern=WEB_ADDRESS_PATTERN,
        pattern_message="Enter an http(s) address (https://example.org/…), other characters "
        "than URI ones percent-encoded.",
        required=False,
        allow_blank=True,
        max_length=500,
        help_text="The artifact's landing page: an http(s) address.",
    )
    repository_url = TextField(
        pattern=WEB_ADDRESS_PATTERN,
        pattern_message="Enter an http(s) address (https://github.com/…), other characters "
        "than URI ones percent-encoded.",
        required=False,
        allow_blank=True,
        max_length=500,
        help_text="Source repository: an http(s) address.",
    )
    doi = TextField(
        pattern=DOI_PATTERN,
        required=False,
        allow_blank=True,
        max_length=255,
        help_text="DOI, bare (10.5281/zenodo.1234567) or as a link; stored bare, lower-case.",
    )
    license = TextField(
        required=False,
        allow_blank=True,
        max_length=64,
        help_text="An id of the SPDX licence list (https://spdx.org/licenses/), in any case.",
    )
    version = TextField(required=False, allow_blank=True, max_length=40)
    release_date = serializers.DateField(required=False, allow_null=True)
    keywords = serializers.ListField(child=TextField(max_length=60), required=False, max_length=30)
    dimensions = KeyRelatedField(
        pattern=SLUG_PATTERN,
        slug_field="slug",
        queryset=FairnessDimension.objects.all(),
        many=True,
        required=False,
        help_text="Slugs of fairness dimensions of the catalogue's vocabulary.",
    )
    tasks = KeyRelatedField(
        pattern=SLUG_PATTERN,
        slug_field="slug",
        queryset=Task.objects.all(),
        many=True,
        required=False,
        help_text="Slugs of tasks and modalities of the catalogue's vocabulary.",
    )
    creators = IdRelatedField(
        queryset=Person.objects.all(),
        many=True,
        required=False,
        help_text="Ids of recorded people, in citation order, each once.",
    )
    intended_use = TextField(required=False, allow_blank=True)
    out_of_scope_use = TextField(required=False, allow_blank=True)
    limitations = TextField(required=False, allow_blank=True)
    evaluation_data = TextField(required=False, allow_blank=True)
    ethical_considerations = TextField(required=False, allow_blank=True)
    domain = serializers.ChoiceField(
        choices=Domain.choices, required=False, allow_blank=True, help_text="Application domain."
    )
    collection_process = TextField(
        required=False,
        allow_blank=True,
        help_text="How a dataset's data were collected (Markdown).",
    )
    consent_anonymisation = TextField(
        required=False,
        allow_blank=True,
        help_text="How consent was sought and the data anonymised (Markdown).",
    )
    known_biases = TextField(
        required=False,
        allow_blank=True,
        help_text="Biases known in the data or the model (Markdown).",
    )
    annotator_demographics = TextField(
        required=False, allow_blank=True, help_text="Who annotated a dataset (Markdown)."
    )
    fairness_notions = serializers.ListField(
        child=serializers.ChoiceField(choices=FairnessNotion.choices),
        required=False,
        max_length=len(FairnessNotion.values),
        help_text="Fairness notions a metric measures (codes).",
    )
    metric_form = serializers.ChoiceField(
        choices=MetricForm.choices,
        required=False,
        allow_blank=True,
        help_text="How a metric compares groups.",
    )
    metric_inputs = serializers.ListField(
        child=serializers.ChoiceField(choices=MetricInput.choices),
        required=False,
        max_length=len(MetricInput.values),
        help_text="What a metric needs as input (codes).",
    )
    group_results = TextField(
        required=False,
        allow_blank=True,
        help_text="The groups a model was evaluated on, and its results (Markdown).",
    )

    def create(self, validated_data: dict[str, Any]) -> Artifact:
        return artifact_create(**validated_data)

    def update(self, instance: Artifact, validated_data: dict[str, Any]) -> Artifact:
        return artifact_update(artifact=instance, **validated_data)
