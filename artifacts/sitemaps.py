"""The sitemaps crawlers read (https://www.sitemaps.org/protocol.html): every public artifact
page, funded project, institution and person with a public role, the cycles page and the
catalogue's other public pages, each section
with the date it last changed so that the index tells a crawler which to fetch again.

Rows are read as tuples (no model instances, no query per row) and the dates the sections
share are one aggregate each, read once per request, so a sitemap of 100,000 artifacts
costs a handful of queries."""

from __future__ import annotations

import datetime as dt
from functools import cached_property
from typing import TYPE_CHECKING, Any

from django.contrib.sitemaps import Sitemap
from django.db.models import F, Max, Q, QuerySet
from django.db.models.functions import Coalesce, Greatest
from django.urls import reverse

from artifacts.models import Artifact, ArtifactCreator
from artifacts.opendata.snapshot import open_data_current
from artifacts.selectors.artifacts import artifact_listed_queryset, artifact_public_queryset
from artifacts.selectors.projects import person_public_queryset
from proposals.models import Award, Deadline, Organization

# Stands in for a row's slug or award number in its page's route, reversed once per
# sitemap rather than once per row (reversing is what would cost at 100,000 rows).
_PLACEHOLDER = "0sitemap0"

Row = tuple[str, dt.datetime]

# Sitemap is generic in django-stubs only; at run time it takes no type argument.
if TYPE_CHECKING:
    _RowBase = Sitemap[Row]
    _PageBase = Sitemap[str]
else:
    _RowBase = _PageBase = Sitemap


def _latest(*instants: dt.datetime | None) -> dt.datetime | None:
    return max((instant for instant in instants if instant is not None), default=None)


def _last_updated(records: QuerySet[Any], field: str = "updated_at") -> dt.datetime | None:
    latest: dt.datetime | None = records.aggregate(latest=Max(field))["latest"]
    return latest


class CatalogueStamps:
    """When each kind of public record last changed, each read at most once."""

    @cached_property
    def artifacts(self) -> dt.datetime | None:
        """Public artifact pages, retired ones included (retiring one moves it)."""
        return _last_updated(artifact_public_queryset())

    @cached_property
    def listed_artifacts(self) -> dt.datetime | None:
        """Published artifacts: the ones that lists and counts show."""
        return _last_updated(artifact_listed_queryset())

    @cached_property
    def awards(self) -> dt.datetime | None:
        return _last_updated(Award.objects.all())

    @cached_property
    def deadlines(self) -> dt.datetime | None:
        """The last change to a public deadline: cycles keep no timestamp of their own, and
        the deadlines are what their page is read for."""
        history = Deadline.history.model.objects.filter(visibility=Deadline.Visibility.PUBLIC)
        return _last_updated(history, "history_date")

    @cached_property
    def open_data(self) -> dt.datetime | None:
        snapshot = open_data_current()
        return snapshot.created if snapshot else None


class _RowSitemap(_RowBase):
    """A section whose items are (path argument, last change) rows, in a stable order so
    that its pages do not shift while a crawler reads them."""

    route = ""

    def __init__(self, stamps: CatalogueStamps) -> None:
        self.stamps = stamps

    @cached_property
    def _route_template(self) -> str:
        return reverse(self.route, args=[_PLACEHOLDER])

    def location(self, item: Row) -> str:
        return self._route_template.replace(_PLACEHOLDER, item[0])

    def lastmod(self, item: Row) -> dt.datetime:
        return item[1]


class ArtifactSitemap(_RowSitemap):
    """Every artifact with a public page. A retired artifact keeps its page (it says the
    artifact is retired, and citations lead to it), so it stays listed; retiring it moves
    its updated_at, which is then its lastmod. Drafts and submissions have no page."""

    route = "artifacts:detail"

    def items(self) -> QuerySet[Any]:
        return artifact_public_queryset().order_by("pk").values_list("slug", "updated_at")

    def get_latest_lastmod(self) -> dt.datetime | None:
        return self.stamps.artifacts


class ProjectSitemap(_RowSitemap):
    """Every funded project's page; it changes with the award and with the published
    artifacts it lists."""

    route = "artifacts:project-detail"

    def items(self) -> QuerySet[Any]:
        listed = Max("artifacts__updated_at", filter=Q(artifacts__status=Artifact.Status.PUBLISHED))
        return (
            Award.objects.annotate(
                changed=Greatest("updated_at", Coalesce(listed, F("updated_at")))
            )
            .order_by("pk")
            .values_list("award_number", "changed")
        )

    def get_latest_lastmod(self) -> dt.datetime | None:
        return _latest(self.stamps.awards, self.stamps.listed_artifacts)


