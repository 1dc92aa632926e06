"""The reviewers' pages at /my/reviews/: a reviewer asks for a sign-in link like a researcher;
their assignments with their states; the conflict declared (a reason needed) or not, the
abstract and the form shown only then; drafts saved, submission refused without the ratings
and summary (each named) and locked afterwards. Another reviewer's assignment, anonymous
visitors, and the proposal's own PI see nothing; hostile input is a 4xx; queries pinned."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from proposals.models import (
    ConflictDeclaration,
    Deadline,
    ProposalInvestigator,
    Review,
    ReviewAssignment,
    ReviewerProfile,
)
from proposals.services.researchers import researcher_user
from proposals.services.reviews import review_deadline
from tests.proposals.factories import (
    AwardInvestigatorFactory,
    CycleFactory,
    OrganizationFactory,
    PersonFactory,
    ProposalFactory,
    ProposalInvestigatorFactory,
)

ABSTRACT = "We audit ranking systems for disparate exposure across groups."
SECRET = "Comments for staff: the budget looks padded."
FULL = {
    "intellectual_merit": "E",
    "broader_impacts": "V",
    "overall": "G",
    "strengths": "Clear aims.",
    "weaknesses": "Small sample.",
    "summary": "A careful audit plan.",
    "comments_to_staff": SECRET,
}


def _reviewer(**person: Any) -> ReviewerProfile:
    make: Any = PersonFactory
    return ReviewerProfile.objects.create(
        person=make(affiliation=OrganizationFactory(name="Reviewer College"), **person),
        expertise=["ranking"],
    )


def _assign(proposal: Any, reviewer: ReviewerProfile, due: Any = None) -> ReviewAssignment:
    return ReviewAssignment.objects.create(proposal=proposal, reviewer=reviewer, due=due)


@pytest.fixture
def case(db: None) -> dict[str, Any]:
    cycle: Any = CycleFactory(year=2027)
    due = review_deadline(cycle=cycle, due_date=dt.date(2027, 3, 1))
    proposal: Any = ProposalFactory(cycle=cycle, title="Exposure audits", abstract=ABSTRACT)
    pi = proposal.investigators.get().person
    pi.given_name, pi.family_name, pi.email = "Pat", "Investigator", "pat@uni.example.edu"
    pi.affiliation = OrganizationFactory(name="Uni of Examples")
    pi.save()
    other_proposal = ProposalFactory(cycle=cycle, title="Someone else's proposal")
    reviewer = _reviewer(given_name="Rae", family_name="Viewer", email="rae@college.example")
    rival = _reviewer(given_name="Ola", family_name="Other", email="ola@else.example")
    mine = _assign(proposal, reviewer, due)
    theirs = _assign(other_proposal, rival, due)
    on_mine_too = _assign(proposal, rival, due)
    return {"proposal": proposal, "pi": pi, "reviewer": reviewer, "rival": rival,
            "mine": mine, "theirs": theirs, "on_mine_too": on_mine_too}  # fmt: skip


def _sign_in(client: Any, person: Any) -> None:
    client.force_login(researcher_user(person), backend="sesame.backends.ModelBackend")


@pytest.fixture
def rae(client: Any, case: dict[str, Any]) -> Any:
    _sign_in(client, case["reviewer"].person)
    return client


def _url(assignment: ReviewAssignment, tail: str = "") -> str:
    return f"/my/reviews/{assignment.pk}/{tail}"


def _clear(client: Any, assignment: ReviewAssignment) -> None:
    assert client.post(_url(assignment, "no-conflict/")).status_code == 303


# Sign-in


@pytest.mark.django_db
def test_an_active_reviewer_gets_a_signin_link(client, case, mailoutbox):
    response = client.post("/account/", {"email": "RAE@college.example"})
    assert response.status_code == 303
    assert [m.to for m in mailoutbox] == [["rae@college.example"]]
    assert "/account/signin/?sesame=" in mailoutbox[0].body


@pytest.mark.django_db
def test_an_inactive_reviewer_gets_no_link(client, case, mailoutbox):
    ReviewerProfile.objects.filter(pk=case["reviewer"].pk).update(active=False)
    assert client.post("/account/", {"email": "rae@college.example"}).status_code == 303
    assert mailoutbox == []


# The list


@pytest.mark.django_db
def test_the_list_shows_own_assignments_with_state_and_due_date(rae, case):
    page = rae.get("/my/reviews/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Exposure audits" in text
    assert "Someone else" not in text
    assert "To declare" in text
    assert "March 1, 2027" in text
    assert ABSTRACT not in text  # nothing more of the proposal than its title
    assert "Pat" not in text
    assert page["Cache-Control"].startswith("max-age=0")


@pytest.mark.django_db
def test_the_list_states_follow_the_reviewer(rae, case):
    _clear(rae, case["mine"])
    assert "Drafting" in rae.get("/my/reviews/").content.decode()
    rae.post(_url(case["mine"]), {**FULL, "submit": "1"})
    assert "Submitted" in rae.get("/my/reviews/").content.decode()


@pytest.mark.django_db
def test_the_due_date_is_in_the_reviewers_zone(rae, case):
    person = case["reviewer"].person
    person.time_zone = "Asia/Tokyo"
    person.save()
    text = rae.get("/my/reviews/").content.decode()
    # NSF's rule: 17:00 by the reviewer's own clock.
    assert "March 1, 2027, 5:00 PM JST" in text
    assert "Asia/Tokyo" in text
    Deadline.objects.filter(pk=case["mine"].due_id).update(
        time_rule=Deadline.TimeRule.FIXED_ZONE, time_zone="America/New_York"
    )
    # 17:00 in New York is 07:00 the next day in Tokyo.
    assert "March 2, 2027, 7:00 AM JST" in rae.get("/my/reviews/").content.decode()


# Conflicts


@pytest.mark.django_db
def test_first_only_title_and_investigators_then_the_choice(rae, case):
    page = rae.get(_url(case["mine"])).content.decode()
    assert "Exposure audits" in page
    assert "Pat Investigator, Uni of Examples" in page
    assert ABSTRACT not in page
    assert "No conflict" in page
    assert "I have a conflict" in page
    assert 'name="summary"' not in page


@pytest.mark.django_db
def test_declaring_a_conflict_needs_a_reason_and_keeps_the_text(rae, case):
    refused = rae.post(_url(case["mine"], "conflict/"), {"reason": "   "})
    assert refused.status_code == 400
    assert "Say why you are in conflict" in refused.content.decode()
    too_long = rae.post(_url(case["mine"], "conflict/"), {"reason": "x" * 6000})
    assert too_long.status_code == 400
    assert "x" * 6000 in too_long.content.decode()
    assert "at most 5000 characters" in too_long.content.decode()
    assert not ConflictDeclaration.objects.exists()


@pytest.mark.django_db
def test_a_declared_conflict_is_recorded_and_stops_the_review(rae, case):
    done = rae.post(_url(case["mine"], "conflict/"), {"reason": "Pat was my student."})
    assert (done.status_code, done["Location"]) == (303, _url(case["mine"]))
    declaration = ConflictDeclaration.objects.get()
    assert (declaration.reviewer, declaration.proposal) == (case["reviewer"], case["proposal"])
    assert declaration.reason == "Pat was my student."
    assert ReviewAssignment.objects.filter(pk=case["mine"].pk).exists()
    page = rae.get(_url(case["mine"])).content.decode()
    assert "You declared a conflict" in page
    assert "Pat was my student." in page
    assert ABSTRACT not in page
    assert rae.post(_url(case["mine"], "no-conflict/")).status_code == 409
    assert rae.post(_url(case["mine"]), {**FULL, "save": "1"}).status_code == 409
    assert not Review.objects.exists()
    assert "Conflict declared" in rae.get("/my/reviews/").content.decode()


@pytest.mark.django_db
def test_no_conflict_shows_the_abstract_and_the_form(rae, case):
    _clear(rae, case["mine"])
    review = Review.objects.get(assignment=case["mine"])
    assert review.status == Review.Status.DRAFT
    page = rae.get(_url(case["mine"])).content.decode()
    assert ABSTRACT in page
    for name in FULL:
        assert f'name="{name}"' in page
    for label in ("Excellent", "Very good", "Good", "Fair", "Poor"):
        assert label in page
    assert 'type="radio"' in page
    assert "Save draft" in page
    assert "Submit review" in page
    assert rae.post(_url(case["mine"], "no-conflict/")).status_code == 409


# The review


@pytest.mark.django_db
def test_a_review_cannot_be_saved_before_saying_there_is_no_conflict(rae, case):
    assert rae.post(_url(case["mine"]), {**FULL, "save": "1"}).status_code == 409
    assert not Review.objects.exists()


@pytest.mark.django_db
def test_a_draft_saves_partly_filled(rae, case):
    _clear(rae, case["mine"])
    saved = rae.post(_url(case["mine"]), {"strengths": "Clear aims.", "overall": "V", "save": "1"})
    assert (saved.status_code, saved["Location"]) == (303, _url(case["mine"]))
    review = Review.objects.get()
    assert (review.strengths, review.overall, review.status) == ("Clear aims.", "V", "draft")
    page = rae.get(_url(case["mine"])).content.decode()
    assert "Draft saved." in page
    assert 'value="V" id="id_overall_1" checked' in page


@pytest.mark.django_db
def test_submit_is_refused_without_the_ratings_and_summary_naming_each(rae, case):
    _clear(rae, case["mine"])
    typed = {"strengths": "Typed strengths.", "broader_impacts": "F", "submit": "1"}
    refused = rae.post(_url(case["mine"]), typed)
    assert refused.status_code == 400
    text = refused.content.decode()
    assert "Intellectual merit: Intellectual merit is needed to submit." in text
    assert "Overall rating: Overall rating is needed to submit." in text
    assert "Summary: Summary is needed to submit." in text
    assert "Broader impacts is needed" not in text
    assert "Typed strengths." in text
    review = Review.objects.get()
    assert (review.status, review.strengths) == ("draft", "")


@pytest.mark.django_db
def test_a_bad_rating_is_named_and_nothing_saved(rae, case):
    _clear(rae, case["mine"])
    refused = rae.post(_url(case["mine"]), {**FULL, "overall": "A", "save": "1"})
    assert refused.status_code == 400
    assert "Overall rating: Select a valid choice." in refused.content.decode()
    assert Review.objects.get().summary == ""


@pytest.mark.django_db
def test_submitted_it_is_locked_and_read_only(rae, case):
    _clear(rae, case["mine"])
    done = rae.post(_url(case["mine"]), {**FULL, "submit": "1"})
    assert done.status_code == 303
    review = Review.objects.get()
    assert review.status == Review.Status.SUBMITTED
    assert review.submitted_at is not None
    assert (review.intellectual_merit, review.broader_impacts, review.overall) == ("E", "V", "G")
    page = rae.get(_url(case["mine"])).content.decode()
    assert "Review submitted" in page
    assert "staff can reopen" in page
    assert "Excellent" in page
    assert "A careful audit plan." in page
    assert 'name="summary"' not in page
    again = rae.post(_url(case["mine"]), {**FULL, "summary": "Changed.", "save": "1"})
    assert again.status_code == 409
    assert rae.post(_url(case["mine"], "conflict/"), {"reason": "late"}).status_code == 409
    assert Review.objects.get().summary == "A careful audit plan."


@pytest.mark.django_db
def test_the_reviewer_never_sees_another_review(rae, case):
    _sign_in(rae, case["rival"].person)
    _clear(rae, case["on_mine_too"])
    rae.post(_url(case["on_mine_too"]), {**FULL, "summary": "Rival's words.", "submit": "1"})
    _sign_in(rae, case["reviewer"].person)
    _clear(rae, case["mine"])
    for url in ("/my/reviews/", _url(case["mine"])):
        text = rae.get(url).content.decode()
        assert "Rival's words." not in text
        assert SECRET not in text
        assert "Ola" not in text


# Who sees what


@pytest.mark.django_db
def test_another_reviewers_assignment_is_404(rae, case):
    for assignment in (case["theirs"], case["on_mine_too"]):
        assert rae.get(_url(assignment)).status_code == 404
        assert rae.post(_url(assignment, "no-conflict/")).status_code == 404
        assert rae.post(_url(assignment, "conflict/"), {"reason": "x"}).status_code == 404
        assert rae.post(_url(assignment), {**FULL, "submit": "1"}).status_code == 404
    assert not Review.objects.exists()
    assert not ConflictDeclaration.objects.exists()


@pytest.mark.django_db
def test_anonymous_and_staff_are_sent_to_signin(client, case, staff_user):
    for login in (None, staff_user):
        client.logout()
        if login is not None:
            client.force_login(login)
        for url in ("/my/reviews/", _url(case["mine"])):
            response = client.get(url)
            assert response.status_code == 302
            assert response["Location"].startswith("/account/?next=")
        post = client.post(_url(case["mine"], "no-conflict/"))
        assert post.status_code in (302, 403)
    assert not Review.objects.exists()


@pytest.mark.django_db
def test_the_pi_of_the_proposal_sees_nothing_of_its_review(client, case):
    rae_client = client
    _sign_in(rae_client, case["reviewer"].person)
    _clear(rae_client, case["mine"])
    rae_client.post(_url(case["mine"]), {**FULL, "submit": "1"})
    AwardInvestigatorFactory(person=case["pi"])
    _sign_in(client, case["pi"])
    assert client.get("/my/reviews/").status_code == 404
    for tail in ("", "conflict/", "no-conflict/"):
        assert client.get(_url(case["mine"], tail)).status_code in (404, 405)
    page = client.get("/my/").content.decode()
    assert client.get("/my/").status_code == 200
    for secret in ("A careful audit plan.", SECRET, "Rae", "Viewer", "review"):
        assert secret not in page


@pytest.mark.django_db
def test_a_reviewer_who_is_a_pi_keeps_their_projects(client, case):
    award_role = AwardInvestigatorFactory(person=case["reviewer"].person)
    _sign_in(client, case["reviewer"].person)
    assert award_role.award.title in client.get("/my/").content.decode()
    assert client.get("/my/reviews/").status_code == 200


@pytest.mark.django_db
def test_a_reviewer_on_a_proposal_they_investigate_does_not_see_others(client, case):
    # Staff overrode a conflict: the reviewer sees their own assignment, never the rival's.
    ProposalInvestigatorFactory(
        proposal=case["proposal"], person=case["reviewer"].person,
        role=ProposalInvestigator.Role.CO_PI,
    )  # fmt: skip
    _sign_in(client, case["reviewer"].person)
    assert client.get(_url(case["on_mine_too"])).status_code == 404


# Hostile input


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url", ["/my/reviews/0/", "/my/reviews/99999999999999999999/", "/my/reviews/2147483648/",
            "/my/reviews/-1/", "/my/reviews/abc/", "/my/reviews/%00/"],
)  # fmt: skip
def test_forged_ids_are_4xx(rae, case, url):
    assert 400 <= rae.get(url).status_code < 500


@pytest.mark.django_db
@pytest.mark.parametrize(
    "values",
    [
        {"summary": "nul\x00byte"},
        {"strengths": "x" * 50_001},
        {"overall": "E" * 10_000},
        {"overall": "\x00"},
    ],
)
def test_nul_bytes_and_huge_values_are_400_and_named(rae, case, values):
    _clear(rae, case["mine"])
    response = rae.post(_url(case["mine"]), {**values, "save": "1"})
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
    assert Review.objects.get().summary == ""


@pytest.mark.django_db
def test_a_nul_byte_in_a_conflict_reason_is_400(rae, case):
    response = rae.post(_url(case["mine"], "conflict/"), {"reason": "a\x00b"})
    assert response.status_code == 400
    assert not ConflictDeclaration.objects.exists()


@pytest.mark.django_db
def test_head_and_other_methods(rae, case):
    assert rae.head("/my/reviews/").status_code == 200
    assert rae.head(_url(case["mine"])).status_code == 200
    assert rae.post("/my/reviews/").status_code == 405
    assert rae.get(_url(case["mine"], "conflict/")).status_code == 405
    assert rae.delete(_url(case["mine"])).status_code == 405


# Queries


@pytest.mark.django_db
def test_list_queries_are_pinned(rae, case, django_assert_num_queries):
    cycle = case["proposal"].cycle
    for number in range(4):
        proposal = ProposalFactory(cycle=cycle, title=f"More work {number}")
        assignment = _assign(proposal, case["reviewer"], case["mine"].due)
        if number % 2:
            Review.objects.create(assignment=assignment)
    with django_assert_num_queries(8):  # session, user, person, profile, rows; session saved
        page = rae.get("/my/reviews/")
    assert page.content.decode().count("/my/reviews/") >= 5


@pytest.mark.django_db
def test_assignment_page_queries_are_pinned(rae, case, django_assert_num_queries):
    for _ in range(3):
        ProposalInvestigatorFactory(proposal=case["proposal"])
    with django_assert_num_queries(9):
        assert rae.get(_url(case["mine"])).status_code == 200
    _clear(rae, case["mine"])
    with django_assert_num_queries(9):
        assert rae.get(_url(case["mine"])).status_code == 200


def _reviewer_routes() -> set[str]:
    """Every route the reviewers' URLconf adds under /my/reviews/."""
    from proposals import reviewer_urls

    return {pattern.name for pattern in reviewer_urls.urlpatterns if pattern.name}


