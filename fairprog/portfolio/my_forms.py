"""The form researchers fill in for an artifact of their award: every field staff edit, the
creators in order (people the award already knows, or a new person by name and ORCID iD),
and the values as the submission services take them."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import QueryDict

from artifacts.models import (
    Artifact,
    ArtifactRevision,
    Domain,
    FairnessDimension,
    FairnessNotion,
    MetricForm,
    MetricInput,
    SensitiveAttribute,
    Task,
)
from artifacts.services.fairness import sensitive_attributes_of
from artifacts.services.submissions import EDITABLE
from artifacts.validators import spdx_licenses
from fairprog.errors import DomainError
from proposals.models import Award, Person
from proposals.services.programs import person_create
from proposals.validators import normalize_orcid

MAX_CREATORS = 30
MAX_SENSITIVE = 20
TEXT_LIMIT = 50_000  # characters of one Markdown section: far above any real one


def person_for_creator(*, given_name: str, family_name: str, orcid: str = "") -> Person:
    """The person with this ORCID iD if one is recorded, or a new person (through the
    people service, which validates and normalises the name and the iD)."""
    if orcid:
        try:
            known = Person.objects.filter(orcid=normalize_orcid(orcid)).first()
        except ValidationError as exc:
            raise DomainError(exc.messages[0], errors={"orcid": exc.messages}) from exc
        if known is not None:
            return known
    return person_create(given_name=given_name, family_name=family_name, orcid=orcid)


def creator_candidates(award: Award) -> QuerySet[Person]:
    """The people a creator is picked from: the award's investigators and the creators of
    its artifacts (no one else's name is offered)."""
    return (
        Person.objects.filter(
            Q(award_roles__award=award) | Q(artifact_links__artifact__award=award)
        )
        .distinct()
        .order_by("family_name", "given_name", "pk")
    )


def _person_label(person: Person) -> str:
    return f"{person.full_name} ({person.orcid})" if person.orcid else person.full_name


def licence_ids() -> list[str]:
    return sorted(spdx_licenses(), key=str.lower)


class _Markdown(forms.CharField):
    widget = forms.Textarea(attrs={"rows": 6})

    def __init__(self, label: str, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", "Markdown.")
        super().__init__(label=label, required=False, max_length=TEXT_LIMIT, **kwargs)


class ArtifactForm(forms.Form):
    """The artifact's own fields; the creators are a formset beside it."""

    kind = forms.ChoiceField(choices=Artifact.Kind.choices)
    title = forms.CharField(max_length=300)
    summary = forms.CharField(
        max_length=400,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="One or two sentences, plain text.",
    )
    description = _Markdown("Description")
    landing_url = forms.URLField(
        label="Landing page", max_length=500, required=False, assume_scheme="https"
    )
    repository_url = forms.URLField(
        label="Repository", max_length=500, required=False, assume_scheme="https"
    )
    doi = forms.CharField(
        label="DOI", max_length=255, required=False, help_text="e.g. 10.5281/zenodo.1234567"
    )
    license = forms.CharField(
        label="Licence",
        max_length=100,
        required=False,
        help_text="An SPDX id, e.g. MIT, Apache-2.0 or CC-BY-4.0.",
        widget=forms.TextInput(attrs={"list": "spdx-ids", "autocomplete": "off"}),
    )
    version = forms.CharField(max_length=40, required=False)
    release_date = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    keywords = forms.CharField(
        max_length=2000, required=False, help_text="Separated by commas; at most 30."
    )
    dimensions = forms.ModelMultipleChoiceField(
        label="Fairness dimensions",
        queryset=FairnessDimension.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    tasks = forms.ModelMultipleChoiceField(
        label="Tasks and modalities",
        queryset=Task.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    intended_use = _Markdown("Intended use")
    out_of_scope_use = _Markdown("Out-of-scope use")
    limitations = _Markdown("Limitations")
    evaluation_data = _Markdown("Evaluation data")
    ethical_considerations = _Markdown("Ethical considerations")
    # Fairness metadata: every field may stay empty, and the public page then says so.
    domain = forms.ChoiceField(
        label="Application domain", choices=[("", "Not stated"), *Domain.choices], required=False
    )
    collection_process = _Markdown("How the data were collected")
    consent_anonymisation = _Markdown("Consent and anonymisation")
    known_biases = _Markdown("Known biases")
    annotator_demographics = _Markdown("Annotator demographics")
    fairness_notions = forms.MultipleChoiceField(
        label="Fairness notions it measures",
        choices=FairnessNotion.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    metric_form = forms.ChoiceField(
        label="Difference or ratio",
        choices=[("", "Not stated"), *MetricForm.choices],
        required=False,
    )
    metric_inputs = forms.MultipleChoiceField(
        label="What it needs as input",
        choices=MetricInput.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    group_results = _Markdown("Evaluated groups and results")

    def clean_keywords(self) -> list[str]:
        words = [w.strip() for w in self.cleaned_data["keywords"].split(",")]
        words = [w for w in words if w]
        if len(words) > 30 or any(len(w) > 60 for w in words):
            raise ValidationError("At most 30 keywords of at most 60 characters each.")
        return words

    def values(self) -> dict[str, Any]:
        """The cleaned fields as the submission services take them (creators aside)."""
        data = self.cleaned_data
        values = {name: data[name] for name in EDITABLE}
        values["dimensions"] = list(data["dimensions"])
        values["tasks"] = list(data["tasks"])
        return values


class SensitiveAttributeForm(forms.Form):
    """One sensitive attribute a dataset records, and how its values were obtained."""

    dimension = forms.TypedChoiceField(
        label="Sensitive attribute", required=False, coerce=int, empty_value=None
    )
    obtained = forms.ChoiceField(
        label="how obtained",
        choices=SensitiveAttribute.Obtained.choices,
        initial=SensitiveAttribute.Obtained.UNKNOWN,
        required=False,  # not given: unknown
    )
    note = forms.CharField(label="note", max_length=200, required=False)

    def __init__(self, *args: Any, dimensions: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["dimension"].choices = [("", "—"), *dimensions]  # type: ignore[attr-defined]


class _SensitiveFormSet(forms.BaseFormSet):
    def __init__(self, *args: Any, dimensions: list[tuple[int, str]], **kwargs: Any) -> None:
        self.dimensions = dimensions  # read once for every row's choices
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        return {**super().get_form_kwargs(index), "dimensions": self.dimensions}

    def clean(self) -> None:
        if any(self.errors):
            return
        chosen = [f.cleaned_data["dimension"] for f in self.forms if _row_of(f)]
        if len(set(chosen)) != len(chosen):
            raise ValidationError("A sensitive attribute is listed twice.")

    def rows(self) -> list[list[Any]]:
        """[dimension id, how obtained, note] per filled row, as the services take them."""
        return [
            [
                f.cleaned_data["dimension"],
                f.cleaned_data["obtained"] or SensitiveAttribute.Obtained.UNKNOWN,
                f.cleaned_data["note"],
            ]
            for f in self.forms
            if _row_of(f)
        ]


def _row_of(form: forms.Form) -> bool:
    return bool(getattr(form, "cleaned_data", {}).get("dimension"))


SensitiveFormSet = cast(
    type[_SensitiveFormSet],
    forms.formset_factory(
        SensitiveAttributeForm,
        formset=_SensitiveFormSet,
        extra=2,
        max_num=MAX_SENSITIVE,
        absolute_max=MAX_SENSITIVE,
        validate_max=True,
    ),
)


def sensitive_formset(
    data: QueryDict | None = None,
    *,
    artifact: Artifact | None = None,
    revision: ArtifactRevision | None = None,
) -> _SensitiveFormSet:
    """The sensitive attributes as posted, or as stored (or as the waiting edit has them)."""
    rows: list[list[Any]] = []
    if revision is not None and revision.sensitive_attributes is not None:
        rows = revision.sensitive_attributes
    elif artifact is not None:
        rows = sensitive_attributes_of(artifact)
    initial = [{"dimension": pk, "obtained": obtained, "note": note} for pk, obtained, note in rows]
    dimensions = list(FairnessDimension.objects.values_list("pk", "name"))
    return SensitiveFormSet(data, prefix="sensitive", initial=initial, dimensions=dimensions)


class RevisionNoteForm(forms.Form):
    note = forms.CharField(
        label="Note for the reviewers",
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Optional: what the edit changes and why.",
    )


class CreatorForm(forms.Form):
    """One creator: a person the award knows, or a new person by name (and ORCID iD)."""

    person = forms.TypedChoiceField(
        label="Known person", required=False, coerce=int, empty_value=None
    )
    given_name = forms.CharField(
        label="or a new person: given name", max_length=120, required=False
    )
    family_name = forms.CharField(label="family name", max_length=120, required=False)
    orcid = forms.CharField(
        label="ORCID iD",
        max_length=60,
        required=False,
        help_text="Optional, e.g. 0000-0002-1825-0097.",
    )

    def __init__(self, *args: Any, people: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = [("", "—"), *people]  # type: ignore[attr-defined]

    def clean_orcid(self) -> str:
        orcid = self.cleaned_data["orcid"].strip()
        return normalize_orcid(orcid) if orcid else ""

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        named = any(data.get(name) for name in ("given_name", "family_name", "orcid"))
        if data.get("person") and named:
            raise ValidationError("Pick a known person or name a new one, not both.")
        if named and not data.get("family_name"):
            self.add_error("family_name", "A new person needs at least a family name.")
        return data

    def is_blank(self) -> bool:
        data = self.cleaned_data
        return not data.get("person") and not data.get("family_name")


class _CreatorFormSet(forms.BaseFormSet):
    def __init__(self, *args: Any, people: list[tuple[int, str]], **kwargs: Any) -> None:
        self.people = people
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        return {**super().get_form_kwargs(index), "people": self.people}

    def clean(self) -> None:
        if any(self.errors):
            return
        chosen = [f.cleaned_data.get("person") for f in self.forms if f.cleaned_data.get("person")]
        if len(set(chosen)) != len(chosen):
            raise ValidationError("A person is listed twice among the creators.")


CreatorFormSet = cast(
    type[_CreatorFormSet],
    forms.formset_factory(
        CreatorForm,
        formset=_CreatorFormSet,
        extra=2,
        max_num=MAX_CREATORS,
        absolute_max=MAX_CREATORS,
        validate_max=True,
    ),
)


def creator_formset(
    award: Award, data: QueryDict | None = None, *, current: list[Person] | None = None
) -> _CreatorFormSet:
    people = [(p.pk, _person_label(p)) for p in creator_candidates(award)]
    initial = [{"person": p.pk} for p in current or []]
    return CreatorFormSet(data, prefix="creators", initial=initial, people=people)


def creators_of(formset: _CreatorFormSet) -> list[Person]:
    """The creators in the formset's order: known people by id (only those offered), new
    people found by ORCID iD or recorded (call inside the transaction that saves them)."""
    rows = [f.cleaned_data for f in formset.forms if not f.is_blank()]
    # Only offered people pass the choice field's check.
    known = Person.objects.in_bulk([r["person"] for r in rows if r.get("person")])
    creators = []
    for row in rows:
        if row.get("person"):
            creators.append(known[row["person"]])
        else:
            creators.append(
                person_for_creator(
                    given_name=row["given_name"], family_name=row["family_name"], orcid=row["orcid"]
                )
            )
    if len({p.pk for p in creators}) != len(creators):
        raise DomainError(
            "A person is listed twice among the creators.",
            errors={"creators": ["A person is listed twice among the creators."]},
        )
    return creators


def initial_of(artifact: Artifact, revision: ArtifactRevision | None = None) -> dict[str, Any]:
    """The form's starting values: the artifact as stored, or the researcher's edit of it
    that waits for review."""
    initial: dict[str, Any] = {name: getattr(artifact, name) for name in EDITABLE}
    initial["dimensions"] = [d.pk for d in artifact.dimensions.all()]
    initial["tasks"] = [t.pk for t in artifact.tasks.all()]
    if revision is not None:
        initial.update(revision.fields)
        initial["dimensions"], initial["tasks"] = revision.dimension_ids, revision.task_ids
    initial["keywords"] = ", ".join(initial.get("keywords") or [])
    return initial


def bound_data(form: ArtifactForm, creators: _CreatorFormSet) -> QueryDict:
    """The unbound forms' starting values as submitted data, so that a refusal about the
    stored record (a submission without a licence) shows beside the field it names."""
    data = QueryDict(mutable=True)
    for name, field in form.fields.items():
        value = form.get_initial_for_field(field, name)
        if isinstance(value, list | tuple):
            data.setlist(name, [str(v) for v in value])
        elif value is not None:
            data[name] = value.isoformat() if hasattr(value, "isoformat") else str(value)
    management = creators.management_form
    for name in ("TOTAL_FORMS", "INITIAL_FORMS", "MIN_NUM_FORMS", "MAX_NUM_FORMS"):
        data[f"{creators.prefix}-{name}"] = str(management.initial[name])
    for index, row in enumerate(creators.initial or []):
        data[f"{creators.prefix}-{index}-person"] = str(row["person"])
    return data


CREATOR_FIELDS = ("creators", "orcid", "given_name", "family_name")


def errors_onto(exc: DomainError, form: ArtifactForm) -> None:
    """A refused service call's messages beside the fields they name; the rest above."""
    named = False
    for name, messages in exc.errors.items():
        for message in messages:
            if name in form.fields:
                form.add_error(name, message)
                named = True
            else:
                label = (
                    "Creators" if name in CREATOR_FIELDS else name.replace("_", " ").capitalize()
                )
                form.add_error(None, message if name == "__all__" else f"{label}: {message}")
                named = True
    if not named:
        form.add_error(None, exc.message)
