"""Admin of organisations and people: the records proposals, awards and artifacts name."""

from __future__ import annotations

from django import forms
from django.contrib import admin

from fairprog.admin_mixins import CatalogueAdminMixin
from proposals.models import Organization, Person
from proposals.validators import normalize_orcid, normalize_ror


class IdentifiersForm(forms.ModelForm):
    """Stores an organisation's ROR id bare and a person's ORCID iD in its canonical form, as
    the services and the importer store them. ModelAdmin supplies the model and fields;
    Django calls only the ``clean_<field>`` of the fields the model has."""

    def clean_ror_id(self) -> str:
        value: str = self.cleaned_data["ror_id"]
        return normalize_ror(value) if value else ""

    def clean_orcid(self) -> str:
        value: str = self.cleaned_data["orcid"]
        return normalize_orcid(value) if value else ""


@admin.register(Organization)
class OrganizationAdmin(CatalogueAdminMixin, admin.ModelAdmin):
    form = IdentifiersForm
    list_display = ["name", "kind", "ror_id", "city", "state", "country"]
    list_filter = ["kind", "country"]
    search_fields = ["name", "ror_id", "city"]


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    form = IdentifiersForm
    list_display = ["family_name", "given_name", "orcid", "affiliation"]
    list_filter = ["reminders_opt_out"]
    list_select_related = ["affiliation"]
    search_fields = ["given_name", "family_name", "email", "orcid", "affiliation__name"]
    autocomplete_fields = ["affiliation"]
