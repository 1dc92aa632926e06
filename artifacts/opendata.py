"""Open-data downloads: public awards, artifacts and deadlines as CSV, JSON Lines and
iCalendar files, described by a Frictionless data package and published as whole snapshots.

Layout under OPEN_DATA_DIR::

    snapshot-20260301T033000Z-k2j4/   one complete export: the four files + datapackage.json
    snapshot-20260228T033000Z-x9a1/   the previous one, kept for downloads in flight
    current -> snapshot-20260301T033000Z-k2j4

An export writes a new directory, then swaps ``current`` with an atomic rename of a new
symlink, so a reader sees either the old set of files or the new one, never a mix or half
a file. What goes in: every award (they are public) with its investigators' names (never
their e-mail addresses); artifacts with a public page (published, and retired after
publication, with their status, so a mirror learns an artifact was retired instead of
seeing it vanish); the public deadlines of /feeds/deadlines.ics. Never proposals, reviews,
drafts, staff-only deadlines or e-mail addresses.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import itertools
import json
import os
import shutil
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.urls import reverse
from rest_framework.utils.encoders import JSONEncoder

from artifacts import feeds, selectors
from artifacts.metadata import spdx_url
from artifacts.models import Artifact, ArtifactCreator, ArtifactLink, LinkState
from artifacts.representation import (
    FIELD_ORDER,
    REPRESENTATION_COLUMNS,
    artifact_representation,
    links_representation,
)
from artifacts.validators import normalize_spdx_license, spdx_licenses
from fairprog.errors import DomainError
from fairprog.spreadsheet import SafeCsvWriter
from proposals.models import Award, AwardInvestigator

SNAPSHOT_PREFIX = "snapshot-"
CURRENT = "current"
PACKAGE = "datapackage.json"
BATCH = 2000  # artifacts read per round of creator and link queries
PROGRESS_EVERY = 5000  # rows between progress reports

# What /data/<file> serves: the snapshot's files and nothing else.
CONTENT_TYPES = {
    "awards.csv": "text/csv; charset=utf-8",
    "artifacts.csv": "text/csv; charset=utf-8",
    "artifacts.jsonl": "application/x-ndjson",
    "deadlines.ics": "text/calendar; charset=utf-8",
    PACKAGE: "application/json",
}

# Canonical pages of common data licences; other SPDX ids link to their SPDX page.
_LICENSE_PAGES = {
    "CC0-1.0": "https://creativecommons.org/publicdomain/zero/1.0/",
    "CC-BY-4.0": "https://creativecommons.org/licenses/by/4.0/",
    "ODbL-1.0": "https://opendatacommons.org/licenses/odbl/1-0/",
    "PDDL-1.0": "https://opendatacommons.org/licenses/pddl/1-0/",
}

# progress(file label, rows written so far, seconds since that file was started, done)
Progress = Callable[[str, int, float, bool], None]


# --- What the files hold ---------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One column of a tabular file, as its Table Schema field describes it."""

    name: str
    type: str  # string, integer, number, boolean, date, datetime, array
    title: str
    description: str
    required: bool = False
    unique: bool = False
    enum: tuple[str, ...] = ()
    pattern: str = ""

    def descriptor(self) -> dict[str, Any]:
        described: dict[str, Any] = {
            "name": self.name,
            "type": self.type,
            "title": self.title,
            "description": self.description,
        }
        constraints: dict[str, Any] = {}
        if self.required:
            constraints["required"] = True
        if self.unique:
            constraints["unique"] = True
        if self.enum:
            constraints["enum"] = list(self.enum)
        if self.pattern:
            constraints["pattern"] = self.pattern
        if constraints:
            described["constraints"] = constraints
        return described


def _names(what: str) -> str:
    return f"{what}, as a JSON array of names in order (given name then family name)."


