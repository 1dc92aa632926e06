"""The forms a reviewer fills in: the reason for a conflict, and the review on NSF's form
(ratings as radio buttons; what is required to submit is the review service's to say)."""

from __future__ import annotations

from typing import Any

from django import forms

from fairprog.errors import DomainError
from proposals.models import Rating
from proposals.services.reviewing import REASON_LIMIT, TEXT_LIMIT


class ConflictForm(forms.Form):
    reason = forms.CharField(
        label="Why you are in conflict",
        max_length=REASON_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Say why you are in conflict."},
        help_text="Seen by the program staff only.",
    )


def _rating(label: str) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label, choices=Rating.choices, required=False, widget=forms.RadioSelect
    )


def _text(label: str, help_text: str = "", rows: int = 6) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=TEXT_LIMIT,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


class ReviewForm(forms.Form):
    intellectual_merit = _rating("Intellectual merit")
    broader_impacts = _rating("Broader impacts")
    overall = _rating("Overall rating")
    strengths = _text("Strengths")
    weaknesses = _text("Weaknesses")
    summary = _text("Summary", "Needed to submit, with the three ratings.")
    comments_to_staff = _text(
        "Comments to the program staff", "Never shown to the applicants.", rows=3
    )

    def values(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


def errors_onto(exc: DomainError, form: forms.Form) -> None:
    """A refused service call's messages beside the fields they name; the rest above."""
    named = False
    for name, messages in exc.errors.items():
        for message in messages:
            form.add_error(name if name in form.fields else None, message)
            named = True
    if not named:
        form.add_error(None, exc.message)
