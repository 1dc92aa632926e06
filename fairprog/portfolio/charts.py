"""What a chart is: category labels, one series per column, and the drawing, table and CSV
made from them. Pure shaping of numbers already read; the reads are in the other modules."""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.http import HttpResponse

from fairprog.spreadsheet import SafeCsvWriter

# Colour-blind-safe colours (Okabe and Ito), fixed per meaning so a colour never changes
# what it stands for from one chart to the next. Tables beside every chart carry the same
# numbers, so no chart depends on colour alone.
BLUE, SKY, GREEN, ORANGE = "#0072B2", "#56B4E9", "#009E73", "#E69F00"
VERMILLION, PURPLE, GREY = "#D55E00", "#CC79A7", "#7B8794"
NOT_RECORDED = "Not recorded"


@dataclass(frozen=True)
class Series:
    """One column of a chart's table; drawn as a dataset unless it is ``table_only``."""

    key: str
    label: str
    values: list[Any]
    colour: str = BLUE
    kind: str = "count"  # count, money or percent
    table_only: bool = False
    # One colour per bar, when each category has a colour of its own (e.g. link states).
    colours: list[str] | None = None

    def shown(self, value: Any) -> str:
        if value is None:
            return "\N{EN DASH}"
        if self.kind == "money":
            return f"${value:,.0f}"
        if self.kind == "percent":
            return f"{value:.1f} %"
        return f"{value:,}"

    def plotted(self, value: Any) -> float | int:
        if value is None:
            return 0
        return float(value) if isinstance(value, Decimal | float) else int(value)

    def exported(self, value: Any) -> Any:
        """The value in a CSV cell: empty when unknown, amounts with their cents."""
        if value is None:
            return ""
        if self.kind == "money":
            return f"{Decimal(value):.2f}"
        return value


@dataclass(frozen=True)
class Chart:
    """A chart's numbers: category labels down the side of its table, one series per
    column. The same object feeds the drawing (``spec``), the HTML table and the CSV."""

    key: str
    title: str
    description: str
    category: str  # the heading of the label column, e.g. "Cycle year"
    axis: str  # what the value axis measures, e.g. "Proposals"
    labels: list[str]
    series: list[Series]
    horizontal: bool = False
    stacked: bool = False
    # Labels under the bars when they say more than the table's first column (e.g. a rate).
    tick_labels: list[list[str]] | None = None
    notes: list[str] = field(default_factory=list)
    # Machine keys of the labels (e.g. link states), when the labels are words for people.
    keys: list[str] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not any(v for s in self.series if not s.table_only for v in s.values)

    @property
    def money(self) -> bool:
        return any(s.kind == "money" for s in self.series if not s.table_only)

    @property
    def height(self) -> int:
        """Pixels for the drawing: horizontal bars get room per label."""
        if self.horizontal:
            return max(180, 56 + 30 * len(self.labels))
        return 320

    def spec(self) -> dict[str, Any]:
        """What dashboard.js needs to draw the chart (read from a json_script element)."""
        drawn = [s for s in self.series if not s.table_only]
        return {
            "labels": self.tick_labels or self.labels,
            "datasets": [
                {
                    "label": s.label,
                    "data": [s.plotted(v) for v in s.values],
                    "colour": s.colours or s.colour,
                }
                for s in drawn
            ],
            "horizontal": self.horizontal,
            "stacked": self.stacked,
            "money": self.money,
            "axis": self.axis,
        }

    def rows(self) -> list[tuple[str, list[str]]]:
        """The table's rows: each label with its values as shown."""
        return [
            (label, [s.shown(s.values[i]) for s in self.series])
            for i, label in enumerate(self.labels)
        ]

    def to_csv(self) -> str:
        out = io.StringIO()
        writer = SafeCsvWriter(out)
        writer.writerow([self.category, *(_csv_heading(s) for s in self.series)])
        for i, label in enumerate(self.labels):
            writer.writerow([label, *(s.exported(s.values[i]) for s in self.series)])
        return out.getvalue()

    def total(self, key: str, *, where: Iterable[str] | None = None) -> Any:
        """The sum of one series, or of its values for the given category keys."""
        values = next(s.values for s in self.series if s.key == key)
        keys = self.keys or self.labels
        wanted = set(where) if where is not None else None
        return sum(
            (
                v
                for k, v in zip(keys, values, strict=True)
                if v is not None and (wanted is None or k in wanted)
            ),
            start=0,
        )


def _csv_heading(series: Series) -> str:
    if series.kind == "money":
        return f"{series.label} (USD)"
    if series.kind == "percent":
        return f"{series.label} (%)"
    return series.label


def chart_csv_response(chart: Chart, *, filename: str) -> HttpResponse:
    """A chart's table as a CSV download, for the staff dashboard and /numbers/ alike."""
    return HttpResponse(
        chart.to_csv(),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
