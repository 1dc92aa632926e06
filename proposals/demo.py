"""Demo data: the real NSF Fairness in AI program, as far as the public record goes."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from proposals.models import (
    AwardInvestigator,
    Cycle,
    Deadline,
    Organization,
    Person,
    Program,
    ProgramElement,
)
from proposals.nsf.documents import Document
from proposals.services.imports import awards_import
from proposals.services.programs import (
    cycle_create,
    deadline_create,
    organization_create,
    person_create,
)
from proposals.services.proposals import (
    proposal_create,
    proposal_decline,
    proposal_recommend,
    proposal_start_review,
    proposal_submit,
    proposal_withdraw,
)

DEMO_USERNAME = "staff"
DEMO_PASSWORD = "fairprog-demo"  # noqa: S105 - a published demo login, created only on request
STAFF_GROUP = "Program staff"
# The researcher `make run` signs in as: the PI of one demo award gets this address (an
# .example domain, so no link ever leaves the machine for a real inbox).
DEMO_RESEARCHER_EMAIL = "pi@demo.fairprog.example"
DEMO_RESEARCHER_AWARD = "2147276"


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


def solicitation_url(year: int, number: str) -> str:
    """Where NSF publishes a solicitation: "NSF 21-585" of 2021 is pubs/2021/nsf21585/."""
    page = "nsf" + number.removeprefix("NSF ").replace("-", "")
    return f"https://www.nsf.gov/pubs/{year}/{page}/{page}.htm"


def _awarded_cycle(year: int, number: str, *deadlines: DeadlineFact) -> CycleFact:
    return CycleFact(
        year=year,
        solicitation_number=number,
        url=solicitation_url(year, number),
        status=Cycle.Status.AWARDED,
        deadlines=deadlines,
    )


FAI_CYCLES = (
    _awarded_cycle(
        2019,
        "NSF 19-571",
        DeadlineFact(Deadline.Kind.LETTER_OF_INTENT, dt.date(2019, 5, 10)),
        DeadlineFact(Deadline.Kind.FULL_PROPOSAL, dt.date(2019, 6, 24)),
    ),
    _awarded_cycle(
        2020, "NSF 20-566", DeadlineFact(Deadline.Kind.FULL_PROPOSAL, dt.date(2020, 7, 13))
    ),
    _awarded_cycle(
        2021, "NSF 21-585", DeadlineFact(Deadline.Kind.FULL_PROPOSAL, dt.date(2021, 8, 3))
    ),
)


@dataclass
class SeedReport:
    created: dict[str, int]

    def count(self, what: str, created: bool) -> None:
        if created:
            self.created[what] = self.created.get(what, 0) + 1

    def count_many(self, what: str, number: int) -> None:
        if number:
            self.created[what] = self.created.get(what, 0) + number

    def summary(self) -> str:
        return ", ".join(f"{count} {_plural(what, count)}" for what, count in self.created.items())


def _organization(
    name: str, *, kind: str, ror_id: str, report: SeedReport, funder_id: str = ""
) -> Organization:
    existing = Organization.objects.filter(name=name).first()
    if existing:
        return existing
    report.count("organization", True)
    return organization_create(
        name=name, kind=kind, ror_id=ror_id, funder_id=funder_id, country="USA"
    )


@transaction.atomic
def seed_program(report: SeedReport) -> Program:
    nsf = _organization(
        "National Science Foundation",
        kind=Organization.Kind.FUNDER,
        ror_id="021nxhr62",
        funder_id="100000001",  # its Crossref Funder ID: 10.13039/100000001
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
            "url": solicitation_url(2021, "NSF 21-585"),
            "total_budget": Decimal("20000000"),
            "time_zone": "America/New_York",
        },
    )
    report.count("program", created)
    program.funders.add(nsf, amazon)
    if program.award_funder_id is None:  # NSF makes the awards; Amazon co-funds them
        Program.objects.filter(pk=program.pk).update(award_funder=nsf)
        program.award_funder = nsf
    element, created = ProgramElement.objects.get_or_create(
        code="114Y", defaults={"name": "Fairness in Artificial Intelligence"}
    )
    report.count("program element", created)
    program.program_elements.add(element)

    for fact in FAI_CYCLES:
        cycle = Cycle.objects.filter(program=program, year=fact.year).first()
        if cycle is None:
            cycle = cycle_create(
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
                deadline_create(
                    cycle=cycle,
                    kind=deadline.kind,
                    due_date=deadline.due_date,
                    due_time=dt.time(17, 0),
                    time_rule=Deadline.TimeRule.SUBMITTER_LOCAL,
                    visibility=deadline.visibility,
                )
                report.count("deadline", True)
    return program


def _plural(noun: str, count: int) -> str:
    if count == 1:
        return noun
    return "people" if noun == "person" else f"{noun}s"


REAL_AWARDS_FILE = Path(__file__).parent / "demo_data" / "fai_awards.json"


def seed_real_awards(program: Program, report: SeedReport) -> None:
    """Four real FAI awards, read by the same importer staff use."""
    document = Document(source=REAL_AWARDS_FILE.name, data=REAL_AWARDS_FILE.read_bytes())
    organizations, people = Organization.objects.count(), Person.objects.count()
    summary = awards_import(documents=[document], program=program)
    report.count_many("award", summary.created)
    report.count_many("organization", Organization.objects.count() - organizations)
    report.count_many("person", Person.objects.count() - people)


DEMO_INSTITUTIONS = [
    "Lakeside State University (demo)",
    "Northfield Institute of Technology (demo)",
    "Harbor City College (demo)",
    "Redwood Valley University (demo)",
    "Prairie Polytechnic (demo)",
]
# Fictional investigators (their addresses at demo.invalid mark them, and reach no one).
DEMO_PEOPLE = [
    *("Avery Okafor", "Jordan Lindqvist", "Riley Nakamura", "Morgan Castillo", "Casey Brennan"),
    *("Quinn Adeyemi", "Rowan Petrov", "Sasha Iyer", "Emery Whitfield", "Priya Raman"),
    *("Daniel Osei", "Mei-Ling Chou", "Tomas Herrera", "Leah Goldberg", "Kwame Mensah"),
    *("Hana Sato", "Omar Haddad", "Claire Dubois", "Nikhil Deshpande", "Grace Wanjiru"),
    *("Elena Marchetti", "Samuel Park", "Aisha Bello", "Lucas Moreau"),
]
# The fictional proposals' topics, each with the opening of its abstract.
DEMO_TOPICS = {
    "Fair ranking under uncertain group membership": "Ranking systems are audited for group "
    "fairness, yet group labels are often missing or inferred. We develop ranking methods "
    "whose exposure guarantees hold under noisy, probabilistic group membership.",
    "Auditing speech recognition across dialects": "We build a dialect-balanced evaluation "
    "corpus and an audit protocol that measures word error rate gaps across regional and "
    "ethnic varieties of English, and test mitigation through targeted fine-tuning.",
    "Counterfactual fairness for credit decisions": "We study causal models of lending "
    "outcomes and develop estimators of counterfactual fairness that remain reliable when "
    "the causal graph is only partly known.",
    "Measuring disparities in medical image classifiers": "Diagnostic classifiers trained on "
    "chest radiographs underdiagnose some patient groups. We design subgroup metrics with "
    "confidence intervals suitable for small clinical samples.",
    "Participatory design of fairness metrics for hiring": "With job seekers, recruiters and "
    "advocacy groups we co-design the metrics used to audit automated resume screening, and "
    "compare them with the metrics in current use.",
    "Bias in large language model evaluation benchmarks": "We measure how benchmark "
    "construction choices hide or exaggerate social bias in language models, and release a "
    "benchmark with documented coverage of identity groups and dialects.",
    "Fair allocation of public housing with machine learning": "With a city housing "
    "authority we evaluate prioritisation models for housing assistance against equity "
    "goals set by residents, including the long-run effects of allocation policies.",
    "Intersectional fairness testing for tabular models": "Auditing every intersection of "
    "protected attributes is statistically fragile. We develop testing procedures that find "
    "disadvantaged subgroups while controlling false discoveries.",
    "Accessible recommender systems for older adults": "We study how recommender systems "
    "under-serve older adults and people using assistive technology, and design "
    "exposure-aware recommenders evaluated with these users.",
    "Robust fairness under distribution shift": "Fairness guarantees established on training "
    "data often fail after deployment. We characterise which shifts break them and develop "
    "training methods whose guarantees degrade gracefully.",
    "Datasheets for geographically diverse vision data": "We collect and document an image "
    "dataset spanning households in forty countries, with datasheets that record consent, "
    "sampling and known gaps.",
    "Explaining risk scores to affected communities": "We test, with community partners, "
    "which explanations of pretrial and child-welfare risk scores help affected people "
    "understand and contest decisions.",
}
# How far through the workflow each fictional proposal goes, in order.
DEMO_PATHS = [
    [],
    ["submit"],
    ["submit"],
    ["submit", "start_review"],
    ["submit", "start_review"],
    ["submit", "start_review"],
    ["submit", "start_review", "recommend"],
    ["submit", "start_review", "recommend"],
    ["submit", "start_review", "decline"],
    ["submit", "start_review", "decline"],
    ["submit", "start_review", "decline"],
    ["withdraw"],
    ["submit", "withdraw"],
]
DEMO_PROPOSALS_PER_TOPIC = 3


def seed_demo_cycle(program: Program, report: SeedReport) -> Cycle:
    """A fictional open cycle next year, with proposals through every workflow step."""
    year = timezone.now().year + 1
    solicitation = f"DEMO {year % 100}-001"
    cycle = Cycle.objects.filter(program=program, year=year).first()
    if cycle is None:
        cycle = cycle_create(
            program=program,
            year=year,
            solicitation_number=solicitation,
            title=f"Fairness in AI, {year} competition (demo)",
            status=Cycle.Status.OPEN,
        )
        report.count("cycle", True)
        deadline_create(
            cycle=cycle, kind=Deadline.Kind.FULL_PROPOSAL, due_date=dt.date(year, 7, 15)
        )
        deadline_create(
            cycle=cycle,
            kind=Deadline.Kind.REVIEW_DUE,
            due_date=dt.date(year, 9, 30),
            visibility=Deadline.Visibility.STAFF,
            label="Panel reviews due",
        )
        report.count_many("deadline", 2)
    if cycle.proposals.exists():
        return cycle

    rng = random.Random(year)  # noqa: S311 - reproducible fictional data, not security
    institutions = []
    for name in DEMO_INSTITUTIONS:
        institution = Organization.objects.filter(name=name).first()
        if institution is None:
            institution = organization_create(name=name, country="USA")
            report.count("organization", True)
        institutions.append(institution)
    people: list[Person] = []
    zones = ["America/New_York", "America/Chicago", "America/Los_Angeles"]
    for index, name in enumerate(DEMO_PEOPLE):
        given, family = name.split(" ", 1)
        person = Person.objects.filter(given_name=given, family_name=family).first()
        if person is None:
            person = person_create(
                given_name=given,
                family_name=family,
                email=f"{given.lower()}.{family.lower().replace(' ', '')}@demo.invalid",
                affiliation=institutions[index % len(institutions)],
                time_zone=rng.choice(zones),
            )
            report.count("person", True)
        people.append(person)
    steps = {
        "submit": proposal_submit,
        "start_review": proposal_start_review,
        "recommend": proposal_recommend,
        "decline": proposal_decline,
        "withdraw": proposal_withdraw,
    }
    count = 0
    for round_ in range(DEMO_PROPOSALS_PER_TOPIC):
        for index, (topic, abstract) in enumerate(DEMO_TOPICS.items()):
            number = round_ * len(DEMO_TOPICS) + index
            team = rng.sample(people, 3)
            proposal = proposal_create(
                cycle=cycle,
                title=topic if round_ == 0 else f"{topic} ({['', 'II', 'III'][round_]})",
                lead_institution=team[0].affiliation or institutions[0],
                pi=team[0],
                co_pis=team[1:],
                abstract=abstract,
                requested_amount=Decimal(rng.choice([375000, 500000, 625000, 750000])),
                duration_months=rng.choice([24, 36]),
                is_demo=True,
            )
            for step in DEMO_PATHS[number % len(DEMO_PATHS)]:
                steps[step](proposal=proposal)
            count += 1
    report.count_many("proposal", count)
    return cycle


def seed_demo_researcher(report: SeedReport) -> str:
    """Give the PI of one demo award the demo researcher's address, so the researchers'
    pages can be tried by asking for a sign-in link; returns the address ("" when the award
    is not loaded). Their login is made when they first ask for a link."""
    pi = (
        AwardInvestigator.objects.filter(
            award__award_number=DEMO_RESEARCHER_AWARD, role=AwardInvestigator.Role.PI
        )
        .select_related("person")
        .first()
    )
    if pi is None:
        return ""
    if pi.person.email != DEMO_RESEARCHER_EMAIL:
        pi.person.email = DEMO_RESEARCHER_EMAIL
        pi.person.save(update_fields=["email"])
        report.count("researcher address", True)
    return DEMO_RESEARCHER_EMAIL


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
