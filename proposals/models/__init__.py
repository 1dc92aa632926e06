"""Program records: programs, cycles, deadlines, organizations, people, proposals, awards,
imports and reminders, one module per concept (as in ``proposals/services/``):

- ``programs``: organisations, people, programs, program elements and cycles.
- ``proposals``: proposals and their investigators (confidential).
- ``awards``: awards and their investigators.
- ``deadlines``: the deadlines of cycles and awards.
- ``imports``: runs of NSF award data imports.
- ``reminders``: reminder subscriptions and deliveries.
- ``notes``: staff's internal notes and attachments on proposals and awards (confidential).
- ``fields``: the fields those declare alike (time zones, amounts, name keys).

Django's pattern for a models package: this module imports every model, so Django finds
them when it loads the app and ``from proposals.models import Award`` reads as before.
It also names the callables the landed migrations refer to by their path here
(``proposals.models.default_time_zone`` and the like), which must keep resolving.
"""

from proposals.models.awards import Award, AwardInvestigator
from proposals.models.deadlines import Deadline
from proposals.models.fields import default_reminder_offsets, default_time_zone, validate_time_zone
from proposals.models.imports import ImportRun, import_storage
from proposals.models.notes import Attachment, InternalNote
from proposals.models.programs import Cycle, Organization, Person, Program, ProgramElement
from proposals.models.proposals import Proposal, ProposalInvestigator
from proposals.models.reminders import ReminderDelivery, ReminderSubscription
from proposals.models.reviews import (
    ConflictDeclaration,
    PanelSummary,
    Rating,
    Review,
    ReviewAssignment,
    ReviewerProfile,
)

__all__ = [
    "Attachment",
    "Award",
    "AwardInvestigator",
    "ConflictDeclaration",
    "Cycle",
    "Deadline",
    "ImportRun",
    "InternalNote",
    "Organization",
    "PanelSummary",
    "Person",
    "Program",
    "ProgramElement",
    "Proposal",
    "ProposalInvestigator",
    "Rating",
    "ReminderDelivery",
    "ReminderSubscription",
    "Review",
    "ReviewAssignment",
    "ReviewerProfile",
    "default_reminder_offsets",
    "default_time_zone",
    "import_storage",
    "validate_time_zone",
]
