"""The staff's internal notes on proposals and awards: written through note_add, shown on the
record's admin page oldest first with author and time, never edited, deleted only with the
permission, Markdown rendered safely."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth.models import Permission, User
from django.urls import reverse
from django.utils import timezone

from fairprog.errors import DomainError
from proposals.admin.notes import note_html
from proposals.models import InternalNote
from proposals.services.notes import note_add, note_delete
from tests.proposals.factories import AwardFactory, ProgramFactory, ProposalFactory

pytestmark = pytest.mark.django_db


def _staff(username: str = "staffer", **extra: Any) -> User:
    return User.objects.create_user(
        username, f"{username}@example.org", "pw", is_staff=True, **extra
    )


def _value(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return [str(item) for item in value]
    return "on" if value is True else str(value)


def change_form_data(client: Any, url: str) -> dict[str, Any]:
    """What the change page at ``url`` posts when saved untouched: its form's values and
    every inline's management form and rows (the empty rows with their defaults)."""
    page = client.get(url)
    assert page.status_code == 200, url
    data: dict[str, Any] = {}
    forms = [page.context["adminform"].form]
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        data.update({bound.html_name: bound.value() for bound in formset.management_form})
        forms += formset.forms
    for form in forms:
        for bound in form:
            value = bound.value()
            if value is not None and value is not False and value != "" and bound.name != "DELETE":
                data[bound.html_name] = _value(value)
    return data


def _prefix(client: Any, url: str, inline_class: str) -> str:
    page = client.get(url)
    for inline in page.context["inline_admin_formsets"]:
        if type(inline.opts).__name__ == inline_class:
            return inline.formset.prefix
    raise AssertionError(f"no {inline_class} on {url}")


def test_note_add_records_author_text_and_time():
    author = _staff(first_name="Ada", last_name="Officer")
    proposal = ProposalFactory()
    before = timezone.now()
    note = note_add(target=proposal, author=author, text="  Panel asked for a budget fix. ")
    assert (note.proposal, note.award, note.author) == (proposal, None, author)
    assert note.text == "Panel asked for a budget fix."
    assert note.text_format == InternalNote.Format.PLAIN
    assert before <= note.created_at <= timezone.now()


def test_note_add_puts_a_note_on_an_award():
    award = AwardFactory()
    note = note_add(target=award, author=_staff(), text="Annual report late.")
    assert list(award.notes.all()) == [note]
    assert note.proposal is None


def test_note_add_refuses_empty_text():
    with pytest.raises(DomainError, match="needs some text"):
        note_add(target=ProposalFactory(), author=_staff(), text="   ")
    assert not InternalNote.objects.exists()


def test_note_add_refuses_a_user_who_is_not_staff():
    researcher = User.objects.create_user("pi", "pi@example.edu", "pw")
    with pytest.raises(DomainError, match="Only program staff"):
        note_add(target=ProposalFactory(), author=researcher, text="Let me in.")
    assert not InternalNote.objects.exists()


def test_note_add_refuses_an_unknown_format():
    with pytest.raises(DomainError, match="Unknown note format"):
        note_add(target=ProposalFactory(), author=_staff(), text="x", text_format="html")


def test_note_add_refuses_a_nul_character():
    with pytest.raises(DomainError, match="NUL"):
        note_add(target=ProposalFactory(), author=_staff(), text="bad\x00byte")


def test_note_delete_needs_the_permission_to_delete_notes():
    note = note_add(target=ProposalFactory(), author=_staff(), text="Keep me.")
    with pytest.raises(DomainError, match="permission to delete notes"):
        note_delete(note=note, by=_staff("colleague"))
    assert InternalNote.objects.filter(pk=note.pk).exists()


def test_markdown_notes_are_rendered_without_scripts_or_unsafe_links():
    note = note_add(
        target=ProposalFactory(),
        author=_staff(),
        text="**Budget** ok <script>alert(1)</script> [x](javascript:alert(2)) [y](https://nsf.gov)",
        text_format=InternalNote.Format.MARKDOWN,
    )
    html = note_html(note)
    assert "<strong>Budget</strong>" in html
    assert "<script" not in html
    assert "javascript:" not in html
    assert 'href="https://nsf.gov"' in html


def test_plain_notes_are_escaped_with_their_line_breaks():
    note = note_add(target=ProposalFactory(), author=_staff(), text="<b>one</b>\ntwo")
    assert note_html(note) == "&lt;b&gt;one&lt;/b&gt;<br>two"


