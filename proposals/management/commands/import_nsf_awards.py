"""Import NSF award data (bulk XML, API JSON, bulk JSON; files, directories, zips)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from fairprog.commands import DocumentedCommand
from fairprog.errors import DomainError
from proposals.models import Program
from proposals.nsf.documents import DocumentSet
from proposals.nsf.records import normalize_element_code
from proposals.nsf.report import SKIP_REASONS
from proposals.services.imports import ImportAborted, ImportProgress, ImportSummary, awards_import


class Command(DocumentedCommand):
    """Import NSF awards into a program. Reads bulk XML, Award Search API JSON and the
    one-file-per-award bulk JSON, from files, directories and .zip archives. Re-importing the
    same data changes nothing."""

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", type=Path, help="files, directories or zips")
        parser.add_argument(
            "--program",
            help="short name of the program to import into (default: the only program)",
        )
        parser.add_argument(
            "--element",
            action="append",
            default=[],
            metavar="CODE",
            help="program element code that marks an award as the program's (repeatable; "
            "default: the program's own codes, e.g. 114Y for FAI)",
        )
        parser.add_argument(
            "--all", action="store_true", help="import every award, whatever its program element"
        )
        parser.add_argument(
            "--skip-bad",
            action="store_true",
            help="skip malformed files and records (listed in the summary) instead of aborting",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="report what would change; write nothing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        paths: list[Path] = options["paths"]
        missing = [str(p) for p in paths if not p.exists()]
        if missing:
            raise CommandError(f"No such file or directory: {', '.join(missing)}")
        program = self._program(options["program"])
        codes = {normalize_element_code(c) for c in options["element"]} or None

        # Read twice (checked, then written), streamed: any size fits in memory.
        documents = DocumentSet(paths)
        total = documents.count()
        self.stdout.write(
            f"Importing {total:,} document(s) into {program.short_name}"
            + (" (dry run: nothing will be written)" if options["dry_run"] else "")
        )
        try:
            summary = awards_import(
                documents=documents,
                program=program,
                element_codes=codes,
                import_all=options["all"],
                skip_bad=options["skip_bad"],
                dry_run=options["dry_run"],
                documents_total=total,
                progress=self._progress,
            )
        except ImportAborted as exc:
            self._finish_progress()
            self._print_bad(exc.summary)
            self._print_skipped(exc.summary)
            raise CommandError(exc.message) from exc
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self._finish_progress()
        self._print_summary(summary, verbosity=options["verbosity"])
        if summary.bad:
            # Skipped bad input still makes the run a partial failure for scripts.
            raise CommandError(f"{len(summary.bad)} bad input(s) were skipped (listed above).")

    def _program(self, short_name: str | None) -> Program:
        if short_name:
            try:
                return Program.objects.get(short_name__iexact=short_name)
            except Program.DoesNotExist:
                names = ", ".join(Program.objects.values_list("short_name", flat=True)) or "none"
                raise CommandError(f"No program {short_name!r}. Programs: {names}.") from None
        programs = list(Program.objects.all()[:2])
        if len(programs) != 1:
            raise CommandError("Name the program with --program (there is not exactly one).")
        return programs[0]

    _progress_shown = False

    def _progress(self, progress: ImportProgress) -> None:
        summary = progress.summary
        rate = progress.done / progress.elapsed if progress.elapsed > 0 else 0.0
        remaining = (progress.total - progress.done) / rate if rate and progress.total else 0.0
        unit = "documents" if progress.phase == "reading" else "awards"
        skipped = summary.skipped_other_program + summary.skipped_no_program_element
        line = (
            f"{progress.phase}: {progress.done:,}/{progress.total:,} {unit} · "
            f"created {summary.created:,} updated {summary.updated:,} "
            f"unchanged {summary.unchanged:,} skipped {skipped:,} bad {len(summary.bad):,} · "
            f"{rate:,.0f} {unit}/s · ETA {remaining:,.0f}s"
        )
        if sys.stdout.isatty():
            self.stdout.write("\r" + line.ljust(110), ending="")
            self._progress_shown = True
        else:
            self.stdout.write(line)

    def _finish_progress(self) -> None:
        if self._progress_shown:
            self.stdout.write("")
            self._progress_shown = False

    def _print_bad(self, summary: ImportSummary) -> None:
        for problem in summary.bad:
            self.stderr.write(f"  bad: {problem}")

    def _print_skipped(self, summary: ImportSummary) -> None:
        """Each award left out, and why: an award of another program is no error, but
        staff need to know which one it was."""
        if not summary.skipped:
            return
        self.stdout.write("Skipped awards:")
        for entry in summary.skipped:
            number = entry["award_number"] or "(award number not read)"
            title = f" “{entry['title']}”" if entry["title"] else ""
            reason = SKIP_REASONS.get(entry["reason"], entry["reason"])
            self.stdout.write(f"  {number}{title}: {reason}: {entry['why']} [{entry['source']}]")
        if summary.skipped_unlisted:
            self.stdout.write(f"  … and {summary.skipped_unlisted:,} more, not listed.")

    def _print_summary(self, summary: ImportSummary, *, verbosity: int) -> None:
        if verbosity >= 2 or summary.dry_run:
            for change in summary.changes:
                self.stdout.write(f"  {change}")
        self._print_bad(summary)
        self._print_skipped(summary)
        counts = ", ".join(f"{value:,} {name}" for name, value in summary.as_counts().items())
        rate = summary.awards_read / summary.seconds if summary.seconds else 0.0
        verb = "Would import" if summary.dry_run else "Imported"
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb}: {counts} in {summary.seconds:.1f}s ({rate:,.0f} awards/s)."
            )
        )
        if not summary.written:
            self.stdout.write("Nothing would change." if summary.dry_run else "Nothing changed.")
