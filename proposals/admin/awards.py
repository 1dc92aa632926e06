"""Admin of awards (public): their investigators and report deadlines inline, their export,
and e-mailing the team a sign-in link to their /my/ pages."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.html import format_html_join
from import_export import fields

from fairprog.admin_mixins import CatalogueAdminMixin, ExportAdminMixin, HistoryAdmin
from proposals.admin.deadlines import AwardDeadlineInline, DeadlineOwnerAdminMixin
from proposals.admin.display import PlainColumnsExportForm, PlainResource, money
from proposals.admin.investigators import INVESTIGATOR_SEARCH, InvestigatorInline
from proposals.admin.notes import NotesAdminMixin
from proposals.models import Award, AwardInvestigator
from proposals.models.choices import AwardRole
from proposals.services.researchers import signin_links_send

# Current investigators only: a former PI keeps no access to the award's pages.
SIGNIN_ROLES = {False: [AwardRole.PI], True: [AwardRole.PI, AwardRole.CO_PI]}


class AwardInvestigatorInline(InvestigatorInline):
    model = AwardInvestigator
    fields = ["person", "role", "start_date", "end_date", "order"]


def _signin_link(token: str) -> str:
    """The sign-in address on the public site (SITE_URL), not the admin's own host."""
    return f"{settings.SITE_URL}{reverse('account:signin')}?{urlencode({'sesame': token})}"


def _signin_links_send(awards: Iterable[Award], *, co_pis: bool) -> tuple[int, list[str]]:
    """E-mail each current PI (and co-PI if asked) of ``awards`` a sign-in link, once per
    address; returns how many were sent and the names of those with no address."""
    team = (
        AwardInvestigator.objects.filter(award__in=list(awards), role__in=SIGNIN_ROLES[co_pis])
        .select_related("person")
        .order_by("award__award_number", "order", "id")
    )
    sent, done, unreachable = 0, set(), []
    for investigator in team:
        person = investigator.person
        address = person.email.strip().lower()
        if not address:
            if person.full_name not in unreachable:
                unreachable.append(person.full_name)
            continue
        if address in done:
            continue
        done.add(address)
        sent += signin_links_send(email=person.email, link_for=_signin_link)
    return sent, unreachable


class AwardResource(PlainResource):
    program = fields.Field(attribute="program__short_name", column_name="program")
    cycle = fields.Field(attribute="cycle__solicitation_number", column_name="cycle")
    institution = fields.Field(attribute="institution__name", column_name="institution")

    class Meta:
        model = Award
        fields = ["award_number", "title", "program", "cycle", "institution", *Award.TERMS]
        export_order = fields


@admin.register(Award)
class AwardAdmin(
    NotesAdminMixin, CatalogueAdminMixin, DeadlineOwnerAdminMixin, ExportAdminMixin, HistoryAdmin
):
    resource_classes = [AwardResource]
    export_form_class = PlainColumnsExportForm
    inlines = [AwardInvestigatorInline, AwardDeadlineInline]
    # What fits a 1440-pixel screen beside the filters: the cycle is a filter.
    list_display = [
        "award_number",
        "title",
        "lead_institution",
        "awarded",
        "start_date",
        "end_date",
    ]
    list_filter = ["program", "cycle", "instrument"]
    list_select_related = ["institution"]
    search_fields = [
        "award_number",
        "title",
        "institution__name",
        "proposal__reference",
        *INVESTIGATOR_SEARCH,
    ]
    autocomplete_fields = ["program", "cycle", "institution", "proposal", "program_elements"]
    date_hierarchy = "start_date"
    readonly_fields = ["collaborating_awards", "created_at", "updated_at"]
    actions = ["send_signin_link_to_pi", "send_signin_links_to_team"]

    def get_urls(self) -> list[Any]:
        return [
            path(
                "<path:object_id>/send-signin-link/",
                self.admin_site.admin_view(self.send_signin_link_view),
                name="proposals_award_send_signin_link",
            ),
            *super().get_urls(),
        ]

    def _tell(self, request: HttpRequest, sent: int, unreachable: list[str]) -> None:
        level = messages.SUCCESS if sent else messages.WARNING
        self.message_user(request, f"Sent {sent} sign-in link{'' if sent == 1 else 's'}.", level)
        if unreachable:
            self.message_user(
                request,
                "No e-mail address on record for " + ", ".join(unreachable) + ".",
                messages.WARNING,
            )

    def send_signin_link_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        # Permission first: a refused user learns nothing about which awards exist.
        if not self.has_change_permission(request):
            raise PermissionDenied
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        award = self.get_object(request, object_id)
        if award is None:
            raise Http404("No such award.")
        if not self.has_change_permission(request, award):
            raise PermissionDenied
        sent, unreachable = _signin_links_send([award], co_pis=bool(request.POST.get("co_pis")))
        self._tell(request, sent, unreachable)
        return redirect("admin:proposals_award_change", award.pk)

    @admin.action(description="E-mail the PI a sign-in link", permissions=["change"])
    def send_signin_link_to_pi(self, request: HttpRequest, queryset: QuerySet[Award]) -> None:
        self._tell(request, *_signin_links_send(queryset, co_pis=False))

    @admin.action(description="E-mail the PI and co-PIs sign-in links", permissions=["change"])
    def send_signin_links_to_team(self, request: HttpRequest, queryset: QuerySet[Award]) -> None:
        self._tell(request, *_signin_links_send(queryset, co_pis=True))

    # A method, not the field: Django keeps a related record's column on one line.
    @admin.display(description="institution", ordering="institution__name")
    def lead_institution(self, award: Award) -> str:
        return str(award.institution or "-")

    @admin.display(description="awarded", ordering="awarded_amount")
    def awarded(self, award: Award) -> str:
        return money(award.awarded_amount)

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