_USD = "in US dollars; empty when not recorded."
_KINDS = tuple(Artifact.Kind.values)
_KIND_TEXT = "; ".join(f"{value} ({label})" for value, label in Artifact.Kind.choices)
_HEALTH_TEXT = (
    "The worst state of the artifact's links as the link checker last found them: ok "
    "(working), redirected (working, through a redirect), blocked (unknown: the site refused "
    "the checker), failing (failed recently, not yet confirmed), broken (failed repeatedly "
    "over days), unchecked (not checked yet), none (the artifact has no link). Retired "
    "artifacts' links are no longer checked."
)

AWARD_COLUMNS = (
    Column("award_number", "string", "Award number", "NSF award number: seven digits.",
           required=True, unique=True, pattern="[0-9]{7}"),
    Column("url", "string", "Project page", "The funded project's page on FairProg.",
           required=True),
    Column("title", "string", "Title", "Title of the funded project.", required=True),
    Column("abstract", "string", "Public abstract",
           "The public abstract of the project, as NSF publishes it."),
    Column("program", "string", "Program", "Short name of the funding program, e.g. FAI.",
           required=True),
    Column("cycle_year", "integer", "Cycle year",
           "Year of the solicitation cycle the award came from; empty when not recorded."),
    Column("cycle_solicitation", "string", "Solicitation",
           "Solicitation number of that cycle, e.g. NSF 20-566."),
    Column("institution_name", "string", "Institution", "The awardee institution."),
    Column("institution_state", "string", "Institution's state",
           "State or region of the institution."),
    Column("institution_country", "string", "Institution's country",
           "Country of the institution."),
    Column("pi_name", "string", "Principal investigator",
           "Name of the current principal investigator."),
    Column("co_pi_names", "array", "Co-principal investigators",
           _names("Current co-principal investigators")),
    Column("former_pi_names", "array", "Former principal investigators",
           _names("Former principal investigators")),
    Column("former_co_pi_names", "array", "Former co-principal investigators",
           _names("Former co-principal investigators")),
    Column("intended_amount", "number", "Intended amount",
           f"Total intended award amount, {_USD}"),
    Column("awarded_amount", "number", "Awarded amount",
           f"Total amount awarded to date, {_USD}"),
    Column("obligated_amount", "number", "Obligated amount",
           f"Funds obligated to date, {_USD}"),
    Column("start_date", "date", "Start date", "First day of the award period."),
    Column("end_date", "date", "End date", "Last day of the award period."),
    Column("program_element_codes", "array", "Program element codes",
           'NSF program element codes of the award, as a JSON array, e.g. ["114Y"].'),
    Column("collaboration_key", "string", "Collaborative project",
           "Shared by the awards of one collaborative project (one award per institution); "
           "empty when the award is not part of one."),
)  # fmt: skip

ARTIFACT_COLUMNS = (
    Column("slug", "string", "Slug",
           "Stable short name of the artifact, used in its page's address.",
           required=True, unique=True),
    Column("url", "string", "Artifact page", "The artifact's page on FairProg.", required=True),
    Column("title", "string", "Title", "Title of the artifact.", required=True),
    Column("kind", "string", "Kind", f"Kind of artifact: {_KIND_TEXT}.", required=True,
           enum=_KINDS),
    Column("summary", "string", "Summary", "One or two sentences, plain text.", required=True),
    Column("award_number", "string", "Award number",
           "NSF award number of the funded project that released it (see awards.csv).",
           required=True),
    Column("status", "string", "Status",
           "published, or retired: withdrawn after publication (its page stays, saying why).",
           required=True, enum=(Artifact.Status.PUBLISHED, Artifact.Status.RETIRED)),
    Column("published_at", "datetime", "Published",
           "When the artifact was published in the catalogue (UTC).", required=True),
    Column("license", "string", "Licence",
           "SPDX identifier of the artifact's own licence, e.g. MIT or CC-BY-4.0."),
    Column("doi", "string", "DOI",
           "Digital Object Identifier, without https://doi.org/ (10.5281/zenodo.1234567)."),
    Column("landing_url", "string", "Landing page", "The artifact's landing page."),
    Column("repository_url", "string", "Repository", "The artifact's source repository."),
    Column("version", "string", "Version", "Version of the artifact, e.g. 1.2.0."),
    Column("release_date", "date", "Release date", "Release date of this version."),
    Column("keywords", "array", "Keywords", "Free keywords, as a JSON array."),
    Column("dimensions", "array", "Fairness dimensions",
           "Fairness dimensions the artifact addresses (gender, age, dialect, …), as a JSON "
           "array of names."),
    Column("tasks", "array", "Tasks and modalities",
           "Tasks and data modalities (NLP, vision, speech, tabular, …), as a JSON array of "
           "names."),
    Column("creators", "array", "Creators", _names("People who made the artifact, in citation "
                                                   "order")),
    Column("link_health", "string", "Link health", _HEALTH_TEXT, required=True,
           enum=tuple(LinkState.values)),
    Column("is_demo", "boolean", "Demo data",
           "true for a fictional record of the demo data; leave these out of any analysis.",
           required=True),
)  # fmt: skip

