"""Staff e-mail an award's PI (and co-PIs, if they choose) a sign-in link from the award's
admin page or an admin action: the link points at SITE_URL and signs that person in; staff
without the right to change awards are refused; the demo researcher is seeded once."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth.models import Permission, User
from django.core.management import call_command
from django.test import override_settings

from proposals.demo import DEMO_RESEARCHER_AWARD, DEMO_RESEARCHER_EMAIL
from proposals.models import AwardInvestigator, Person
from tests.proposals.factories import AwardFactory, AwardInvestigatorFactory, PersonFactory

LINK = re.compile(r"https://fairprog\.example\.org/account/signin/\?sesame=[\w-]+")


@pytest.fixture
def award(db: None) -> Any:
    award = AwardFactory(award_number="2040800", title="Fair ranking audits")
    pi = PersonFactory(given_name="Casey", family_name="Sample", email="casey@uni.example.edu")
    co_pi = PersonFactory(given_name="Robin", family_name="Other", email="robin@lab.example.org")
    silent = PersonFactory(given_name="Quinn", family_name="Nomail", email="")
    AwardInvestigatorFactory(award=award, person=pi, role=AwardInvestigator.Role.PI)
    AwardInvestigatorFactory(award=award, person=co_pi, role=AwardInvestigator.Role.CO_PI)
    AwardInvestigatorFactory(award=award, person=silent, role=AwardInvestigator.Role.CO_PI)
    return award


def _send(client: Any, award: Any, **data: Any) -> Any:
    return client.post(f"/admin/proposals/award/{award.pk}/send-signin-link/", data, follow=True)


def _messages(response: Any) -> list[str]:
    return [str(message) for message in response.context["messages"]]


@override_settings(SITE_URL="https://fairprog.example.org")
def test_change_page_button_emails_the_pi_a_working_link(staff_client, award, mailoutbox):
    page = staff_client.get(f"/admin/proposals/award/{award.pk}/change/").content.decode()
    assert "Send sign-in link" in page
    assert f'action="/admin/proposals/award/{award.pk}/send-signin-link/"' in page

    response = _send(staff_client, award)
    assert response.redirect_chain[-1][0] == f"/admin/proposals/award/{award.pk}/change/"
    assert _messages(response) == ["Sent 1 sign-in link."]
    (message,) = mailoutbox
    assert message.to == ["casey@uni.example.edu"]
    link = LINK.search(message.body)
    assert link, message.body

    staff_client.logout()
    token = link.group(0).split("sesame=", 1)[1]
    signed_in = staff_client.post("/account/signin/", {"sesame": token})
    assert (signed_in.status_code, signed_in["Location"]) == (303, "/my/")
    assert "Fair ranking audits" in staff_client.get("/my/").content.decode()


def test_button_can_include_co_pis_and_names_those_without_an_address(
    staff_client, award, mailoutbox
):
    response = _send(staff_client, award, co_pis="1")
    assert sorted(m.to[0] for m in mailoutbox) == ["casey@uni.example.edu", "robin@lab.example.org"]
    assert _messages(response) == [
        "Sent 2 sign-in links.",
        "No e-mail address on record for Quinn Nomail.",
    ]
    assert "robin@lab.example.org" not in response.content.decode()


def test_button_refuses_get(staff_client, award, mailoutbox):
    response = staff_client.get(f"/admin/proposals/award/{award.pk}/send-signin-link/")
    assert response.status_code == 405
    assert mailoutbox == []


def test_button_needs_csrf(award, staff_user, mailoutbox):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(staff_user)
    response = client.post(f"/admin/proposals/award/{award.pk}/send-signin-link/")
    assert response.status_code == 403
    assert mailoutbox == []


def test_button_answers_404_for_an_unknown_award(staff_client, db, mailoutbox):
    response = staff_client.post("/admin/proposals/award/999999/send-signin-link/")
    assert response.status_code == 404


@pytest.fixture
def viewer(db: None) -> User:
    user = User.objects.create_user("viewer", "viewer@example.org", "pw", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_award"))
    return user


def test_staff_without_change_permission_are_refused(client, viewer, award, mailoutbox):
    client.force_login(viewer)
    page = client.get(f"/admin/proposals/award/{award.pk}/change/").content.decode()
    assert "Send sign-in link" not in page
    response = client.post(f"/admin/proposals/award/{award.pk}/send-signin-link/")
    assert response.status_code == 403
    listing = client.get("/admin/proposals/award/").content.decode()
    assert "send_signin_link_to_pi" not in listing
    assert mailoutbox == []


def test_action_sends_to_the_pis_of_the_selected_awards(staff_client, award, mailoutbox):
    other = AwardFactory(award_number="2040801")
    AwardInvestigatorFactory(
        award=other,
        person=PersonFactory(given_name="Ola", family_name="Second", email="ola@x.example.edu"),
        role=AwardInvestigator.Role.PI,
    )
    AwardFactory(award_number="2040802")  # not selected
    response = staff_client.post(
        "/admin/proposals/award/",
        {"action": "send_signin_link_to_pi", "_selected_action": [award.pk, other.pk]},
        follow=True,
    )
    assert sorted(m.to[0] for m in mailoutbox) == ["casey@uni.example.edu", "ola@x.example.edu"]
    assert "Sent 2 sign-in links." in _messages(response)


def test_action_for_the_whole_team_sends_once_per_address(staff_client, award, mailoutbox):
    other = AwardFactory(award_number="2040801")
    AwardInvestigatorFactory(
        award=other,
        person=Person.objects.get(email="casey@uni.example.edu"),
        role=AwardInvestigator.Role.CO_PI,
    )
    response = staff_client.post(
        "/admin/proposals/award/",
        {"action": "send_signin_links_to_team", "_selected_action": [award.pk, other.pk]},
        follow=True,
    )
    assert sorted(m.to[0] for m in mailoutbox) == ["casey@uni.example.edu", "robin@lab.example.org"]
    assert "No e-mail address on record for Quinn Nomail." in _messages(response)


@pytest.mark.django_db
def test_seed_demo_makes_the_demo_researcher_once(capsys):
    call_command("seed_demo", "--with-login")
    people = Person.objects.filter(email=DEMO_RESEARCHER_EMAIL)
    (researcher,) = people
    assert researcher.award_roles.get().award.award_number == DEMO_RESEARCHER_AWARD
    assert researcher.award_roles.get().role == AwardInvestigator.Role.PI
    capsys.readouterr()
    call_command("seed_demo", "--with-login")
    assert Person.objects.filter(email=DEMO_RESEARCHER_EMAIL).count() == 1
    assert "nothing changed" in capsys.readouterr().out


@pytest.mark.django_db
def test_demo_researcher_can_ask_for_a_link(client, mailoutbox):
    call_command("seed_demo", "--with-login")
    response = client.post("/account/", {"email": DEMO_RESEARCHER_EMAIL})
    assert response.status_code == 303
    (message,) = mailoutbox
    assert message.to == [DEMO_RESEARCHER_EMAIL]
