"""Admin of awards (public): their investigators and report deadlines inline, and their
export."""

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html_join
from import_export import fields, resources

from fairprog.admin_mixins import CatalogueAdminMixin, ExportAdminMixin, HistoryAdmin
from proposals.admin.deadlines import AwardDeadlineInline, DeadlineOwnerAdminMixin
from proposals.admin.investigators import InvestigatorInline
from proposals.models import Award, AwardInvestigator


class AwardInvestigatorInline(InvestigatorInline):
    model = AwardInvestigator
    fields = ["person", "role", "start_date", "end_date", "order"]


class AwardResource(resources.ModelResource):
    program = fields.Field(attribute="program__short_name", column_name="program")
    cycle = fields.Field(attribute="cycle__solicitation_number", column_name="cycle")
    institution = fields.Field(attribute="institution__name", column_name="institution")

    class Meta:
        model = Award
        fields = ["award_number", "title", "program", "cycle", "institution", *Award.TERMS]
        export_order = fields


@admin.register(Award)
class AwardAdmin(CatalogueAdminMixin, DeadlineOwnerAdminMixin, ExportAdminMixin, HistoryAdmin):
    resource_classes = [AwardResource]
    inlines = [AwardInvestigatorInline, AwardDeadlineInline]
    list_display = [
        "award_number",
        "title",
        "institution",
        "cycle",
        "awarded_amount",
        "start_date",
        "end_date",
    ]
    list_filter = ["program", "cycle", "instrument"]
    list_select_related = ["institution", "cycle"]
    search_fields = ["award_number", "title", "institution__name"]
    autocomplete_fields = ["program", "cycle", "institution", "proposal", "program_elements"]
    date_hierarchy = "start_date"
    readonly_fields = ["collaborating_awards", "created_at", "updated_at"]

    @admin.display(description="collaborating awards")
    def collaborating_awards(self, award: Award) -> str:
        if not award.collaboration_key:
            return "-"
        others = (
            Award.objects.filter(collaboration_key=award.collaboration_key)
            .exclude(pk=award.pk)
            .select_related("institution")
        )
        return (
            format_html_join(
                ", ",
                '<a href="{}">{}</a> ({})',
                (
                    (
                        reverse("admin:proposals_award_change", args=[o.pk]),
                        o.award_number,
                        o.institution,
                    )
                    for o in others
                ),
            )
            or "none recorded yet"
        )