@pytest.mark.django_db
def test_every_reviewer_route_as_owner_other_reviewer_pi_anonymous_and_staff(
    client, case, staff_user
):
    from django.urls import reverse

    mine, theirs = case["mine"].pk, case["theirs"].pk
    # (route, the owner's arguments, the other reviewer's, method)
    routes = {
        "reviews": ((), None, "get"),
        "review": ((mine,), (theirs,), "get"),
        "review-conflict": ((mine,), (theirs,), "post"),
        "review-clear": ((mine,), (theirs,), "post"),
    }
    assert set(routes) == _reviewer_routes(), "a new reviewer route: add it to this walk"

    def answers(name: str, args: Any, method: str) -> int:
        url = reverse(f"my:{name}", args=args)
        return (
            client.post(url, {"reason": ""}) if method == "post" else client.get(url)
        ).status_code

    _sign_in(client, case["reviewer"].person)
    for name, (own, other, method) in routes.items():
        assert answers(name, own, method) in (200, 303, 400), name
        if other is not None:
            assert answers(name, other, method) == 404, name
    AwardInvestigatorFactory(person=case["pi"])
    _sign_in(client, case["pi"])  # a researcher, not a reviewer
    for name, (own, _other, method) in routes.items():
        assert answers(name, own, method) == 404, name
    for login in (None, staff_user):
        client.logout()
        if login is not None:
            client.force_login(login)
        for name, (own, _other, method) in routes.items():
            assert answers(name, own, method) == 302, (login, name)
