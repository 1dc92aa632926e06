"""The staff admin for program records. State changes go through ``proposals.services``.

Django discovers the admin by importing ``proposals.admin``; the import below is what
registers each module's model admins:

- ``people``: organisations and people (identifiers stored in their canonical form).
- ``programs``: programs, their NSF program elements, and cycles.
- ``deadlines``: deadlines, edited on their own and inline on cycles and awards.
- ``investigators``: the inline rows that name people (investigators of proposals and
  awards; the artifacts admin uses them for creators).
- ``proposals``: proposals, their export and the workflow actions; ``workflow`` puts the
  legal next steps on a proposal's own page.
- ``awards``: awards and their export.
- ``imports``: uploads and runs of NSF award data.
- ``reminders``: the delivery log of reminder e-mails and the subscriptions.
- ``reviews``: reviewers, assignments (one by one and in bulk), reviews and the panels.

``display`` holds what they share in showing values: amounts as money, export columns by name.
"""

from proposals.admin import (  # noqa: F401
    awards,
    deadlines,
    imports,
    people,
    programs,
    proposals,
    reminders,
    reviews,
)
