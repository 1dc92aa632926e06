"""Writing the open-data files from the database: awards.csv, artifacts.csv and
artifacts.jsonl in one pass, publications.csv, deadlines.ics; each flushed to disk and
counted as it goes."""

from __future__ import annotations

import datetime as dt
import itertools
import os
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson
from django.db.models import F
from django.urls import reverse
from rest_framework.utils.encoders import JSONEncoder

from artifacts.calendar import deadlines_calendar
from artifacts.models import ArtifactCreator, ArtifactLink, Publication
from artifacts.opendata.schema import ARTIFACT_COLUMNS, AWARD_COLUMNS, PUBLICATION_COLUMNS
from artifacts.representation import (
    REPRESENTATION_COLUMNS,
    artifact_representation,
    links_representation,
)
from artifacts.selectors.artifacts import (
    artifact_public_queryset,
    sensitive_from,
    vocabulary_from,
    with_vocabulary,
)
from artifacts.selectors.links import PublicLink, links_public_by_artifact
from fairprog.spreadsheet import SafeCsvWriter
from proposals.models import Award, AwardInvestigator

BATCH = 2000  # artifacts read per round of creator and link queries
PROGRESS_EVERY = 5000  # rows between progress reports

# progress(file label, rows written so far, seconds since that file was started, done)
Progress = Callable[[str, int, float, bool], None]


def utc_text(value: dt.datetime | None) -> str:
    """A time as every file and the package write it: ISO 8601 in UTC, ending in Z."""
    if value is None:
        return ""
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _array(values: list[Any]) -> str:
    return orjson.dumps(values).decode()


class _Counter:
    """Counts a file's rows and reports them every PROGRESS_EVERY rows and at the end."""

    def __init__(self, label: str, progress: Progress | None) -> None:
        self.label, self.progress = label, progress
        self.rows = 0
        self.started = time.monotonic()

    def add(self, n: int = 1) -> None:
        before = self.rows
        self.rows += n
        if self.progress and before // PROGRESS_EVERY != self.rows // PROGRESS_EVERY:
            self.progress(self.label, self.rows, time.monotonic() - self.started, False)

    def done(self) -> int:
        if self.progress:
            self.progress(self.label, self.rows, time.monotonic() - self.started, True)
        return self.rows


AWARD_FIELDS = (
    "id", "award_number", "title", "abstract", "program__short_name", "cycle__year",
    "cycle__solicitation_number", "institution__name", "institution__state",
    "institution__country", "intended_amount", "awarded_amount", "obligated_amount",
    "start_date", "end_date", "collaboration_key",
)  # fmt: skip


