"""The staff admin: access, constant query counts, workflow actions, exports."""

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from proposals.models import Award, Cycle, Proposal
from tests.proposals.factories import (
    AwardFactory,
    AwardInvestigatorFactory,
    CycleFactory,
    DeadlineFactory,
    OrganizationFactory,
    PersonFactory,
    ProposalFactory,
    ProposalInvestigatorFactory,
)

pytestmark = pytest.mark.django_db


def _make_rows(model: str, count: int) -> object:
    """Create ``count`` rows of a model with their related records; return the last one."""
    last: object = None
    for _ in range(count):
        if model == "proposal":
            last = ProposalFactory()
            ProposalInvestigatorFactory(proposal=last)
        elif model == "award":
            last = AwardFactory(cycle=CycleFactory())
            AwardInvestigatorFactory(award=last)
        elif model == "cycle":
            last = CycleFactory()
            DeadlineFactory(cycle=last)
        elif model == "deadline":
            last = DeadlineFactory()
        elif model == "person":
            last = PersonFactory()
        elif model == "organization":
            last = OrganizationFactory()
    return last


# Queries per page, whatever the number of rows: session, user, then the page's own.
CHANGELIST_QUERIES = {
    "proposal": 10,
    "award": 12,
    "cycle": 8,
    "deadline": 10,
    "person": 7,
    "organization": 8,
}
CHANGE_FORM_QUERIES = {
    "proposal": 13,
    "award": 14,
    "cycle": 8,
}


