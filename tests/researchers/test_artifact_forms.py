"""Researchers' artifact forms at /my/: a draft made with every field and edited, submitted
(refused without a licence, naming it), a published artifact's edit waiting for review with
the public page and API unchanged, the staff's messages shown; another award's or artifact's
address a 404, anonymous visitors sent to sign in; hostile input a 4xx; the description's
preview as the public page renders it; and the PI's broken-link digest linking to the form."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from artifacts.models import (
    Artifact,
    ArtifactLink,
    ArtifactRevision,
    FairnessDimension,
    LinkState,
    Task,
)
from artifacts.services import link_digest
from artifacts.services.submissions import submission_decide
from fairprog.portfolio.my_forms import person_for_creator
from proposals.models import AwardInvestigator, Person
from proposals.services.researchers import researcher_user
from tests.artifacts.factories import ArtifactCreatorFactory, ArtifactFactory
from tests.proposals.factories import AwardFactory, AwardInvestigatorFactory, PersonFactory

ORCID = "0000-0002-1825-0097"  # ORCID's own example iD, with a valid check digit


@pytest.fixture
def team(db: None) -> dict[str, Any]:
    pi = PersonFactory(given_name="Casey", family_name="Sample", email="casey@uni.example.edu")
    co_pi = PersonFactory(given_name="Dana", family_name="Colleague", email="dana@uni.example.edu")
    other = PersonFactory(given_name="Robin", family_name="Other", email="robin@lab.example.org")
    award = AwardFactory(award_number="2040800", title="Fair ranking audits")
    elsewhere = AwardFactory(award_number="2040801", title="Someone else's award")
    AwardInvestigatorFactory(award=award, person=pi, role=AwardInvestigator.Role.PI)
    AwardInvestigatorFactory(award=award, person=co_pi, role=AwardInvestigator.Role.CO_PI)
    AwardInvestigatorFactory(award=elsewhere, person=other, role=AwardInvestigator.Role.PI)
    return {"pi": pi, "co_pi": co_pi, "other": other, "award": award, "elsewhere": elsewhere}


@pytest.fixture
def signed_in(client, team) -> Any:
    client.force_login(researcher_user(team["pi"]), backend="sesame.backends.ModelBackend")
    return client


def _management(rows: int = 2, prefix: str = "creators") -> dict[str, str]:
    return {
        f"{prefix}-TOTAL_FORMS": str(rows),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "30",
    }


def _full(**overrides: Any) -> dict[str, Any]:
    fairness = FairnessDimension.objects.order_by("order")[:2]
    tasks = Task.objects.order_by("order")[:1]
    data: dict[str, Any] = {
        "kind": Artifact.Kind.DATASET,
        "title": "Ranking audit traces",
        "summary": "Query logs with exposure per group.",
        "description": "# Traces\n\nCollected from **three** rankers.",
        "landing_url": "https://audits.example.org/traces",
        "repository_url": "https://git.example.org/audits/traces",
        "doi": "https://doi.org/10.5281/ZENODO.1234567",
        "license": "cc-by-4.0",
        "version": "1.2",
        "release_date": "2026-03-04",
        "keywords": "ranking, exposure , , audit",
        "dimensions": [d.pk for d in fairness],
        "tasks": [t.pk for t in tasks],
        "intended_use": "Auditing rankers.",
        "out_of_scope_use": "Ranking people.",
        "limitations": "English queries only.",
        "evaluation_data": "A held-out week.",
        "ethical_considerations": "Queries were anonymised.",
        **_management(),
    }
    data.update(overrides)
    return data


def _draft(award, **fields: Any) -> Any:
    values = {"status": Artifact.Status.DRAFT, "published_at": None, "license": "", **fields}
    return ArtifactFactory(award=award, **values)


# --- making and editing a draft ---------------------------------------------------------------


def test_a_draft_is_made_with_every_field_and_creators_in_order(signed_in, team):
    known = team["co_pi"]
    data = _full(**{
        "creators-0-person": str(known.pk),
        "creators-1-given_name": "Ada",
        "creators-1-family_name": "Newcomer",
        "creators-1-orcid": f"https://orcid.org/{ORCID}",
    })  # fmt: skip

    response = signed_in.post("/my/projects/2040800/artifacts/new/", data)

    assert response.status_code == 303, response.content.decode()[:2000]
    artifact = Artifact.objects.get(title="Ranking audit traces")
    assert response["Location"] == f"/my/artifacts/{artifact.pk}/edit/"
    assert artifact.award == team["award"]
    assert artifact.status == Artifact.Status.DRAFT
    assert artifact.doi == "10.5281/zenodo.1234567"
    assert artifact.license == "CC-BY-4.0"
    assert artifact.keywords == ["ranking", "exposure", "audit"]
    assert artifact.release_date == dt.date(2026, 3, 4)
    assert artifact.ethical_considerations == "Queries were anonymised."
    assert sorted(d.pk for d in artifact.dimensions.all()) == sorted(data["dimensions"])
    assert [t.pk for t in artifact.tasks.all()] == data["tasks"]
    creators = [link.person for link in artifact.creator_links.order_by("order")]
    assert creators[0] == known
    assert (creators[1].family_name, creators[1].orcid) == ("Newcomer", ORCID)
    page = signed_in.get(response["Location"])
    assert "Draft saved." in page.content.decode()


def test_a_creator_with_a_known_orcid_is_that_person_not_a_new_one(team):
    person = PersonFactory(given_name="Ada", family_name="Known", orcid=ORCID)

    assert person_for_creator(given_name="A.", family_name="Known", orcid=ORCID) == person
    assert Person.objects.filter(orcid=ORCID).count() == 1


def test_a_new_creator_with_a_wrong_orcid_check_digit_is_refused_and_nothing_is_saved(
    signed_in, team
):
    data = _full(**{"creators-0-given_name": "Ada", "creators-0-family_name": "Newcomer",
                    "creators-0-orcid": "0000-0002-1825-0098"})  # fmt: skip
    people = Person.objects.count()

    response = signed_in.post("/my/projects/2040800/artifacts/new/", data)

    assert response.status_code == 400
    text = response.content.decode()
    assert "check digit" in text
    assert 'value="Newcomer"' in text
    assert not Artifact.objects.filter(title="Ranking audit traces").exists()
    assert Person.objects.count() == people


def test_only_the_awards_people_are_offered_as_creators_and_no_email_is_shown(signed_in, team):
    outsider = PersonFactory(given_name="Never", family_name="Offered")
    other_creator = ArtifactCreatorFactory(artifact=ArtifactFactory(award=team["award"]))

    page = signed_in.get("/my/projects/2040800/artifacts/new/").content.decode()

    assert "Dana Colleague" in page
    assert other_creator.person.full_name in page
    assert "Never Offered" not in page
    for shown in (team["pi"], team["co_pi"], other_creator.person):
        assert shown.email not in page
    forged = _full(**{"creators-0-person": str(outsider.pk)})
    response = signed_in.post("/my/projects/2040800/artifacts/new/", forged)
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()


def test_a_draft_is_edited_in_place(signed_in, team):
    artifact = _draft(team["award"], title="Old title")

    form = signed_in.get(f"/my/artifacts/{artifact.pk}/edit/")
    assert 'value="Old title"' in form.content.decode()
    response = signed_in.post(
        f"/my/artifacts/{artifact.pk}/edit/",
        _full(title="New title", **{"creators-0-person": str(team["pi"].pk)}),
    )

    assert response.status_code == 303
    artifact.refresh_from_db()
    assert artifact.title == "New title"
    assert artifact.status == Artifact.Status.DRAFT
    assert [link.person for link in artifact.creator_links.all()] == [team["pi"]]


def test_a_bad_form_answers_400_keeps_what_was_typed_and_names_each_field(signed_in, team):
    data = _full(title="Kept title", doi="not a doi", license="Not-A-Licence", kind="poem")

    response = signed_in.post("/my/projects/2040800/artifacts/new/", data)

    assert response.status_code == 400
    text = response.content.decode()
    assert 'value="Kept title"' in text
    assert "Kind: Select a valid choice" in text
    assert not Artifact.objects.exists()
    # The form itself passes; the services' checks come back beside their fields.
    response = signed_in.post(
        "/my/projects/2040800/artifacts/new/", _full(doi="not a doi", license="Not-A-Licence")
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "DOI: " in text
    assert "Licence: " in text
    assert "not an SPDX licence id" in text
    assert 'value="Not-A-Licence"' in text


# --- submitting ------------------------------------------------------------------------------


def test_submitting_without_a_licence_is_refused_naming_it_then_accepted(signed_in, team):
    artifact = _draft(team["award"], title="Unlicensed traces")

    refused = signed_in.post(f"/my/artifacts/{artifact.pk}/submit/")

    assert refused.status_code == 400
    text = refused.content.decode()
    assert "Licence: A licence is needed before review." in text
    assert 'value="Unlicensed traces"' in text
    artifact.refresh_from_db()
    assert artifact.status == Artifact.Status.DRAFT

    Artifact.objects.filter(pk=artifact.pk).update(license="MIT")
    accepted = signed_in.post(f"/my/artifacts/{artifact.pk}/submit/")
    assert (accepted.status_code, accepted["Location"]) == (
        303,
        f"/my/artifacts/{artifact.pk}/edit/",
    )
    artifact.refresh_from_db()
    assert artifact.status == Artifact.Status.SUBMITTED
    shown = signed_in.get(f"/my/artifacts/{artifact.pk}/edit/").content.decode()
    assert "Waiting for review" in shown
    assert "<form" not in shown.split("Signed in as", 1)[1].split("Sign out", 1)[1]
    assert signed_in.post(f"/my/artifacts/{artifact.pk}/edit/", _full()).status_code == 409
    assert signed_in.get("/my/artifacts/preview/").status_code == 405


def test_the_staffs_message_is_shown_on_a_rejected_artifact(signed_in, team, staff_user):
    artifact = _draft(team["award"], license="MIT")
    signed_in.post(f"/my/artifacts/{artifact.pk}/submit/")
    submission_decide(artifact=artifact, user=staff_user, decision="rejected",
                      message="Out of the program's scope.")  # fmt: skip

    page = signed_in.get(f"/my/artifacts/{artifact.pk}/edit/")

    text = page.content.decode()
    assert page.status_code == 200
    assert "Rejected" in text
    assert "Out of the program&#x27;s scope." in text
    assert "officer@example.org" not in text


# --- editing a published artifact ------------------------------------------------------------


def test_editing_a_published_artifact_waits_for_review_and_the_public_record_is_unchanged(
    signed_in, client, team, staff_user
):
    artifact = ArtifactFactory(award=team["award"], title="Public traces", slug="public-traces")
    ArtifactCreatorFactory(artifact=artifact, person=team["pi"])
    api_before = client.get("/api/v1/artifacts/public-traces/").json()

    response = signed_in.post(
        f"/my/artifacts/{artifact.pk}/edit/",
        _full(title="Renamed traces", note="New title for v2",
              **{"creators-0-person": str(team["pi"].pk)}),
    )  # fmt: skip

    assert response.status_code == 303
    artifact.refresh_from_db()
    assert artifact.title == "Public traces"
    revision = ArtifactRevision.objects.get(artifact=artifact)
    assert revision.state == ArtifactRevision.State.PENDING
    assert revision.fields["title"] == "Renamed traces"
    assert revision.note == "New title for v2"
    assert client.get("/api/v1/artifacts/public-traces/").json() == api_before
    public = client.get("/artifacts/public-traces/").content.decode()
    assert "Public traces" in public
    assert "Renamed traces" not in public
    shown = signed_in.get(f"/my/artifacts/{artifact.pk}/edit/").content.decode()
    assert "Your edit waits for review" in shown
    assert 'value="Renamed traces"' in shown  # the form holds the waiting edit
    assert "New title for v2" in shown


# --- who sees what ---------------------------------------------------------------------------


def test_another_awards_and_artifacts_addresses_answer_404(signed_in, team):
    theirs = ArtifactFactory(award=team["elsewhere"])
    their_draft = _draft(team["elsewhere"])

    assert signed_in.get("/my/projects/2040801/artifacts/new/").status_code == 404
    assert signed_in.post("/my/projects/2040801/artifacts/new/", _full()).status_code == 404
    assert signed_in.get("/my/projects/9999999/artifacts/new/").status_code == 404
    for artifact in (theirs, their_draft):
        assert signed_in.get(f"/my/artifacts/{artifact.pk}/edit/").status_code == 404
        assert signed_in.post(f"/my/artifacts/{artifact.pk}/edit/", _full()).status_code == 404
        assert signed_in.post(f"/my/artifacts/{artifact.pk}/submit/").status_code == 404
    assert not ArtifactRevision.objects.exists()
    their_draft.refresh_from_db()
    assert their_draft.status == Artifact.Status.DRAFT


def test_anonymous_visitors_and_staff_are_sent_to_sign_in(client, team, staff_user):
    artifact = _draft(team["award"])
    addresses = [
        ("get", "/my/projects/2040800/artifacts/new/"),
        ("get", f"/my/artifacts/{artifact.pk}/edit/"),
        ("post", f"/my/artifacts/{artifact.pk}/submit/"),
        ("post", "/my/artifacts/preview/"),
    ]
    for method, address in addresses:
        response = getattr(client, method)(address)
        assert response.status_code == 302, address
        assert response["Location"].startswith("/account/?next="), address
    client.force_login(staff_user)
    assert client.get(f"/my/artifacts/{artifact.pk}/edit/").status_code == 302
    assert signed_out_status(client, artifact) == Artifact.Status.DRAFT


def signed_out_status(client: Any, artifact: Artifact) -> str:
    client.post(f"/my/artifacts/{artifact.pk}/submit/")
    artifact.refresh_from_db()
    return artifact.status


# --- hostile input ---------------------------------------------------------------------------


def test_nul_bytes_huge_values_and_forged_ids_are_4xx_not_500(signed_in, team):
    artifact = _draft(team["award"])
    new = "/my/projects/2040800/artifacts/new/"

    nul = signed_in.post(new, _full(title="Traces\x00"))
    assert nul.status_code == 400
    assert "Title: Null characters are not allowed." in nul.content.decode()
    huge = signed_in.post(new, _full(description="x" * (10 * 1024 * 1024)))
    assert huge.status_code in (400, 413)
    long_title = signed_in.post(new, _full(title="t" * 301))
    assert long_title.status_code == 400
    assert signed_in.get("/my/artifacts/99999999999999999999/edit/").status_code == 404
    assert signed_in.post("/my/artifacts/2147483648/submit/").status_code == 404
    assert signed_in.get("/my/projects/2040800%00/artifacts/new/").status_code in (400, 404)
    forged_rows = signed_in.post(new, _full(**{"creators-TOTAL_FORMS": "1000000000"}))
    assert forged_rows.status_code == 400
    forged_dimension = signed_in.post(new, _full(dimensions=["999999", "x"]))
    assert forged_dimension.status_code == 400
    bad_date = signed_in.post(
        f"/my/artifacts/{artifact.pk}/edit/", _full(release_date="2026-02-30")
    )
    assert bad_date.status_code == 400
    assert "Release date: Enter a valid date." in bad_date.content.decode()
    too_long = signed_in.post("/my/artifacts/preview/", {"description": "x" * 60_000})
    assert too_long.status_code == 400
    assert not Artifact.objects.exclude(pk=artifact.pk).exists()


# --- preview ---------------------------------------------------------------------------------


def test_the_preview_renders_markdown_as_the_public_page_and_drops_scripts(signed_in, team):
    text = "**Bold** [link](https://example.org)\n\n<script>alert(1)</script>\x00"

    response = signed_in.post("/my/artifacts/preview/", {"description": text})

    html = response.content.decode()
    assert response.status_code == 200
    assert "<strong>Bold</strong>" in html
    assert 'rel="nofollow noopener"' in html
    assert "<script" not in html
    assert "\x00" not in html


def test_the_preview_button_without_script_shows_the_form_again_with_the_preview(signed_in, team):
    data = _full(title="", description="## Heading\n\n<script>alert(1)</script>", preview="1")

    response = signed_in.post("/my/projects/2040800/artifacts/new/", data)

    html = response.content.decode()
    assert response.status_code == 200
    assert "<h3>Heading</h3>" in html
    assert "<script>alert(1)" not in html
    assert "field-error" not in html  # a preview is not a save: no complaints yet
    assert not Artifact.objects.exists()


# --- query counts ----------------------------------------------------------------------------


def test_the_form_pages_take_a_fixed_number_of_queries(signed_in, team, django_assert_num_queries):
    for _ in range(3):
        ArtifactCreatorFactory(artifact=ArtifactFactory(award=team["award"]))
    draft = _draft(team["award"])
    for person in (team["pi"], team["co_pi"]):
        ArtifactCreatorFactory(artifact=draft, person=person, order=person.pk)
    draft.dimensions.set(FairnessDimension.objects.all()[:2])
    published = ArtifactFactory(award=team["award"])
    ArtifactCreatorFactory(artifact=published, person=team["pi"])

    with django_assert_num_queries(11):
        assert signed_in.get("/my/projects/2040800/artifacts/new/").status_code == 200
    with django_assert_num_queries(16):
        assert signed_in.get(f"/my/artifacts/{draft.pk}/edit/").status_code == 200
    with django_assert_num_queries(17):
        assert signed_in.get(f"/my/artifacts/{published.pk}/edit/").status_code == 200


# --- the PI's broken-link digest -------------------------------------------------------------


def test_the_pis_broken_link_digest_links_to_the_edit_form_and_staffs_to_the_admin(
    settings, team, staff_user
):
    settings.LINKCHECK_DIGEST_TO_PI = True
    artifact = ArtifactFactory(award=team["award"], title="Broken traces")
    link = ArtifactLink.objects.create(artifact=artifact, role="landing", url=artifact.landing_url,
                                       host="example.org")  # fmt: skip
    ArtifactLink.objects.filter(pk=link.pk).update(
        state=LinkState.BROKEN, state_since=timezone.now(), last_error="HTTP 404."
    )
    mail.outbox = []

    assert link_digest.links_digest_send() == 2

    to_pi = next(m for m in mail.outbox if m.to == ["casey@uni.example.edu"])
    to_staff = next(m for m in mail.outbox if staff_user.email in m.to)
    edit_url = f"{settings.SITE_URL}/my/artifacts/{artifact.pk}/edit/"
    assert edit_url in to_pi.body
    assert edit_url in to_pi.alternatives[0][0]
    assert "/admin/" not in to_pi.body
    assert edit_url not in to_staff.body
    assert "/admin/" in to_staff.body


# --- in a real browser -----------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_preview_updates_in_place_under_the_content_security_policy(browser, live_server):
    pi = PersonFactory(given_name="Casey", family_name="Sample")
    award = AwardFactory(award_number="2040900")
    AwardInvestigatorFactory(award=award, person=pi, role=AwardInvestigator.Role.PI)
    client = Client()
    client.force_login(researcher_user(pi), backend="sesame.backends.ModelBackend")
    cookie = client.cookies["sessionid"]
    context = browser.new_context()
    context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])
    page = context.new_page()
    problems: list[str] = []
    page.on("response", lambda r: problems.append(r.url) if r.status >= 400 else None)
    page.on("console", lambda m: problems.append(m.text) if "Content Security" in m.text else None)
    try:
        page.goto(f"{live_server.url}/my/projects/2040900/artifacts/new/")
        page.fill("#id_description", "**Bold** <script>window.hacked = 1</script>")
        page.evaluate("() => { window.samePage = true; }")
        page.click("button[name=preview]")
        page.wait_for_selector("#description-preview strong")
        assert page.evaluate("() => window.samePage") is True  # updated in place, no reload
        assert page.inner_html("#description-preview").strip() == "<p><strong>Bold</strong> </p>"
        assert page.evaluate("() => window.hacked") is None
        assert page.eval_on_selector("#id_license", "e => e.list.options.length") > 100
        assert problems == []
    finally:
        context.close()
