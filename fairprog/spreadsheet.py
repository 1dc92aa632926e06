"""Cells of the CSV and XLSX files FairProg writes, made safe to open in a spreadsheet.

A spreadsheet takes a cell starting with = + - @ (or a tab or carriage return before one)
as a formula: a title ``=HYPERLINK("http://evil.example/","x")`` would become a live link,
``@SUM(1+1)`` a sum (OWASP "CSV injection"). Every such text cell is written with a
single quote in front, so it is shown as the text it is; numbers, and text that is just a
number ("-12.5"), are left alone and stay numbers. Every CSV and XLSX writer goes through
``safe_cell``: the open-data files, the chart downloads and the admin exports.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import Any

from import_export.formats import base_formats

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def safe_cell(value: Any) -> Any:
    """``value`` as a cell no spreadsheet runs: text that would start a formula gets a
    leading single quote; anything else (numbers, dates, other text) is returned as is."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(value):
        return f"'{value}"
    return value


def safe_row(values: Iterable[Any]) -> list[Any]:
    return [safe_cell(value) for value in values]


class SafeCsvWriter:
    """csv.writer whose rows go through safe_cell."""

    def __init__(self, out: Any, **kwargs: Any) -> None:
        self._writer = csv.writer(out, **kwargs)

    def writerow(self, values: Iterable[Any]) -> Any:
        return self._writer.writerow(safe_row(values))

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for values in rows:
            self.writerow(values)


class _SafeCells:
    """Admin export formats (django-import-export) whose every cell goes through safe_cell.
    The library's own IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT only drops one leading "="
    (so "==1+1" still runs, and "@", "+", "-" are not looked at) and turns numbers into
    text; this replaces it."""

    def _escape_formulae(self, dataset: Any) -> None:
        rows = [safe_row(row) for row in dataset]
        del dataset[:]  # tablib: removes the rows, keeps the headers
        for row in rows:
            dataset.append(row)
        dataset.headers = safe_row(dataset.headers or []) or None

    def export_data(self, dataset: Any, **kwargs: Any) -> Any:
        self._escape_formulae(dataset)  # whatever the setting says; a second pass is a no-op
        return super().export_data(dataset, **kwargs)  # type: ignore[misc]


class CSV(_SafeCells, base_formats.CSV):
    pass


class XLSX(_SafeCells, base_formats.XLSX):
    pass
