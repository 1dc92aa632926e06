"""Researchers' artifacts at /my/: a new draft for one of their awards; a draft edited in place
and submitted for review; a published artifact's edit proposed for review (its public page
unchanged until staff approve); a submitted or rejected one shown as it stands, with the
staff's messages; and the Markdown preview of the description as the public page renders it.
Another award's or artifact's address answers 404, as if it did not exist."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.models import User
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from artifacts.models import Artifact, ArtifactRevision
from artifacts.services.submissions import (
    artifact_submit,
    researcher_draft_create,
    researcher_draft_update,
    revision_changes,
    revision_propose,
)
from fairprog.errors import DomainError
from fairprog.portfolio.my import researcher_required
from fairprog.portfolio.my_forms import (
    TEXT_LIMIT,
    ArtifactForm,
    RevisionNoteForm,
    bound_data,
    creator_formset,
    creators_of,
    errors_onto,
    initial_of,
    licence_ids,
    sensitive_formset,
)
from proposals.models import Award, Person

MAX_PK = 2**31 - 1
EDITABLE_STATES = (Artifact.Status.DRAFT, Artifact.Status.PUBLISHED)
_UNKNOWN = object()


def _award_of(person: Person, award_number: str) -> Award:
    if not (award_number.isascii() and award_number.isdigit() and len(award_number) <= 20):
        raise Http404("No such project of yours.")
    award = Award.objects.filter(award_number=award_number, investigators__person=person).first()
    if award is None:
        raise Http404("No such project of yours.")
    return award


def _artifact_of(person: Person, pk: int) -> Artifact:
    if pk > MAX_PK:
        raise Http404("No such artifact of yours.")
    artifact = (
        Artifact.objects.select_related("award")
        .filter(pk=pk, award__investigators__person=person)
        .first()
    )
    if artifact is None:
        raise Http404("No such artifact of yours.")
    return artifact


def _pending(artifact: Artifact) -> ArtifactRevision | None:
    if artifact.status != Artifact.Status.PUBLISHED:
        return None
    return artifact.revisions.filter(state=ArtifactRevision.State.PENDING).first()


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _see_other(url: str) -> HttpResponse:
    response = HttpResponseRedirect(url)
    response.status_code = 303
    return response


def _page(
    request: HttpRequest,
    person: Person,
    *,
    award: Award,
    artifact: Artifact | None = None,
    form: ArtifactForm | None = None,
    creators: Any = None,
    note_form: RevisionNoteForm | None = None,
    status: int = 200,
    pending: ArtifactRevision | object | None = _UNKNOWN,
    **extra: Any,
) -> HttpResponse:
    if pending is _UNKNOWN:
        pending = _pending(artifact) if artifact is not None else None
    edit = cast(ArtifactRevision | None, pending)
    context = {
        "person": person,
        "award": award,
        "artifact": artifact,
        "form": form,
        "creators": creators,
        "note_form": note_form,
        "licences": licence_ids(),
        "pending": edit,
        "changes": revision_changes(edit) if edit is not None else [],
        "decisions": list(artifact.decisions.order_by("-decided_at")[:10]) if artifact else [],
        **extra,
    }
    editable = artifact is None or artifact.status in EDITABLE_STATES
    template = "my/artifact_form.html" if editable else "my/artifact_state.html"
    return render(request, template, context, status=status)


def _forms_of(
    artifact: Artifact, pending: ArtifactRevision | None
) -> tuple[ArtifactForm, Any, RevisionNoteForm | None]:
    """Unbound forms holding the artifact, or the researcher's edit of it waiting for review."""
    form = ArtifactForm(initial=initial_of(artifact, pending))
    if pending is not None:
        people = Person.objects.in_bulk(pending.creator_ids)
        current = [people[pk] for pk in pending.creator_ids if pk in people]
    else:
        current = [link.person for link in artifact.creator_links.select_related("person")]
    creators = creator_formset(artifact.award, current=current)
    published = artifact.status == Artifact.Status.PUBLISHED
    return form, creators, RevisionNoteForm() if published else None