# The JSON Lines file has the API's shape (GET /api/v1/artifacts/<slug>/): one artifact per
# line. Fields it shares with artifacts.csv are documented there; these are the others.
_JSONL_ONLY = {
    "id": Column("id", "integer", "Id", "Stable numeric identifier.", required=True,
                 unique=True),
    "description": Column("description", "string", "Description",
                          "Longer description, in Markdown."),
    "links": Column("links", "array", "Links",
                    "The landing page, repository and DOI, in that order, each an object with "
                    "role, url, state (its health), state_since, checked_at and resolves_to "
                    "(for a working DOI, the page it leads to)."),
    "dimensions": Column("dimensions", "array", "Fairness dimensions",
                         "Fairness dimensions the artifact addresses, as objects with slug and "
                         "name."),
    "tasks": Column("tasks", "array", "Tasks and modalities",
                    "Tasks and data modalities, as objects with slug and name."),
    "creators": Column("creators", "array", "Creators",
                       "People who made the artifact, in citation order, as objects with name, "
                       "given_name, family_name and orcid."),
    "intended_use": Column("intended_use", "string", "Intended use",
                           "What the artifact is meant for (Markdown)."),
    "out_of_scope_use": Column("out_of_scope_use", "string", "Out-of-scope use",
                               "Uses the artifact is not meant for (Markdown)."),
    "limitations": Column("limitations", "string", "Limitations",
                          "Known limitations (Markdown)."),
    "evaluation_data": Column("evaluation_data", "string", "Evaluation data",
                              "Data the artifact was evaluated on (Markdown)."),
    "ethical_considerations": Column("ethical_considerations", "string",
                                     "Ethical considerations",
                                     "Ethical considerations (Markdown)."),
    "retirement_note": Column("retirement_note", "string", "Retirement note",
                              "Why a retired artifact was retired."),
    "updated_at": Column("updated_at", "datetime", "Updated",
                         "When the record last changed (UTC).", required=True),
    "award_title": Column("award_title", "string", "Award title",
                          "Title of the funded project that released the artifact.",
                          required=True),
    "institution": Column("institution", "string", "Institution",
                          "The awardee institution of that project."),
    "cycle_year": Column("cycle_year", "integer", "Cycle year",
                         "Year of the cycle the project's award came from."),
}  # fmt: skip


def jsonl_columns() -> tuple[Column, ...]:
    """The JSON Lines file's fields, in the API's order."""
    shared = {column.name: column for column in ARTIFACT_COLUMNS}
    return tuple(
        _JSONL_ONLY.get(name)
        or shared.get(name)
        or Column(name, "any", name.replace("_", " ").capitalize(), "See the API's schema.")
        for name in FIELD_ORDER
    )


