"""The public page "The program in numbers" (/numbers/) and its CSV downloads: awards,
funding and published artifacts only; nothing about proposals."""

from __future__ import annotations

from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from artifacts.models import ArtifactLink, LinkState
from artifacts.selectors.artifacts import artifact_listed_queryset
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
    return render(
        request,
        "numbers.html",
        {
            "charts": list(charts.values()),
            "totals": totals,
            "link_checks": _link_checks(
                charts["links"].total("artifacts", where=[LinkState.UNCHECKED])
            ),
        },
    )


def _link_checks(unchecked_artifacts: int) -> dict[str, int | bool]:
    """Whether any link of a published artifact has been checked, and how many wait for a
    first check: before the checker has run (a machine without network never runs it),
    "0 artifacts whose links work" would read as every link failing. Counted only when the
    link chart shows artifacts with unchecked links; otherwise every link was checked."""
    if not unchecked_artifacts:
        return {"none_checked": False, "unchecked_links": 0}
    counts = ArtifactLink.objects.filter(artifact__in=artifact_listed_queryset()).aggregate(
        unchecked=Count("pk", filter=Q(state=LinkState.UNCHECKED)),
        checked=Count("pk", filter=~Q(state=LinkState.UNCHECKED)),
    )
    return {"none_checked": not counts["checked"], "unchecked_links": counts["unchecked"]}