def test_admin_redirects_anonymous_users_to_login(client):
    response = client.get(reverse("admin:proposals_proposal_changelist"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_admin_hides_proposals_from_staff_outside_the_program_staff_group(client):
    ProposalFactory(title="Confidential idea")
    outsider = User.objects.create_user("outsider", password="pw", is_staff=True)
    client.force_login(outsider)
    response = client.get(reverse("admin:proposals_proposal_changelist"))
    assert response.status_code == 403
    index = client.get(reverse("admin:index"))
    assert b"Confidential idea" not in index.content
    assert b"Proposals" not in index.content


@pytest.mark.parametrize("model", sorted(CHANGELIST_QUERIES))
@pytest.mark.parametrize("rows", [1, 20])
def test_admin_changelist_query_count_is_constant(
    staff_client, django_assert_num_queries, model, rows
):
    _make_rows(model, rows)
    url = reverse(f"admin:proposals_{model}_changelist")
    ContentType.objects.clear_cache()
    with django_assert_num_queries(CHANGELIST_QUERIES[model]):
        response = staff_client.get(url)
    assert response.status_code == 200
    assert f"{rows} {model}" in response.content.decode().lower() or rows == 20


@pytest.mark.parametrize("model", sorted(CHANGE_FORM_QUERIES))
@pytest.mark.parametrize("rows", [1, 20])
def test_admin_change_form_query_count_is_constant(
    staff_client, django_assert_num_queries, model, rows
):
    obj = _make_rows(model, rows)
    if model == "proposal":
        for _ in range(rows - 1):
            ProposalInvestigatorFactory(proposal=obj)
    if model == "cycle":
        for _ in range(rows - 1):
            DeadlineFactory(cycle=obj)
    url = reverse(f"admin:proposals_{model}_change", args=[obj.pk])
    ContentType.objects.clear_cache()
    with django_assert_num_queries(CHANGE_FORM_QUERIES[model]):
        response = staff_client.get(url)
    assert response.status_code == 200


def test_admin_submit_action_reports_successes_and_refusals(staff_client):
    open_proposal = ProposalFactory(cycle=CycleFactory(status=Cycle.Status.OPEN))
    closed_proposal = ProposalFactory(
        title="Late idea", cycle=CycleFactory(status=Cycle.Status.CLOSED)
    )
    response = staff_client.post(
        reverse("admin:proposals_proposal_changelist"),
        {"action": "submit", "_selected_action": [open_proposal.pk, closed_proposal.pk]},
        follow=True,
    )
    text = response.content.decode()
    assert "1 proposal submitted." in text
    assert "Cannot submit proposal &quot;Late idea&quot;" in text
    open_proposal.refresh_from_db()
    closed_proposal.refresh_from_db()
    assert open_proposal.status == Proposal.Status.SUBMITTED
    assert closed_proposal.status == Proposal.Status.DRAFT


def test_admin_award_action_asks_for_the_award_number_then_awards(staff_client):
    proposal = ProposalFactory()
    Proposal.objects.filter(pk=proposal.pk).update(status=Proposal.Status.RECOMMENDED)
    url = reverse("admin:proposals_proposal_changelist")

    form_page = staff_client.post(url, {"action": "award", "_selected_action": [proposal.pk]})
    assert form_page.status_code == 200
    assert b"Award number" in form_page.content

    bad = staff_client.post(
        url,
        {"action": "award", "_selected_action": [proposal.pk], "award_number": "12ab"},
    )
    assert b"An NSF award number is seven digits." in bad.content
    assert b'value="12ab"' in bad.content

    done = staff_client.post(
        url,
        {
            "action": "award",
            "_selected_action": [proposal.pk],
            "award_number": "2040800",
            "start_date": "2021-01-01",
            "end_date": "2023-12-31",
        },
        follow=True,
    )
    assert b"awarded as award 2040800" in done.content
    assert Award.objects.get(award_number="2040800").proposal == proposal


def test_admin_deadline_inline_saves_through_the_service(staff_client):
    cycle = CycleFactory(year=2031)
    url = reverse("admin:proposals_cycle_change", args=[cycle.pk])
    data = {
        "program": cycle.program_id,
        "year": 2031,
        "solicitation_number": cycle.solicitation_number,
        "title": "",
        "status": "open",
        "deadlines-TOTAL_FORMS": "1",
        "deadlines-INITIAL_FORMS": "0",
        "deadlines-MIN_NUM_FORMS": "0",
        "deadlines-MAX_NUM_FORMS": "1000",
        "deadlines-0-kind": "full_proposal",
        "deadlines-0-label": "",
        "deadlines-0-due_date": "2031-08-03",
        "deadlines-0-due_time": "17:00",
        "deadlines-0-time_rule": "submitter_local",
        "deadlines-0-time_zone": "America/New_York",
        "deadlines-0-visibility": "public",
        "deadlines-0-reminder_offsets": "1, 30, 7",
    }
    response = staff_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    deadline = cycle.deadlines.get()
    assert deadline.due_at == dt.datetime(2031, 8, 3, 21, 0, tzinfo=dt.UTC)
    assert deadline.reminder_offsets == [30, 7, 1]


def test_admin_deadline_inline_keeps_what_was_typed_on_a_bad_zone(staff_client):
    cycle = CycleFactory(year=2032)
    url = reverse("admin:proposals_cycle_change", args=[cycle.pk])
    data = {
        "program": cycle.program_id,
        "year": 2032,
        "solicitation_number": cycle.solicitation_number,
        "status": "open",
        "deadlines-TOTAL_FORMS": "1",
        "deadlines-INITIAL_FORMS": "0",
        "deadlines-MIN_NUM_FORMS": "0",
        "deadlines-MAX_NUM_FORMS": "1000",
        "deadlines-0-kind": "full_proposal",
        "deadlines-0-label": "Round two",
        "deadlines-0-due_date": "2032-08-03",
        "deadlines-0-due_time": "17:00",
        "deadlines-0-time_rule": "submitter_local",
        "deadlines-0-time_zone": "Mars/Olympus",
        "deadlines-0-visibility": "public",
        "deadlines-0-reminder_offsets": "[30, 7, 1]",
    }
    response = staff_client.post(url, data)
    assert response.status_code == 200
    text = response.content.decode()
    assert "Mars/Olympus is not a known time zone" in text
    assert 'value="Round two"' in text
    assert not cycle.deadlines.exists()


def test_admin_refuses_two_pis_in_the_investigator_inline(staff_client):
    proposal = ProposalFactory()
    pi_link = proposal.investigators.get()
    other = PersonFactory()
    url = reverse("admin:proposals_proposal_change", args=[proposal.pk])
    data = {
        "cycle": proposal.cycle_id,
        "reference": "",
        "title": proposal.title,
        "abstract": "",
        "lead_institution": proposal.lead_institution_id,
        "requested_amount": "750000",
        "duration_months": "",
        "decision_note": "",
        "investigators-TOTAL_FORMS": "2",
        "investigators-INITIAL_FORMS": "1",
        "investigators-MIN_NUM_FORMS": "0",
        "investigators-MAX_NUM_FORMS": "1000",
        "investigators-0-id": pi_link.pk,
        "investigators-0-proposal": proposal.pk,
        "investigators-0-person": pi_link.person_id,
        "investigators-0-role": "pi",
        "investigators-0-order": "0",
        "investigators-1-proposal": proposal.pk,
        "investigators-1-person": other.pk,
        "investigators-1-role": "pi",
        "investigators-1-order": "1",
    }
    response = staff_client.post(url, data)
    assert response.status_code == 200
    assert b"Only one principal investigator is allowed" in response.content
    assert proposal.investigators.count() == 1


def _export(client, url: str, export_format: str):
    page = client.get(url)
    form = page.context["form"]
    # The export form lists each field as a checkbox; keep them all.
    data = {name: "on" for name in form.fields if name.startswith("proposalresource_")}
    data.update({"format": export_format, "resource": "0"})
    return client.post(url, data)


def test_admin_export_writes_the_filtered_proposals_as_csv(staff_client):
    submitted = ProposalFactory(title="Submitted one")
    Proposal.objects.filter(pk=submitted.pk).update(status=Proposal.Status.SUBMITTED)
    ProposalFactory(title="Draft one")
    url = reverse("admin:proposals_proposal_export") + "?status__exact=submitted"
    response = _export(staff_client, url, "0")
    assert response["Content-Type"].startswith("text/csv")
    body = response.content.decode()
    assert "Submitted one" in body
    assert "Draft one" not in body
    assert "principal investigator" in body.splitlines()[0]


def test_admin_export_writes_xlsx(staff_client):
    ProposalFactory(title="Spreadsheet row")
    response = _export(staff_client, reverse("admin:proposals_proposal_export"), "1")
    assert "spreadsheetml" in response["Content-Type"]
    assert response.content[:2] == b"PK"  # an XLSX file is a zip archive


def test_admin_history_page_shows_workflow_changes(staff_client):
    proposal = ProposalFactory(cycle=CycleFactory(status=Cycle.Status.OPEN))
    from proposals.services.proposals import proposal_submit

    proposal_submit(proposal=proposal)
    response = staff_client.get(reverse("admin:proposals_proposal_history", args=[proposal.pk]))
    assert response.status_code == 200
    assert "Draft → Submitted" in response.content.decode()


def test_admin_deadline_form_refuses_offsets_that_are_not_numbers(staff_client):
    cycle = CycleFactory()
    response = staff_client.post(
        reverse("admin:proposals_deadline_add"),
        {
            "cycle": cycle.pk,
            "kind": "full_proposal",
            "due_date": "2030-07-13",
            "due_time": "17:00",
            "time_rule": "submitter_local",
            "time_zone": "America/New_York",
            "visibility": "staff",
            "reminder_offsets": "30, a week",
        },
    )
    assert response.status_code == 200
    assert b"Type whole numbers of days separated by commas" in response.content
    assert b'value="30, a week"' in response.content


def test_admin_award_page_links_collaborating_awards(staff_client):
    key = "collaborative research fai fair representation learning"
    first = AwardFactory(collaboration_key=key)
    second = AwardFactory(collaboration_key=key)
    page = staff_client.get(reverse("admin:proposals_award_change", args=[first.pk]))
    assert second.award_number in page.content.decode()
