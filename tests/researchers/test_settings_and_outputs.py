"""A researcher's settings page (time zone and reminders) and the outputs discovery found for
their award, answered "ours" or "not ours": saved through the services, bad input refused with
what was typed kept, another award a 404, anonymous visitors sent to sign in, queries pinned."""

from __future__ import annotations

from typing import Any

import pytest

from artifacts.models import Suggestion
from proposals.models import AwardInvestigator, Person
from proposals.services.researchers import researcher_user
from tests.discovery.factories import SuggestionFactory
from tests.proposals.factories import AwardFactory, AwardInvestigatorFactory, PersonFactory

BACKEND = "sesame.backends.ModelBackend"


@pytest.fixture
def team(db: None) -> dict[str, Any]:
    pi = PersonFactory(
        given_name="Casey", family_name="Sample", email="casey@uni.example.edu", time_zone=""
    )
    other = PersonFactory(given_name="Robin", family_name="Other", email="robin@lab.example.org")
    award = AwardFactory(award_number="2040800", title="Fair ranking audits")
    elsewhere = AwardFactory(award_number="2040801", title="Someone else's award")
    AwardInvestigatorFactory(award=award, person=pi, role=AwardInvestigator.Role.PI)
    AwardInvestigatorFactory(award=elsewhere, person=other, role=AwardInvestigator.Role.PI)
    return {"pi": pi, "other": other, "award": award, "elsewhere": elsewhere}


@pytest.fixture
def pi_client(client: Any, team: dict[str, Any]) -> Any:
    client.force_login(researcher_user(team["pi"]), backend=BACKEND)
    return client


def test_settings_page_shows_the_current_choices(pi_client, team):
    Person.objects.filter(pk=team["pi"].pk).update(time_zone="Europe/Berlin")
    response = pi_client.get("/my/settings/")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'value="Europe/Berlin"' in body
    assert 'name="reminders" id="id_reminders" checked' in body
    assert response["Cache-Control"].startswith("max-age=0")


def test_settings_page_saves_zone_and_reminders(pi_client, team):
    response = pi_client.post("/my/settings/", {"time_zone": " America/Chicago "})
    assert (response.status_code, response["Location"]) == (303, "/my/settings/?saved=1")
    person = Person.objects.get(pk=team["pi"].pk)
    assert (person.time_zone, person.reminders_opt_out) == ("America/Chicago", True)
    assert "Your settings are saved." in pi_client.get(response["Location"]).content.decode()

    pi_client.post("/my/settings/", {"time_zone": "", "reminders": "on"})
    person.refresh_from_db()
    assert (person.time_zone, person.reminders_opt_out) == ("", False)


def test_settings_page_refuses_an_unknown_zone_and_keeps_what_was_typed(pi_client, team):
    response = pi_client.post("/my/settings/", {"time_zone": "Mars/Olympus", "reminders": "on"})
    assert response.status_code == 400
    body = response.content.decode()
    assert 'value="Mars/Olympus"' in body
    assert "Mars/Olympus is not a known time zone" in body
    assert 'class="field-error"' in body
    person = Person.objects.get(pk=team["pi"].pk)
    assert (person.time_zone, person.reminders_opt_out) == ("", False)


@pytest.mark.parametrize("typed", ["Europe/\x00Berlin", "A" * 5000, "../../etc/passwd"])
def test_settings_page_answers_400_for_nul_huge_or_odd_zones(pi_client, team, typed):
    response = pi_client.post("/my/settings/", {"time_zone": typed})
    assert response.status_code == 400
    assert Person.objects.get(pk=team["pi"].pk).time_zone == ""


def test_settings_page_sends_anonymous_visitors_to_sign_in(client, team):
    response = client.get("/my/settings/")
    assert (response.status_code, response["Location"]) == (
        302,
        "/account/?next=/my/settings/",
    )
    assert client.post("/my/settings/", {"time_zone": "UTC"}).status_code == 302
    assert Person.objects.get(pk=team["pi"].pk).time_zone == ""


def test_settings_page_queries_are_pinned(pi_client, team, django_assert_num_queries):
    pi_client.get("/my/settings/")  # warm the session
    # Session, user, person; the session save that restarts the idle clock (in a savepoint).
    with django_assert_num_queries(6):
        assert pi_client.get("/my/settings/").status_code == 200


def _outputs(award: Any) -> str:
    return f"/my/projects/{award.award_number}/outputs/"


