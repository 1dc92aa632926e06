"""Link health on the database side: which links exist, how checks become states, the
schedule, the sweep, retention, the digest, staff actions and the check_links command."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from typing import cast

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from artifacts import linkcheck
from artifacts.models import Artifact, ArtifactLink, LinkCheck, LinkState
from artifacts.services import link_digest, links
from artifacts.services.artifacts import artifact_create, artifact_retire, artifact_update
from fairprog.catalogue_version import catalogue_changed, catalogue_version
from proposals.models import AwardInvestigator
from tests.artifacts.factories import ArtifactFactory
from tests.proposals.factories import AwardFactory, PersonFactory

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def artifact_with_links(**urls: str) -> Artifact:
    fields = {"landing_url": "https://data.example.org/set", **urls}
    artifact = cast(Artifact, ArtifactFactory(**fields))
    links.artifact_links_sync(artifact=artifact)
    return artifact


def result(link: ArtifactLink, outcome: str, **fields: object) -> linkcheck.CheckResult:
    status = {"ok": 200, "redirected": 200, "broken": 404, "blocked": 403}.get(outcome)
    values: dict[str, object] = {"status_code": status, "final_url": link.url, **fields}
    return linkcheck.CheckResult(url=link.url, outcome=outcome, checked_at=timezone.now(), **values)  # type: ignore[arg-type]


def record(link: ArtifactLink, outcome: str, **fields: object) -> ArtifactLink:
    links.link_checks_record([(link, result(link, outcome, **fields))])
    link.refresh_from_db()
    return link


# --- Which links exist -------------------------------------------------------------


def test_each_url_of_a_new_artifact_becomes_an_unchecked_link():
    award = AwardFactory()
    artifact = artifact_create(
        award=award,
        kind="dataset",
        title="Dialect benchmark",
        summary="Sentences in several dialects.",
        landing_url="https://data.example.org/dialects",
        repository_url="https://code.example.org/dialects",
        doi="10.5281/zenodo.1234567",
    )

    found = {link.role: link for link in artifact.links.all()}
    assert found["landing"].url == "https://data.example.org/dialects"
    assert found["repository"].host == "code.example.org"
    assert found["doi"].url == "https://doi.org/10.5281/zenodo.1234567"
    assert {link.state for link in found.values()} == {LinkState.UNCHECKED}
    artifact.refresh_from_db()
    assert artifact.link_health == LinkState.UNCHECKED


def test_an_artifact_without_urls_has_no_links():
    artifact = ArtifactFactory(landing_url="")
    links.artifact_links_sync(artifact=artifact)

    artifact.refresh_from_db()
    assert artifact.link_health == LinkState.NONE
    assert not artifact.links.exists()


def test_an_edited_url_starts_again_unchecked_and_is_queued_after_commit(
    django_capture_on_commit_callbacks,
):
    artifact = artifact_with_links()
    link = record(artifact.links.get(), "ok")

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        artifact_update(artifact=artifact, landing_url="https://new.example.org/set")

    link.refresh_from_db()
    assert (link.url, link.state, link.host) == (
        "https://new.example.org/set",
        LinkState.UNCHECKED,
        "new.example.org",
    )
    assert link.next_check_at is not None
    assert link.next_check_at <= timezone.now()
    # The check, queued once the edit is committed (beside the catalogue version's move).
    assert len([c for c in callbacks if c is not catalogue_changed]) == 1


def test_an_unchanged_save_queues_nothing(django_capture_on_commit_callbacks):
    artifact = artifact_with_links()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        artifact_update(artifact=artifact, summary="Reworded.")

    assert [c for c in callbacks if c is not catalogue_changed] == []


def test_a_removed_url_loses_its_link():
    artifact = artifact_with_links(repository_url="https://code.example.org/x")

    artifact_update(artifact=artifact, repository_url="")

    assert list(artifact.links.values_list("role", flat=True)) == ["landing"]


def test_the_sweep_finds_urls_changed_outside_the_services():
    artifact = artifact_with_links()
    Artifact.objects.filter(pk=artifact.pk).update(landing_url="https://moved.example.org/")

    changed = links.links_reconcile()

    assert artifact.links.get().url == "https://moved.example.org/"
    assert changed == [artifact.links.get().pk]


# --- From checks to states ------------------------------------------------------------


def test_a_working_link_is_ok_and_rechecked_in_about_a_week():
    link = artifact_with_links().links.get()

    with time_machine.travel(NOW, tick=False):
        link = record(link, "ok")

    assert (link.state, link.state_since, link.last_ok_at) == (LinkState.OK, NOW, NOW)
    assert dt.timedelta(days=6.3) <= link.next_check_at - NOW <= dt.timedelta(days=7.7)
    check = LinkCheck.objects.get(link=link)
    assert (check.outcome, check.status_code, check.checked_at) == ("ok", 200, NOW)


def test_one_failure_makes_a_link_failing_and_rechecked_daily():
    link = artifact_with_links().links.get()

    with time_machine.travel(NOW, tick=False):
        link = record(link, "broken")

    assert (link.state, link.consecutive_failures, link.failing_since) == ("failing", 1, NOW)
    assert dt.timedelta(hours=21) <= link.next_check_at - NOW <= dt.timedelta(hours=27)


def test_three_failures_within_two_days_are_not_yet_broken():
    link = artifact_with_links().links.get()
    for hours in (0, 12, 24):
        with time_machine.travel(NOW + dt.timedelta(hours=hours), tick=False):
            link = record(link, "timeout")

    assert (link.state, link.consecutive_failures) == (LinkState.FAILING, 3)


def test_three_failures_spanning_two_days_make_a_link_broken():
    link = artifact_with_links().links.get()
    for hours in (0, 24, 48):
        with time_machine.travel(NOW + dt.timedelta(hours=hours), tick=False):
            link = record(link, "broken")

    assert link.state == LinkState.BROKEN
    assert link.state_since == NOW + dt.timedelta(hours=48)


def test_blocked_answers_never_count_towards_broken():
    link = artifact_with_links().links.get()
    for hours in (0, 24, 48, 72, 96):
        with time_machine.travel(NOW + dt.timedelta(hours=hours), tick=False):
            link = record(link, "blocked")

    assert (link.state, link.consecutive_failures) == (LinkState.BLOCKED, 0)


def test_a_working_check_ends_a_run_of_failures():
    link = artifact_with_links().links.get()
    record(link, "broken")
    link = record(link, "ok")

    assert (link.state, link.consecutive_failures, link.failing_since) == ("ok", 0, None)


def test_a_permanent_redirect_proposes_the_new_address():
    link = artifact_with_links().links.get()

    link = record(
        link,
        "redirected",
        redirects=[(301, "https://new.example.org/set")],
        final_url="https://new.example.org/set",
    )

    assert link.state == LinkState.REDIRECTED
    assert link.proposed_url == "https://new.example.org/set"


def test_a_temporary_redirect_proposes_nothing():
    link = artifact_with_links().links.get()

    link = record(link, "redirected", redirects=[(302, "https://login.example.org/")])

    assert link.proposed_url == ""


def test_an_artifact_takes_the_worst_state_of_its_links():
    artifact = artifact_with_links(repository_url="https://code.example.org/x")
    landing, repository = artifact.links.order_by("role")
    record(landing, "ok")
    record(repository, "redirected", redirects=[(302, "https://code.example.org/y")])
    artifact.refresh_from_db()
    assert artifact.link_health == LinkState.REDIRECTED

    record(repository, "broken")
    artifact.refresh_from_db()
    assert artifact.link_health == LinkState.FAILING


def test_a_change_of_health_bumps_the_artifact_for_api_caches():
    artifact = artifact_with_links()
    before = Artifact.objects.values_list("updated_at", flat=True).get(pk=artifact.pk)

    with time_machine.travel(timezone.now() + dt.timedelta(minutes=5), tick=False):
        record(artifact.links.get(), "ok")

    after = Artifact.objects.values_list("updated_at", flat=True).get(pk=artifact.pk)
    assert after > before


def test_a_change_of_health_moves_the_catalogue_version_after_commit(
    django_capture_on_commit_callbacks,
):
    link = artifact_with_links().links.get()
    before = catalogue_version()

    with django_capture_on_commit_callbacks(execute=True):
        record(link, "ok")
        assert catalogue_version() == before, "moved before the commit"

    assert catalogue_version() != before, "not moved after the commit"


def test_every_check_is_kept_with_its_details():
    link = artifact_with_links().links.get()
    record(link, "broken", status_code=404, error="HTTP 404.", latency_ms=12, attempts=1)
    record(link, "ok")

    checks = list(link.checks.order_by("checked_at").values_list("outcome", "status_code"))
    assert checks == [("broken", 404), ("ok", 200)]


# --- Schedule, sweep, retention -------------------------------------------------------


def test_due_links_are_new_ones_and_those_past_their_recheck_time():
    due = artifact_with_links().links.get()
    fresh = record(artifact_with_links(landing_url="https://b.example.org/").links.get(), "ok")

    assert links.links_due() == [due.pk]
    with time_machine.travel(timezone.now() + dt.timedelta(days=8)):
        assert set(links.links_due()) == {due.pk, fresh.pk}


def test_retired_artifacts_keep_their_links_but_are_not_checked():
    artifact = artifact_with_links()
    artifact_retire(artifact=artifact, note="Superseded.")

    assert artifact.links.exists()
    assert links.links_due() == []


def test_pruning_drops_old_checks_but_keeps_each_links_latest(settings):
    settings.LINKCHECK_RETENTION_DAYS = 30
    link = artifact_with_links().links.get()
    with time_machine.travel(NOW, tick=False):
        record(link, "ok")
        record(link, "ok")
    quiet = artifact_with_links(landing_url="https://quiet.example.org/").links.get()
    with time_machine.travel(NOW, tick=False):
        record(quiet, "ok")
    with time_machine.travel(NOW + dt.timedelta(days=40), tick=False):
        record(link, "ok")
        deleted = links.link_checks_prune()

    assert deleted == 2
    assert link.checks.count() == 1
    assert quiet.checks.count() == 1  # old, but its only check


# --- Digest -----------------------------------------------------------------------------


def broken_link(title: str = "Broken dataset") -> ArtifactLink:
    artifact = artifact_with_links()
    Artifact.objects.filter(pk=artifact.pk).update(title=title)
    link = artifact.links.get()
    ArtifactLink.objects.filter(pk=link.pk).update(
        state=LinkState.BROKEN, state_since=timezone.now(), last_error="HTTP 404."
    )
    return link


def test_the_digest_tells_staff_which_links_became_broken(staff_user):
    broken_link("Dialect benchmark")

    sent = link_digest.links_digest_send()

    assert sent == 1
    message = mail.outbox[0]
    assert staff_user.email in message.to
    assert "1 artifact link became broken" in message.subject
    assert "Dialect benchmark" in message.body
    assert "https://data.example.org/set" in message.body
    assert "HTTP 404." in message.alternatives[0][0]


def test_the_digest_goes_only_to_staff_who_may_see_the_links(staff_user):
    from django.contrib.auth.models import Permission, User

    User.objects.create_user("bare", "bare@example.org", "pw", is_staff=True)
    viewer = User.objects.create_user("viewer", "viewer@example.org", "pw", is_staff=True)
    viewer.user_permissions.add(
        Permission.objects.get(codename="view_artifactlink", content_type__app_label="artifacts")
    )
    User.objects.create_superuser("root", "root@example.org", "pw")
    broken_link("Draft dialect benchmark")

    assert link_digest.links_digest_send() == 1

    assert sorted(mail.outbox[0].to) == sorted(
        [staff_user.email, "viewer@example.org", "root@example.org"]
    )


def test_no_digest_when_nothing_broke(staff_user):
    artifact_with_links()

    assert link_digest.links_digest_send() == 0
    assert mail.outbox == []


def test_links_broken_long_ago_are_not_in_the_digest(staff_user):
    link = broken_link()
    ArtifactLink.objects.filter(pk=link.pk).update(
        state_since=timezone.now() - dt.timedelta(days=30)
    )

    assert link_digest.links_digest_send() == 0


def test_the_digest_can_also_go_to_each_pi_about_their_own_artifacts(settings, staff_user):
    settings.LINKCHECK_DIGEST_TO_PI = True
    link = broken_link("PI's dataset")
    pi = PersonFactory(email="pi@university.example")
    AwardInvestigator.objects.create(
        award=link.artifact.award, person=pi, role=AwardInvestigator.Role.PI
    )
    broken_link("Someone else's dataset")

    assert link_digest.links_digest_send() == 2
    to_pi = next(message for message in mail.outbox if message.to == ["pi@university.example"])
    assert "PI's dataset" in to_pi.body
    assert "Someone else" not in to_pi.body


# --- Staff actions and the admin -------------------------------------------------------


def test_accepting_a_proposed_address_updates_the_artifact():
    artifact = artifact_with_links()
    link = record(
        artifact.links.get(), "redirected", redirects=[(301, "https://new.example.org/set")]
    )

    links.link_accept_proposed(link=link)

    artifact.refresh_from_db()
    assert artifact.landing_url == "https://new.example.org/set"
    link = artifact.links.get()
    assert (link.url, link.state, link.proposed_url) == (
        "https://new.example.org/set",
        LinkState.UNCHECKED,
        "",
    )


@pytest.mark.parametrize("rows", [1, 12])
def test_link_changelist_query_count_is_constant(staff_client, django_assert_num_queries, rows):
    for n in range(rows):
        record(artifact_with_links(landing_url=f"https://h{n}.example.org/").links.get(), "ok")
    staff_client.get(reverse("admin:artifacts_artifactlink_changelist"))  # warm caches

    with django_assert_num_queries(10):
        response = staff_client.get(reverse("admin:artifacts_artifactlink_changelist"))
    assert response.status_code == 200


def test_staff_filter_links_by_state_and_host(staff_client):
    record(artifact_with_links(landing_url="https://good.example.org/").links.get(), "ok")
    broken_link()

    response = staff_client.get(
        reverse("admin:artifacts_artifactlink_changelist"),
        {"state__exact": "broken", "host": "data.example.org"},
    )

    assert response.status_code == 200
    assert response.context["cl"].result_count == 1
    assert "data.example.org (1 of 1)" in response.content.decode()


def test_a_links_page_shows_its_check_history(staff_client):
    link = artifact_with_links().links.get()
    record(link, "redirected", redirects=[(302, "https://data.example.org/v2")])

    response = staff_client.get(reverse("admin:artifacts_artifactlink_change", args=[link.pk]))

    body = response.content.decode()
    assert "302 https://data.example.org/v2" in body
    assert "Redirected" in body


def test_check_now_queues_the_selected_links(staff_client, monkeypatch):
    link = artifact_with_links().links.get()
    queued: list[list[int]] = []
    monkeypatch.setattr(links, "links_check_soon", lambda *, link_ids: queued.append(link_ids))

    response = staff_client.post(
        reverse("admin:artifacts_artifactlink_changelist"),
        {"action": "check_now", "_selected_action": [link.pk]},
        follow=True,
    )

    assert queued == [[link.pk]]
    assert "1 link queued for checking" in response.content.decode()


# --- The command --------------------------------------------------------------------------


def test_check_links_dry_run_lists_what_is_due_and_fetches_nothing():
    artifact_with_links()
    out = StringIO()

    call_command("check_links", "--dry-run", stdout=out)

    assert "1 links to check on 1 hosts." in out.getvalue()
    assert not LinkCheck.objects.exists()


@pytest.mark.slow
def test_check_links_checks_records_and_summarises(settings):
    from tests.linkserver import LinkServer

    settings.LINKCHECK_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    settings.LINKCHECK_HOST_INTERVAL = 0
    settings.LINKCHECK_RETRIES = 0
    with LinkServer(hosts=2, tls=False) as server:
        good = artifact_with_links(landing_url=server.url("/ok"))
        gone = artifact_with_links(landing_url=server.url("/status/410", host=1))
        out = StringIO()

        call_command("check_links", stdout=out)

    assert good.links.get().state == LinkState.OK
    assert gone.links.get().state == LinkState.FAILING
    output = out.getvalue()
    assert "2 links to check on 2 hosts." in output
    assert "2/2 (" in output
    assert "s left)" in output
    assert "Done: 2 links in" in output
    assert "1 ok, 1 broken." in output


def test_staff_find_links_that_moved_permanently(staff_client):
    record(artifact_with_links().links.get(), "redirected", redirects=[(301, "https://n.example/")])
    record(artifact_with_links(landing_url="https://b.example.org/").links.get(), "ok")

    response = staff_client.get(
        reverse("admin:artifacts_artifactlink_changelist"), {"moved": "yes"}
    )

    assert response.context["cl"].result_count == 1


def test_a_result_for_a_url_edited_during_the_check_is_dropped():
    artifact = artifact_with_links()
    link = artifact.links.get()
    stale = result(link, "broken")
    artifact_update(artifact=artifact, landing_url="https://new.example.org/set")

    links.link_checks_record([(link, stale)])

    link.refresh_from_db()
    assert (link.url, link.state) == ("https://new.example.org/set", LinkState.UNCHECKED)
    assert not LinkCheck.objects.exists()


def test_a_result_for_a_link_deleted_during_the_check_is_dropped():
    artifact = artifact_with_links()
    link = artifact.links.get()
    artifact_update(artifact=artifact, landing_url="", doi="10.5281/zenodo.1")

    links.link_checks_record([(link, result(link, "ok"))])

    assert not LinkCheck.objects.exists()


def test_a_doi_that_reaches_its_landing_page_is_ok():
    artifact = artifact_with_links(landing_url="", doi="10.5281/zenodo.1234567")
    link = artifact.links.get()

    link = record(
        link,
        "redirected",
        redirects=[(302, "https://zenodo.org/records/1234567")],
        final_url="https://zenodo.org/records/1234567",
    )

    assert (link.state, link.final_url, link.proposed_url) == (
        LinkState.OK,
        "https://zenodo.org/records/1234567",
        "",
    )


def test_staff_list_one_artifacts_links_from_its_page(staff_client):
    artifact = artifact_with_links(repository_url="https://code.example.org/x")
    artifact_with_links(landing_url="https://other.example.org/")

    page = staff_client.get(reverse("admin:artifacts_artifact_change", args=[artifact.pk]))
    url = reverse("admin:artifacts_artifactlink_changelist") + f"?artifact__id__exact={artifact.pk}"
    listed = staff_client.get(url)

    assert url in page.content.decode().replace("&amp;", "&")
    assert listed.context["cl"].result_count == 2


def test_check_links_now_queues_the_selected_artifacts_links(staff_client, monkeypatch):
    queued: list[list[int]] = []
    monkeypatch.setattr(links, "links_check_soon", lambda *, link_ids: queued.append(link_ids))
    artifact = artifact_with_links(repository_url="https://code.example.org/x")

    staff_client.post(
        reverse("admin:artifacts_artifact_changelist"),
        {"action": "check_links_now", "_selected_action": [artifact.pk]},
    )

    assert sorted(queued[0]) == sorted(artifact.links.values_list("pk", flat=True))
