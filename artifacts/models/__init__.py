"""The catalogue's data: its artifacts and their links (catalogue), and the outputs found
in scholarly indexes by award number, waiting for staff (discovery)."""

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
    "FacetCount",
    "FairnessDimension",
    "LinkCheck",
    "LinkHealthDay",
    "LinkState",
    "Publication",
    "ReviewDecision",
    "Submission",
    "Suggestion",
    "Task",
    "Vocabulary",
]
