"""Artifact links on the database side: which URLs of an artifact are checked, recording
each check and the state it leads to, each artifact's health, the sweep that queues due
checks, and the staff's acceptance of a link's new address.

The HTTP side is artifacts/linkcheck.py; the rules that turn checks into states are
artifacts/linkstate.py; the weekly digest of broken links is services/link_digest.py.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, F, Max
from django.utils import timezone

from artifacts import linkcheck, linkstate
from artifacts.models import Artifact, ArtifactLink, LinkCheck, LinkHealthDay, LinkState
from fairprog import queueing
from fairprog.catalogue_version import catalogue_changed_on_commit

logger = logging.getLogger(__name__)
Role = ArtifactLink.Role
URGENT, BULK = 0, 9  # task priorities on Redis (0 is served first)


# --- Which links an artifact has --------------------------------------------------


def artifact_urls(artifact: Artifact) -> dict[str, str]:
    """The URLs of an artifact that are checked, by role (empty ones left out)."""
    urls = {
        Role.LANDING: artifact.landing_url,
        Role.REPOSITORY: artifact.repository_url,
        Role.DOI: artifact.doi_url,
    }
    return {role: url for role, url in urls.items() if url}


def artifact_links_sync(*, artifact: Artifact, now: dt.datetime | None = None) -> list[int]:
    """Make the artifact's link rows match its URLs: new or edited URLs start unchecked and
    are checked at once (queued after commit, ahead of the periodic sweep); removed URLs are
    dropped with their history. Retired artifacts keep theirs (no longer checked). Returns
    the ids of the links to check."""
    now = now or timezone.now()
    changed, _ = _sync({artifact.pk: artifact_urls(artifact)}, now)
    # Also after a save that changed no link: a whole-row save may have written back a
    # link_health loaded before a check.
    artifacts_health_refresh(artifact_ids=[artifact.pk], now=now)
    if changed:
        links_check_soon(link_ids=changed)
    return changed


def links_reconcile(*, now: dt.datetime | None = None) -> list[int]:
    """artifact_links_sync for every artifact (the sweep's first step: it catches URLs changed
    by any path that did not sync). Returns the ids of new or changed links."""
    now = now or timezone.now()
    changed: list[int] = []
    ids = list(Artifact.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), 2000):
        chunk = Artifact.objects.filter(pk__in=ids[start : start + 2000]).only(
            "pk", "status", "landing_url", "repository_url", "doi"
        )
        ids_changed, touched = _sync({a.pk: artifact_urls(a) for a in chunk}, now)
        if touched:
            artifacts_health_refresh(artifact_ids=touched, now=now)
        changed += ids_changed
    return changed


@transaction.atomic
def _sync(wanted: dict[int, dict[str, str]], now: dt.datetime) -> tuple[list[int], set[int]]:
    """Create, reset and delete link rows to match ``wanted`` (artifact id -> role -> URL).
    Returns the ids of new or edited links and the ids of the artifacts that changed."""
    existing: dict[tuple[int, str], ArtifactLink] = {
        (link.artifact_id, link.role): link
        for link in ArtifactLink.objects.filter(artifact_id__in=wanted).only(
            "pk", "artifact_id", "role", "url"
        )
    }
    create: list[ArtifactLink] = []
    edit: list[int] = []
    touched: set[int] = set()
    for artifact_id, urls in wanted.items():
        for role, url in urls.items():
            link = existing.pop((artifact_id, role), None)
            if link is None:
                create.append(_new_link(artifact_id, role, url, now))
            elif link.url != url:
                edit.append(link.pk)
                ArtifactLink.objects.filter(pk=link.pk).update(
                    **_fresh_fields(url, now), updated_at=now
                )
            else:
                continue
            touched.add(artifact_id)
    if existing:  # roles whose URL is gone
        ArtifactLink.objects.filter(pk__in=[link.pk for link in existing.values()]).delete()
        touched |= {link.artifact_id for link in existing.values()}
    created = ArtifactLink.objects.bulk_create(create, batch_size=1000)
    return [link.pk for link in created] + edit, touched


def _fresh_fields(url: str, now: dt.datetime) -> dict[str, object]:
    return {
        "url": url,
        "host": linkcheck.host_of(url),
        "state": LinkState.UNCHECKED,
        "state_since": now,
        "consecutive_failures": 0,
        "failing_since": None,
        "last_outcome": "",
        "last_status_code": None,
        "last_error": "",
        "final_url": "",
        "proposed_url": "",
        "next_check_at": now,
    }


def _new_link(artifact_id: int, role: str, url: str, now: dt.datetime) -> ArtifactLink:
    return ArtifactLink(artifact_id=artifact_id, role=role, **_fresh_fields(url, now))


def artifacts_health_refresh(*, artifact_ids: Iterable[int], now: dt.datetime) -> int:
    """Store each artifact's worst link state; returns how many artifacts changed. A change
    bumps ``updated_at``, so API clients holding an ETag see the new state."""
    ids = set(artifact_ids)
    states: dict[int, list[str]] = {artifact_id: [] for artifact_id in ids}
    for artifact_id, state in ArtifactLink.objects.filter(artifact_id__in=ids).values_list(
        "artifact_id", "state"
    ):
        states[artifact_id].append(state)
    stored = dict(Artifact.objects.filter(pk__in=ids).values_list("pk", "link_health"))
    by_health: dict[str, list[int]] = defaultdict(list)
    for artifact_id, found in states.items():
        health = linkstate.health_of(found)
        if artifact_id in stored and stored[artifact_id] != health:
            by_health[health].append(artifact_id)
    for health, changed in by_health.items():
        Artifact.objects.filter(pk__in=changed).update(link_health=health, updated_at=now)
    if by_health:
        catalogue_changed_on_commit()
    return sum(len(changed) for changed in by_health.values())


# --- Recording checks ---------------------------------------------------------------


def _fold_check(
    link: ArtifactLink, result: linkcheck.CheckResult, rules: linkstate.LinkRules
) -> None:
    """Fold one check into the link (in memory; the caller saves): what the check found,
    and the status the rules derive from it."""
    link.last_checked_at = result.checked_at
    link.last_outcome = result.outcome
    link.last_status_code = result.status_code
    link.last_error = result.error[:500]
    link.final_url = result.final_url[:2000]
    before = linkstate.LinkStatus(**{name: getattr(link, name) for name in linkstate.STATUS_FIELDS})
    after = linkstate.status_after(
        before, result, url=link.url, is_doi=link.role == Role.DOI, rules=rules
    )
    for name in linkstate.STATUS_FIELDS:
        setattr(link, name, getattr(after, name))


_RECORDED = [
    "state",
    "state_since",
    "consecutive_failures",
    "failing_since",
    "last_checked_at",
    "last_ok_at",
    "last_outcome",
    "last_status_code",
    "last_error",
    "final_url",
    "proposed_url",
    "next_check_at",
    "updated_at",
]


def _save_recorded(updated: Sequence[ArtifactLink]) -> None:
    """Write the derived fields of many links: one plain UPDATE per link, sent in one batch
    (psycopg pipelines executemany). Django's bulk_update builds a CASE per field and row,
    which took 95 % of a batch's recording time."""
    fields = [field for field in ArtifactLink._meta.concrete_fields if field.name in _RECORDED]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(field.column or field.name)} = %s" for field in fields)
    sql = f"UPDATE {quote(ArtifactLink._meta.db_table)} SET {assignments} WHERE id = %s"  # noqa: S608
    rows = [
        [field.get_db_prep_save(getattr(link, field.attname), connection) for field in fields]
        + [link.pk]
        for link in updated
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


@transaction.atomic
def link_checks_record(results: Sequence[tuple[ArtifactLink, linkcheck.CheckResult]]) -> None:
    """Keep every check and update each link's state; then each artifact's health.

    A link deleted or given another URL while it was being checked (checks take a while,
    outside any transaction) keeps what it has now: the result is for an address it no
    longer has."""
    current = dict(
        ArtifactLink.objects.select_for_update()
        .filter(pk__in=[link.pk for link, _ in results])
        .values_list("pk", "url")
    )
    results = [(link, result) for link, result in results if current.get(link.pk) == link.url]
    if not results:
        return
    now = timezone.now()
    LinkCheck.objects.bulk_create(
        [
            LinkCheck(
                link=link,
                checked_at=result.checked_at,
                url=link.url,
                outcome=result.outcome,
                status_code=result.status_code,
                final_url=result.final_url[:2000],
                redirects=[[status, location[:2000]] for status, location in result.redirects],
                latency_ms=result.latency_ms,
                attempts=max(1, result.attempts),
                error=result.error[:500],
            )
            for link, result in results
        ],
        batch_size=1000,
    )
    rules = linkstate.LinkRules.from_settings()
    for link, result in results:
        _fold_check(link, result, rules)
        link.updated_at = now
    _save_recorded([link for link, _ in results])
    artifacts_health_refresh(artifact_ids={link.artifact_id for link, _ in results}, now=now)


# --- Checking ---------------------------------------------------------------------


@dataclass
class CheckReport:
    checked: int
    outcomes: Counter[str]
    seconds: float

    @property
    def no_network(self) -> int:
        """How many links were not checked because the checker's network was down."""
        return self.outcomes[linkcheck.NO_NETWORK]

    def __str__(self) -> str:
        found = ", ".join(
            f"{n} {NOT_CHECKED if outcome == linkcheck.NO_NETWORK else outcome}"
            for outcome, n in self.outcomes.most_common()
        )
        rate = self.checked / self.seconds if self.seconds else 0
        return f"{self.checked} links checked in {self.seconds:.1f} s ({rate:.0f}/s)" + (
            f": {found}" if found else ""
        )


NOT_CHECKED = "not checked: no network"


def links_check(
    *,
    link_ids: Sequence[int],
    config: linkcheck.CheckerConfig | None = None,
    on_result: Callable[[linkcheck.CheckResult], None] | None = None,
    batch: int = 2000,
) -> CheckReport:
    """Check the given links now and record the results, ``batch`` links at a time."""
    config = config or linkcheck.CheckerConfig.from_settings()
    started = timezone.now()
    outcomes: Counter[str] = Counter()
    for start in range(0, len(link_ids), batch):
        links = list(ArtifactLink.objects.filter(pk__in=link_ids[start : start + batch]))
        results = linkcheck.check_urls_sync(
            [link.url for link in links], config, on_result=on_result
        )
        by_url = {result.url: result for result in results}
        link_checks_record([(link, by_url[link.url]) for link in links])
        outcomes.update(by_url[link.url].outcome for link in links)
    seconds = (timezone.now() - started).total_seconds()
    report = CheckReport(checked=sum(outcomes.values()), outcomes=outcomes, seconds=seconds)
    if report.no_network:
        logger.warning(
            "Link check: %d links %s; their states are unchanged.", report.no_network, NOT_CHECKED
        )
    return report


def links_due(*, now: dt.datetime | None = None, limit: int | None = None) -> list[int]:
    """Links whose next check is due, most overdue first (new and edited links first).
    Retired artifacts keep their links and history, but are no longer checked."""
    now = now or timezone.now()
    due = ArtifactLink.objects.filter(next_check_at__lte=now).exclude(
        artifact__status=Artifact.Status.RETIRED
    )
    ids = due.order_by("next_check_at", "pk").values_list("pk", flat=True)
    return list(ids[:limit] if limit else ids)


# Sent by name: the tasks module calls this one, never the reverse.
CHECK_TASK = "artifacts.tasks.links_check_task"


def links_check_soon(*, link_ids: Sequence[int]) -> None:
    """Queue a check of these links ahead of the sweep, once the current transaction
    commits. Never fails the caller: with the broker down, the next sweep finds them due."""
    queueing.queue_after_commit(
        CHECK_TASK, (list(link_ids),), priority=URGENT, what="a check of new links"
    )


@dataclass
class SweepReport:
    changed: int
    due: int
    batches: int

    def __str__(self) -> str:
        return (
            f"{self.changed} new or edited links, {self.due} links due, "
            f"queued in {self.batches} batches"
        )


def links_sweep(*, now: dt.datetime | None = None) -> SweepReport:
    """Beat's periodic step: reconcile link rows with artifact URLs, then queue every due
    link in batches of LINKCHECK_BATCH at low priority (new or edited links go first)."""
    now = now or timezone.now()
    changed = links_reconcile(now=now)
    due = links_due(now=now)
    size = settings.LINKCHECK_BATCH
    batches = [due[start : start + size] for start in range(0, len(due), size)]
    # Pushed back a little so the next sweep does not queue them again while they wait.
    ArtifactLink.objects.filter(pk__in=due).update(
        next_check_at=now + dt.timedelta(seconds=settings.LINKCHECK_SWEEP_SECONDS * 4)
    )
    if batches:  # with none, queue_now would send one task without its argument
        queueing.queue_now(
            CHECK_TASK, *[(ids,) for ids in batches], priority=BULK, what="due link checks"
        )
    return SweepReport(changed=len(changed), due=len(due), batches=len(batches))


def link_checks_prune(*, now: dt.datetime | None = None) -> int:
    """Delete checks older than LINKCHECK_RETENTION_DAYS, keeping each link's latest."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.LINKCHECK_RETENTION_DAYS)
    latest = LinkCheck.objects.values("link_id").annotate(last=Max("pk")).values("last")
    deleted, _ = LinkCheck.objects.filter(checked_at__lt=cutoff).exclude(pk__in=latest).delete()
    return deleted


def link_health_record_day(*, day: dt.date | None = None) -> int:
    """Count today's links by state, program and cycle year for the dashboard's history
    (retired artifacts' links, no longer checked, left out). Recording a day again
    replaces it. Returns how many rows were written."""
    day = day or timezone.now().date()
    counts = (
        ArtifactLink.objects.exclude(artifact__status=Artifact.Status.RETIRED)
        .values("state", program=F("artifact__award__program_id"))
        .annotate(cycle_year=F("artifact__award__cycle__year"), links=Count("pk"))
        .order_by()
    )
    rows = [
        LinkHealthDay(
            day=day,
            program_id=row["program"],
            cycle_year=row["cycle_year"],
            state=row["state"],
            links=row["links"],
        )
        for row in counts
    ]
    with transaction.atomic():
        LinkHealthDay.objects.filter(day=day).delete()
        LinkHealthDay.objects.bulk_create(rows)
    return len(rows)


# --- Staff actions -----------------------------------------------------------------


def link_accept_proposed(*, link: ArtifactLink) -> Artifact:
    """Replace the artifact's URL with the one its link permanently moved to."""
    from artifacts.services.artifacts import artifact_update
    from fairprog.errors import DomainError

    if not link.proposed_url:
        raise DomainError(f"{link.url} has no proposed new address.")
    if link.role == Role.DOI:
        raise DomainError("A DOI is not changed by a redirect; edit the artifact instead.")
    field = "landing_url" if link.role == Role.LANDING else "repository_url"
    artifact = artifact_update(artifact=link.artifact, **{field: link.proposed_url})
    artifact_links_sync(artifact=artifact)
    return artifact
