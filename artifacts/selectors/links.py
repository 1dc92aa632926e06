"""An artifact's links as the public sees them: each URL with the health its link row
records, never the row's errors, failure counts, proposed address or checks."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, QuerySet

from artifacts.models import Artifact, ArtifactLink, LinkState

LINK_ROLES = [
    role.value
    for role in (ArtifactLink.Role.LANDING, ArtifactLink.Role.REPOSITORY, ArtifactLink.Role.DOI)
]
# What of a link is public: never its errors, failure counts, proposed address or checks.
LINK_COLUMNS = ("role", "url", "state", "state_since", "last_checked_at", "final_url")


@dataclass(frozen=True)
class PublicLink:
    role: str
    url: str
    state: str
    state_since: dt.datetime | None
    checked_at: dt.datetime | None
    resolves_to: str | None  # the page a working DOI leads to; None for other links


def artifact_links_prefetch() -> Prefetch[Any]:
    """An artifact's link rows, only their public columns."""
    return Prefetch("links", queryset=ArtifactLink.objects.only("artifact", *LINK_COLUMNS))


def artifact_link_urls(landing_url: str, repository_url: str, doi: str) -> dict[str, str]:
    """The artifact's checked URLs by role (as artifacts.services.links.artifact_urls has them)."""
    return {
        ArtifactLink.Role.LANDING: landing_url,
        ArtifactLink.Role.REPOSITORY: repository_url,
        ArtifactLink.Role.DOI: f"https://doi.org/{doi}" if doi else "",
    }


def links_public(urls: dict[str, str], rows: Iterable[Sequence[Any]]) -> list[PublicLink]:
    """The artifact's URLs in role order, each with the health its link row records.
    ``rows`` are the artifact's link rows as LINK_COLUMNS tuples. A URL without a row for
    it (just added or edited, not yet synced) is not checked yet."""
    checked = {row[0]: row for row in rows}
    found = []
    for role in LINK_ROLES:
        url = urls.get(role)
        if not url:
            continue
        row = checked.get(role)
        if row is None or row[1] != url:
            found.append(PublicLink(role, url, LinkState.UNCHECKED.value, None, None, None))
            continue
        _, _, state, since, checked_at, final_url = row
        resolves_to = None
        if (
            role == ArtifactLink.Role.DOI
            and state in (LinkState.OK, LinkState.REDIRECTED)
            and final_url.startswith(("https://", "http://"))
        ):
            resolves_to = final_url
        found.append(PublicLink(role, url, state, since, checked_at, resolves_to))
    return found


def artifact_links_public(artifact: Artifact) -> list[PublicLink]:
    """links_public of a loaded artifact (its ``links`` prefetched, as artifact_get_public
    does)."""
    urls = artifact_link_urls(artifact.landing_url, artifact.repository_url, artifact.doi)
    rows = [
        tuple(getattr(link, column) for column in LINK_COLUMNS) for link in artifact.links.all()
    ]
    return links_public(urls, rows)


def links_public_by_artifact(
    rows: Iterable[dict[str, Any]], *, links: QuerySet[ArtifactLink] | None = None
) -> dict[int, list[PublicLink]]:
    """links_public of many artifacts given as value rows with ``id``, ``landing_url``,
    ``repository_url`` and ``doi``: one query for the links of them all. ``links`` are
    the link rows to read, when a caller can pick them out more cheaply than by the
    artifacts' ids (an export reads a range of ids, unsorted)."""
    rows = list(rows)
    if links is None:
        links = ArtifactLink.objects.filter(artifact_id__in=[row["id"] for row in rows])
    checked: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for artifact_id, *link in links.values_list("artifact_id", *LINK_COLUMNS):
        checked[artifact_id].append(tuple(link))
    return {
        row["id"]: links_public(
            artifact_link_urls(row["landing_url"], row["repository_url"], row["doi"]),
            checked[row["id"]],
        )
        for row in rows
    }
