"""Feeds for community websites and calendars: new artifacts (Atom, RSS) and public
deadlines (iCalendar). Only public data: published artifacts and public deadlines."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from django.contrib.syndication.views import Feed
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed, SyndicationFeed
from django.utils.html import escape
from django.utils.xmlutils import SimplerXMLGenerator
from django.views.decorators.http import require_GET
from icalendar import Calendar, Event

from artifacts import selectors
from artifacts.models import Artifact
from proposals.models import Cycle, Deadline
from proposals.selectors import deadline_public_queryset

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
        return selectors.CatalogueQuery.from_querydict(request.GET)

    def link(self, query: selectors.CatalogueQuery) -> str:
        encoded = self.request.GET.urlencode()
        return reverse("artifacts:list") + (f"?{encoded}" if encoded else "")

    def items(self, query: selectors.CatalogueQuery) -> list[Artifact]:
        return list(
            selectors.artifact_filtered(query)
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


def _deadline_event(deadline: Deadline, *, site: str) -> Event:
    event = Event()
    owner = deadline.cycle or deadline.award
    event.add("uid", f"deadline-{deadline.pk}@fairprog")
    event.add("dtstamp", timezone.now())
    title = deadline.label or deadline.get_kind_display()
    event.add("summary", f"{owner}: {title} due ({deadline.rule_text})")
    if deadline.time_rule == Deadline.TimeRule.SUBMITTER_LOCAL:
        # A floating time: the calendar shows 5 p.m. in whatever zone its reader is in,
        # which is exactly what "5 p.m. submitter's local time" means.
        start = dt.datetime.combine(deadline.due_date, deadline.due_time)
    else:
        # A fixed zone: the instant with its TZID (and the zone's VTIMEZONE below).
        start = deadline.due_at.astimezone(zoneinfo.ZoneInfo(deadline.time_zone))
    event.add("dtstart", start)
    event.add("dtend", start)
    cycle_page = f"{site}{reverse('artifacts:cycle-list')}"
    if deadline.cycle_id:
        cycle_page += f"#cycle-{deadline.cycle_id}"
    event.add("url", cycle_page)
    event.add(
        "description",
        f"{title} for {owner}: {deadline.due_date:%B %-d, %Y}, {deadline.rule_text}. {cycle_page}",
    )
    return event


def _calendar_bytes(deadlines: list[Deadline], *, name: str, site: str) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//FairProg//Fairness in AI deadlines//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    for deadline in deadlines:
        calendar.add_component(_deadline_event(deadline, site=site))
    calendar.add_missing_timezones()
    return calendar.to_ical()


def _ics_response(body: bytes) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="deadlines.ics"'
    return response


def _public_deadlines() -> Any:
    return deadline_public_queryset().select_related("cycle", "award").order_by("due_at")


def deadlines_calendar(*, site: str) -> bytes:
    """The calendar /feeds/deadlines.ics serves, without a request (the open-data export
    writes it too); ``site`` starts its links, e.g. "https://fairprog.example.org"."""
    return _calendar_bytes(list(_public_deadlines()), name="Fairness in AI deadlines", site=site)


@require_GET
def deadlines_ics(request: HttpRequest) -> HttpResponse:
    site = request.build_absolute_uri("/").rstrip("/")
    return _ics_response(deadlines_calendar(site=site))


@require_GET
def cycle_deadlines_ics(request: HttpRequest, cycle_id: int) -> HttpResponse:
    cycle = get_object_or_404(Cycle, pk=cycle_id)
    site = request.build_absolute_uri("/").rstrip("/")
    deadlines = list(_public_deadlines().filter(cycle=cycle))
    name = f"{cycle.solicitation_number} deadlines"
    return _ics_response(_calendar_bytes(deadlines, name=name, site=site))