@dataclass(frozen=True)
class Resource:
    """One file of the package."""

    name: str
    path: str
    title: str
    description: str
    format: str
    mediatype: str
    row_label: str = "rows"
    columns: tuple[Column, ...] = ()
    primary_key: str = ""
    refers_to_awards: bool = False

    def descriptor(self, *, rows: int, size: int, sha256: str) -> dict[str, Any]:
        described: dict[str, Any] = {
            "name": self.name,
            "path": self.path,
            "title": self.title,
            "description": self.description,
            "format": self.format,
            "mediatype": self.mediatype,
            "encoding": "utf-8",
            "bytes": size,
            "hash": f"sha256:{sha256}",
        }
        # Counts are not in the Data Package spec, which allows more properties: Frictionless
        # checks a table's "rows" (it insists on them for other files too, so the calendar
        # says "events"), and /data/ shows them.
        described["rows" if self.columns else "events"] = rows
        if self.columns:
            described["type"] = "table"
            schema: dict[str, Any] = {"fields": [c.descriptor() for c in self.columns]}
            if self.primary_key:
                schema["primaryKey"] = [self.primary_key]
            if self.refers_to_awards:
                schema["foreignKeys"] = [
                    {
                        "fields": ["award_number"],
                        "reference": {"resource": "awards", "fields": ["award_number"]},
                    }
                ]
            described["schema"] = schema
        return described


# What fairprog.spreadsheet does to the CSV files' text, said where their readers look.
_QUOTED = (
    " Text that a spreadsheet would run as a formula (starting with =, +, -, @, a tab or a "
    "carriage return) starts with a single quote (') in this file; the API and "
    "artifacts.jsonl have it as it is."
)


def resources() -> tuple[Resource, ...]:
    return (
        Resource(
            "awards",
            "awards.csv",
            "Funded projects (awards)",
            "Every award of the program: one row per NSF award, with its institution, "
            "investigators' names, amounts, dates and program element codes." + _QUOTED,
            "csv",
            "text/csv",
            columns=AWARD_COLUMNS,
            primary_key="award_number",
        ),
        Resource(
            "artifacts",
            "artifacts.csv",
            "Artifacts",
            "The catalogue's open-source artifacts: one row per artifact with a public page "
            "(published, or retired after publication)." + _QUOTED,
            "csv",
            "text/csv",
            columns=ARTIFACT_COLUMNS,
            primary_key="slug",
            refers_to_awards=True,
        ),
        Resource(
            "artifacts-jsonl",
            "artifacts.jsonl",
            "Artifacts, in full (JSON Lines)",
            "The same artifacts, one JSON object per line, in the shape of the API's artifact "
            "(GET /api/v1/artifacts/<slug>/): with descriptions, documentation and each link's "
            "health.",
            "jsonl",
            "application/x-ndjson",
            columns=jsonl_columns(),
            primary_key="slug",
            refers_to_awards=True,
        ),
        Resource(
            "deadlines",
            "deadlines.ics",
            "Public deadlines (iCalendar)",
            "The program's public deadlines, as /feeds/deadlines.ics serves them: one event "
            "per deadline.",
            "ics",
            "text/calendar",
            row_label="deadlines",
        ),
    )


def open_data_license() -> dict[str, str]:
    """The Data Package ``licenses`` entry of OPEN_DATA_LICENSE (an SPDX id)."""
    try:
        license_id = normalize_spdx_license(settings.OPEN_DATA_LICENSE)
    except ValidationError as exc:
        raise DomainError(f"OPEN_DATA_LICENSE: {' '.join(exc.messages)}") from None
    return {
        "name": license_id,
        "path": _LICENSE_PAGES.get(license_id, spdx_url(license_id)),
        "title": spdx_licenses()[license_id]["name"],
    }


# --- Writing -----------------------------------------------------------------------------


def _utc(value: dt.datetime | None) -> str:
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


