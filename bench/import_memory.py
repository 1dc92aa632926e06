"""Benchmark: peak memory (RSS) of an import, whatever the size of what it is given.

Generates a bulk NSF XML file of about 100 MB and a zip holding 1 GiB of zeros (about
1 MB compressed), then, each in a fresh process, stores it as an admin upload would
and runs its import as a worker would. Prints each process's peak RSS; both must stay
under 300 MB (the bulk file is imported, the zip is refused by IMPORT_MAX_ZIP_RATIO).
Runs against DATABASE_URL (default: a scratch PostgreSQL database
``fairprog_bench_memory``, recreated).

    .venv/bin/python bench/import_memory.py [--megabytes 100] [--bomb-gib 1]
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/fairprog_bench_memory")
os.environ.setdefault("SECRET_KEY", "benchmark-only-key")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fairprog.settings")

LIMIT_MB = 300
WORDS = [
    "fairness",
    "bias",
    "audit",
    "language",
    "vision",
    "speech",
    "tabular",
    "ranking",
    "recommender",
    "metric",
    "dataset",
    "causal",
    "counterfactual",
    "disparity",
    "subgroup",
    "calibration",
    "equity",
    "accountability",
    "transparency",
]


def _award(number: int, rng: random.Random) -> str:
    abstract = "&lt;br/&gt;&lt;br/&gt;".join(
        " ".join(rng.choice(WORDS) for _ in range(60)) for _ in range(4)
    )
    person = rng.randint(0, 20000)
    return (
        f"<Award><AwardTitle>FAI: {' '.join(rng.choice(WORDS) for _ in range(8))}</AwardTitle>"
        "<AwardEffectiveDate>02/01/2021</AwardEffectiveDate>"
        "<AwardExpirationDate>01/31/2024</AwardExpirationDate>"
        f"<AwardAmount>{rng.randint(300, 900) * 1000}</AwardAmount>"
        f"<AbstractNarration>{abstract}</AbstractNarration>"
        "<MinAmdLetterDate>01/25/2021</MinAmdLetterDate>"
        "<MaxAmdLetterDate>01/25/2021</MaxAmdLetterDate>"
        f"<AwardID>{number:07d}</AwardID>"
        f"<Investigator><FirstName>Given{person}</FirstName><LastName>Family{person}</LastName>"
        f"<EmailAddress>person{person}@example.edu</EmailAddress><NSF_ID>{person:09d}</NSF_ID>"
        "<RoleCode>Principal Investigator</RoleCode></Investigator>"
        f"<Institution><Name>University {rng.randint(0, 400)}</Name>"
        "<CityName>PITTSBURGH</CityName><StateCode>PA</StateCode></Institution>"
        "<ProgramElement><Code>114Y</Code><Text>Fairness in Artificial Intelli</Text>"
        "</ProgramElement></Award>"
    )


def build_bulk_xml(path: Path, megabytes: int) -> int:
    rng = random.Random(2021)
    awards = 0
    with path.open("w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n<rootTag>\n')
        while out.tell() < megabytes * 1_000_000:
            out.write(_award(2_000_000 + awards, rng) + "\n")
            awards += 1
        out.write("</rootTag>\n")
    return awards


def build_bomb(path: Path, gib: int) -> None:
    zeros = b"\0" * 2**20
    with (
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive,
        archive.open("awards.xml", "w", force_zip64=True) as member,
    ):
        for _ in range(gib * 1024):
            member.write(zeros)


def child(mode: str, path: str) -> None:
    import django

    django.setup()
    from django.core.files import File
    from django.core.management import call_command

    from proposals.models import Program, ProgramElement
    from proposals.services.import_runs import import_run_create, import_run_execute

    if mode == "setup":
        from bench._scratch_db import reset_database

        reset_database()
        call_command("migrate", verbosity=0)
        program = Program.objects.create(name="Fairness in AI", short_name="FAI")
        program.program_elements.add(ProgramElement.objects.create(code="114Y"))
        return
    program = Program.objects.get(short_name="FAI")
    with open(path, "rb") as upload:
        run = import_run_create(program=program, upload=File(upload, name=Path(path).name))
    done = import_run_execute(run_id=run.pk)
    assert done is not None
    print(f"{done.get_status_display()}: {done.message} {' '.join(done.errors)[:300]}")


def measured(mode: str, path: Path | str = "") -> tuple[float, float, str]:
    """Run a child; (peak RSS in MB, seconds, what it printed)."""
    with tempfile.TemporaryFile() as out:
        started = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, __file__, "--child", mode, str(path)], stdout=out, stderr=out
        )
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - started
        out.seek(0)
        printed = out.read().decode(errors="replace").strip()
    if process.returncode:
        raise SystemExit(f"{mode} failed:\n{printed}")
    return usage.ru_maxrss / 1024, seconds, printed  # ru_maxrss is in KiB on Linux


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=int, default=100)
    parser.add_argument("--bomb-gib", type=int, default=1)
    parser.add_argument("--child", nargs=2, metavar=("MODE", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return

    with tempfile.TemporaryDirectory() as scratch:
        os.environ.setdefault("FAIRPROG_VAR_DIR", scratch)
        bulk = Path(scratch) / "bulk-awards.xml"
        bomb = Path(scratch) / "zeros.zip"
        awards = build_bulk_xml(bulk, args.megabytes)
        build_bomb(bomb, args.bomb_gib)
        print(f"bulk XML: {bulk.stat().st_size / 1e6:.1f} MB, {awards:,} awards")
        print(
            f"zip of zeros: {bomb.stat().st_size / 1e6:.2f} MB compressed, "
            f"{args.bomb_gib} GiB expanded"
        )
        measured("setup")
        failed = False
        for label, path in (("import of the bulk XML", bulk), ("refusal of the zip", bomb)):
            peak, seconds, printed = measured("import", path)
            verdict = "ok" if peak < LIMIT_MB else f"OVER {LIMIT_MB} MB"
            failed |= peak >= LIMIT_MB
            print(f"{label}: peak RSS {peak:.0f} MB ({verdict}), {seconds:.1f}s")
            print(f"  {printed.splitlines()[-1] if printed else ''}")
        if failed:
            raise SystemExit(1)


if __name__ == "__main__":
    main()
