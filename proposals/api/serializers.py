"""Public representations of program records. No e-mail, proposal or staff-only field."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiExample, extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from proposals.api.fields import (
    AWARD_NUMBER_PATTERN,
    NOT_BLANK_PATTERN,
    AmountField,
    IdRelatedField,
    KeyRelatedField,
    TextField,
)
from proposals.models import Award, AwardInvestigator, Cycle, Deadline, Organization, Program
from proposals.services.awards import award_create, award_update


class OrganizationSerializer(serializers.ModelSerializer[Organization]):
    class Meta:
        model = Organization
        fields = ["id", "name", "kind", "ror_id", "city", "state", "country", "website"]


class OrganizationBriefSerializer(serializers.ModelSerializer[Organization]):
    class Meta:
        model = Organization
        fields = ["id", "name", "ror_id"]


class CycleBriefSerializer(serializers.ModelSerializer[Cycle]):
    class Meta:
        model = Cycle
        fields = ["id", "year", "solicitation_number"]


@extend_schema_field({"type": "string", "pattern": "^[0-2][0-9]:[0-5][0-9]$", "example": "17:00"})
class ClockTimeField(serializers.TimeField):
    """A wall-clock time without a zone ("17:00"): the rule says whose clock."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%H:%M", **kwargs)


class DeadlineSerializer(serializers.ModelSerializer[Deadline]):
    due_time = ClockTimeField(read_only=True, help_text="Clock time of the deadline.")
    cycle = CycleBriefSerializer(
        read_only=True, allow_null=True, help_text="The cycle, for a cycle deadline."
    )
    award_number = serializers.CharField(
        source="award.award_number",
        read_only=True,
        default=None,
        allow_null=True,
        help_text="The award, for a report deadline.",
    )
    rule_text = serializers.CharField(
        read_only=True,
        help_text='How the deadline is stated, e.g. "5 p.m. submitter\'s local time".',
    )

    class Meta:
        model = Deadline
        fields = [
            "id",
            "cycle",
            "award_number",
            "kind",
            "label",
            "due_date",
            "due_time",
            "time_rule",
            "time_zone",
            "due_at",
            "rule_text",
        ]
        extra_kwargs = {
            "due_at": {"help_text": "The deadline as an instant in its reference time zone."}
        }


class CycleSerializer(serializers.ModelSerializer[Cycle]):
    program = serializers.CharField(source="program.short_name", read_only=True)
    deadlines = DeadlineSerializer(
        source="public_deadlines", many=True, read_only=True, help_text="Public deadlines."
    )
    award_count = serializers.IntegerField(read_only=True, help_text="Funded projects.")

    class Meta:
        model = Cycle
        fields = [
            "id",
            "program",
            "year",
            "solicitation_number",
            "title",
            "status",
            "budget",
            "anticipated_awards_min",
            "anticipated_awards_max",
            "award_size_min",
            "award_size_max",
            "url",
            "award_count",
            "deadlines",
        ]


class InvestigatorSerializer(serializers.ModelSerializer[AwardInvestigator]):
    name = serializers.CharField(source="person.full_name", read_only=True)
    given_name = serializers.CharField(source="person.given_name", read_only=True)
    family_name = serializers.CharField(source="person.family_name", read_only=True)
    orcid = serializers.CharField(source="person.orcid", read_only=True)

    class Meta:
        model = AwardInvestigator
        fields = ["name", "given_name", "family_name", "orcid", "role", "start_date", "end_date"]


class AwardSerializer(serializers.ModelSerializer[Award]):
    institution = OrganizationBriefSerializer(read_only=True, allow_null=True)
    cycle = CycleBriefSerializer(read_only=True, allow_null=True)
    program = serializers.CharField(source="program.short_name", read_only=True)
    program_elements = serializers.SerializerMethodField(
        help_text="NSF program element codes, e.g. 114Y."
    )
    investigators = InvestigatorSerializer(many=True, read_only=True)
    artifact_count = serializers.IntegerField(read_only=True, help_text="Published artifacts.")
    url = serializers.SerializerMethodField(help_text="The project's public page.")

    class Meta:
        model = Award
        fields = [
            "award_number",
            "title",
            "abstract",
            "program",
            "cycle",
            "institution",
            *Award.TERMS,
            "program_elements",
            "investigators",
            "collaboration_key",
            "artifact_count",
            "updated_at",
            "url",
        ]

    def get_program_elements(self, award: Award) -> list[str]:
        return [element.code for element in award.program_elements.all()]

    def get_url(self, award: Award) -> str:
        from django.urls import reverse

        request: Any = self.context.get("request")
        path = reverse("artifacts:project-detail", args=[award.award_number])
        return str(request.build_absolute_uri(path)) if request else path


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "A new award",
            request_only=True,
            value={
                "award_number": "2049999",
                "program": "FAI",
                "title": "FAI: Auditing fairness in automated hiring",
                "start_date": "2026-09-01",
                "end_date": "2029-08-31",
                "awarded_amount": "750000.00",
            },
        )
    ]
)
class AwardWriteSerializer(serializers.Serializer[Award]):
    """What staff send to record or correct a funded project; saved through the services."""

    award_number = TextField(
        pattern=AWARD_NUMBER_PATTERN,
        pattern_message="An NSF award number is seven digits.",
        help_text="NSF award number: seven digits; one no other award has. Not changed by "
        "PUT or PATCH.",
    )
    program = KeyRelatedField(
        pattern=NOT_BLANK_PATTERN,
        max_length=20,
        slug_field="short_name",
        queryset=Program.objects.all(),
        help_text="Short name of a recorded funding program, e.g. FAI. Not changed by PUT or "
        "PATCH.",
    )
    title = TextField(max_length=400)
    abstract = TextField(required=False, allow_blank=True)
    institution = IdRelatedField(
        queryset=Organization.objects.all(),
        required=False,
        allow_null=True,
        help_text="Id of the recorded organization the award went to.",
    )
    cycle = IdRelatedField(
        queryset=Cycle.objects.all(),
        required=False,
        allow_null=True,
        help_text="Id of the recorded cycle the award came from.",
    )
    instrument = TextField(required=False, allow_blank=True, max_length=80)
    intended_amount = AmountField(required=False, allow_null=True)
    awarded_amount = AmountField(required=False, allow_null=True)
    obligated_amount = AmountField(required=False, allow_null=True)
    start_date = serializers.DateField(required=False, allow_null=True)
    end_date = serializers.DateField(
        required=False,
        allow_null=True,
        help_text="Last day of the award period; not before its first.",
    )
    program_officer = TextField(required=False, allow_blank=True, max_length=200)

    def create(self, validated_data: dict[str, Any]) -> Award:
        return award_create(**validated_data)

    def update(self, instance: Award, validated_data: dict[str, Any]) -> Award:
        # The award number and program identify the record; they are not edited here.
        validated_data.pop("award_number", None)
        validated_data.pop("program", None)
        return award_update(award=instance, **validated_data)
