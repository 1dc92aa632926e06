"""The proposal workflow on a proposal's own admin page: buttons for the legal next steps,
POST only, through the services, with the list actions' permissions."""

from typing import Any

import pytest
from django.contrib.auth.models import Permission, User
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import reverse

from proposals.admin.workflow import STEPS
from proposals.models import Award, Cycle, Proposal
from tests.proposals.factories import CycleFactory, ProposalFactory

pytestmark = pytest.mark.django_db

STEP_NAMES = list(STEPS)


def _proposal(status: str = Proposal.Status.DRAFT, **kwargs) -> Proposal:
    made: Any = ProposalFactory(**kwargs)
    pk = made.pk
    Proposal.objects.filter(pk=pk).update(status=status)
    return Proposal.objects.get(pk=pk)


def _change_url(proposal: Proposal) -> str:
    return reverse("admin:proposals_proposal_change", args=[proposal.pk])


def _button(step: str) -> str:
    return f'name="_workflow" value="{step}"'


def _post_step(client, proposal: Proposal, step: str, **data: str) -> Any:
    return client.post(_change_url(proposal), {"_workflow": step, **data})


def _change_page(client, proposal: Proposal) -> str:
    response = client.get(reverse("admin:proposals_proposal_change", args=[proposal.pk]))
    assert response.status_code == 200
    return response.content.decode()


def _viewer_client(client) -> Any:
    """A staff user who may view proposals, not change them."""
    viewer = User.objects.create_user("viewer", password="pw", is_staff=True)
    proposal_type = ContentType.objects.get_for_model(Proposal)
    viewer.user_permissions.add(
        Permission.objects.get(content_type=proposal_type, codename="view_proposal")
    )
    client.force_login(viewer)
    return client


def test_change_page_offers_the_legal_next_steps_of_a_draft(staff_client):
    page = _change_page(staff_client, _proposal(Proposal.Status.DRAFT))
    assert _button("submit") in page
    assert _button("withdraw") in page
    for illegal in ("start_review", "recommend", "award", "decline"):
        assert _button(illegal) not in page


def test_change_page_offers_award_and_decline_for_a_recommended_proposal(staff_client):
    page = _change_page(staff_client, _proposal(Proposal.Status.RECOMMENDED))
    offered = [step for step in STEP_NAMES if _button(step) in page]
    assert offered == ["award", "decline", "withdraw"]


def test_change_page_offers_no_step_for_a_declined_proposal(staff_client):
    page = _change_page(staff_client, _proposal(Proposal.Status.DECLINED))
    assert 'name="_workflow"' not in page


def test_step_button_moves_the_proposal_through_its_service(staff_client):
    proposal = _proposal(Proposal.Status.SUBMITTED)
    response = _post_step(staff_client, proposal, "start_review")
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.UNDER_REVIEW
    assert response.status_code == 302
    assert response["Location"] == _change_url(proposal)
    assert "put under review." in staff_client.get(response["Location"]).content.decode()


def test_step_refused_by_the_service_shows_its_reason_and_changes_nothing(staff_client):
    proposal = _proposal(cycle=CycleFactory(status=Cycle.Status.CLOSED), title="Late idea")
    response = _post_step(staff_client, proposal, "submit")
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.DRAFT
    assert proposal.history.count() == 1
    page = staff_client.get(response["Location"]).content.decode()
    assert "Cannot submit proposal &quot;Late idea&quot;" in page


def test_forged_illegal_step_is_refused_with_a_message(staff_client):
    proposal = _proposal(Proposal.Status.DRAFT)
    response = _post_step(staff_client, proposal, "recommend")
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.DRAFT
    assert "Cannot recommend proposal" in staff_client.get(response["Location"]).content.decode()


def test_unknown_step_is_a_bad_request_naming_the_steps(staff_client):
    response = _post_step(staff_client, _proposal(), "approve")
    assert response.status_code == 400
    assert b"Unknown workflow step 'approve'" in response.content


def test_step_needs_a_csrf_token(staff_user):
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(staff_user)
    proposal = _proposal(Proposal.Status.DRAFT)
    assert _post_step(csrf_client, proposal, "withdraw").status_code == 403
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.DRAFT


def test_staff_who_may_only_view_see_no_button(client):
    page = _change_page(_viewer_client(client), _proposal(Proposal.Status.DRAFT))
    assert 'name="_workflow"' not in page


def test_staff_who_may_only_view_get_403_on_a_forged_post(client):
    proposal = _proposal(Proposal.Status.DRAFT)
    assert _post_step(_viewer_client(client), proposal, "withdraw").status_code == 403
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.DRAFT


def test_award_button_needs_the_permission_to_add_awards(client):
    officer = User.objects.create_user("officer2", password="pw", is_staff=True)
    proposal_type = ContentType.objects.get_for_model(Proposal)
    officer.user_permissions.add(
        *Permission.objects.filter(content_type=proposal_type, codename__endswith="_proposal")
    )
    client.force_login(officer)
    proposal = _proposal(Proposal.Status.RECOMMENDED)
    page = _change_page(client, proposal)
    assert _button("decline") in page
    assert _button("award") not in page
    assert _post_step(client, proposal, "award").status_code == 403


def test_award_button_asks_for_the_award_number_then_awards(staff_client):
    proposal = _proposal(Proposal.Status.RECOMMENDED)
    form_page = _post_step(staff_client, proposal, "award")
    assert form_page.status_code == 200
    assert b'name="award_number"' in form_page.content
    assert _button("award").encode() in form_page.content
    done = _post_step(staff_client, proposal, "award", award_number="2040123")
    assert done.status_code == 302
    assert done["Location"] == _change_url(proposal)
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.AWARDED
    assert Award.objects.get(award_number="2040123").proposal == proposal


def test_award_button_keeps_a_bad_award_number_on_the_form(staff_client):
    proposal = _proposal(Proposal.Status.RECOMMENDED)
    response = _post_step(staff_client, proposal, "award", award_number="12")
    assert response.status_code == 200
    assert b"An NSF award number is seven digits." in response.content
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.RECOMMENDED


def test_change_form_still_saves_without_a_step(staff_client):
    proposal = _proposal(Proposal.Status.DRAFT)
    response = staff_client.post(_change_url(proposal), {"title": ""})
    assert response.status_code == 200
    assert b"This field is required." in response.content
