"""Demo artifacts: fictional releases of the real demo awards, marked as demo data."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from artifacts.models import Artifact, FairnessDimension, Task
from artifacts.services.artifacts import artifact_create, artifact_publish, artifact_retire
from proposals.models import Award, Person


@dataclass(frozen=True)
class Theme:
    award_number: str
    subject: str
    setting: str
    dimensions: tuple[str, ...]
    tasks: tuple[str, ...]
    keywords: tuple[str, ...]


THEMES = (
    Theme("2040800", "Human-in-the-loop lending", "credit decisions with human reviewers",
          ("socioeconomic", "race-ethnicity"), ("tabular", "decision-making"),
          ("human in the loop", "lending", "feedback loops")),
    Theme("2040926", "Dialect-aware language", "language technology across dialects",
          ("language-dialect", "geography"), ("nlp", "speech"),
          ("dialects", "speech recognition", "benchmarking")),
    Theme("2040942", "Crowd audit", "image search and captioning systems",
          ("gender", "race-ethnicity", "intersectional"), ("vision", "ranking"),
          ("crowd auditing", "representation harms", "stereotypes")),
    Theme("2147276", "Fair admission", "graduate admission and degree completion",
          ("gender", "socioeconomic", "age"), ("tabular", "decision-making"),
          ("resource allocation", "admissions", "uncertainty")),
)  # fmt: skip

KINDS = (
    (Artifact.Kind.DATASET, "{subject} benchmark dataset", "CC-BY-4.0",
     "A benchmark of annotated examples for measuring disparities in {setting}."),
    (Artifact.Kind.METRIC, "{subject} disparity metric", "MIT",
     "A fairness metric that compares error rates across groups in {setting}."),
    (Artifact.Kind.TOOL, "{subject} toolkit", "Apache-2.0",
     "An open-source Python toolkit for auditing and mitigating bias in {setting}."),
    (Artifact.Kind.TESTING_METHODOLOGY, "{subject} testing protocol", "CC-BY-SA-4.0",
     "A step-by-step protocol for testing {setting} for unfair outcomes before deployment."),
    (Artifact.Kind.MODEL, "{subject} baseline model", "BSD-3-Clause",
     "A reference model trained with fairness constraints for {setting}."),
    (Artifact.Kind.DOCUMENTATION, "{subject} datasheet and model card", "CC-BY-4.0",
     "Documentation in the style of datasheets and model cards for {setting}."),
)  # fmt: skip

DESCRIPTION = """This is **fictional demo data**: it shows how FairProg presents an artifact.

The {kind} supports research on {setting}. It comes with:

- a README describing installation and use;
- examples that reproduce the figures of the accompanying paper;
- notes on known limitations.
"""


@transaction.atomic
def seed_demo_artifacts() -> int:
    """Create the demo artifacts once; returns how many were created."""
    if Artifact.objects.filter(is_demo=True).exists():
        return 0
    awards = {
        a.award_number: a
        for a in Award.objects.filter(award_number__in=[t.award_number for t in THEMES])
    }
    # Fictional artifacts are credited to fictional people, never to the real teams.
    demo_people = list(Person.objects.filter(email__endswith="@demo.invalid").order_by("pk"))
    dimensions = {d.slug: d for d in FairnessDimension.objects.all()}
    tasks = {t.slug: t for t in Task.objects.all()}
    created = 0
    start = dt.datetime(2021, 6, 1, 15, 0, tzinfo=dt.UTC)
    for theme_index, theme in enumerate(THEMES):
        award = awards.get(theme.award_number)
        if award is None:
            continue
        team = demo_people[theme_index * 3 : theme_index * 3 + 3]
        for kind_index, (kind, title, license_id, summary) in enumerate(KINDS):
            number = theme_index * len(KINDS) + kind_index
            artifact = artifact_create(
                award=award,
                kind=kind,
                title=title.format(subject=theme.subject),
                summary=summary.format(setting=theme.setting) + " (Demo data.)",
                description=DESCRIPTION.format(kind=kind.label.lower(), setting=theme.setting),
                landing_url=f"https://example.org/fairprog-demo/{theme.award_number}/{kind.value}",
                repository_url=(
                    f"https://example.org/fairprog-demo/code/{theme.award_number}-{kind.value}"
                    if kind in (Artifact.Kind.TOOL, Artifact.Kind.METRIC, Artifact.Kind.MODEL)
                    else ""
                ),
                doi=f"10.5555/fairprog-demo.{number + 1}" if kind == Artifact.Kind.DATASET else "",
                license=license_id,
                version=f"1.{number % 4}.0",
                release_date=(start + dt.timedelta(days=45 * number)).date(),
                keywords=list(theme.keywords),
                intended_use=f"Research on fairness in {theme.setting}.",
                out_of_scope_use="Making decisions about individual people.",
                limitations="Built from a small, fictional sample; not representative.",
                evaluation_data="Synthetic examples generated for the demo.",
                ethical_considerations="No real person's data is included.",
                dimensions=[dimensions[s] for s in theme.dimensions if s in dimensions],
                tasks=[tasks[s] for s in theme.tasks if s in tasks],
                creators=team,
                is_demo=True,
            )
            if number % 11 == 10:
                continue  # a few stay drafts, as in real curation
            artifact_publish(artifact=artifact, when=start + dt.timedelta(days=45 * number))
            if number == 7:
                artifact_retire(
                    artifact=artifact,
                    note="Superseded by version 2 of the toolkit (demo data).",
                )
            created += 1
    # Keep "recently published" meaningful relative to today.
    Artifact.objects.filter(is_demo=True, published_at__gt=timezone.now()).update(
        published_at=timezone.now()
    )
    return Artifact.objects.filter(is_demo=True).count()
