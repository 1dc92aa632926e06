"""FAIR Signposting of an artifact page (https://signposting.org/FAIR/): the typed links that
lead a machine from the page to its identifier, metadata, authors, license and content, as
an HTTP ``Link`` header (RFC 8288) and as a link set (RFC 9264, JSON and text)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.urls import reverse

from artifacts.metadata.common import creators_of, orcid_url, spdx_url
from artifacts.metadata.formats import alternate_formats
from artifacts.metadata.jsonld import download_type, schema_type
from artifacts.models import Artifact, ArtifactLink
from artifacts.selectors.links import artifact_links_public

SCHEMA = "https://schema.org/"
LINKSET_JSON = "application/linkset+json"
LINKSET_TEXT = "application/linkset"
# The Link header names at most this many items: a header past a few kilobytes is cut or
# refused by proxies; the link set carries every one.
HEADER_ITEMS = 20
# Relations in the order the FAIR profile lists them; a link set keeps this order too.
RELATIONS = ("cite-as", "describedby", "type", "author", "license", "item", "linkset")


@dataclass(frozen=True)
class Signpost:
    """One typed link from the artifact's page."""

    rel: str
    href: str
    media_type: str = ""


def schema_types(artifact: Artifact) -> list[str]:
    """The schema.org types of the page: what the artifact is (as its JSON-LD says), and
    that the page is about it."""
    kind = schema_type(artifact)
    return [f"{SCHEMA}{kind}", f"{SCHEMA}AboutPage"]


def artifact_signposts(
    artifact: Artifact, *, page_url: str, absolute: Callable[[str], str]
) -> list[Signpost]:
    """Every signpost of the artifact's page at ``page_url``; ``absolute`` makes a site path
    an absolute URL. Reads nothing but what the artifact has loaded (its creators and links
    prefetched, as artifact_get_public does)."""
    found = [Signpost("cite-as", f"https://doi.org/{artifact.doi}" if artifact.doi else page_url)]
    # Whatever the page announces as <link rel="alternate">, so a format added there is
    # signposted too.
    found += [
        Signpost("describedby", absolute(alternate.href), alternate.media_type)
        for alternate in alternate_formats(artifact)
    ]
    found += [Signpost("type", url) for url in schema_types(artifact)]
    found += [
        Signpost("author", orcid_url(person)) for person in creators_of(artifact) if person.orcid
    ]
    if artifact.license:
        found.append(Signpost("license", spdx_url(artifact.license)))
    # A retired artifact keeps its identifier, metadata, authors and license: citations made
    # while it was published must still resolve to the page that says it is retired. It
    # offers no items: those are the content a client would fetch and reuse, and retiring
    # an artifact is the catalogue saying not to.
    if not artifact.is_retired:
        found += [
            Signpost("item", link.url, download_type(link.url) or "")
            for link in artifact_links_public(artifact)
            if link.role != ArtifactLink.Role.DOI
        ]
    found += [
        Signpost("linkset", absolute(reverse(route, args=[artifact.slug])), media_type)
        for route, media_type in (
            ("artifacts:linkset-json", LINKSET_JSON),
            ("artifacts:linkset", LINKSET_TEXT),
        )
    ]
    return found


def page_link_header(artifact: Artifact, *, page_url: str, absolute: Callable[[str], str]) -> str:
    """The ``Link`` header of the artifact's page."""
    return link_header(artifact_signposts(artifact, page_url=page_url, absolute=absolute))


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _link_value(signpost: Signpost, *, anchor: str = "") -> str:
    """One link-value of RFC 8288 §3. Targets are URLs the catalogue validated (no ``>``,
    no whitespace), so they go between angle brackets as they are."""
    parts = [f"<{signpost.href}>", f"rel={_quoted(signpost.rel)}"]
    if signpost.media_type:
        parts.append(f"type={_quoted(signpost.media_type)}")
    if anchor:
        parts.append(f"anchor={_quoted(anchor)}")
    return " ; ".join(parts)


def link_header(signposts: Iterable[Signpost], *, item_limit: int = HEADER_ITEMS) -> str:
    """The ``Link`` header field value: every signpost but items past ``item_limit``."""
    values, items = [], 0
    for signpost in signposts:
        if signpost.rel == "item":
            items += 1
            if items > item_limit:
                continue
        values.append(_link_value(signpost))
    return ", ".join(values)


def _linkset_signposts(signposts: Iterable[Signpost]) -> list[Signpost]:
    """The signposts a link set holds: all but the links to link sets themselves."""
    return [signpost for signpost in signposts if signpost.rel != "linkset"]


def linkset_json(signposts: Iterable[Signpost], *, anchor: str) -> dict[str, Any]:
    """The link set in RFC 9264's JSON format: the page's links anchored at the page, and
    each metadata record's link back to the page it describes (FAIR Signposting level 2)."""
    own = _linkset_signposts(signposts)
    context: dict[str, Any] = {"anchor": anchor}
    for rel in RELATIONS:
        targets = [
            {"href": s.href, **({"type": s.media_type} if s.media_type else {})}
            for s in own
            if s.rel == rel
        ]
        if targets:
            context[rel] = targets
    records = [
        {"anchor": s.href, "describes": [{"href": anchor, "type": "text/html"}]}
        for s in own
        if s.rel == "describedby"
    ]
    return {"linkset": [context, *records]}


def linkset_json_text(signposts: Iterable[Signpost], *, anchor: str) -> str:
    return json.dumps(linkset_json(signposts, anchor=anchor), indent=2, ensure_ascii=False)


def linkset_text(signposts: Iterable[Signpost], *, anchor: str) -> str:
    """The link set in RFC 9264's native format: RFC 8288 link-values with an explicit
    anchor, one a line (§4.1 allows the line breaks)."""
    own = _linkset_signposts(signposts)
    values = [_link_value(signpost, anchor=anchor) for signpost in own]
    values += [
        _link_value(Signpost("describes", anchor, "text/html"), anchor=s.href)
        for s in own
        if s.rel == "describedby"
    ]
    return ",\n".join(values) + "\n"
