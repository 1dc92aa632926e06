"""OAI-PMH protocol rules at /oai: every error as the protocol says (HTTP 200 with the OAI
error element, valid against OAI-PMH.xsd), hostile input, and the resumption token."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import signing

from artifacts.oai import protocol
from artifacts.oai.protocol import OAIError
from tests.oai.conftest import OAI, error_code, oai_get

pytestmark = pytest.mark.django_db

HOST = "127.0.0.1"  # the host of the test settings' SITE_URL


def _code(client, oai_schema, **params: str) -> str | None:
    return error_code(oai_get(client, oai_schema, **params))


def test_a_missing_verb_is_bad_verb(client, oai_schema):
    assert _code(client, oai_schema) == "badVerb"


def test_an_unknown_verb_is_bad_verb(client, oai_schema):
    assert _code(client, oai_schema, verb="ListEverything") == "badVerb"


def test_a_repeated_verb_is_bad_verb(client, oai_schema):
    response = client.get("/oai?verb=Identify&verb=Identify")
    assert response.status_code == 200
    assert b'code="badVerb"' in response.content


def test_a_repeated_argument_is_bad_argument(client, oai_schema, catalogue):
    response = client.get("/oai?verb=ListRecords&metadataPrefix=oai_dc&metadataPrefix=oai_dc")
    assert b'code="badArgument"' in response.content


def test_an_unknown_argument_is_bad_argument(client, oai_schema):
    assert _code(client, oai_schema, verb="Identify", color="red") == "badArgument"


def test_a_missing_required_argument_is_bad_argument(client, oai_schema):
    assert _code(client, oai_schema, verb="GetRecord", metadataPrefix="oai_dc") == "badArgument"


@pytest.mark.parametrize(
    "when",
    ["2021-13-01", "yesterday", "2021-01-01T10:00:00", "2021-01-01T10:00:00+01:00", "9" * 300],
)
def test_a_malformed_datestamp_is_bad_argument(client, oai_schema, when):
    assert (
        _code(client, oai_schema, verb="ListRecords", metadataPrefix="oai_dc", **{"from": when})
        == "badArgument"
    )


def test_mixed_granularities_are_bad_argument(client, oai_schema):
    params = {"from": "2021-01-01", "until": "2022-01-01T00:00:00Z"}
    assert (
        _code(client, oai_schema, verb="ListIdentifiers", metadataPrefix="oai_dc", **params)
        == "badArgument"
    )


def test_a_token_with_other_arguments_is_bad_argument(client, oai_schema):
    code = _code(
        client, oai_schema, verb="ListRecords", metadataPrefix="oai_dc", resumptionToken="x"
    )
    assert code == "badArgument"


def test_an_unknown_format_is_cannot_disseminate_format(client, oai_schema, catalogue):
    assert (
        _code(client, oai_schema, verb="ListRecords", metadataPrefix="marc21")
        == "cannotDisseminateFormat"
    )


def test_get_record_of_an_artifact_without_doi_in_datacite_cannot_disseminate(
    client, oai_schema, catalogue
):
    no_doi = catalogue["published"][4]
    code = _code(
        client,
        oai_schema,
        verb="GetRecord",
        metadataPrefix="oai_datacite",
        identifier=f"oai:{HOST}:{no_doi.slug}",
    )
    assert code == "cannotDisseminateFormat"


@pytest.mark.parametrize("slug", ["hidden-draft", "hidden-submitted", "hidden-rejected", "nope"])
def test_a_non_public_or_unknown_identifier_does_not_exist(client, oai_schema, catalogue, slug):
    code = _code(
        client,
        oai_schema,
        verb="GetRecord",
        metadataPrefix="oai_dc",
        identifier=f"oai:{HOST}:{slug}",
    )
    assert code == "idDoesNotExist"


def test_an_identifier_of_another_repository_does_not_exist(client, oai_schema, catalogue):
    slug = catalogue["published"][0].slug
    code = _code(
        client, oai_schema, verb="ListMetadataFormats", identifier=f"oai:elsewhere.org:{slug}"
    )
    assert code == "idDoesNotExist"


def test_an_empty_selection_is_no_records_match(client, oai_schema, catalogue):
    code = _code(
        client, oai_schema, verb="ListIdentifiers", metadataPrefix="oai_dc", until="1999-01-01"
    )
    assert code == "noRecordsMatch"


def test_a_set_with_nothing_in_it_is_no_records_match(client, oai_schema, catalogue):
    code = _code(client, oai_schema, verb="ListRecords", metadataPrefix="oai_dc", set="cycle:1999")
    assert code == "noRecordsMatch"


def test_a_malformed_set_is_bad_argument(client, oai_schema, catalogue):
    code = _code(client, oai_schema, verb="ListRecords", metadataPrefix="oai_dc", set="color:red")
    assert code == "badArgument"


def test_metadata_formats_of_an_artifact_without_doi_are_only_oai_dc(client, oai_schema, catalogue):
    document = oai_get(
        client,
        oai_schema,
        verb="ListMetadataFormats",
        identifier=f"oai:{HOST}:{catalogue['published'][4].slug}",
    )
    prefixes = [e.text for e in document.iter(f"{OAI}metadataPrefix")]
    assert prefixes == ["oai_dc"]


@pytest.mark.parametrize(
    "token",
    [
        "forged",
        signing.dumps({"v": "ListRecords"}, salt="another.salt"),
        "A" * 5000,
        "abc\u00e9def",
    ],
    ids=["forged", "other-salt", "huge", "non-ascii"],
)
def test_a_token_we_did_not_issue_is_bad_resumption_token(client, oai_schema, token):
    assert _code(client, oai_schema, verb="ListRecords", resumptionToken=token) == (
        "badResumptionToken"
    )


def test_a_truncated_token_is_bad_resumption_token(client, oai_schema):
    token = protocol.token_encode(_harvest())
    assert _code(client, oai_schema, verb="ListRecords", resumptionToken=token[:-6]) == (
        "badResumptionToken"
    )


def test_a_token_with_nul_in_a_multipart_post_is_bad_resumption_token(client):
    # Multipart bodies pass the site's NUL guard (it reads query strings and url-encoded
    # forms), so the endpoint must refuse the token itself.
    response = client.post("/oai", {"verb": "ListRecords", "resumptionToken": "ab\x00cd"})
    assert response.status_code == 200
    assert b'code="badResumptionToken"' in response.content


def test_a_token_for_another_verb_is_bad_resumption_token(client, oai_schema):
    token = protocol.token_encode(_harvest())
    assert _code(client, oai_schema, verb="ListIdentifiers", resumptionToken=token) == (
        "badResumptionToken"
    )


def test_an_expired_token_is_bad_resumption_token():
    token = protocol.token_encode(_harvest())
    with pytest.raises(OAIError) as raised:
        protocol.token_decode(token, verb="ListRecords", max_age=dt.timedelta(seconds=-1))
    assert raised.value.code == "badResumptionToken"


def test_a_token_round_trips_its_position():
    harvest = protocol.next_page(_harvest(), sent=3, last=("2026-01-02T03:04:05.123456+00:00", 7))
    decoded = protocol.token_decode(
        protocol.token_encode(harvest), verb="ListRecords", max_age=dt.timedelta(hours=1)
    )
    assert decoded == harvest


def test_until_of_a_day_includes_the_whole_day():
    until, granularity = protocol.parse_datestamp("2021-03-04", name="until", end=True)
    assert granularity == "day"
    assert until == dt.datetime(2021, 3, 4, 23, 59, 59, 999999, tzinfo=dt.UTC)


def test_list_sets_with_a_token_is_bad_resumption_token(client, oai_schema):
    assert _code(client, oai_schema, verb="ListSets", resumptionToken="x") == "badResumptionToken"


def test_post_is_answered_like_get(client, oai_schema, catalogue):
    response = client.post("/oai", {"verb": "Identify"})
    assert response.status_code == 200
    assert b"<repositoryName>" in response.content


def test_identify_says_what_harvesters_need(client, oai_schema, catalogue, settings):
    document = oai_get(client, oai_schema, verb="Identify")
    identify = document.find(f"{OAI}Identify")
    assert identify is not None
    values = {child.tag.removeprefix(OAI): child.text for child in identify}
    assert values["baseURL"] == f"{settings.SITE_URL}/oai"
    assert values["deletedRecord"] == "persistent"
    assert values["granularity"] == "YYYY-MM-DDThh:mm:ssZ"
    assert values["protocolVersion"] == "2.0"
    assert "@" in values["adminEmail"]
    assert "<" not in values["adminEmail"]


def test_list_sets_names_kinds_and_cycle_years(client, oai_schema, catalogue):
    document = oai_get(client, oai_schema, verb="ListSets")
    specs = {e.text for e in document.iter(f"{OAI}setSpec")}
    assert {"kind:dataset", "kind:tool", "cycle:2021", "cycle:2022"} <= specs


def _harvest() -> protocol.Harvest:
    return protocol.Harvest(
        verb="ListRecords",
        prefix="oai_dc",
        set_spec=None,
        start=None,
        until=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        size=10,
    )
