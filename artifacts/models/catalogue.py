"""The public catalogue: open-source artifacts released by funded projects."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from artifacts.models.fairness import (
    Domain,
    MetricForm,
    validate_fairness_notions,
    validate_metric_inputs,
)
from artifacts.validators import validate_doi, validate_keywords, validate_spdx_license
from fairprog.models import identifier_field, unique_when_given
from proposals.models import Award, Person, Program


class Vocabulary(models.Model):
    """A term of a vocabulary the catalogue describes and filters artifacts by, listed in
    the order staff give it."""

    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=80, unique=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        abstract = True
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


class FairnessDimension(Vocabulary):
    """A protected attribute or lens an artifact addresses (gender, age, dialect, …)."""


class Task(Vocabulary):
    """A task or data modality (NLP, vision, speech, tabular, recommender, …)."""

    class Meta(Vocabulary.Meta):
        verbose_name = "task or modality"
        verbose_name_plural = "tasks and modalities"


class LinkState(models.TextChoices):
    """A link's health as the catalogue states it, derived from its checks (see
    artifacts/services/links.py). An artifact's health is the worst of its links' states."""

    UNCHECKED = "unchecked", "Not checked yet"
    OK = "ok", "Working"
    REDIRECTED = "redirected", "Redirected"
    BLOCKED = "blocked", "Unknown (blocked)"
    FAILING = "failing", "Failing"
    BROKEN = "broken", "Broken"
    NONE = "none", "No links"  # an artifact without any link; never a link's state


# A link's own states: every LinkState but "none", which only an artifact can have.
LINK_STATES = [(value, label) for value, label in LinkState.choices if value != LinkState.NONE]


# Artifacts with a public page: published, or retired after publication (the one public
# definition is artifacts.selectors.artifacts.artifact_public_queryset; a model field that may
# only name public artifacts needs it here).
PUBLIC_ARTIFACT = Q(status="published") | Q(status="retired", published_at__isnull=False)


class Artifact(models.Model):
    class Kind(models.TextChoices):
        DATASET = "dataset", "Dataset"
        METRIC = "metric", "Fairness metric"
        TOOL = "tool", "Tool"
        TESTING_METHODOLOGY = "testing_methodology", "Testing methodology"
        MODEL = "model", "Model"
        DOCUMENTATION = "documentation", "Documentation"
        OTHER = "other", "Other"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted for review"
        PUBLISHED = "published", "Published"
        RETIRED = "retired", "Retired"
        REJECTED = "rejected", "Rejected"

    award = models.ForeignKey(Award, on_delete=models.PROTECT, related_name="artifacts")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    title = models.CharField(max_length=300)
    slug = models.SlugField(max_length=120, unique=True)
    summary = models.CharField(max_length=400, help_text="One or two sentences, plain text.")
    description = models.TextField(blank=True, help_text="Markdown.")
    landing_url = models.URLField("landing page", max_length=500, blank=True)
    repository_url = models.URLField("repository", max_length=500, blank=True)
    doi = identifier_field(
        "DOI",
        max_length=255,
        validator=validate_doi,
        help_text="e.g. 10.5281/zenodo.1234567 (stored without https://doi.org/).",
    )
    license = identifier_field(
        "licence",
        max_length=64,
        validator=validate_spdx_license,
        help_text="SPDX licence id, e.g. MIT, Apache-2.0, CC-BY-4.0.",
    )
    version = models.CharField(max_length=40, blank=True)
    release_date = models.DateField(null=True, blank=True)
    keywords = models.JSONField(default=list, blank=True, validators=[validate_keywords])
    dimensions = models.ManyToManyField(
        FairnessDimension, blank=True, related_name="artifacts", verbose_name="fairness dimensions"
    )
    tasks = models.ManyToManyField(
        Task, blank=True, related_name="artifacts", verbose_name="tasks and modalities"
    )
    creators = models.ManyToManyField(
        Person, through="ArtifactCreator", blank=True, related_name="artifacts"
    )
    # Documentation in the spirit of datasheets for datasets and model cards.
    intended_use = models.TextField(blank=True, help_text="Markdown.")
    out_of_scope_use = models.TextField("out-of-scope use", blank=True, help_text="Markdown.")
    limitations = models.TextField(blank=True, help_text="Markdown.")
    evaluation_data = models.TextField(blank=True, help_text="Markdown.")
    ethical_considerations = models.TextField(blank=True, help_text="Markdown.")
    # Fairness metadata (artifacts/models/fairness.py has the vocabularies): every field may
    # be unknown, and the page says so rather than hiding it.
    domain = models.CharField(max_length=80, blank=True, choices=Domain.choices)
    collection_process = models.TextField(blank=True, help_text="Datasets. Markdown.")
    consent_anonymisation = models.TextField(
        "consent and anonymisation", blank=True, help_text="Datasets. Markdown."
    )
    known_biases = models.TextField(blank=True, help_text="Markdown.")
    annotator_demographics = models.TextField(blank=True, help_text="Datasets. Markdown.")
    fairness_notions = models.JSONField(
        default=list, blank=True, validators=[validate_fairness_notions], help_text="Metrics."
    )
    metric_form = models.CharField(
        max_length=12, blank=True, choices=MetricForm.choices, help_text="Metrics."
    )
    metric_inputs = models.JSONField(
        default=list, blank=True, validators=[validate_metric_inputs], help_text="Metrics."
    )
    group_results = models.TextField(
        "evaluated groups and results", blank=True, help_text="Models. Markdown."
    )

    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.DRAFT, editable=False
    )
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    retired_at = models.DateTimeField(null=True, blank=True, editable=False)
    retirement_note = models.TextField(blank=True, help_text="Shown on a retired artifact's page.")
    # Named in the form, then taken by the retire action (artifact_retire): the retired page
    # links its successor, and the successor's page says what it supersedes.
    superseded_by = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="supersedes",
        limit_choices_to=PUBLIC_ARTIFACT,
        verbose_name="superseded by",
        help_text="The published artifact that replaces this one (its next version, say); "
        "its page is linked from this one's once this one is retired.",
    )
    # Who submitted it for review, and when (a researcher; empty for staff-made records).
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="submitted_artifacts",
    )
    submitted_at = models.DateTimeField(null=True, blank=True, editable=False)
    is_demo = models.BooleanField(default=False, help_text="Fictional record from demo data.")
    link_health = models.CharField(
        max_length=10,
        choices=LinkState.choices,
        default=LinkState.NONE,
        editable=False,
        help_text="The worst state among the artifact's links, kept by the link checker.",
    )
    citation_key = models.CharField(
        max_length=64,
        null=True,
        blank=True,
        unique=True,
        editable=False,
        help_text="Its BibTeX key, given when first published and never changed after "
        "(artifacts.citekeys).",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Kept current by a database trigger on PostgreSQL (migrations/sql/search_vector_v1.sql);
    # unused on SQLite. PostgreSQL also keeps two columns the models do not declare,
    # dimension_ids and task_ids (sorted integer arrays copied from the two vocabularies by
    # triggers: migrations/sql/vocabulary_ids_v1.sql), read by the facet counts.
    search_vector = SearchVectorField(null=True, editable=False)
    history = HistoricalRecords(excluded_fields=["search_vector", "updated_at", "link_health"])

    class Meta:
        ordering = ["-published_at", "title"]
        constraints = [
            unique_when_given("doi", name="artifact_doi_unique"),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "submitted", "rejected", "retired"])
                | Q(published_at__isnull=False),
                name="artifact_published_has_date",
            ),
            models.CheckConstraint(
                condition=~Q(superseded_by=models.F("id")), name="artifact_not_its_own_successor"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-published_at"], name="artifact_public_idx"),
            # Facet counts and the API's ETag read this narrow covering index (index-only
            # scans on PostgreSQL) instead of the wide rows with their descriptions.
            models.Index(
                fields=["status", "kind", "license"],
                include=["id", "award", "updated_at"],
                name="artifact_summary_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_public(self) -> bool:
        return self.status == self.Status.PUBLISHED or (
            self.status == self.Status.RETIRED and self.published_at is not None
        )

    @property
    def is_retired(self) -> bool:
        return self.status == self.Status.RETIRED

    @property
    def successor(self) -> Artifact | None:
        """The public artifact that replaces this one, once this one is retired."""
        successor = self.superseded_by if self.is_retired else None
        return successor if successor is not None and successor.is_public else None

    @property
    def predecessors(self) -> list[Artifact]:
        """The retired public artifacts this one replaces."""
        return [a for a in self.supersedes.all() if a.is_retired and a.is_public]

    @property
    def doi_url(self) -> str:
        return f"https://doi.org/{self.doi}" if self.doi else ""


class ArtifactCreator(models.Model):
    artifact = models.ForeignKey(Artifact, on_delete=models.CASCADE, related_name="creator_links")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="artifact_links")
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["artifact", "person"], name="artifact_creator_once")
        ]

    def __str__(self) -> str:
        return f"{self.person} on {self.artifact}"


class FacetCount(models.Model):
    """How many listed (published) artifacts carry each facet value, across the whole
    catalogue. Kept current by PostgreSQL triggers on the artifact and vocabulary tables
    (``migrations/sql/facet_counts_v2.sql``; version 1 is ``facet_counts_v1.sql``), so the
    unfiltered catalogue's facets cost one small read instead of a pass over every artifact.
    Unused on SQLite, where facets are always counted from the rows."""

    class Facet(models.TextChoices):
        KIND = "kind"
        LICENSE = "license"
        AWARD = "award"
        DIMENSION = "dimension"
        TASK = "task"
        LINK = "link"

    facet = models.CharField(max_length=16, choices=Facet.choices)
    value = models.CharField(max_length=64)
    count = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["facet", "value"], name="facet_count_once"),
        ]

    def __str__(self) -> str:
        return f"{self.facet}={self.value}: {self.count}"


class CheckOutcome(models.TextChoices):
    """What one check found (artifacts/linkcheck.py classifies)."""

    OK = "ok", "OK"
    REDIRECTED = "redirected", "Redirected"
    BROKEN = "broken", "Broken"
    BLOCKED = "blocked", "Blocked or unknown"
    TLS_ERROR = "tls_error", "TLS error"
    TIMEOUT = "timeout", "Timed out"
    SERVER_ERROR = "server_error", "Server error"
    REFUSED = "refused", "Refused (not a public address)"
    NO_NETWORK = "no_network", "Not checked: no network"


class ArtifactLink(models.Model):
    """One URL of an artifact (landing page, repository or DOI) and its derived health."""

    class Role(models.TextChoices):
        LANDING = "landing", "Landing page"
        REPOSITORY = "repository", "Repository"
        DOI = "doi", "DOI"

    artifact = models.ForeignKey(Artifact, on_delete=models.CASCADE, related_name="links")
    role = models.CharField(max_length=10, choices=Role.choices)
    url = models.URLField("URL", max_length=600)
    host = models.CharField(max_length=255, help_text="The URL's host, for filtering.")
    state = models.CharField(
        max_length=10,
        choices=LINK_STATES,
        default=LinkState.UNCHECKED,
    )
    state_since = models.DateTimeField("since", null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField("failures in a row", default=0)
    failing_since = models.DateTimeField(
        null=True, blank=True, help_text="When the current run of failed checks began."
    )
    last_checked_at = models.DateTimeField("last checked", null=True, blank=True)
    last_ok_at = models.DateTimeField("last worked", null=True, blank=True)
    last_outcome = models.CharField(max_length=12, choices=CheckOutcome.choices, blank=True)
    last_status_code = models.PositiveSmallIntegerField("status", null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    final_url = models.URLField("reached", max_length=2000, blank=True)
    proposed_url = models.URLField(
        "moved to",
        max_length=2000,
        blank=True,
        help_text="Where the link permanently moved (301/308): a URL update for staff to accept.",
    )
    next_check_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        # By id, not "artifact": that would join the artifacts to sort by their own ordering.
        ordering = ["artifact_id", "role"]
        constraints = [
            models.UniqueConstraint(fields=["artifact", "role"], name="artifact_link_per_role")
        ]
        indexes = [
            models.Index(fields=["next_check_at"], name="artifact_link_due_idx"),
            models.Index(fields=["state", "state_since"], name="artifact_link_state_idx"),
            models.Index(fields=["host"], name="artifact_link_host_idx"),
            # The API's ETag reads the newest change of any link (artifacts/api/views.py).
            models.Index(fields=["updated_at"], name="artifact_link_updated_idx"),
        ]

    def __str__(self) -> str:
        return self.url


class LinkCheck(models.Model):
    """One check of one link, kept for its history (pruned after LINKCHECK_RETENTION_DAYS)."""

    Outcome = CheckOutcome

    link = models.ForeignKey(ArtifactLink, on_delete=models.CASCADE, related_name="checks")
    checked_at = models.DateTimeField()
    url = models.URLField("URL", max_length=600)
    outcome = models.CharField(max_length=12, choices=Outcome.choices)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    final_url = models.URLField("reached", max_length=2000, blank=True)
    redirects = models.JSONField(default=list, blank=True, help_text="[[status, location], …]")
    latency_ms = models.PositiveIntegerField(default=0)
    attempts = models.PositiveSmallIntegerField(default=1)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-checked_at"]
        indexes = [models.Index(fields=["link", "-checked_at"], name="link_check_history_idx")]

    def __str__(self) -> str:
        return f"{self.url}: {self.outcome} at {self.checked_at:%Y-%m-%d %H:%M}"


class LinkHealthDay(models.Model):
    """How many links were in each state on a day, per program and cycle year: the history
    the staff dashboard charts. Written by a daily task; counting the checks themselves
    would read every check ever made."""

    day = models.DateField()
    program = models.ForeignKey(Program, on_delete=models.CASCADE, null=True, related_name="+")
    cycle_year = models.PositiveSmallIntegerField(null=True)
    state = models.CharField(max_length=10, choices=LINK_STATES)
    links = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["day"], name="link_health_day_idx")]

    def __str__(self) -> str:
        return f"{self.day}: {self.links} {self.state}"


class ArtifactFormerSlug(models.Model):
    """An address a published artifact had before its slug changed: it keeps working, as a
    permanent redirect to the artifact's page, because citations and feeds carry it."""

    artifact = models.ForeignKey(Artifact, on_delete=models.CASCADE, related_name="former_slugs")
    slug = models.SlugField(max_length=120, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.slug} -> {self.artifact.slug}"
