"""Feeds for community websites and calendars: new artifacts (Atom, RSS) and public
deadlines (iCalendar). Only public data: published artifacts and public deadlines."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.syndication.views import Feed
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed, SyndicationFeed
from django.utils.html import escape
from django.utils.xmlutils import SimplerXMLGenerator
from django.views.decorators.http import require_GET

from artifacts.calendar import cycle_deadlines_calendar, deadlines_calendar
from artifacts.models import Artifact
from artifacts.selectors.search import CatalogueQuery, artifact_filtered
from proposals.models import Cycle

FEED_ITEMS = 50


class TextSummaryAtom1Feed(Atom1Feed):
    """Atom with plain-text summaries. Django writes every summary as type="html", which
    tells readers to render it as markup: an artifact's summary is text its authors typed,
    and "<img onerror=…>" in it must reach a reader as those characters."""

    def add_item_elements(self, handler: SimplerXMLGenerator, item: dict[str, Any]) -> None:
        super().add_item_elements(handler, {**item, "description": None})
        if item["description"] is not None:
            handler.addQuickElement("summary", item["description"], {"type": "text"})


class ArtifactsAtomFeed(Feed):
    """Newly published artifacts; the catalogue's query parameters make it a saved search."""

    feed_type: type[SyndicationFeed] = TextSummaryAtom1Feed
    title = "FairProg: new open-source artifacts of the Fairness in AI program"
    subtitle = "Datasets, metrics, tools, testing methodologies, models and documentation."

    def get_object(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        self.request = request
        return CatalogueQuery.from_querydict(request.GET)

    def link(self, query: CatalogueQuery) -> str:
        encoded = self.request.GET.urlencode()
        return reverse("artifacts:list") + (f"?{encoded}" if encoded else "")

    def items(self, query: CatalogueQuery) -> list[Artifact]:
        return list(
            artifact_filtered(query)
            .select_related("award__institution")
            .prefetch_related("creator_links__person")
            .order_by("-published_at", "-pk")[:FEED_ITEMS]
        )

    def item_title(self, item: Artifact) -> str:
        return f"{item.title} ({item.get_kind_display()})"

    def item_description(self, item: Artifact) -> str:
        institution = item.award.institution.name if item.award.institution else ""
        return f"{item.summary} NSF award {item.award.award_number}. {institution}".strip()

    def item_link(self, item: Artifact) -> str:
        return reverse("artifacts:detail", args=[item.slug])

    def item_guid(self, item: Artifact) -> str:
        return f"urn:fairprog:artifact:{item.pk}"

    item_guid_is_permalink = False

    def item_pubdate(self, item: Artifact) -> dt.datetime | None:
        return item.published_at

    def item_updateddate(self, item: Artifact) -> dt.datetime:
        return item.updated_at

    def item_author_name(self, item: Artifact) -> str:
        return ", ".join(link.person.full_name for link in item.creator_links.all())

    def item_categories(self, item: Artifact) -> list[str]:
        return [item.get_kind_display(), *item.keywords]


class ArtifactsRssFeed(ArtifactsAtomFeed):
    """RSS has no way to say "plain text": its description is HTML, and readers take a
    title that looks like markup as markup too. Both are escaped, so that what readers
    render is the text as typed. (Categories and the creator are read as text.)"""

    feed_type = Rss201rev2Feed
    description = ArtifactsAtomFeed.subtitle

    def item_title(self, item: Artifact) -> str:
        return str(escape(super().item_title(item)))

    def item_description(self, item: Artifact) -> str:
        return str(escape(super().item_description(item)))


def _ics_response(body: bytes) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="deadlines.ics"'
    return response


@require_GET
def deadlines_ics(request: HttpRequest) -> HttpResponse:
    site = request.build_absolute_uri("/").rstrip("/")
    return _ics_response(deadlines_calendar(site=site))


@require_GET
def cycle_deadlines_ics(request: HttpRequest, cycle_id: int) -> HttpResponse:
    cycle = get_object_or_404(Cycle, pk=cycle_id)
    site = request.build_absolute_uri("/").rstrip("/")
    return _ics_response(cycle_deadlines_calendar(cycle, site=site))