def _saved(
    request: HttpRequest, person: Person, award: Award, artifact: Artifact | None
) -> HttpResponse:
    """The posted form saved (a draft made or changed, or an edit proposed), or shown again
    with what was typed and each problem beside its field (400); or the description's
    preview (the "Preview" button without script)."""
    form = ArtifactForm(request.POST)
    creators = creator_formset(award, request.POST)
    published = artifact is not None and artifact.status == Artifact.Status.PUBLISHED
    note_form = RevisionNoteForm(request.POST) if published else None
    # A post without the sensitive attributes' rows leaves them as they are.
    posted = "sensitive-TOTAL_FORMS" in request.POST
    sensitive = sensitive_formset(request.POST) if posted else sensitive_formset(artifact=artifact)
    if "preview" in request.POST:
        text = request.POST.get("description", "")[:TEXT_LIMIT].replace("\x00", "")
        preview = render_to_string("my/artifact_preview.html", {"text": text})
        return _page(
            request, person, award=award, artifact=artifact, form=form, creators=creators,
            note_form=note_form, preview=preview, quiet=True, sensitive=sensitive,
        )  # fmt: skip
    valid = [form.is_valid(), creators.is_valid(), note_form is None or note_form.is_valid()]
    valid.append(not posted or sensitive.is_valid())
    if all(valid):
        try:
            with transaction.atomic():
                values = {**form.values(), "creators": creators_of(creators)}
                if posted:
                    values["sensitive_attributes"] = sensitive.rows()
                if artifact is None:
                    made = researcher_draft_create(user=_user(request), award=award, **values)
                    saved_pk, done = made.pk, "Draft saved."
                elif note_form is not None:
                    note = note_form.cleaned_data["note"]
                    revision_propose(user=_user(request), artifact=artifact, note=note, **values)
                    saved_pk = artifact.pk
                    done = "Your edit is saved and waits for review; the public page is unchanged."
                else:
                    researcher_draft_update(user=_user(request), artifact=artifact, **values)
                    saved_pk, done = artifact.pk, "Draft saved."
        except DomainError as exc:
            errors_onto(exc, form)
        else:
            messages.success(request, done)
            return _see_other(reverse("my:artifact-edit", args=[saved_pk]))
    return _page(
        request, person, award=award, artifact=artifact, form=form, creators=creators,
        note_form=note_form, status=400, sensitive=sensitive,
    )  # fmt: skip


@require_http_methods(["GET", "HEAD", "POST"])
@researcher_required
def artifact_new(request: HttpRequest, person: Person, award_number: str) -> HttpResponse:
    award = _award_of(person, award_number)
    if request.method == "POST":
        return _saved(request, person, award, None)
    return _page(
        request, person, award=award, form=ArtifactForm(), creators=creator_formset(award),
        sensitive=sensitive_formset(),
    )  # fmt: skip


@require_http_methods(["GET", "HEAD", "POST"])
@researcher_required
def artifact_edit(request: HttpRequest, person: Person, pk: int) -> HttpResponse:
    artifact = _artifact_of(person, pk)
    if artifact.status not in EDITABLE_STATES:
        status = 200 if request.method != "POST" else 409
        return _page(request, person, award=artifact.award, artifact=artifact, status=status)
    if request.method == "POST":
        return _saved(request, person, artifact.award, artifact)
    pending = _pending(artifact)
    form, creators, note_form = _forms_of(artifact, pending)
    return _page(
        request, person, award=artifact.award, artifact=artifact, form=form,
        creators=creators, note_form=note_form, pending=pending,
        sensitive=sensitive_formset(artifact=artifact, revision=pending),
    )  # fmt: skip


@require_POST
@researcher_required
def artifact_submit_view(request: HttpRequest, person: Person, pk: int) -> HttpResponse:
    artifact = _artifact_of(person, pk)
    try:
        artifact_submit(user=_user(request), artifact=artifact)
    except DomainError as exc:
        artifact.refresh_from_db()
        if artifact.status not in EDITABLE_STATES:
            return _page(request, person, award=artifact.award, artifact=artifact,
                         problem=exc.message, status=409)  # fmt: skip
        shown, shown_creators, note_form = _forms_of(artifact, None)
        data = bound_data(shown, shown_creators)
        form = ArtifactForm(data)
        creators = creator_formset(artifact.award, data)
        form.is_valid()
        creators.is_valid()
        errors_onto(exc, form)
        return _page(
            request, person, award=artifact.award, artifact=artifact, form=form,
            creators=creators, note_form=note_form, problem=exc.message, status=400,
            sensitive=sensitive_formset(artifact=artifact),
        )  # fmt: skip
    messages.success(request, "Submitted for review: the program staff will tell you by e-mail.")
    return _see_other(reverse("my:artifact-edit", args=[artifact.pk]))


@require_POST
@researcher_required
def artifact_preview(request: HttpRequest, person: Person) -> HttpResponse:
    """The description as the public page shows it (Markdown, sanitised), for the form's
    script to show in place."""
    text = request.POST.get("description", "")
    if len(text) > TEXT_LIMIT:
        return HttpResponse(
            f"The description is too long to preview (at most {TEXT_LIMIT} characters).",
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    html = render_to_string("my/artifact_preview.html", {"text": text.replace("\x00", "")})
    return HttpResponse(html, content_type="text/html; charset=utf-8")