def _write_awards(path: Path, *, site: str, progress: Progress | None) -> int:
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
    columns = [*REPRESENTATION_COLUMNS.values(), "dimension_list", "task_list"]
    rows = (
        selectors.with_vocabulary(selectors.artifact_public_queryset())
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


def _links(batch: list[dict[str, Any]]) -> dict[int, list[selectors.PublicLink]]:
    """selectors.links_public_by_artifact, by range and unsorted (ArtifactLink's default
    ordering joins the artifacts to sort by their publication date)."""
    checked: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for artifact_id, *link in (
        ArtifactLink.objects.filter(**_id_range(batch))
        .order_by()
        .values_list("artifact_id", *selectors.LINK_COLUMNS)
    ):
        checked[artifact_id].append(tuple(link))
    return {
        row["id"]: selectors.links_public(
            selectors.artifact_link_urls(row["landing_url"], row["repository_url"], row["doi"]),
            checked[row["id"]],
        )
        for row in batch
    }


_JSON_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_UTC_Z | orjson.OPT_APPEND_NEWLINE
_json_default = JSONEncoder().default


def _write_artifacts(
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
                values["dimensions"] = selectors.vocabulary_from(row["dimension_list"])
                values["tasks"] = selectors.vocabulary_from(row["task_list"])
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
                        _utc(values["published_at"]),
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


def _write_deadlines(path: Path, *, site: str, progress: Progress | None) -> int:
    counter = _Counter(path.name, progress)
    body = feeds.deadlines_calendar(site=site)
    with path.open("wb") as out:
        out.write(body)
        _sync(out)
    counter.add(body.count(b"BEGIN:VEVENT"))
    return counter.done()


def _sync(out: Any) -> None:
    """Flush a file to disk before ``current`` may point at it."""
    out.flush()
    os.fsync(out.fileno())


def _sync_directory(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _sha256(path: Path) -> str:
    with path.open("rb") as data:
        return hashlib.file_digest(data, "sha256").hexdigest()


@contextlib.contextmanager
def _one_database_snapshot() -> Iterator[None]:
    """On PostgreSQL, read everything in one read-only REPEATABLE READ transaction: the files
    then agree with each other (every artifact's award is in awards.csv) however the data
    changes meanwhile. SQLite opens its transactions for writing (IMMEDIATE), which would
    hold off every writer for the whole export, so it reads as it goes."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield
        return
    # A health check's query would start the transaction before the SET below may run.
    connection.close_if_health_check_failed()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


@contextlib.contextmanager
def _exclusive(base: Path) -> Iterator[None]:
    """One export at a time per directory (the nightly task and the command may meet)."""
    with (base / ".export.lock").open("a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise DomainError(
                f"Another open-data export is writing to {base}; try again when it has finished."
            ) from None
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@dataclass(frozen=True)
class FileReport:
    name: str
    rows: int
    bytes: int


@dataclass
class ExportReport:
    directory: Path  # the new snapshot, now current
    created: dt.datetime
    seconds: float
    files: list[FileReport] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(f.rows for f in self.files if f.name != PACKAGE)

    @property
    def bytes(self) -> int:
        return sum(f.bytes for f in self.files)


def open_data_export(*, base: Path | None = None, progress: Progress | None = None) -> ExportReport:
    """Write a complete snapshot of the public data under ``base`` (OPEN_DATA_DIR) and make it
    current. On any failure the partial snapshot is removed and the previous one stays
    current; the error is raised."""
    base = Path(base or settings.OPEN_DATA_DIR)
    base.mkdir(parents=True, exist_ok=True)
    data_license = open_data_license()
    site = settings.SITE_URL
    started = time.monotonic()
    with _exclusive(base):
        created = dt.datetime.now(dt.UTC).replace(microsecond=0)
        directory = Path(
            tempfile.mkdtemp(prefix=f"{SNAPSHOT_PREFIX}{created:%Y%m%dT%H%M%SZ}-", dir=base)
        )
        try:
            directory.chmod(0o755)  # mkdtemp's 0700 would hide it from the web server's user
            with _one_database_snapshot():
                rows = {
                    "awards.csv": _write_awards(
                        directory / "awards.csv", site=site, progress=progress
                    )
                }
                rows["artifacts.csv"] = rows["artifacts.jsonl"] = _write_artifacts(
                    directory / "artifacts.csv",
                    directory / "artifacts.jsonl",
                    site=site,
                    progress=progress,
                )
                rows["deadlines.ics"] = _write_deadlines(
                    directory / "deadlines.ics", site=site, progress=progress
                )
            files = [
                FileReport(name, rows[name], (directory / name).stat().st_size) for name in rows
            ]
            hashes = {name: _sha256(directory / name) for name in rows}
            since = _unchanged_since(base, directory, hashes)
            package = _package(
                directory, created=since or created, license=data_license, rows=rows, hashes=hashes
            )
            (directory / PACKAGE).write_bytes(package)
            _sync_directory(directory)
            files.append(FileReport(PACKAGE, 0, len(package)))
            previous = _switch(base, directory)
        except BaseException:
            shutil.rmtree(directory, ignore_errors=True)
            raise
        _sync_directory(base)
        _prune(base, keep={directory.name, previous})
    return ExportReport(
        directory=directory, created=created, seconds=time.monotonic() - started, files=files
    )


def _calendar_digest(path: Path) -> str:
    """SHA-256 of a calendar without its DTSTAMP lines, which say when it was written."""
    digest = hashlib.sha256()
    with path.open("rb") as calendar:
        for line in calendar:
            if not line.startswith(b"DTSTAMP"):
                digest.update(line)
    return digest.hexdigest()


def _unchanged_since(base: Path, directory: Path, hashes: dict[str, str]) -> dt.datetime | None:
    """When the current snapshot was made, if the new files hold what its files hold (else
    None). The package then keeps that date, and the files their checksums, so /data/'s
    ETag and Last-Modified move only when public data changes, never with an export that
    found nothing new (an edited draft, a quiet night). An unchanged calendar is replaced
    by the current one's bytes: it differs only in when it was written."""
    previous = open_data_current(base=base)
    if previous is None:
        return None
    for name, sha256 in hashes.items():
        if previous.sha256(name) == sha256:
            continue
        old, new = previous.directory / name, directory / name
        try:
            same = name.endswith(".ics") and _calendar_digest(old) == _calendar_digest(new)
        except OSError:
            same = False
        if not same:
            return None
        shutil.copyfile(old, new)
        hashes[name] = previous.sha256(name)
    return previous.created


def _package(
    directory: Path,
    *,
    created: dt.datetime,
    license: dict[str, str],
    rows: dict[str, int],
    hashes: dict[str, str],
) -> bytes:
    site = settings.SITE_URL
    described = {
        "$schema": "https://datapackage.org/profiles/2.0/datapackage.json",
        "name": "fairprog-open-data",
        "title": "FairProg open data: the Fairness in AI program's portfolio",
        "description": (
            "Public data of the Fairness in AI research-funding program, as FairProg records "
            "it: the funded projects (awards), the open-source artifacts they released (CSV, "
            "and JSON Lines in the API's shape), and the program's public deadlines "
            "(iCalendar). Regenerated every night; no proposals, reviews, e-mail addresses or "
            "staff-only records."
        ),
        "homepage": f"{site}{reverse('artifacts:open-data')}",
        "keywords": ["fairness", "artificial intelligence", "research funding", "NSF"],
        "licenses": [license],
        "created": _utc(created),
        "resources": [
            resource.descriptor(
                rows=rows[resource.path],
                size=(directory / resource.path).stat().st_size,
                sha256=hashes[resource.path],
            )
            for resource in resources()
        ],
    }
    return json.dumps(described, indent=2, ensure_ascii=False).encode() + b"\n"


def _switch(base: Path, directory: Path) -> str:
    """Point ``current`` at ``directory`` in one atomic rename; return the name of the
    snapshot it pointed at before ("" if none)."""
    current = base / CURRENT
    try:
        previous = os.readlink(current)
    except FileNotFoundError:
        previous = ""
    except OSError as exc:
        raise DomainError(f"{current} exists and is not a symbolic link; move it away.") from exc
    staged = base / f".{CURRENT}-{directory.name}"
    staged.unlink(missing_ok=True)
    os.symlink(directory.name, staged)  # relative: the tree may be moved or mounted elsewhere
    os.replace(staged, current)
    return Path(previous).name


def _prune(base: Path, *, keep: set[str]) -> None:
    """Delete snapshots other than the current and the previous one (which downloads that
    began before the switch may still be reading), and what failed exports left behind."""
    for entry in base.iterdir():
        if entry.is_symlink():
            if entry.name.startswith(f".{CURRENT}-"):  # staged by an export that died
                entry.unlink(missing_ok=True)
        elif entry.name.startswith(SNAPSHOT_PREFIX) and entry.name not in keep:
            shutil.rmtree(entry, ignore_errors=True)


# --- Reading ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Snapshot:
    """The current snapshot, resolved once per request so that a file and the checksum it
    is served with come from the same export."""

    directory: Path
    package: dict[str, Any]
    package_sha256: str

    @property
    def created(self) -> dt.datetime:
        return dt.datetime.fromisoformat(self.package["created"])

    def resource(self, filename: str) -> dict[str, Any] | None:
        return next((r for r in self.package["resources"] if r["path"] == filename), None)

    def sha256(self, filename: str) -> str:
        if filename == PACKAGE:
            return self.package_sha256
        resource = self.resource(filename)
        return str(resource["hash"]).removeprefix("sha256:") if resource else ""


def open_data_current(*, base: Path | None = None) -> Snapshot | None:
    """The snapshot ``current`` points at, or None before the first export."""
    base = Path(base or settings.OPEN_DATA_DIR)
    try:
        directory = base / os.readlink(base / CURRENT)
        raw = (directory / PACKAGE).read_bytes()
    except OSError:
        return None
    return Snapshot(
        directory=directory, package=json.loads(raw), package_sha256=hashlib.sha256(raw).hexdigest()
    )


@dataclass(frozen=True)
class ListedFile:
    """A file of a snapshot as /data/ lists it."""

    path: str
    title: str
    description: str
    mediatype: str
    bytes: int
    rows: int
    row_label: str
    fields: list[dict[str, str]]


def _constraints_text(constraints: dict[str, Any]) -> str:
    said = []
    if constraints.get("required"):
        said.append("Always present.")
    if constraints.get("unique"):
        said.append("Unique.")
    if constraints.get("enum"):
        said.append(f"One of: {', '.join(constraints['enum'])}.")
    return " ".join(said)


def open_data_listing(snapshot: Snapshot) -> list[ListedFile]:
    """The snapshot's files with their column documentation, from its own package."""
    labels = {resource.path: resource.row_label for resource in resources()}
    return [
        ListedFile(
            path=resource["path"],
            title=resource.get("title", resource["path"]),
            description=resource.get("description", ""),
            mediatype=resource.get("mediatype", ""),
            bytes=resource.get("bytes", 0),
            rows=resource.get("rows", resource.get("events", 0)),
            row_label=labels.get(resource["path"], "rows"),
            fields=[
                {
                    "name": described["name"],
                    "title": described.get("title", ""),
                    "type": described.get("type", "any"),
                    "description": described.get("description", ""),
                    "constraints": _constraints_text(described.get("constraints", {})),
                }
                for described in resource.get("schema", {}).get("fields", [])
            ],
        )
        for resource in snapshot.package["resources"]
    ]
