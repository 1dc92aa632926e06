"""The OAI-PMH 2.0 endpoint at /oai: parse the verb and arguments, read through the OAI
selectors, write the XML (lists stream, a page at a time)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterator
from email.utils import parseaddr
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from artifacts.metadata.datacite import datacite_available
from artifacts.models import Artifact
from artifacts.oai import protocol
from artifacts.oai import xml as oai_xml
from artifacts.oai.protocol import OAIError
from artifacts.selectors import oai as selectors

CONTENT_TYPE = "text/xml; charset=utf-8"
# OAI-PMH.xsd's pattern of adminEmail.
_EMAIL = re.compile(r"^\S+@(\S+\.)+\S+$")


def _repository_id() -> str:
    configured = getattr(settings, "OAI_REPOSITORY_ID", "")
    return configured or urlsplit(settings.SITE_URL).hostname or "fairprog.invalid"


def _page_size() -> int:
    return int(getattr(settings, "OAI_PAGE_SIZE", 500))


def _token_lifetime() -> dt.timedelta:
    return dt.timedelta(seconds=int(getattr(settings, "OAI_TOKEN_SECONDS", 24 * 3600)))


def _base_url() -> str:
    return settings.SITE_URL + reverse("artifacts:oai")


def _page_url(artifact: Artifact) -> str:
    return settings.SITE_URL + reverse("artifacts:detail", args=[artifact.slug])


def _admin_email() -> str:
    """The program's contact address; OAI-PMH requires a dotted domain, which a development
    default such as noreply@localhost lacks, so then one at the repository's own host."""
    address = getattr(settings, "PROGRAM_CONTACT_EMAIL", "") or settings.DEFAULT_FROM_EMAIL
    for candidate in (parseaddr(address)[1], f"noreply@{_repository_id()}"):
        if _EMAIL.match(candidate):
            return candidate
    return "noreply@fairprog.invalid"


@csrf_exempt
@require_http_methods(["GET", "POST", "HEAD"])
def endpoint(request: HttpRequest) -> HttpResponseBase:
    now = timezone.now().replace(microsecond=0)
    params = request.POST if request.method == "POST" else request.GET
    lists = {name: params.getlist(name) for name in params}
    echoed: dict[str, str] = {}
    try:
        parsed = protocol.parse_request(lists)
        echoed = {"verb": parsed.verb, **parsed.arguments}
        open_xml = oai_xml.envelope_open(response_date=now, base_url=_base_url(), arguments=echoed)
        return _answer(parsed, open_xml=open_xml, now=now)
    except OAIError as error:
        return HttpResponse(
            oai_xml.error_document(
                response_date=now,
                base_url=_base_url(),
                arguments=echoed if error.code not in ("badVerb", "badArgument") else {},
                code=error.code,
                message=error.message,
            ),
            content_type=CONTENT_TYPE,
        )


def _answer(parsed: protocol.Request, *, open_xml: str, now: dt.datetime) -> HttpResponseBase:
    args = parsed.arguments
    if parsed.verb == "Identify":
        return _document(open_xml, "Identify", _identify())
    if parsed.verb == "ListMetadataFormats":
        prefixes = list(protocol.FORMATS)
        if "identifier" in args:
            artifact = _get(args["identifier"])
            if artifact.status != Artifact.Status.RETIRED and not datacite_available(artifact):
                prefixes = ["oai_dc"]
        return _document(open_xml, "ListMetadataFormats", [_format(p) for p in prefixes])
    if parsed.verb == "ListSets":
        if "resumptionToken" in args:
            raise OAIError("badResumptionToken", "ListSets is complete in one response.")
        sets = [
            oai_xml.element(
                "set", children=[oai_xml.element("setSpec", spec), oai_xml.element("setName", name)]
            )
            for spec, name in selectors.oai_set_list()
        ]
        return _document(open_xml, "ListSets", sets)
    if parsed.verb == "GetRecord":
        protocol.check_prefix(args["metadataPrefix"])
        artifact = _get(args["identifier"])
        if (
            args["metadataPrefix"] == "oai_datacite"
            and artifact.status != Artifact.Status.RETIRED
            and not datacite_available(artifact)
        ):
            raise OAIError("cannotDisseminateFormat", "This record has no DOI: no DataCite record.")
        node = _record(artifact, args["metadataPrefix"])
        return _document(open_xml, "GetRecord", [node])
    return _list(parsed, open_xml=open_xml, now=now)


