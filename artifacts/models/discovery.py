"""Outputs of funded projects found in scholarly indexes by award number: each search run,
the suggestions staff accept or reject, and the publications of an award."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from artifacts.discovery.records import Source, WorkType
from artifacts.models.catalogue import Artifact
from artifacts.validators import validate_doi
from fairprog.models import identifier_field, unique_when_given
from proposals.models import Award

SOURCE_LABELS = {
    Source.DATACITE: "DataCite",
    Source.CROSSREF: "Crossref",
    Source.OPENALEX: "OpenAlex",
    Source.ZENODO: "Zenodo",
    Source.GITHUB: "GitHub",
}
SOURCE_CHOICES = [(source.value, SOURCE_LABELS.get(source, source.value)) for source in Source]
WORK_TYPE_CHOICES = [(work_type.value, work_type.value.capitalize()) for work_type in WorkType]


class DiscoveryRun(models.Model):
    """One search of one source for outputs of the awards, and what it cost and found."""

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    source = models.CharField(max_length=16, choices=SOURCE_CHOICES)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    awards_searched = models.PositiveIntegerField(default=0)
    requests = models.PositiveIntegerField(default=0)
    works_read = models.PositiveIntegerField(default=0)
    suggestions_made = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True, help_text="Why the run failed, naming what was wrong.")

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["source", "-started_at"], name="discovery_run_source_idx")]

    def __str__(self) -> str:
        return f"{self.get_source_display()} at {self.started_at:%Y-%m-%d %H:%M}: {self.status}"


class Publication(models.Model):
    """An article, paper or other publication of an award: accepted from a suggestion, or
    added by staff. Public."""

    award = models.ForeignKey(Award, on_delete=models.PROTECT, related_name="publications")
    doi = identifier_field(
        "DOI",
        max_length=255,
        validator=validate_doi,
        help_text="e.g. 10.1145/3442188.3445922 (stored without https://doi.org/).",
    )
    title = models.CharField(max_length=1000)
    # [{"name": "Ada Lovelace", "orcid": "0000-…"}, …] in the order the record gives them.
    authors = models.JSONField(default=list, blank=True)
    venue = models.CharField(max_length=500, blank=True, help_text="Journal or conference.")
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    url = models.URLField("URL", max_length=1000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-year", "title"]
        constraints = [unique_when_given("doi", name="publication_doi_unique")]

    def __str__(self) -> str:
        return self.title

    @property
    def author_names(self) -> str:
        return ", ".join(str(author.get("name", "")) for author in self.authors if author)

    @property
    def doi_url(self) -> str:
        return f"https://doi.org/{self.doi}" if self.doi else ""


class Suggestion(models.Model):
    """A work an index says an award funded, waiting for staff to accept or reject it. Its
    key (the work's DOI, else its URL) stays once decided, so a rejected work never comes
    back and an accepted one is not suggested twice."""

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Rejected"
        MERGED = "merged", "Merged into another"

    key = models.CharField(max_length=1100, unique=True, editable=False)
    doi = models.CharField("DOI", max_length=255, blank=True)
    url = models.CharField("URL", max_length=1000, blank=True)
    title = models.CharField(max_length=1000)
    work_type = models.CharField("type", max_length=10, choices=WORK_TYPE_CHOICES)
    type_as_given = models.CharField(max_length=100, blank=True)
    # [{"name", "family_name", "given_name", "orcid"}, …] as the record gives them.
    creators = models.JSONField(default=list, blank=True)
    license = models.CharField("licence", max_length=64, blank=True)
    version = models.CharField(max_length=100, blank=True)
    published = models.DateField(null=True, blank=True)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    venue = models.CharField(max_length=500, blank=True)
    award = models.ForeignKey(Award, on_delete=models.CASCADE, related_name="suggestions")
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    reason = models.CharField(max_length=500, blank=True, help_text="Why it was rejected.")
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged"
    )
    # Why it matched, one entry per source that found it:
    # [{"source", "raw_award", "funder_as_given", "award_number"}, …]
    matches = models.JSONField(default=list, blank=True)
    # Each source's record of the work as it was read, {source: record}, for staff to check.
    source_records = models.JSONField(default=dict, blank=True)
    artifact = models.ForeignKey(
        Artifact, null=True, blank=True, on_delete=models.SET_NULL, related_name="suggestions"
    )
    publication = models.ForeignKey(
        Publication, null=True, blank=True, on_delete=models.SET_NULL, related_name="suggestions"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # What the award's team said of it, from their /my/ page: ours, not ours, or nothing yet.
    team_answer = models.CharField(
        max_length=8,
        choices=[("ours", "Ours"), ("not_ours", "Not ours")],
        blank=True,
        editable=False,
    )
    team_answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    team_answered_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state="rejected") | ~Q(reason=""),
                name="suggestion_rejected_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "-created_at"], name="suggestion_queue_idx"),
            # A work is found again by its DOI, or by its landing page where a source gives
            # none (the key holds only one of the two).
            models.Index(fields=["doi"], name="suggestion_doi_idx"),
            models.Index(fields=["url"], name="suggestion_url_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def sources(self) -> list[str]:
        """The sources that found the work, each once, in the order they did."""
        return list(dict.fromkeys(str(match.get("source", "")) for match in self.matches))