def test_the_proposal_page_shows_notes_oldest_first_with_author_and_program_time(
    staff_client, staff_user
):
    program = ProgramFactory(time_zone="America/Los_Angeles")
    proposal = ProposalFactory(cycle__program=program)
    first = note_add(
        target=proposal, author=_staff(first_name="Ada", last_name="First"), text="one"
    )
    second = note_add(target=proposal, author=staff_user, text="two")
    InternalNote.objects.filter(pk=first.pk).update(
        created_at=dt.datetime(2026, 1, 5, 17, 30, tzinfo=dt.UTC)
    )
    InternalNote.objects.filter(pk=second.pk).update(
        created_at=dt.datetime(2026, 1, 6, 17, 30, tzinfo=dt.UTC)
    )
    response = staff_client.get(reverse("admin:proposals_proposal_change", args=[proposal.pk]))
    text = response.content.decode()
    assert "Internal notes (confidential: staff only)" in text
    assert "Ada First, January 5, 2026, 9:30 AM PST" in text
    first = text.index("Ada First, January 5, 2026")
    assert first < text.index("officer, January 6, 2026, 9:30 AM PST")


def test_staff_add_a_note_from_the_proposal_page(staff_client, staff_user):
    proposal = ProposalFactory()
    url = reverse("admin:proposals_proposal_change", args=[proposal.pk])
    data = change_form_data(staff_client, url)
    prefix = _prefix(staff_client, url, "NoteAddInline")
    data |= {f"{prefix}-0-text": "Recommend after budget fix.", f"{prefix}-0-text_format": "plain"}
    response = staff_client.post(url, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    note = proposal.notes.get()
    assert (note.author, note.text) == (staff_user, "Recommend after budget fix.")


def test_staff_add_a_note_from_the_award_page(staff_client, staff_user):
    award = AwardFactory()
    url = reverse("admin:proposals_award_change", args=[award.pk])
    data = change_form_data(staff_client, url)
    prefix = _prefix(staff_client, url, "NoteAddInline")
    data |= {f"{prefix}-0-text": "Site visit done.", f"{prefix}-0-text_format": "markdown"}
    response = staff_client.post(url, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    assert award.notes.get().text_format == "markdown"


def test_the_proposal_page_cannot_edit_an_existing_note(staff_client):
    proposal = ProposalFactory()
    note = note_add(target=proposal, author=_staff("writer"), text="Original words.")
    url = reverse("admin:proposals_proposal_change", args=[proposal.pk])
    data = change_form_data(staff_client, url)
    prefix = _prefix(staff_client, url, "NoteThreadInline")
    data |= {f"{prefix}-0-text": "Forged words.", f"{prefix}-0-author": "1"}
    assert staff_client.post(url, data).status_code == 302
    note.refresh_from_db()
    assert note.text == "Original words."


def test_deleting_a_note_from_the_page_needs_the_permission(client, staff_user):
    proposal = ProposalFactory()
    note = note_add(target=proposal, author=staff_user, text="Mine, still kept.")
    client.force_login(staff_user)
    url = reverse("admin:proposals_proposal_change", args=[proposal.pk])
    prefix = _prefix(client, url, "NoteThreadInline")
    data = change_form_data(client, url) | {f"{prefix}-0-DELETE": "on"}
    client.post(url, data)
    assert InternalNote.objects.filter(pk=note.pk).exists()

    staff_user.user_permissions.add(Permission.objects.get(codename="delete_internalnote"))
    client.force_login(User.objects.get(pk=staff_user.pk))
    data = change_form_data(client, url) | {f"{prefix}-0-DELETE": "on"}
    assert client.post(url, data).status_code == 302
    assert not InternalNote.objects.filter(pk=note.pk).exists()


def test_a_post_without_the_notes_sections_still_saves_the_proposal(staff_client):
    proposal = ProposalFactory(title="Old title")
    url = reverse("admin:proposals_proposal_change", args=[proposal.pk])
    data = {
        key: value
        for key, value in change_form_data(staff_client, url).items()
        if not key.startswith(("notes", "attachments"))
    }
    data["title"] = "New title"
    assert staff_client.post(url, data).status_code == 302
    proposal.refresh_from_db()
    assert proposal.title == "New title"


def test_the_program_staff_group_may_view_and_add_notes_but_not_delete_them(staff_user):
    assert staff_user.has_perms(["proposals.view_internalnote", "proposals.add_internalnote"])
    assert not staff_user.has_perm("proposals.change_internalnote")
    assert not staff_user.has_perm("proposals.delete_internalnote")


def test_the_proposal_page_reads_its_notes_in_a_fixed_number_of_queries(
    staff_client, django_assert_max_num_queries
):
    proposal = ProposalFactory()
    url = reverse("admin:proposals_proposal_change", args=[proposal.pk])
    note_add(target=proposal, author=_staff("one"), text="first")
    staff_client.get(url)
    with django_assert_max_num_queries(80) as few:
        staff_client.get(url)
    for n in range(5):
        note_add(target=proposal, author=_staff(f"writer{n}"), text=f"note {n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        staff_client.get(url)
