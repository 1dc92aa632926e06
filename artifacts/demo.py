"""Demo artifacts: fictional releases of the real demo awards, marked as demo data."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from artifacts.models import Artifact, FairnessDimension, Task
from artifacts.services.artifacts import artifact_create, artifact_publish, artifact_retire
from artifacts.services.fairness import artifact_sensitive_attributes_set
from proposals.models import Award, Person

# The fictional content: each demo award's research theme, and the artifact of each kind
# that every theme releases (see demo_data/README.md).
DEMO_FILE = Path(__file__).parent / "demo_data" / "artifacts.json"


@dataclass(frozen=True)
class Theme:
    award_number: str
    subject: str  # fills a kind's title: "{subject} toolkit"
    setting: str  # fills a kind's summary: "… for auditing bias in {setting}."
    dimensions: list[str]  # vocabulary slugs
    tasks: list[str]
    keywords: list[str]
    # The domain, and by kind the fairness metadata of the artifact of that kind (a dataset's
    # sensitive attributes as [dimension slug, how obtained, note]); what is left out shows
    # as not stated.
    fairness: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class KindText:
    kind: Artifact.Kind
    title: str
    license: str  # SPDX id
    summary: str


def demo_content() -> tuple[list[Theme], list[KindText]]:
    """The themes and the kinds of artifact of DEMO_FILE."""
    data = json.loads(DEMO_FILE.read_text())
    return (
        [Theme(**theme) for theme in data["themes"]],
        [KindText(**{**text, "kind": Artifact.Kind(text["kind"])}) for text in data["kinds"]],
    )


DESCRIPTION = """The {kind} supports research on {setting}. It comes with:

- a README describing installation and use;
- examples that reproduce the figures of the accompanying paper;
- notes on known limitations.
"""


# The toolkit of the second theme is retired in favour of its version 2, so the demo shows
# a retired artifact leading to its successor.
RETIRED_TOOLKIT = 8


def _replace_with_version_2(toolkit: Artifact, *, team: list[Person]) -> Artifact:
    """Publish version 2 of ``toolkit`` a year later and retire ``toolkit`` in its favour."""
    released = (toolkit.published_at or timezone.now()) + dt.timedelta(days=365)
    version_2 = artifact_create(
        award=toolkit.award,
        kind=toolkit.kind,
        title=f"{toolkit.title} 2",
        summary=f"{toolkit.summary} Version 2 adds streaming audio and per-group "
        "confidence intervals.",
        description=toolkit.description,
        landing_url=f"{toolkit.landing_url}/v2",
        repository_url=toolkit.repository_url,
        license=toolkit.license,
        version="2.0.0",
        release_date=released.date(),
        keywords=list(toolkit.keywords),
        intended_use=toolkit.intended_use,
        out_of_scope_use=toolkit.out_of_scope_use,
        limitations=toolkit.limitations,
        evaluation_data=toolkit.evaluation_data,
        ethical_considerations=toolkit.ethical_considerations,
        dimensions=list(toolkit.dimensions.all()),
        tasks=list(toolkit.tasks.all()),
        creators=team,
        is_demo=True,
    )
    artifact_publish(artifact=version_2, when=released)
    artifact_retire(
        artifact=toolkit,
        note="Replaced by version 2, which keeps this version's interface and adds streaming "
        "audio and per-group confidence intervals. This version receives no further fixes.",
        superseded_by=version_2,
    )
    return version_2


@transaction.atomic
def seed_demo_artifacts() -> int:
    """Create the demo artifacts once; returns how many were created."""
    if Artifact.objects.filter(is_demo=True).exists():
        return 0
    themes, kinds = demo_content()
    awards = {
        a.award_number: a
        for a in Award.objects.filter(award_number__in=[t.award_number for t in themes])
    }
    # Fictional artifacts are credited to fictional people, never to the real teams.
    demo_people = list(Person.objects.filter(email__endswith="@demo.invalid").order_by("pk"))
    dimensions = {d.slug: d for d in FairnessDimension.objects.all()}
    tasks = {t.slug: t for t in Task.objects.all()}
    created = 0
    start = dt.datetime(2021, 6, 1, 15, 0, tzinfo=dt.UTC)
    for theme_index, theme in enumerate(themes):
        award = awards.get(theme.award_number)
        if award is None:
            continue
        team = demo_people[theme_index * 3 : theme_index * 3 + 3]
        for kind_index, text in enumerate(kinds):
            number = theme_index * len(kinds) + kind_index
            kind = text.kind
            fairness = dict(theme.fairness.get(kind.value, {}))
            sensitive = fairness.pop("sensitive_attributes", [])
            if kind in (Artifact.Kind.DATASET, Artifact.Kind.MODEL):
                fairness["domain"] = theme.fairness.get("domain", "")
            artifact = artifact_create(
                award=award,
                kind=kind,
                title=text.title.format(subject=theme.subject),
                summary=text.summary.format(setting=theme.setting),
                description=DESCRIPTION.format(kind=kind.label.lower(), setting=theme.setting),
                landing_url=f"https://example.org/fairprog-demo/{theme.award_number}/{kind.value}",
                repository_url=(
                    f"https://example.org/fairprog-demo/code/{theme.award_number}-{kind.value}"
                    if kind in (Artifact.Kind.TOOL, Artifact.Kind.METRIC, Artifact.Kind.MODEL)
                    else ""
                ),
                doi=f"10.5555/fairprog-demo.{number + 1}" if kind == Artifact.Kind.DATASET else "",
                license=text.license,
                version=f"1.{number % 4}.0",
                release_date=(start + dt.timedelta(days=45 * number)).date(),
                keywords=list(theme.keywords),
                intended_use=f"Research on fairness in {theme.setting}.",
                out_of_scope_use="Making decisions about individual people.",
                limitations="Built from a small synthetic sample; results may not carry "
                "over to a deployed system's data.",
                evaluation_data="Synthetic examples matched to published aggregate statistics.",
                ethical_considerations="No real person's data is included.",
                dimensions=[dimensions[s] for s in theme.dimensions if s in dimensions],
                tasks=[tasks[s] for s in theme.tasks if s in tasks],
                creators=team,
                is_demo=True,
                **fairness,
            )
            rows = [[dimensions[s].pk, how, note] for s, how, note in sensitive if s in dimensions]
            artifact_sensitive_attributes_set(artifact=artifact, rows=rows)
            if number % 11 == 10:
                continue  # a few stay drafts, as in real curation
            artifact_publish(artifact=artifact, when=start + dt.timedelta(days=45 * number))
            if number == RETIRED_TOOLKIT:
                _replace_with_version_2(artifact, team=team)
            created += 1
    # Keep "recently published" meaningful relative to today.
    Artifact.objects.filter(is_demo=True, published_at__gt=timezone.now()).update(
        published_at=timezone.now()
    )
    return Artifact.objects.filter(is_demo=True).count()
