"""OAI-PMH 2.0 rules with no database: which arguments each verb takes, datestamps, the
resumption token, and the protocol's errors."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from django.core import signing

PROTOCOL_VERSION = "2.0"
DATESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
TOKEN_SALT = "artifacts.oai.resumption"  # noqa: S105 (a signing namespace, not a secret)
# A signed token of ours is a few hundred characters: anything much longer is not one.
TOKEN_MAX_LENGTH = 1024
ARGUMENT_MAX_LENGTH = 256

FORMATS: dict[str, tuple[str, str]] = {
    # prefix: (schema, namespace)
    "oai_dc": (
        "http://www.openarchives.org/OAI/2.0/oai_dc.xsd",
        "http://www.openarchives.org/OAI/2.0/oai_dc/",
    ),
    "oai_datacite": (
        "http://schema.datacite.org/meta/kernel-4.5/metadata.xsd",
        "http://datacite.org/schema/kernel-4",
    ),
}

_REQUIRED: dict[str, frozenset[str]] = {
    "Identify": frozenset(),
    "ListMetadataFormats": frozenset(),
    "ListSets": frozenset(),
    "GetRecord": frozenset({"identifier", "metadataPrefix"}),
    "ListIdentifiers": frozenset({"metadataPrefix"}),
    "ListRecords": frozenset({"metadataPrefix"}),
}
_OPTIONAL: dict[str, frozenset[str]] = {
    "Identify": frozenset(),
    "ListMetadataFormats": frozenset({"identifier"}),
    "ListSets": frozenset(),
    "GetRecord": frozenset(),
    "ListIdentifiers": frozenset({"from", "until", "set"}),
    "ListRecords": frozenset({"from", "until", "set"}),
}
# Verbs whose lists may continue with a resumption token (the exclusive argument).
_RESUMABLE = frozenset({"ListIdentifiers", "ListRecords", "ListSets"})

_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SECOND = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


class OAIError(Exception):
    """A protocol error: answered as HTTP 200 with the OAI ``error`` element."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Harvest:
    """What one list request asks for, and where in the list it is. ``until`` is frozen at the
    harvest's first response, so a record changed mid-harvest moves past it (to the next
    incremental harvest) instead of being repeated or skipped; ``after`` is the keyset
    position (datestamp as ISO text with microseconds, id) of the last record sent."""

    verb: str
    prefix: str
    set_spec: str | None
    start: dt.datetime | None
    until: dt.datetime
    after: tuple[str, int] | None = None
    cursor: int = 0
    size: int | None = None


@dataclass(frozen=True)
class Request:
    verb: str
    arguments: dict[str, str]


