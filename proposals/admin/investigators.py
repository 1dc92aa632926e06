"""Inline rows that name a person: the investigators of proposals and awards (the artifacts
admin uses the form set for creators too)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest

from proposals.models import Person

# The admin searches investigators by either name: Django matches every typed word within one
# investigator, so "Casey Sample14", "Sample14 Casey" and "Casey" all find Casey Sample14.
INVESTIGATOR_SEARCH = ["investigators__person__given_name", "investigators__person__family_name"]


class KnownPersonAutocomplete(AutocompleteSelect):
    """Autocomplete that labels the selected person from the row already loaded.

    Django's widget queries the selected object once per inline row; an inline of
    twenty investigators would make twenty queries.
    """

    known: dict[str, Person]

    def optgroups(self, name: str, value: Sequence[str], attr: Any = None) -> list[Any]:
        known = getattr(self, "known", {})
        selected = {str(v) for v in value if str(v) not in self.choices.field.empty_values}
        if not selected or not selected <= known.keys():
            return super().optgroups(name, value, attr)
        options = []
        if not self.is_required:
            options.append(self.create_option(name, "", "", False, 0))
        for key in sorted(selected):
            label = self.choices.field.label_from_instance(known[key])
            options.append(self.create_option(name, key, label, True, len(options)))
        return [(None, options, 0)]


class KnownPersonFormSet(BaseInlineFormSet):
    """Inline rows that point at a person: each row's person is labelled from the row
    itself (loaded with ``select_related``) instead of one query per row."""

    def _construct_form(self, i: int, **kwargs: Any) -> Any:
        form = super()._construct_form(i, **kwargs)  # type: ignore[misc]
        instance = form.instance
        if instance.pk and instance.person_id:
            wrapper = form.fields["person"].widget
            inner = getattr(wrapper, "widget", wrapper)
            if isinstance(inner, AutocompleteSelect):
                known = KnownPersonAutocomplete(inner.field, inner.admin_site, inner.attrs)
                known.choices = inner.choices
                known.is_required = inner.is_required
                known.known = {str(instance.person_id): instance.person}
                wrapper.widget = known
        return form


class OnePIFormSet(KnownPersonFormSet):
    """Investigators of one proposal or award: more than one PI is refused before the
    database refuses it."""

    pi_role = "pi"

    def clean(self) -> None:
        super().clean()
        pis = [
            form
            for form in self.forms
            if form.cleaned_data
            and not form.cleaned_data.get("DELETE")
            and form.cleaned_data.get("role") == self.pi_role
        ]
        if len(pis) > 1:
            raise ValidationError(
                "Only one principal investigator is allowed; make the others co-PIs."
            )


class InvestigatorInline(admin.TabularInline):
    formset = OnePIFormSet
    extra = 0
    autocomplete_fields = ["person"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).select_related("person")
