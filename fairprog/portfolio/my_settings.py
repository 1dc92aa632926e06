"""A researcher's preferences (/my/settings/) and the outputs discovery found for one of their
awards (/my/projects/<award_number>/outputs/), which the team marks as theirs or not. Another
award's address answers 404."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from artifacts.models import Suggestion
from artifacts.services.submissions import suggestion_team_answer
from fairprog.errors import DomainError
from fairprog.portfolio.my import researcher_required
from proposals.models import Award, Person
from proposals.services.researcher_settings import researcher_settings_update

ANSWERS = {"ours", "not_ours"}


class SettingsForm(forms.Form):
    time_zone = forms.CharField(
        label="Your time zone",
        required=False,
        max_length=64,
        help_text="An IANA name such as America/New_York; blank for the program's.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    reminders = forms.BooleanField(
        label="E-mail me reminders of my report deadlines", required=False
    )


def _see_other(url: str) -> HttpResponse:
    response = HttpResponseRedirect(url)
    response.status_code = 303
    return response


@require_http_methods(["GET", "HEAD", "POST"])
@researcher_required
def settings_page(request: HttpRequest, person: Person) -> HttpResponse:
    if request.method != "POST":
        form = SettingsForm(
            initial={"time_zone": person.time_zone, "reminders": not person.reminders_opt_out}
        )
        context = {"person": person, "form": form, "saved": "saved" in request.GET}
        return render(request, "my/settings.html", context)
    form = SettingsForm(request.POST)
    if form.is_valid():
        try:
            researcher_settings_update(
                person=person,
                time_zone=form.cleaned_data["time_zone"],
                reminders=form.cleaned_data["reminders"],
            )
        except DomainError as exc:
            for field, messages in exc.errors.items():
                for message in messages:
                    form.add_error(field if field in form.fields else None, message)
        else:
            return _see_other(reverse("my:settings") + "?saved=1")
    context = {"person": person, "form": form, "saved": False}
    return render(request, "my/settings.html", context, status=400)


def _award_of(person: Person, award_number: str) -> Award:
    if not (award_number.isascii() and award_number.isdigit() and len(award_number) <= 20):
        raise Http404("No such project of yours.")
    award = (
        Award.objects.filter(award_number=award_number, investigators__person=person)
        .distinct()
        .first()
    )
    if award is None:
        raise Http404("No such project of yours.")
    return award


def _pending(award: Award) -> list[Suggestion]:
    suggestions = list(
        Suggestion.objects.filter(award=award, state=Suggestion.State.PENDING).order_by(
            "-created_at", "-id"
        )
    )
    for suggestion in suggestions:
        # Only web addresses become links; an index may give anything in its URL field.
        url = suggestion.url
        suggestion.safe_url = url if url.startswith(("https://", "http://")) else ""  # type: ignore[attr-defined]
    return suggestions


@require_http_methods(["GET", "HEAD", "POST"])
@researcher_required
def outputs(request: HttpRequest, person: Person, award_number: str) -> HttpResponse:
    award = _award_of(person, award_number)
    context: dict[str, Any] = {"person": person, "award": award, "problem": ""}
    status = 200
    if request.method == "POST":
        answer = request.POST.get("answer", "")
        raw_id = request.POST.get("suggestion", "")
        if not (raw_id.isascii() and raw_id.isdigit() and len(raw_id) <= 18):
            raise Http404("No such output of this project.")
        suggestion = Suggestion.objects.filter(pk=int(raw_id), award=award).first()
        if suggestion is None:
            raise Http404("No such output of this project.")
        try:
            suggestion_team_answer(user=request.user, suggestion=suggestion, answer=answer)  # type: ignore[arg-type]
        except DomainError as exc:
            context["problem"] = exc.message
            status = 400
        else:
            url = reverse("my:outputs", args=[award.award_number])
            return _see_other(f"{url}?answered={suggestion.pk}")
    context["suggestions"] = _pending(award)
    context["answered"] = request.GET.get("answered", "")
    return render(request, "my/outputs.html", context, status=status)