def write_awards(path: Path, *, site: str, progress: Progress | None) -> int:
    """awards.csv: every award, with its investigators' names; returns the rows written."""
    people: dict[int, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    # Names only: the person's e-mail address is private.
    for award_id, role, given, family in AwardInvestigator.objects.order_by(
        "award_id", "order", "id"
    ).values_list("award_id", "role", "person__given_name", "person__family_name"):
        people[award_id][role].append(f"{given} {family}".strip())
    elements: dict[int, list[str]] = defaultdict(list)
    for award_id, code in Award.program_elements.through.objects.order_by(
        "award_id", "programelement__code"
    ).values_list("award_id", "programelement__code"):
        elements[award_id].append(code)
    projects = f"{site}{reverse('artifacts:project-list')}"
    roles = AwardInvestigator.Role
    awards = Award.objects.order_by("award_number").values(*AWARD_FIELDS).iterator(chunk_size=BATCH)
    counter = _Counter(path.name, progress)
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = SafeCsvWriter(out)
        writer.writerow([column.name for column in AWARD_COLUMNS])
        for award in awards:
            team = people.get(award["id"], {})
            writer.writerow(
                [
                    award["award_number"],
                    f"{projects}{award['award_number']}/",
                    award["title"],
                    award["abstract"],
                    award["program__short_name"],
                    _text(award["cycle__year"]),
                    _text(award["cycle__solicitation_number"]),
                    _text(award["institution__name"]),
                    _text(award["institution__state"]),
                    _text(award["institution__country"]),
                    ", ".join(team.get(roles.PI, [])),
                    _array(team.get(roles.CO_PI, [])),
                    _array(team.get(roles.FORMER_PI, [])),
                    _array(team.get(roles.FORMER_CO_PI, [])),
                    _text(award["intended_amount"]),
                    _text(award["awarded_amount"]),
                    _text(award["obligated_amount"]),
                    _text(award["start_date"]),
                    _text(award["end_date"]),
                    _array(elements.get(award["id"], [])),
                    award["collaboration_key"],
                ]
            )
            counter.add()
        _sync(out)
    return counter.done()


def _artifact_batches() -> Iterator[list[dict[str, Any]]]:
    """Public artifacts as plain rows (the API list's columns, dimensions and tasks joined in
    the same query), BATCH at a time, oldest first so that nightly files diff well."""
    columns = [*REPRESENTATION_COLUMNS.values(), "dimension_list", "task_list", "sensitive_list"]
    rows = (
        with_vocabulary(artifact_public_queryset())
        .order_by("pk")
        .values(*columns)
        .iterator(chunk_size=BATCH)
    )
    while batch := list(itertools.islice(rows, BATCH)):
        yield batch


# A batch's creators and links are read by the range of its ids (a batch is consecutive
# ids in order): an index range scan, where a list of 2,000 ids costs more to build, send
# and plan than the rows. Rows of artifacts in the range that are not public (drafts) are
# read but never looked up.


def _id_range(batch: list[dict[str, Any]]) -> dict[str, int]:
    return {"artifact_id__gte": batch[0]["id"], "artifact_id__lte": batch[-1]["id"]}


def _creators(batch: list[dict[str, Any]]) -> dict[int, list[dict[str, str]]]:
    creators: dict[int, list[dict[str, str]]] = defaultdict(list)
    for artifact_id, given, family, orcid in (
        ArtifactCreator.objects.filter(**_id_range(batch))
        .order_by("artifact_id", "order", "id")
        .values_list("artifact_id", "person__given_name", "person__family_name", "person__orcid")
    ):
        creators[artifact_id].append(
            {
                "name": f"{given} {family}".strip(),
                "given_name": given,
                "family_name": family,
                "orcid": orcid,
            }
        )
    return creators


def _links(batch: list[dict[str, Any]]) -> dict[int, list[PublicLink]]:
    """The batch's public links, read by range and unsorted (ArtifactLink's default ordering
    joins the artifacts to sort by their publication date)."""
    range_links = ArtifactLink.objects.filter(**_id_range(batch)).order_by()
    return links_public_by_artifact(batch, links=range_links)


_JSON_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_UTC_Z | orjson.OPT_APPEND_NEWLINE
_json_default = JSONEncoder().default


def write_artifacts(
    csv_path: Path, jsonl_path: Path, *, site: str, progress: Progress | None
) -> int:
    """Both artifact files in one pass over the rows: the CSV's columns are a subset of the
    JSON Lines file's."""
    pages = f"{site}{reverse('artifacts:list')}"
    counter = _Counter(f"{csv_path.name}, {jsonl_path.name}", progress)
    with (
        csv_path.open("w", encoding="utf-8", newline="") as csv_out,
        jsonl_path.open("wb") as jsonl_out,
    ):
        writer = SafeCsvWriter(csv_out)
        writer.writerow([column.name for column in ARTIFACT_COLUMNS])
        for batch in _artifact_batches():
            creators = _creators(batch)
            links = _links(batch)
            for row in batch:
                values = {key: row[path] for key, path in REPRESENTATION_COLUMNS.items()}
                values["dimensions"] = vocabulary_from(row["dimension_list"])
                values["tasks"] = vocabulary_from(row["task_list"])
                values["sensitive_attributes"] = sensitive_from(row["sensitive_list"])
                url = f"{pages}{row['slug']}/"
                its_creators = creators.get(row["id"], [])
                jsonl_out.write(
                    orjson.dumps(
                        artifact_representation(
                            values,
                            creators=its_creators,
                            links=links_representation(links[row["id"]]),
                            url=url,
                        ),
                        default=_json_default,
                        option=_JSON_OPTIONS,
                    )
                )
                writer.writerow(
                    [
                        values["slug"],
                        url,
                        values["title"],
                        values["kind"],
                        values["summary"],
                        values["award_number"],
                        values["status"],
                        utc_text(values["published_at"]),
                        values["license"],
                        values["doi"],
                        values["landing_url"],
                        values["repository_url"],
                        values["version"],
                        _text(values["release_date"]),
                        _array(values["keywords"] or []),
                        _array([v["name"] for v in values["dimensions"]]),
                        _array([v["name"] for v in values["tasks"]]),
                        _array([c["name"] for c in its_creators]),
                        values["link_health"],
                        "true" if values["is_demo"] else "false",
                    ]
                )
            counter.add(len(batch))
        _sync(csv_out)
        _sync(jsonl_out)
    return counter.done()


def _authors(authors: Any) -> tuple[list[str], list[str]]:
    """The names and ORCID iDs of a publication's authors, in order; nothing else an entry
    may hold."""
    named = [a for a in authors or [] if isinstance(a, dict) and a.get("name")]
    return [str(a["name"]) for a in named], [str(a.get("orcid") or "") for a in named]


def write_publications(path: Path, *, progress: Progress | None) -> int:
    """publications.csv: every publication of every award; returns the rows written."""
    rows = (
        Publication.objects.order_by(
            "award__award_number", F("year").desc(nulls_last=True), "title", "pk"
        )
        .values_list("award__award_number", "doi", "title", "authors", "venue", "year", "url")
        .iterator(chunk_size=BATCH)
    )
    counter = _Counter(path.name, progress)
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = SafeCsvWriter(out)
        writer.writerow([column.name for column in PUBLICATION_COLUMNS])
        for award_number, doi, title, authors, venue, year, url in rows:
            names, orcids = _authors(authors)
            writer.writerow(
                [award_number, doi, title, _array(names), _array(orcids), venue, _text(year), url]
            )
            counter.add()
        _sync(out)
    return counter.done()


def write_deadlines(path: Path, *, site: str, progress: Progress | None) -> int:
    """deadlines.ics: the public deadlines' calendar; returns the events written."""
    counter = _Counter(path.name, progress)
    body = deadlines_calendar(site=site)
    with path.open("wb") as out:
        out.write(body)
        _sync(out)
    counter.add(body.count(b"BEGIN:VEVENT"))
    return counter.done()


def _sync(out: Any) -> None:
    """Flush a file to disk before ``current`` may point at it."""
    out.flush()
    os.fsync(out.fileno())