def format_datestamp(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime(DATESTAMP_FORMAT)


def parse_datestamp(value: str, *, name: str, end: bool) -> tuple[dt.datetime, str]:
    """A from/until argument as an aware UTC instant and its granularity ("day"/"second").
    ``until`` is inclusive at its granularity: its instant is the end of that day/second."""
    if _SECOND.match(value):
        granularity, fmt, step = "second", DATESTAMP_FORMAT, dt.timedelta(seconds=1)
    elif _DAY.match(value):
        granularity, fmt, step = "day", "%Y-%m-%d", dt.timedelta(days=1)
    else:
        raise OAIError(
            "badArgument",
            f"{name} must be a UTC datestamp YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ.",
        )
    try:
        when = dt.datetime.strptime(value, fmt).replace(tzinfo=dt.UTC)
    except ValueError:
        raise OAIError("badArgument", f"{name} is not a real date or time.") from None
    if end:
        when = when + step - dt.timedelta(microseconds=1)
    return when, granularity


def parse_request(params: Mapping[str, Sequence[str]]) -> Request:
    """The verb and its arguments, checked as the protocol says: badVerb for a missing,
    repeated or unknown verb; badArgument for a repeated, unknown, missing or malformed
    argument (including one carrying a NUL or far too long to be real)."""
    verbs = list(params.get("verb", []))
    if len(verbs) != 1:
        raise OAIError("badVerb", "Give exactly one verb." if verbs else "The verb is missing.")
    verb = verbs[0]
    if verb not in _REQUIRED:
        raise OAIError("badVerb", "The verb is not an OAI-PMH verb.")
    allowed = _REQUIRED[verb] | _OPTIONAL[verb]
    if verb in _RESUMABLE:
        allowed |= {"resumptionToken"}
    arguments: dict[str, str] = {}
    for name, values in params.items():
        if name == "verb":
            continue
        if name not in allowed:
            raise OAIError("badArgument", f"{verb} takes no argument {name[:40]!r}.")
        if len(values) != 1:
            raise OAIError("badArgument", f"The argument {name} is repeated.")
        value = values[0]
        if name == "resumptionToken":
            arguments[name] = value
            continue
        if "\x00" in value or len(value) > ARGUMENT_MAX_LENGTH:
            raise OAIError("badArgument", f"The argument {name} is not a valid value.")
        arguments[name] = value
    if "resumptionToken" in arguments:
        if len(arguments) > 1:
            raise OAIError("badArgument", "resumptionToken is an exclusive argument.")
        return Request(verb, arguments)
    missing = sorted(_REQUIRED[verb] - arguments.keys())
    if missing:
        raise OAIError("badArgument", f"{verb} requires {', '.join(missing)}.")
    return Request(verb, arguments)


def check_prefix(prefix: str) -> None:
    if prefix not in FORMATS:
        raise OAIError(
            "cannotDisseminateFormat",
            f"The metadata format is not one this repository disseminates ({', '.join(FORMATS)}).",
        )


def harvest_from(request: Request, *, now: dt.datetime) -> Harvest:
    """The first response's Harvest of a ListIdentifiers/ListRecords request."""
    args = request.arguments
    check_prefix(args["metadataPrefix"])
    start = until = None
    granularities = set()
    if "from" in args:
        start, granularity = parse_datestamp(args["from"], name="from", end=False)
        granularities.add(granularity)
    if "until" in args:
        until, granularity = parse_datestamp(args["until"], name="until", end=True)
        granularities.add(granularity)
    if len(granularities) > 1:
        raise OAIError("badArgument", "from and until must have the same granularity.")
    if start is not None and until is not None and start > until:
        raise OAIError("badArgument", "from is later than until.")
    return Harvest(
        verb=request.verb,
        prefix=args["metadataPrefix"],
        set_spec=args.get("set"),
        start=start,
        until=min(until, now) if until is not None else now,
    )


def token_encode(harvest: Harvest) -> str:
    payload: dict[str, Any] = {
        "v": harvest.verb,
        "p": harvest.prefix,
        "s": harvest.set_spec,
        "f": harvest.start.isoformat() if harvest.start else None,
        "u": harvest.until.isoformat(),
        "a": list(harvest.after) if harvest.after else None,
        "c": harvest.cursor,
        "n": harvest.size,
    }
    return signing.dumps(payload, salt=TOKEN_SALT, compress=True)


def token_decode(token: str, *, verb: str, max_age: dt.timedelta) -> Harvest:
    """The Harvest a token continues; badResumptionToken for anything we did not issue for
    this verb, or issued longer than ``max_age`` ago."""
    if len(token) > TOKEN_MAX_LENGTH or "\x00" in token or not token.isascii():
        raise OAIError("badResumptionToken", "The resumption token is not valid.")
    try:
        payload = signing.loads(token, salt=TOKEN_SALT, max_age=max_age)
    except signing.SignatureExpired:
        raise OAIError("badResumptionToken", "The resumption token has expired.") from None
    except (signing.BadSignature, ValueError, UnicodeDecodeError):
        raise OAIError("badResumptionToken", "The resumption token is not valid.") from None
    try:
        if payload["v"] != verb:
            raise OAIError("badResumptionToken", "The resumption token is for another verb.")
        after = payload["a"]
        return Harvest(
            verb=verb,
            prefix=payload["p"],
            set_spec=payload["s"],
            start=dt.datetime.fromisoformat(payload["f"]) if payload["f"] else None,
            until=dt.datetime.fromisoformat(payload["u"]),
            after=(str(after[0]), int(after[1])) if after else None,
            cursor=int(payload["c"]),
            size=None if payload["n"] is None else int(payload["n"]),
        )
    except (KeyError, TypeError, ValueError, IndexError):
        raise OAIError("badResumptionToken", "The resumption token is not valid.") from None


def next_page(harvest: Harvest, *, sent: int, last: tuple[str, int]) -> Harvest:
    return replace(harvest, after=last, cursor=harvest.cursor + sent)


SET_KIND = "kind"
SET_CYCLE = "cycle"


def parse_set(set_spec: str) -> tuple[str, str]:
    """("kind", "dataset") or ("cycle", "2021") of a setSpec; noRecordsMatch is for a well-formed
    set with nothing in it, so an unknown set is answered by the caller's empty list."""
    family, _, value = set_spec.partition(":")
    if family not in (SET_KIND, SET_CYCLE) or not value:
        raise OAIError("badArgument", "set must be kind:<kind> or cycle:<year>.")
    if family == SET_CYCLE and not (value.isdigit() and len(value) == 4):
        raise OAIError("badArgument", "A cycle set is cycle:<four-digit year>.")
    return family, value


def identifier_for(*, repository_id: str, slug: str) -> str:
    return f"oai:{repository_id}:{slug}"


def slug_from_identifier(identifier: str, *, repository_id: str) -> str:
    prefix = f"oai:{repository_id}:"
    if not identifier.startswith(prefix) or len(identifier) == len(prefix):
        raise OAIError("idDoesNotExist", "This repository has no item with that identifier.")
    return identifier[len(prefix) :]
