"""What the open-data files hold, as their data package describes it: each file's columns
(Table Schema fields), the package's resources and the licence the data is published under."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError

from artifacts.metadata.common import spdx_url
from artifacts.models import Artifact, Domain, FairnessNotion, LinkState, MetricForm, MetricInput
from artifacts.representation import FIELD_ORDER
from artifacts.validators import normalize_spdx_license, spdx_licenses
from fairprog.errors import DomainError

# Canonical pages of common data licences; other SPDX ids link to their SPDX page.
_LICENSE_PAGES = {
    "CC0-1.0": "https://creativecommons.org/publicdomain/zero/1.0/",
    "CC-BY-4.0": "https://creativecommons.org/licenses/by/4.0/",
    "ODbL-1.0": "https://opendatacommons.org/licenses/odbl/1-0/",
    "PDDL-1.0": "https://opendatacommons.org/licenses/pddl/1-0/",
}


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
_DOMAIN_TEXT = "; ".join(f"{value} ({label})" for value, label in Domain.choices)
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

PUBLICATION_COLUMNS = (
    Column("award_number", "string", "Award number",
           "NSF award number of the funded project the publication came from (see "
           "awards.csv).", required=True, pattern="[0-9]{7}"),
    Column("doi", "string", "DOI",
           "Digital Object Identifier, without https://doi.org/ (10.1145/3442188.3445922); "
           "empty when the publication has none. No two publications share one."),
    Column("title", "string", "Title", "Title of the publication.", required=True),
    Column("authors", "array", "Authors",
           "Authors' names, as a JSON array in the order the publication gives them."),
    Column("author_orcids", "array", "Authors' ORCID iDs",
           "The authors' ORCID iDs (0000-0002-1825-0097), as a JSON array in the same order "
           "as authors: an empty string for an author without one."),
    Column("venue", "string", "Venue", "Journal or conference where it was published."),
    Column("year", "integer", "Year", "Year of publication; empty when not recorded."),
    Column("url", "string", "Web address",
           "Where the publication can be read, when recorded; a DOI resolves at "
           "https://doi.org/ followed by it."),
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
    "sensitive_attributes": Column("sensitive_attributes", "array", "Sensitive attributes",
                                   "A dataset's sensitive attributes, as objects with "
                                   "dimension (slug), name, obtained (self_reported, annotated, "
                                   "inferred or unknown) and note."),
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
    "domain": Column("domain", "string", "Application domain",
                     f"Domain the artifact applies to, empty when not stated: {_DOMAIN_TEXT}.",
                     enum=tuple(Domain.values)),
    "collection_process": Column("collection_process", "string", "Collection process",
                                 "How a dataset's data were collected (Markdown)."),
    "consent_anonymisation": Column("consent_anonymisation", "string",
                                    "Consent and anonymisation",
                                    "How consent was sought and the data anonymised "
                                    "(Markdown)."),
    "known_biases": Column("known_biases", "string", "Known biases",
                           "Biases known in the data or the model (Markdown)."),
    "annotator_demographics": Column("annotator_demographics", "string",
                                     "Annotator demographics",
                                     "Who annotated a dataset (Markdown)."),
    "fairness_notions": Column("fairness_notions", "array", "Fairness notions",
                               "What a metric measures, as a JSON array of codes: "
                               f"{', '.join(FairnessNotion.values)}."),
    "metric_form": Column("metric_form", "string", "Metric form",
                          "How a metric compares groups (difference, ratio, other); empty "
                          "when not stated.", enum=tuple(MetricForm.values)),
    "metric_inputs": Column("metric_inputs", "array", "Metric inputs",
                            "What a metric needs, as a JSON array of codes: "
                            f"{', '.join(MetricInput.values)}."),
    "group_results": Column("group_results", "string", "Evaluated groups and results",
                            "The groups a model was evaluated on and its results (Markdown)."),
    "retirement_note": Column("retirement_note", "string", "Retirement note",
                              "Why a retired artifact was retired."),
    "superseded_by": Column("superseded_by", "string", "Superseded by",
                            "For a retired artifact, the slug of the artifact that replaces "
                            "it (its line is in this file); null when none is named."),
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
            "publications",
            "publications.csv",
            "Publications",
            "Articles and papers of the funded projects: one row per publication, with its "
            "DOI, authors (names and ORCID iDs), venue and year." + _QUOTED,
            "csv",
            "text/csv",
            columns=PUBLICATION_COLUMNS,
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
