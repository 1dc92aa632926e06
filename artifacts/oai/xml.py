"""OAI-PMH 2.0 XML writers: the response envelope, headers, records (oai_dc and DataCite
kernel-4) and errors. A list is written piece by piece so a response streams."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator

from datacite import schema45
from lxml import etree

from artifacts.metadata.common import creators_of, date_of, spdx_url
from artifacts.metadata.datacite import artifact_datacite
from artifacts.models import Artifact
from artifacts.oai.protocol import FORMATS, format_datestamp

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
DC_NS = "http://purl.org/dc/elements/1.1/"
OAI_DC_NS = FORMATS["oai_dc"][1]

# DCMI Type vocabulary terms of each kind, as OpenAIRE and BASE read dc:type.
_DC_TYPES = {
    Artifact.Kind.DATASET: "Dataset",
    Artifact.Kind.TOOL: "Software",
    Artifact.Kind.METRIC: "Software",
    Artifact.Kind.MODEL: "Software",
    Artifact.Kind.TESTING_METHODOLOGY: "Text",
    Artifact.Kind.DOCUMENTATION: "Text",
    Artifact.Kind.OTHER: "Other",
}


# XML 1.0 cannot carry these control characters: dropped rather than fail a record.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _text(value: str) -> str:
    return _NOT_XML.sub("", value)


def _sub(parent: etree._Element, tag: str, text: str, **attrib: str) -> etree._Element:
    element = etree.SubElement(parent, tag, attrib)
    element.text = _text(text)
    return element


def _serialise(element: etree._Element) -> str:
    return etree.tostring(element, encoding="unicode")


def envelope_open(*, response_date: dt.datetime, base_url: str, arguments: dict[str, str]) -> str:
    request = etree.Element(f"{{{OAI_NS}}}request", nsmap={None: OAI_NS})
    request.text = base_url
    for name, value in sorted(arguments.items()):
        request.set(name, _text(value))
    request_xml = _serialise(request).replace(f' xmlns="{OAI_NS}"', "")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<OAI-PMH xmlns="{OAI_NS}" xmlns:xsi="{XSI_NS}" xsi:schemaLocation="{OAI_NS} '
        f'http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd">'
        f"<responseDate>{format_datestamp(response_date)}</responseDate>{request_xml}"
    )


ENVELOPE_CLOSE = "</OAI-PMH>"


def _fragment(element: etree._Element) -> str:
    """An element in the default OAI namespace, without repeating its declaration."""
    return _serialise(element).replace(f' xmlns="{OAI_NS}"', "", 1)


def error_document(
    *, response_date: dt.datetime, base_url: str, arguments: dict[str, str], code: str, message: str
) -> str:
    error = etree.Element(f"{{{OAI_NS}}}error", {"code": code}, nsmap={None: OAI_NS})
    error.text = _text(message)
    return (
        envelope_open(response_date=response_date, base_url=base_url, arguments=arguments)
        + _fragment(error)
        + ENVELOPE_CLOSE
    )


def verb_document(*, open_xml: str, verb: str, body: Iterable[etree._Element]) -> str:
    container = etree.Element(f"{{{OAI_NS}}}{verb}", nsmap={None: OAI_NS})
    for element in body:
        container.append(element)
    return open_xml + _fragment(container) + ENVELOPE_CLOSE


def element(tag: str, text: str = "", children: Iterable[etree._Element] = ()) -> etree._Element:
    node = etree.Element(f"{{{OAI_NS}}}{tag}", nsmap={None: OAI_NS})
    node.text = _text(text) if text else None
    for child in children:
        node.append(child)
    return node


def header(*, identifier: str, artifact: Artifact, sets: list[str]) -> etree._Element:
    node = element("header")
    if artifact.status == Artifact.Status.RETIRED:
        node.set("status", "deleted")
    _sub(node, f"{{{OAI_NS}}}identifier", identifier)
    _sub(node, f"{{{OAI_NS}}}datestamp", format_datestamp(artifact.updated_at))
    for spec in sets:
        _sub(node, f"{{{OAI_NS}}}setSpec", spec)
    return node


def set_specs(artifact: Artifact) -> list[str]:
    specs = [f"kind:{artifact.kind}"]
    cycle = artifact.award.cycle
    if cycle is not None:
        specs.append(f"cycle:{cycle.year}")
    return specs


def oai_dc(artifact: Artifact, *, page_url: str) -> etree._Element:
    root = etree.Element(
        f"{{{OAI_DC_NS}}}dc",
        nsmap={"oai_dc": OAI_DC_NS, "dc": DC_NS, "xsi": XSI_NS},
    )
    root.set(f"{{{XSI_NS}}}schemaLocation", f"{OAI_DC_NS} {FORMATS['oai_dc'][0]}")

    def dc(name: str, value: str) -> None:
        if value:
            _sub(root, f"{{{DC_NS}}}{name}", value)

    dc("title", artifact.title)
    for person in creators_of(artifact):
        dc("creator", ", ".join(p for p in (person.family_name, person.given_name) if p))
    for keyword in dict.fromkeys(k.strip() for k in artifact.keywords if k and k.strip()):
        dc("subject", keyword)
    for term in [*artifact.dimensions.all(), *artifact.tasks.all()]:
        dc("subject", term.name)
    dc("description", artifact.summary)
    institution = artifact.award.institution
    dc("publisher", institution.name if institution else "FairProg")
    dc("date", date_of(artifact))
    dc("type", _DC_TYPES[Artifact.Kind(artifact.kind)])
    dc("identifier", page_url)
    dc("identifier", artifact.doi_url)
    if artifact.landing_url != page_url:
        dc("identifier", artifact.landing_url)
    dc("relation", artifact.repository_url)
    # OpenAIRE's way of naming the funding award in Dublin Core.
    dc("relation", f"info:eu-repo/grantAgreement/NSF//{artifact.award.award_number}")
    dc("rights", spdx_url(artifact.license))
    dc("rights", "info:eu-repo/semantics/openAccess")
    return root


def oai_datacite(artifact: Artifact, *, page_url: str) -> etree._Element:
    """The kernel-4 XML resource of the artifact's DataCite JSON, rendered by DataCite's own
    serialiser (the same the project's tests validate against the kernel-4 XSD)."""
    root: etree._Element = schema45.dump_etree(artifact_datacite(artifact, page_url=page_url))
    return root


def record(*, identifier: str, artifact: Artifact, prefix: str, page_url: str) -> etree._Element:
    node = element(
        "record",
        children=[header(identifier=identifier, artifact=artifact, sets=set_specs(artifact))],
    )
    if artifact.status != Artifact.Status.RETIRED:
        writer = oai_dc if prefix == "oai_dc" else oai_datacite
        node.append(element("metadata", children=[writer(artifact, page_url=page_url)]))
    return node


def list_open(verb: str) -> str:
    return f"<{verb}>"


def list_close(
    verb: str, *, token: str | None, expires: dt.datetime | None, size: int, cursor: int
) -> str:
    """The end of a list: its resumptionToken (empty on the last page, as the protocol says)."""
    token_node = element("resumptionToken", token or "")
    token_node.set("completeListSize", str(size))
    token_node.set("cursor", str(cursor))
    if token and expires is not None:
        token_node.set("expirationDate", format_datestamp(expires))
    return _fragment(token_node) + f"</{verb}>"


def stream_items(items: Iterator[etree._Element]) -> Iterator[str]:
    for item in items:
        yield _fragment(item)
