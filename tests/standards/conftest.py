"""The catalogue the standards suite validates: the demo catalogue that ``seed_demo`` loads,
plus edge cases that formats get wrong (no creators, no DOI, every LaTeX, XML, YAML and HTML
special character in every text field, a summary of 30 characters) and a deadline in a fixed
time zone. Each validator runs over every public artifact, feed and calendar it produces."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction

from artifacts.models import Artifact, FairnessDimension, Task
from artifacts.selectors.artifacts import artifact_public_queryset
from artifacts.services.artifacts import artifact_create, artifact_publish
from fairprog.catalogue_version import catalogue_changed
from proposals.models import Award, Cycle, Deadline
from proposals.services.programs import deadline_create, person_create

# Every character some format must escape, quote or encode: LaTeX (# $ % & _ { } ~ ^ \),
# XML and HTML (< > & " '), YAML (: - ? [ ] , * ! | > ' " % @ `), plus non-ASCII letters,
# a dash, an emoji and a right-to-left word.
SPECIAL = (
    "Bias & \"fair\" <ML> ~ ^ \\ {x} 50% $5 #1 a_b 'q' : - ? [i], *! | @ ` "
    "é ñ ü \u2013 日本 😀 عربى"
)


def _edge_artifacts(award: Award) -> dict[str, Artifact]:
    gender = FairnessDimension.objects.order_by("pk").first()
    task = Task.objects.order_by("pk").first()
    special_person = person_create(
        given_name="Zoë-Ann {O'Brien}", family_name="van der Berg & Søn_ ~^\\", orcid=""
    )
    cases: dict[str, dict[str, Any]] = {
        "no_creators": {
            "kind": Artifact.Kind.TOOL,
            "title": "A fairness toolkit with nobody named as its author",
            "summary": "A tool whose record names no creators and has no DOI yet.",
            "landing_url": "https://example.org/no-creators",
            "license": "MIT",
        },
        "special_characters": {
            "kind": Artifact.Kind.DATASET,
            "title": f"Title {SPECIAL}",
            "summary": f"Summary {SPECIAL}",
            "description": f"Description {SPECIAL}\n\nA second paragraph, *emphasised*.",
            "keywords": ["bias & \"fair\" <ML> ~^\\ {x} 50% $5 #1 a_b 'q': é 日本 😀", "plain"],
            "version": "1.0-β {rc} ~1",
            "license": "CC-BY-4.0",
            "doi": "10.5281/zenodo.7654321",
            "landing_url": "https://example.org/special?a=1&b=2",
            "repository_url": "https://github.com/example/special",
            "intended_use": f"Intended use {SPECIAL}",
            "limitations": f"Limitations {SPECIAL}",
            "ethical_considerations": f"Ethics {SPECIAL}",
            "release_date": dt.date(2024, 2, 29),
            "creators": [special_person],
            "dimensions": [gender] if gender else [],
            "tasks": [task] if task else [],
        },
        "short_summary": {
            "kind": Artifact.Kind.DATASET,
            "title": "Short summary dataset",
            "summary": "Thirty characters and no more.",
            "landing_url": "https://example.org/short",
            "license": "CC0-1.0",
        },
    }
    made = {}
    for name, fields in cases.items():
        artifact = artifact_create(award=award, **fields)
        made[name] = artifact_publish(artifact=artifact)
    assert len(made["short_summary"].summary) <= 30
    return made


def _seed() -> dict[str, Artifact]:
    call_command("seed_demo", verbosity=0)
    award = Award.objects.order_by("award_number").first()
    assert award is not None, "seed_demo loads the program's awards"
    made = _edge_artifacts(award)
    cycle = Cycle.objects.order_by("-year").first()
    assert cycle is not None
    deadline_create(
        cycle=cycle,
        kind=Deadline.Kind.FULL_PROPOSAL,
        label=f"Fixed-zone deadline {SPECIAL}"[:120].replace("\n", " "),
        due_date=dt.date(cycle.year, 8, 3),
        due_time=dt.time(23, 59),
        time_rule=Deadline.TimeRule.FIXED_ZONE,
        time_zone="Pacific/Honolulu",
    )
    return made


@pytest.fixture(scope="session")
def _catalogue_dump(
    django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, dict[str, int]]:
    """The catalogue made once through the services, written out with ``dumpdata`` and rolled
    back; each test loads the file (``loaddata``: a fraction of the time the services take,
    and committed like any test data, so live-server tests see it too). The facet counts are
    left out: PostgreSQL's triggers count the loaded rows again."""
    path = tmp_path_factory.mktemp("standards") / "catalogue.json"
    with django_db_blocker.unblock(), transaction.atomic():
        made = _seed()
        call_command(
            "dumpdata",
            "proposals",
            "artifacts",
            exclude=["artifacts.FacetCount"],
            output=str(path),
            verbosity=0,
        )
        transaction.set_rollback(True)
    return path, {name: artifact.pk for name, artifact in made.items()}


@pytest.fixture
def edge_artifacts(db: Any, _catalogue_dump: tuple[Path, dict[str, int]]) -> dict[str, Artifact]:
    """The edge-case artifacts (published), by name, on top of the demo catalogue."""
    path, names = _catalogue_dump
    call_command("loaddata", str(path), verbosity=0)
    catalogue_changed()  # cached counts of an earlier test's catalogue are not this one's
    return {name: Artifact.objects.get(pk=pk) for name, pk in names.items()}


@pytest.fixture
def standards_catalogue(edge_artifacts: dict[str, Artifact]) -> list[Artifact]:
    """Every public artifact: the demo catalogue's and the edge cases."""
    artifacts = list(artifact_public_queryset().order_by("pk"))
    assert len(artifacts) >= len(edge_artifacts) + 10
    return artifacts