def test_outputs_page_lists_pending_suggestions_with_why_they_matched(pi_client, team):
    award = team["award"]
    found = SuggestionFactory(award=award, title="Dialect speech corpus", doi="10.5281/zenodo.1")
    SuggestionFactory(award=award, title="Already decided", state=Suggestion.State.ACCEPTED)
    SuggestionFactory(award=team["elsewhere"], title="Another team's work")
    response = pi_client.get(_outputs(award))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Dialect speech corpus" in body
    assert "https://doi.org/10.5281/zenodo.1" in body
    assert "Dataset" in body
    assert "zenodo" in body
    assert "National Science Foundation" in body
    assert "award “2040800”" in body
    assert f'value="{found.pk}"' in body
    assert "Not answered yet" in body
    assert "Already decided" not in body
    assert "Another team's work" not in body
    assert "casey@uni.example.edu" not in body


def test_outputs_page_records_the_answer_and_shows_it(pi_client, team):
    suggestion = SuggestionFactory(award=team["award"])
    response = pi_client.post(
        _outputs(team["award"]), {"suggestion": suggestion.pk, "answer": "not_ours"}
    )
    assert response.status_code == 303
    suggestion.refresh_from_db()
    assert suggestion.team_answer == "not_ours"
    assert suggestion.team_answered_by == team["pi"].user
    assert suggestion.team_answered_at is not None
    page = pi_client.get(response["Location"]).content.decode()
    assert "<strong>Not ours</strong>" in page
    assert "Your answer is recorded." in page

    pi_client.post(_outputs(team["award"]), {"suggestion": suggestion.pk, "answer": "ours"})
    suggestion.refresh_from_db()
    assert suggestion.team_answer == "ours"


def test_outputs_page_refuses_a_bad_answer_naming_it(pi_client, team):
    suggestion = SuggestionFactory(award=team["award"])
    response = pi_client.post(
        _outputs(team["award"]), {"suggestion": suggestion.pk, "answer": "maybe\x00"}
    )
    assert response.status_code == 400
    assert "Answer “ours” or “not ours”." in response.content.decode()
    suggestion.refresh_from_db()
    assert suggestion.team_answer == ""


def test_outputs_page_refuses_an_answer_once_staff_decided(pi_client, team):
    suggestion = SuggestionFactory(award=team["award"])
    Suggestion.objects.filter(pk=suggestion.pk).update(state=Suggestion.State.ACCEPTED)
    response = pi_client.post(
        _outputs(team["award"]), {"suggestion": suggestion.pk, "answer": "ours"}
    )
    assert response.status_code == 400
    assert "Staff have already decided" in response.content.decode()


def test_outputs_of_another_award_answer_404(pi_client, team):
    theirs = SuggestionFactory(award=team["elsewhere"])
    assert pi_client.get(_outputs(team["elsewhere"])).status_code == 404
    assert pi_client.get("/my/projects/9999999/outputs/").status_code == 404
    assert pi_client.get("/my/projects/20408%2000/outputs/").status_code == 404
    posted = pi_client.post(
        _outputs(team["elsewhere"]), {"suggestion": theirs.pk, "answer": "ours"}
    )
    assert posted.status_code == 404
    # Their suggestion posted to the researcher's own award's page: also not found.
    posted = pi_client.post(_outputs(team["award"]), {"suggestion": theirs.pk, "answer": "ours"})
    assert posted.status_code == 404
    for bad in ["", "x", "1" * 40, "1\x00"]:
        posted = pi_client.post(_outputs(team["award"]), {"suggestion": bad, "answer": "ours"})
        assert posted.status_code == 404
    theirs.refresh_from_db()
    assert theirs.team_answer == ""


def test_outputs_page_sends_anonymous_visitors_to_sign_in(client, team):
    url = _outputs(team["award"])
    response = client.get(url)
    assert (response.status_code, response["Location"]) == (302, f"/account/?next={url}")


def test_outputs_page_turns_away_staff(client, team, staff_user):
    client.force_login(staff_user)
    assert client.get(_outputs(team["award"])).status_code == 302


def test_outputs_page_queries_are_pinned(pi_client, team, django_assert_num_queries):
    for _ in range(5):
        SuggestionFactory(award=team["award"])
    pi_client.get(_outputs(team["award"]))
    # Session, user, person, the award, its pending suggestions (however many); the session
    # save that restarts the idle clock (in a savepoint).
    with django_assert_num_queries(8):
        response = pi_client.get(_outputs(team["award"]))
    assert response.content.decode().count('name="answer" value="ours"') == 5
