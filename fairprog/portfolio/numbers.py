"""The public page "The program in numbers" (/numbers/) and its CSV downloads: awards,
funding and published artifacts only; nothing about proposals."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from artifacts.models import LinkState
from fairprog.portfolio.charts import chart_csv_response
from fairprog.portfolio.public_charts import PUBLIC_CHARTS


@require_safe
def numbers(request: HttpRequest) -> HttpResponse:
    if request.GET.get("format") == "csv":
        key = request.GET.get("chart", "")
        if key not in PUBLIC_CHARTS:
            raise Http404("No such chart.")
        filename = f"fairprog-{key}-{timezone.localdate():%Y-%m-%d}.csv"
        return chart_csv_response(PUBLIC_CHARTS[key](), filename=filename)
    charts = {key: build() for key, build in PUBLIC_CHARTS.items()}
    totals = {
        "projects": charts["funding"].total("awards"),
        "awarded": charts["funding"].total("awarded"),
        "artifacts": charts["kinds"].total("artifacts"),
        "working_links": charts["links"].total(
            "artifacts", where=[LinkState.OK, LinkState.REDIRECTED]
        ),
    }
    return render(request, "numbers.html", {"charts": list(charts.values()), "totals": totals})
