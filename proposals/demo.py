"""Demo data: the real NSF Fairness in AI program, as far as the public record goes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from proposals import services
from proposals.models import Cycle, Deadline, Organization, Program, ProgramElement

DEMO_USERNAME = "staff"
DEMO_PASSWORD = "fairprog-demo"  # noqa: S105 - a published demo login, created only on request
STAFF_GROUP = "Program staff"


@dataclass(frozen=True)
class DeadlineFact:
    kind: str
    due_date: dt.date
    visibility: str = Deadline.Visibility.PUBLIC


@dataclass(frozen=True)
class CycleFact:
    year: int
    solicitation_number: str
    url: str
    status: str
    deadlines: tuple[DeadlineFact, ...]


FAI_CYCLES = (
    CycleFact(
        year=2019,
        solicitation_number="NSF 19-571",
        url="https://www.nsf.gov/pubs/2019/nsf19571/nsf19571.htm",
        status=Cycle.Status.AWARDED,
        deadlines=(
            DeadlineFact(Deadline.Kind.LETTER_OF_INTENT, dt.date(2019, 5, 10)),
            DeadlineFact(Deadline.Kind.FULL_PROPOSAL, dt.date(2019, 6, 24)),
        ),
    ),
    CycleFact(
        year=2020,
        solicitation_number="NSF 20-566",
        url="https://www.nsf.gov/pubs/2020/nsf20566/nsf20566.htm",
        status=Cycle.Status.AWARDED,
        deadlines=(DeadlineFact(Deadline.Kind.FULL_PROPOSAL, dt.date(2020, 7, 13)),),
    ),
    CycleFact(
        year=2021,
        solicitation_number="NSF 21-585",
        url="https://www.nsf.gov/pubs/2021/nsf21585/nsf21585.htm",
        status=Cycle.Status.AWARDED,
        deadlines=(DeadlineFact(Deadline.Kind.FULL_PROPOSAL, dt.date(2021, 8, 3)),),
    ),
)


@dataclass
class SeedReport:
    created: dict[str, int]

    def count(self, what: str, created: bool) -> None:
        if created:
            self.created[what] = self.created.get(what, 0) + 1

    def summary(self) -> str:
        return ", ".join(
            f"{count} {what}{'' if count == 1 else 's'}" for what, count in self.created.items()
        )


def _organization(name: str, *, kind: str, ror_id: str, report: SeedReport) -> Organization:
    existing = Organization.objects.filter(name=name).first()
    if existing:
        return existing
    report.count("organization", True)
    return services.organization_create(name=name, kind=kind, ror_id=ror_id, country="USA")


@transaction.atomic
def seed_program(report: SeedReport) -> Program:
    nsf = _organization(
        "National Science Foundation",
        kind=Organization.Kind.FUNDER,
        ror_id="021nxhr62",
        report=report,
    )
    amazon = _organization("Amazon", kind=Organization.Kind.COMPANY, ror_id="", report=report)
    program, created = Program.objects.get_or_create(
        short_name="FAI",
        defaults={
            "name": (
                "NSF Program on Fairness in Artificial Intelligence in Collaboration with Amazon"
            ),
            "slug": "fai",
            "description": (
                "NSF and Amazon jointly support computational research focused on fairness in AI: "
                "transparency, explainability, accountability, potential adverse biases and "
                "effects, mitigation strategies, validation of fairness and inclusivity. "
                "About $20 million over three years."
            ),
            "url": "https://www.nsf.gov/pubs/2021/nsf21585/nsf21585.htm",
            "total_budget": Decimal("20000000"),
            "time_zone": "America/New_York",
        },
    )
    report.count("program", created)
    program.funders.add(nsf, amazon)
    element, created = ProgramElement.objects.get_or_create(
        code="114Y", defaults={"name": "Fairness in Artificial Intelligence"}
    )
    report.count("program element", created)
    program.program_elements.add(element)

    for fact in FAI_CYCLES:
        cycle = Cycle.objects.filter(program=program, year=fact.year).first()
        if cycle is None:
            cycle = services.cycle_create(
                program=program,
                year=fact.year,
                solicitation_number=fact.solicitation_number,
                title=f"Fairness in AI, {fact.year} competition",
                status=fact.status,
                url=fact.url,
            )
            report.count("cycle", True)
        for deadline in fact.deadlines:
            if not cycle.deadlines.filter(kind=deadline.kind, due_date=deadline.due_date).exists():
                services.deadline_create(
                    cycle=cycle,
                    kind=deadline.kind,
                    due_date=deadline.due_date,
                    due_time=dt.time(17, 0),
                    time_rule=Deadline.TimeRule.SUBMITTER_LOCAL,
                    visibility=deadline.visibility,
                )
                report.count("deadline", True)
    return program


def seed_staff_login(report: SeedReport) -> tuple[str, str]:
    """A demo staff account in the Program staff group (never for production)."""
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(
        username=DEMO_USERNAME, defaults={"is_staff": True, "email": "staff@example.org"}
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
        report.count("staff login", True)
    user.groups.add(Group.objects.get(name=STAFF_GROUP))
    return DEMO_USERNAME, DEMO_PASSWORD