def _document(open_xml: str, verb: str, body: list) -> HttpResponse:
    return HttpResponse(
        oai_xml.verb_document(open_xml=open_xml, verb=verb, body=body), content_type=CONTENT_TYPE
    )


def _identify() -> list:
    e = oai_xml.element
    return [
        e("repositoryName", "FairProg: artifacts of the Program on Fairness in AI"),
        e("baseURL", _base_url()),
        e("protocolVersion", protocol.PROTOCOL_VERSION),
        e("adminEmail", _admin_email()),
        e("earliestDatestamp", protocol.format_datestamp(selectors.oai_earliest_datestamp())),
        e("deletedRecord", "persistent"),
        e("granularity", "YYYY-MM-DDThh:mm:ssZ"),
    ]


def _format(prefix: str) -> object:
    schema, namespace = protocol.FORMATS[prefix]
    e = oai_xml.element
    return e(
        "metadataFormat",
        children=[
            e("metadataPrefix", prefix),
            e("schema", schema),
            e("metadataNamespace", namespace),
        ],
    )


def _get(identifier: str) -> Artifact:
    slug = protocol.slug_from_identifier(identifier, repository_id=_repository_id())
    try:
        return selectors.oai_record_get(slug=slug)
    except Artifact.DoesNotExist:
        raise OAIError(
            "idDoesNotExist", "This repository has no item with that identifier."
        ) from None


def _record(artifact: Artifact, prefix: str) -> object:
    return oai_xml.record(
        identifier=protocol.identifier_for(repository_id=_repository_id(), slug=artifact.slug),
        artifact=artifact,
        prefix=prefix,
        page_url=_page_url(artifact),
    )


def _list(parsed: protocol.Request, *, open_xml: str, now: dt.datetime) -> HttpResponseBase:
    if "resumptionToken" in parsed.arguments:
        harvest = protocol.token_decode(
            parsed.arguments["resumptionToken"], verb=parsed.verb, max_age=_token_lifetime()
        )
    else:
        harvest = protocol.harvest_from(parsed, now=timezone.now())
    set_spec = protocol.parse_set(harvest.set_spec) if harvest.set_spec else None
    qs = selectors.oai_filtered(
        set_spec=set_spec,
        start=harvest.start,
        until=harvest.until,
        with_doi=harvest.prefix == "oai_datacite",
    )
    if harvest.size is None:
        harvest = dataclasses.replace(harvest, size=qs.count())
    size = _page_size()
    rows = selectors.oai_page(
        qs, after=harvest.after, size=size, metadata=parsed.verb == "ListRecords"
    )
    first = next(rows, None)
    if first is None:
        # Also when every remaining record changed since the last page: they moved past the
        # harvest's frozen until, to the next incremental harvest.
        raise OAIError("noRecordsMatch", "No records match the request.")
    return StreamingHttpResponse(
        _stream(parsed.verb, harvest, rows, first, open_xml=open_xml, now=now, size=size),
        content_type=CONTENT_TYPE,
    )


def _stream(
    verb: str,
    harvest: protocol.Harvest,
    rows: Iterator[Artifact],
    first: Artifact | None,
    *,
    open_xml: str,
    now: dt.datetime,
    size: int,
) -> Iterator[str]:
    yield open_xml + oai_xml.list_open(verb)
    sent = 0
    last: Artifact | None = None
    more = False
    pending = [first] if first is not None else []
    for artifact in _chain(pending, rows):
        if sent == size:
            more = True
            break
        if verb == "ListRecords":
            node = _record(artifact, harvest.prefix)
        else:
            node = oai_xml.header(
                identifier=protocol.identifier_for(
                    repository_id=_repository_id(), slug=artifact.slug
                ),
                artifact=artifact,
                sets=oai_xml.set_specs(artifact),
            )
        yield from oai_xml.stream_items(iter([node]))
        sent += 1
        last = artifact
    token = None
    if more and last is not None:
        token = protocol.token_encode(
            protocol.next_page(harvest, sent=sent, last=(last.updated_at.isoformat(), last.pk))
        )
    if token or harvest.cursor:
        yield oai_xml.list_close(
            verb,
            token=token,
            expires=now + _token_lifetime(),
            size=harvest.size or 0,
            cursor=harvest.cursor,
        )
    else:
        yield f"</{verb}>"
    yield oai_xml.ENVELOPE_CLOSE


def _chain(pending: list[Artifact], rows: Iterator[Artifact]) -> Iterator[Artifact]:
    yield from pending
    yield from rows