class _IdRowSitemap(_RowSitemap):
    """A section whose pages are named by an integer id (the route takes no placeholder
    text, so a number no row has stands in for it)."""

    _ID_PLACEHOLDER = 987654321012

    @cached_property
    def _route_template(self) -> str:
        return reverse(self.route, args=[self._ID_PLACEHOLDER])

    def location(self, item: Row) -> str:
        return self._route_template.replace(str(self._ID_PLACEHOLDER), str(item[0]))


def _listed(prefix: str) -> Q:
    return Q(**{f"{prefix}status": Artifact.Status.PUBLISHED})


class InstitutionSitemap(_IdRowSitemap):
    """Every award's institution; its page changes with its awards and with the published
    artifacts they list."""

    route = "artifacts:institution-detail"

    def items(self) -> QuerySet[Any]:
        listed = Max("awards__artifacts__updated_at", filter=_listed("awards__artifacts__"))
        return (
            Organization.objects.annotate(last_award=Max("awards__updated_at"))
            .filter(last_award__isnull=False)
            .annotate(changed=Greatest("last_award", Coalesce(listed, F("last_award"))))
            .order_by("pk")
            .values_list("pk", "changed")
        )

    def get_latest_lastmod(self) -> dt.datetime | None:
        return _latest(self.stamps.awards, self.stamps.listed_artifacts)


class PersonSitemap(_IdRowSitemap):
    """Every person with a public role, dated by the latest change to their awards or to the
    public artifacts they created (a person keeps no timestamp of their own)."""

    route = "artifacts:person-detail"

    def items(self) -> QuerySet[Any]:
        created = ArtifactCreator.objects.filter(artifact__in=artifact_public_queryset())
        awards = Max("award_roles__award__updated_at")
        artifacts = Max(
            "artifact_links__artifact__updated_at",
            filter=Q(artifact_links__in=created.values("pk")),
        )
        return (
            person_public_queryset()
            .annotate(last_award=awards, last_artifact=artifacts)
            .annotate(
                changed=Greatest(
                    Coalesce("last_award", "last_artifact"), Coalesce("last_artifact", "last_award")
                )
            )
            .order_by("pk")
            .values_list("pk", "changed")
        )

    def get_latest_lastmod(self) -> dt.datetime | None:
        return _latest(self.stamps.awards, self.stamps.artifacts)


class _PageSitemap(_PageBase):
    """Pages named by their route, each dated by what it shows."""

    def __init__(self, stamps: CatalogueStamps) -> None:
        self.stamps = stamps

    def dates(self) -> dict[str, dt.datetime | None]:
        raise NotImplementedError

    @cached_property
    def _dates(self) -> dict[str, dt.datetime | None]:
        return self.dates()

    def items(self) -> list[str]:
        return list(self._dates)

    def location(self, item: str) -> str:
        return reverse(item)

    def lastmod(self, item: str) -> dt.datetime | None:
        return self._dates[item]

    def get_latest_lastmod(self) -> dt.datetime | None:
        return _latest(*self._dates.values())


class CycleSitemap(_PageSitemap):
    """The cycles page: cycles with their public deadlines and award counts."""

    def dates(self) -> dict[str, dt.datetime | None]:
        return {"artifacts:cycle-list": _latest(self.stamps.deadlines, self.stamps.awards)}


class PageSitemap(_PageSitemap):
    """The catalogue's other public pages (the cycles page is its own section)."""

    def dates(self) -> dict[str, dt.datetime | None]:
        stamps = self.stamps
        return {
            "artifacts:home": _latest(stamps.artifacts, stamps.awards, stamps.deadlines),
            "artifacts:list": stamps.artifacts,
            "artifacts:project-list": _latest(stamps.awards, stamps.artifacts),
            "numbers": _latest(stamps.awards, stamps.artifacts),
            "artifacts:open-data": stamps.open_data,
        }


SECTIONS = ("pages", "cycles", "projects", "institutions", "people", "artifacts")


def catalogue_sitemaps() -> dict[str, type[Sitemap[Any]] | Sitemap[Any]]:
    """The sections of /sitemap.xml by name, new for each request (their dates are read
    once per request and must not outlive it)."""
    stamps = CatalogueStamps()
    return {
        "pages": PageSitemap(stamps),
        "cycles": CycleSitemap(stamps),
        "projects": ProjectSitemap(stamps),
        "institutions": InstitutionSitemap(stamps),
        "people": PersonSitemap(stamps),
        "artifacts": ArtifactSitemap(stamps),
    }
