"""Who co-authored a publication with whom: the publications of any award (from the year the
window starts), their authors matched to people by ORCID iD, else by name as the importer
matches names. Registered with proposals' conflict rules when the app loads."""

from __future__ import annotations

import datetime as dt
from itertools import combinations

from django.db.models import Q

from artifacts.models import Publication
from proposals.models import Person
from proposals.validators import person_name_key


def coauthor_pairs(people: set[int], since: dt.date) -> set[frozenset[int]]:
    """Pairs of these people who are authors of one publication of year ``since.year`` or
    later (a publication has a year, not a date: the window is read generously)."""
    if len(people) < 2:
        return set()
    by_orcid: dict[str, int] = {}
    by_name: dict[str, int] = {}
    for pk, orcid, name_key in Person.objects.filter(pk__in=people).values_list(
        "pk", "orcid", "name_key"
    ):
        if orcid:
            by_orcid[orcid.upper()] = pk
        if name_key:
            by_name.setdefault(name_key, pk)
    pairs: set[frozenset[int]] = set()
    recent = Publication.objects.filter(Q(year__gte=since.year) | Q(year__isnull=True))
    for authors in recent.values_list("authors", flat=True).iterator(chunk_size=2000):
        found = set()
        for author in authors if isinstance(authors, list) else []:
            if not isinstance(author, dict):
                continue
            orcid = str(author.get("orcid") or "").upper()
            person = by_orcid.get(orcid) if orcid else None
            if person is None:
                person = by_name.get(person_name_key(str(author.get("name") or ""), ""))
            if person is not None:
                found.add(person)
        pairs.update(frozenset(pair) for pair in combinations(sorted(found), 2))
    return pairs
