"""Feeds for community websites and calendars: new artifacts (Atom, RSS) and public
deadlines (iCalendar). Only public data: published artifacts and public deadlines."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from xml.sax.xmlreader import AttributesImpl

from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed, SyndicationFeed
from django.utils.html import escape
from django.utils.xmlutils import SimplerXMLGenerator
from django.views.decorators.http import require_safe

from artifacts.calendar import cycle_deadlines_calendar, deadline_calendar, deadlines_calendar
from artifacts.metadata.common import orcid_url
from artifacts.models import Artifact
from artifacts.selectors.search import CatalogueQuery, artifact_filtered
from proposals.models import Cycle

FEED_ITEMS = 50
# Who publishes the feed: the catalogue. RFC 4287 §4.1.1 wants an author on the feed when
# an entry has none of its own (an artifact whose record names no creators).
FEED_AUTHOR = "FairProg, the Fairness in AI program's catalogue"
DUBLIN_CORE = "http://purl.org/dc/elements/1.1/"


@dataclass(frozen=True)
class Creator:
    """One person an entry names as its author: the name, and their ORCID iD if known.
    Never an e-mail address: people's addresses are private."""

    name: str
    uri: str


class TextSummaryAtom1Feed(Atom1Feed):
    """Atom with plain-text summaries and one ``<author>`` per creator, in their order.

    Django writes every summary as type="html", which tells readers to render it as markup:
    an artifact's summary is text its authors typed, and "<img onerror=…>" in it must reach
    a reader as those characters. And Django writes one author per entry: several people
    joined into one name would be one person to every reader and indexer."""

    def add_item_elements(self, handler: SimplerXMLGenerator, item: dict[str, Any]) -> None:
        super().add_item_elements(handler, {**item, "description": None})
        for creator in item["creators"]:
            handler.startElement("author", AttributesImpl({}))
            handler.addQuickElement("name", creator.name)
            if creator.uri:
                handler.addQuickElement("uri", creator.uri)
            handler.endElement("author")
        if item["description"] is not None:
            handler.addQuickElement("summary", item["description"], {"type": "text"})


class CreatorsRss201rev2Feed(Rss201rev2Feed):
    """RSS 2.0 with one Dublin Core ``<dc:creator>`` per creator, in their order. (RSS's own
    ``<author>`` is an e-mail address, which the catalogue never publishes.)"""

    def rss_attributes(self) -> dict[str, str]:
        return {**super().rss_attributes(), "xmlns:dc": DUBLIN_CORE}

    def add_item_elements(self, handler: SimplerXMLGenerator, item: dict[str, Any]) -> None:
        super().add_item_elements(handler, item)
        for creator in item["creators"]:
            handler.addQuickElement("dc:creator", creator.name)


@dataclass(frozen=True)
class FeedRequest:
    """What one request asks of the feed: the catalogue query and how it was written, and
    the site's root. Kept per request, never on the Feed, which all requests share."""

    query: CatalogueQuery
    encoded: str  # the query string as the reader subscribed to it
    site: str  # e.g. "https://fairprog.example.org/"


class ArtifactsAtomFeed(Feed):
    """Newly published artifacts; the catalogue's query parameters make it a saved search."""

    feed_type: type[SyndicationFeed] = TextSummaryAtom1Feed
    title = "FairProg: new open-source artifacts of the Fairness in AI program"
    subtitle = "Datasets, metrics, tools, testing methodologies, models and documentation."
    author_name = FEED_AUTHOR
    url_name = "feed-atom"  # the route of the feed itself, for rel="self"

    def __call__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # A feed is read, never written: GET and HEAD (RFC 9110 §9.1), 405 for the rest.
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD"])
        return super().__call__(request, *args, **kwargs)

    def get_object(self, request: HttpRequest, *args: Any, **kwargs: Any) -> FeedRequest:
        return FeedRequest(
            query=CatalogueQuery.from_querydict(request.GET),
            encoded=request.GET.urlencode(),
            site=request.build_absolute_uri("/"),
        )

    def _with_query(self, path: str, obj: FeedRequest) -> str:
        return path + (f"?{obj.encoded}" if obj.encoded else "")

    def link(self, obj: FeedRequest) -> str:
        return self._with_query(reverse("artifacts:list"), obj)

    def feed_url(self, obj: FeedRequest) -> str:
        # rel="self" names the saved search itself, not the unfiltered feed.
        return self._with_query(reverse(f"artifacts:{self.url_name}"), obj)

    def author_link(self, obj: FeedRequest) -> str:
        return obj.site

    def items(self, obj: FeedRequest) -> list[Artifact]:
        return list(
            artifact_filtered(obj.query)
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

    def item_extra_kwargs(self, item: Artifact) -> dict[str, Any]:
        # creator_links come in their order (the model's ordering survives the prefetch).
        creators = [
            Creator(name=link.person.full_name, uri=orcid_url(link.person))
            for link in item.creator_links.all()
        ]
        return {"creators": creators}

    def item_categories(self, item: Artifact) -> list[str]:
        return [item.get_kind_display(), *item.keywords]


class ArtifactsRssFeed(ArtifactsAtomFeed):
    """RSS has no way to say "plain text": its description is HTML, and readers take a
    title that looks like markup as markup too. Both are escaped, so that what readers
    render is the text as typed. (Categories and the creators are read as text.)"""

    feed_type = CreatorsRss201rev2Feed
    description = ArtifactsAtomFeed.subtitle
    url_name = "feed-rss"

    def item_title(self, item: Artifact) -> str:
        return str(escape(super().item_title(item)))

    def item_description(self, item: Artifact) -> str:
        return str(escape(super().item_description(item)))


def _ics_response(body: bytes, filename: str = "deadlines.ics") -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@require_safe
def deadlines_ics(request: HttpRequest) -> HttpResponse:
    site = request.build_absolute_uri("/").rstrip("/")
    return _ics_response(deadlines_calendar(site=site))


@require_safe
def cycle_deadlines_ics(request: HttpRequest, cycle_id: int) -> HttpResponse:
    cycle = get_object_or_404(Cycle, pk=cycle_id)
    site = request.build_absolute_uri("/").rstrip("/")
    return _ics_response(cycle_deadlines_calendar(cycle, site=site))


@require_safe
def deadline_ics(request: HttpRequest, deadline_id: int) -> HttpResponse:
    """One public deadline as a calendar of one event: its "Add to calendar" link."""
    body = deadline_calendar(deadline_id, site=request.build_absolute_uri("/").rstrip("/"))
    if body is None:
        raise Http404("No public deadline has this number.")
    return _ics_response(body, filename=f"deadline-{deadline_id}.ics")
