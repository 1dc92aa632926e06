"""Benchmark: import a synthetic NSF bulk zip of 12,000 XML awards, then re-import it.

Prints awards/second for both runs and the queries per batch. Runs against
DATABASE_URL (default: a scratch PostgreSQL database ``fairprog_bench``, recreated).

    .venv/bin/python bench/import_nsf.py [--awards 12000]
"""

from __future__ import annotations

import argparse
import io
import os
import random
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/fairprog_bench")
os.environ.setdefault("SECRET_KEY", "benchmark-only-key")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fairprog.settings")

from bench._scratch_db import reset_database  # noqa: E402 - needs the environment above

WORDS = [
    "fairness", "bias", "audit", "language", "vision", "speech", "tabular", "ranking",
    "recommender", "metric", "dataset", "causal", "counterfactual", "disparity", "subgroup",
    "calibration", "equity", "accountability", "transparency", "explanation", "robustness",
    "representation", "allocation", "hiring", "lending", "health", "education",
]  # fmt: skip
ROLES = ["Principal Investigator", "Co-Principal Investigator", "Co-Principal Investigator"]


def _sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize()


def award_xml(number: int, rng: random.Random, institutions: list[str]) -> bytes:
    team = []
    for index in range(rng.randint(1, 4)):
        person = rng.randint(0, 20000)
        team.append(
            "<Investigator>"
            f"<FirstName>Given{person}</FirstName><LastName>Family{person}</LastName>"
            f"<EmailAddress>person{person}@example.edu</EmailAddress>"
            f"<NSF_ID>{person:09d}</NSF_ID>"
            "<StartDate>01/25/2021</StartDate><EndDate/>"
            f"<RoleCode>{ROLES[min(index, 2)]}</RoleCode>"
            "</Investigator>"
        )
    abstract = "&lt;br/&gt;&lt;br/&gt;".join(_sentence(rng, 60) for _ in range(4))
    institution = rng.choice(institutions)
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rootTag><Award>'
        f"<AwardTitle>FAI: {escape(_sentence(rng, 8))}</AwardTitle>"
        "<AwardEffectiveDate>02/01/2021</AwardEffectiveDate>"
        "<AwardExpirationDate>01/31/2024</AwardExpirationDate>"
        "<AwardTotalIntnAmount>625000.00</AwardTotalIntnAmount>"
        f"<AwardAmount>{rng.randint(300, 900) * 1000}</AwardAmount>"
        "<AwardInstrument><Value>Standard Grant</Value></AwardInstrument>"
        "<Organization><Code>05020000</Code><Directorate><Abbreviation>CSE</Abbreviation>"
        "<LongName>Direct For Computer &amp; Info Scie &amp; Enginr</LongName></Directorate>"
        "<Division><Abbreviation>IIS</Abbreviation><LongName>Div Of Information &amp; "
        "Intelligent Systems</LongName></Division></Organization>"
        "<ProgramOfficer><SignBlockName>Todd Leen</SignBlockName></ProgramOfficer>"
        f"<AbstractNarration>{abstract}</AbstractNarration>"
        "<MinAmdLetterDate>01/25/2021</MinAmdLetterDate>"
        "<MaxAmdLetterDate>01/25/2021</MaxAmdLetterDate>"
        f"<AwardID>{number:07d}</AwardID>"
        + "".join(team)
        + f"<Institution><Name>{escape(institution)}</Name><CityName>PITTSBURGH</CityName>"
        "<StateCode>PA</StateCode><CountryName>United States</CountryName></Institution>"
        "<ProgramElement><Code>114Y</Code><Text>Fairness in Artificial Intelli</Text>"
        "</ProgramElement><ProgramElement><Code>7484</Code><Text>IIS Special Projects</Text>"
        "</ProgramElement><FUND_OBLG>2021~625000</FUND_OBLG>"
        "</Award></rootTag>"
    ).encode()


def build_zip(path: Path, awards: int) -> None:
    rng = random.Random(2021)
    institutions = [f"University {i} of {rng.choice(WORDS).title()}" for i in range(400)]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for offset in range(awards):
            number = 2000000 + offset
            archive.writestr(f"{number:07d}.xml", award_xml(number, rng, institutions))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--awards", type=int, default=12000)
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    reset_database()
    call_command("migrate", verbosity=0)
    call_command("seed_demo", stdout=io.StringIO())

    from proposals.models import Award, Program
    from proposals.nsf.documents import iter_documents
    from proposals.services.import_batches import BATCH_SIZE
    from proposals.services.imports import awards_import

    program = Program.objects.get(short_name="FAI")
    with tempfile.TemporaryDirectory() as scratch:
        archive = Path(scratch) / "awards.zip"
        started = time.perf_counter()
        build_zip(archive, args.awards)
        print(
            f"synthetic bulk zip: {args.awards:,} XML awards, "
            f"{archive.stat().st_size / 1e6:.1f} MB, built in {time.perf_counter() - started:.1f}s"
        )
        print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
        batches = -(-args.awards // BATCH_SIZE)
        for label in ("first import", "re-import"):
            with CaptureQueriesContext(connection) as ctx:
                started = time.perf_counter()
                summary = awards_import(documents=iter_documents([archive]), program=program)
                seconds = time.perf_counter() - started
            print(
                f"{label}: {seconds:.2f}s, {summary.awards_read / seconds:,.0f} awards/s "
                f"(created {summary.created:,}, updated {summary.updated:,}, "
                f"unchanged {summary.unchanged:,}); "
                f"{len(ctx.captured_queries):,} queries in {batches} batches of {BATCH_SIZE} "
                f"= {len(ctx.captured_queries) / batches:.1f} per batch"
            )
        print(f"awards in database: {Award.objects.count():,}")


if __name__ == "__main__":
    main()
