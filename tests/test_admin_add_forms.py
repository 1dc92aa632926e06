"""Every admin add form saves when only its required fields are filled, as a new user
would: what the form shows is sent back as shown, each empty required field gets a valid
value, and inlines are sent with their management forms as rendered."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django import forms
from django.contrib import admin
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import Model
from django.forms.models import InlineForeignKeyField
from django.urls import reverse

from proposals.models import Cycle, Deadline, Program, ReviewerProfile
from tests.proposals.factories import (
    AwardFactory,
    CycleFactory,
    OrganizationFactory,
    PersonFactory,
    ProgramFactory,
    ProposalFactory,
)

pytestmark = pytest.mark.django_db

NSF_XML = Path(__file__).parent / "fixtures" / "nsf" / "nsf-xml-1709151.xml"
PASSWORD = "correct-Horse-battery-staple-42"

# Fields a form needs without marking them required, saying so in its errors instead: a
# deadline belongs to a cycle or to an award; a new user has a password unless told not to.
ALSO_NEEDED = {Deadline: {"cycle"}, User: {"password1", "password2"}}
# Required fields with a format of their own.
FORMATTED = {"award_number": "2049999"}


@pytest.fixture
def superuser_client(client):
    client.force_login(User.objects.create_superuser("admin", "admin@example.org", PASSWORD))
    return client


@pytest.fixture
def records() -> None:
    """What the add forms can point at: a program, a cycle, an award, people, a proposal
    and a reviewer with no conflict with it."""
    program = ProgramFactory()
    cycle = CycleFactory(program=program)
    AwardFactory(program=program)
    OrganizationFactory()
    PersonFactory()
    ProposalFactory(cycle=cycle)
    reviewer: Any = PersonFactory()
    ReviewerProfile.objects.create(person=reviewer)


def _shown(bound: forms.BoundField) -> dict[str, Any]:
    """What the browser sends back for a field as the form rendered it: an empty text box
    or list as an empty value; an unchecked box, an empty file or multiple choice not at all."""
    value = bound.value()
    name, widget = bound.html_name, bound.field.widget
    field: Any = bound.field
    if isinstance(widget, forms.CheckboxInput):
        return {name: "on"} if value else {}
    if value in (None, "", [], ()):
        inner = getattr(widget, "widget", widget)  # the admin wraps related-record widgets
        omitted = isinstance(inner, forms.FileInput | forms.MultiWidget) or isinstance(
            field, forms.MultipleChoiceField | forms.ModelMultipleChoiceField
        )
        return {} if omitted else {name: ""}
    if isinstance(widget, forms.MultiWidget):
        parts: Any = value if isinstance(value, list) else widget.decompress(value)
        return {
            f"{name}{suffix}": str(part)
            for suffix, part in zip(widget.widgets_names, parts, strict=False)  # type: ignore[attr-defined]
            if part not in (None, "")
        }
    if isinstance(value, list | tuple):
        return {name: [str(item) for item in value]}
    if isinstance(field, forms.JSONField):
        return {name: str(value)}  # value() gave the JSON text already; encoding it again nests it
    return {name: str(bound.field.prepare_value(value))}


def _number(field: forms.Field, fallback: int) -> int:
    low = [v.limit_value for v in field.validators if isinstance(v, MinValueValidator)]
    high = [v.limit_value for v in field.validators if isinstance(v, MaxValueValidator)]
    value = max(low) if low else fallback
    return min([value, *high])


def _valid(bound, n):  # unchecked: narrowing by field class confuses the form stubs
    """A valid value for an empty required field."""
    name, field, widget = bound.html_name, bound.field, bound.field.widget
    if bound.name in FORMATTED:
        return {name: FORMATTED[bound.name]}
    if isinstance(field, forms.ModelMultipleChoiceField):
        return {name: [str(field.queryset.first().pk)]}
    if isinstance(field, forms.ModelChoiceField):
        return {name: str(field.queryset.first().pk)}
    if isinstance(field, forms.ChoiceField):
        return {name: next(str(key) for key, _ in field.choices if key not in ("", None))}
    if isinstance(field, forms.FileField):
        return {name: SimpleUploadedFile(NSF_XML.name, NSF_XML.read_bytes())}
    if isinstance(field, forms.SplitDateTimeField):
        return {f"{name}{widget.widgets_names[0]}": "2031-05-01", f"{name}_1": "17:00"}
    if isinstance(field, forms.DateField):
        return {name: "2031-05-01"}
    if isinstance(field, forms.TimeField):
        return {name: "17:00"}
    if isinstance(field, forms.IntegerField):
        return {name: str(_number(field, 2031 if "year" in name else 1))}
    if isinstance(field, forms.DecimalField | forms.FloatField):
        return {name: str(_number(field, 1))}
    if isinstance(field, forms.EmailField):
        return {name: f"new{n}@example.org"}
    if isinstance(field, forms.URLField):
        return {name: f"https://example.org/new/{n}"}
    if isinstance(field, forms.SlugField):
        return {name: f"new-{n}"}
    if "password" in name:
        return {name: PASSWORD}
    return {name: f"new{n}"[: getattr(field, "max_length", None)]}


def _post_data(form: forms.BaseForm, model: type[Model], start: int) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for n, bound in enumerate(form, start=start):
        if isinstance(bound.field, InlineForeignKeyField):
            continue  # the parent, set when it is saved
        shown = _shown(bound)
        data.update(shown)
        needed = bound.field.required or bound.name in ALSO_NEEDED.get(model, set())
        if needed and not any(shown.values()):
            data.update(_valid(bound, n))
    return data


def _add_form_data(client: Any, url: str, model: type[Model]) -> dict[str, Any]:
    page = client.get(url)
    assert page.status_code == 200, url
    form = page.context["adminform"].form if "adminform" in page.context else page.context["form"]
    data = _post_data(form, model, start=0)
    for inline in page.context.get("inline_admin_formsets", []):
        management = inline.formset.management_form
        data.update({bound.html_name: bound.value() for bound in management})
    return data


def _models_with_an_add_view() -> list[type[Model]]:
    request = type("Request", (), {"user": User(is_superuser=True, is_active=True)})()
    return [
        model
        for model, model_admin in admin.site._registry.items()
        if model_admin.has_add_permission(request)
    ]


@pytest.mark.parametrize("model", _models_with_an_add_view(), ids=lambda m: m._meta.label_lower)
def test_every_add_form_saves_with_only_its_required_fields(superuser_client, records, model):
    opts = model._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_add")
    data = _add_form_data(superuser_client, url, model)
    before = model._default_manager.count()
    response = superuser_client.post(url, data)
    errors = response.context and response.context.get("errors")
    assert response.status_code == 302, f"{opts.label}: {errors or response.status_code}"
    assert model._default_manager.count() == before + 1


def test_cycle_add_with_a_deadline_inline_takes_the_programs_default_offsets(
    superuser_client, records
):
    program = Program.objects.get()
    program.reminder_offsets = [14, 2]
    program.save()
    url = reverse("admin:proposals_cycle_add")
    data = _add_form_data(superuser_client, url, Cycle)
    page = superuser_client.get(url)
    (deadlines,) = [
        inline.formset
        for inline in page.context["inline_admin_formsets"]
        if inline.formset.model is Deadline
    ]
    # "Add another Deadline": the empty row, its required fields filled, offsets untouched.
    row = deadlines.empty_form
    row.prefix = deadlines.add_prefix(0)
    data.update(_post_data(row, Deadline, start=100))
    data[f"{deadlines.prefix}-TOTAL_FORMS"] = "1"
    assert not data.get(f"{row.prefix}-reminder_offsets")
    response = superuser_client.post(url, data)
    assert response.status_code == 302, response.context and response.context.get("errors")
    deadline = Deadline.objects.get()
    assert deadline.reminder_offsets == [14, 2]
    assert deadline.due_date == dt.date(2031, 5, 1)


def test_deadline_add_without_offsets_takes_the_programs_default(superuser_client, records):
    cycle = Cycle.objects.get()
    response = superuser_client.post(
        reverse("admin:proposals_deadline_add"),
        {
            "cycle": cycle.pk,
            "kind": "full_proposal",
            "due_date": "2031-05-01",
            "due_time": "17:00",
            "time_rule": "submitter_local",
            "time_zone": "America/New_York",
            "visibility": "public",
        },
    )
    assert response.status_code == 302
    assert Deadline.objects.get().reminder_offsets == [30, 7, 1]


def test_program_add_without_offsets_takes_the_standard_default(superuser_client):
    response = superuser_client.post(
        reverse("admin:proposals_program_add"),
        {
            "name": "Robust AI",
            "short_name": "RAI",
            "slug": "rai",
            "time_zone": "UTC",
            "reminder_offsets": "",
        },
    )
    assert response.status_code == 302
    assert Program.objects.get(slug="rai").reminder_offsets == [30, 7, 1]
