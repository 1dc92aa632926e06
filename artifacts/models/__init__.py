"""The catalogue's data: its artifacts and their links (catalogue), their fairness metadata
(fairness), and the outputs found in scholarly indexes by award number, waiting for staff
(discovery)."""

from artifacts.models.catalogue import (
    LINK_STATES,
    Artifact,
    ArtifactCreator,
    ArtifactFormerSlug,
    ArtifactLink,
    CheckOutcome,
    FacetCount,
    FairnessDimension,
    LinkCheck,
    LinkHealthDay,
    LinkState,
    Task,
    Vocabulary,
)
from artifacts.models.discovery import DiscoveryRun, Publication, Suggestion
from artifacts.models.fairness import (
    Domain,
    FairnessNotion,
    MetricForm,
    MetricInput,
    SensitiveAttribute,
)
from artifacts.models.submissions import ArtifactRevision, ReviewDecision, Submission

__all__ = [
    "LINK_STATES",
    "Artifact",
    "ArtifactCreator",
    "ArtifactFormerSlug",
    "ArtifactLink",
    "ArtifactRevision",
    "CheckOutcome",
    "DiscoveryRun",
    "Domain",
    "FacetCount",
    "FairnessDimension",
    "FairnessNotion",
    "LinkCheck",
    "LinkHealthDay",
    "LinkState",
    "MetricForm",
    "MetricInput",
    "Publication",
    "ReviewDecision",
    "SensitiveAttribute",
    "Submission",
    "Suggestion",
    "Task",
    "Vocabulary",
]
