"""The four sources' readers on their recorded answers: search addresses, paging, the fields a
suggestion is pre-filled from, both funding shapes of OpenAlex and Zenodo, and malformed
answers failing with a message that names the source."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest

from artifacts.discovery.awards import NSF, work_matches
from artifacts.discovery.records import AwardReference, Creator, Source, SourceFormatError, WorkType
from artifacts.discovery.sources import (
    crossref,
    datacite,
    github,
    openalex,
    orcid_bare,
    spdx_id,
    zenodo,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "discovery"
READERS = {
    "datacite": datacite,
    "crossref": crossref,
    "openalex": openalex,
    "zenodo": zenodo,
    "github": github,
}
NAMES = {
    "datacite": "DataCite",
    "crossref": "Crossref",
    "openalex": "OpenAlex",
    "zenodo": "Zenodo",
    "github": "GitHub",
}
NSF_DOI = "https://doi.org/10.13039/100000001"


def _body(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def _json(name: str) -> Any:
    return json.loads(_body(name))


# (file, works read, total the answer states). Single records read as a page of one.
RECORDED = [
    ("datacite/doi-10.15125-bath-00114-dataset-epsrc.json", 1, 1),
    ("datacite/doi-10.23725-8na3-9s47-dataset-nih-no-award.json", 1, 1),
    ("datacite/doi-10.5063-f1m61h5x-software-2021.json", 1, 1),
    ("datacite/doi-10.5063-f1m61h5x-software-nsf-2026.json", 1, 1),
    ("datacite/doi-10.5281-zenodo.1239-dataset-ec-awarduri.json", 1, 1),
    ("datacite/dois-page-size-5-2020.json", 5, 18666188),
    ("datacite/dois-sample-zenodo-100-data-only.json", 100, None),
    ("datacite/stage-doi-10.21373-1563194933866-software-nsf-CBET-106.json", 1, 1),
    ("datacite/stage-doi-10.5438-h5xp-x178-nsf-null-award.json", 1, 1),
    ("datacite/stage-dois-query-fundingReferences-funderIdentifierType-page25.json", 25, 31),
    ("crossref/funders-10.13039-100000001-works-filter-has-assertion.json", 20, 281983),
    ("crossref/funders-10.13039-100000001-works-rows5.json", 5, 368301),
    ("crossref/work-10.1145-2831244.2831252-funder-without-doi.json", 1, 1),
    ("crossref/works-filter-award.funder-10.13039-100000001-sample5-2021.json", 5, 246656),
    ("crossref/works-filter-award.funder-501100001659-sample5.json", 5, 176270),
    ("crossref/works-filter-prefix-10.5555-type-journal-article-rows20.json", 20, 1205),
    ("crossref/works-query-ecology-author-boettiger.json", 20, 1253),
    ("openalex/work-doi-10.1016-j.ejphar.2015.03.018-awards-nih.json", 1, 1),
    ("openalex/work-doi-10.1145-3448016.3452841-grants-2025-10.json", 1, 1),
    ("openalex/work-doi-10.1145-3448016.3452841-grants-and-awards-2025-12.json", 1, 1),
    ("openalex/works-filter-from_publication_date-2020-01-01-to-2023-12-31-per_page-50.json",
     50, 40617474),
    ("openalex/works-sample-5.json", 5, 5),
    ("zenodo/inveniordm-rogue-scholar-record-ddhjk-a8f36-funding.json", 1, 1),
    ("zenodo/record-7752775-software-2023-09-legacy.json", 1, 1),
    ("zenodo/record-7834392-dataset.json", 1, 1),
    ("zenodo/records-search-by-doi-5173799.json", 1, 1),
    ("zenodo/records-search-keyword-cldf-2023-10.json", 10, 29),
]  # fmt: skip


def test_every_recorded_answer_is_in_the_table():
    # GitHub's recorded files (a CITATION.cff, a repository) are read in test_github.py.
    recorded = {
        str(p.relative_to(FIXTURES)) for p in FIXTURES.glob("*/*.json") if p.parent.name != "github"
    }
    assert recorded == {name for name, _, _ in RECORDED}


@pytest.mark.parametrize(("name", "count", "total"), RECORDED)
def test_read_page_reads_every_recorded_answer(name, count, total):
    page = READERS[name.split("/")[0]].read_page(_body(name), url="https://index.test/works")
    assert (len(page.works), page.total) == (count, total)
    for work in page.works:
        assert work.source.value == name.split("/")[0]
        assert work.source_id
        assert work.title
        assert work.url
        assert work.doi == work.doi.lower()
        assert not work.doi.startswith("http")
        assert work.year is None or 1900 < work.year < 2100
        assert all(not c.orcid or orcid_bare(c.orcid) == c.orcid for c in work.creators)


@pytest.mark.parametrize(
    ("reader", "url"),
    [
        (datacite, "https://api.datacite.org/dois?query=fundingReferences.awardNumber:%221939743%22"
                   "&page%5Bsize%5D=100"),
        (crossref, "https://api.crossref.org/works?filter=award.number:1939743,award.funder:"
                   "10.13039/100000001&rows=100&cursor=*&mailto=staff%40fairprog.example"),
        (openalex, "https://api.openalex.org/works?filter=awards.funder_award_id:1939743"
                   "&select=id,doi,title,display_name,type,publication_date,publication_year,"
                   "primary_location,authorships,funders,awards"
                   "&per-page=100&cursor=*&mailto=staff%40fairprog.example"),
        (zenodo, "https://zenodo.org/api/records?q=metadata.funding.award.number:%221939743%22"
                 "&size=100"),
    ],
)  # fmt: skip
def test_first_url_builds_the_award_search_of_each_source(reader, url):
    base = url.split("/dois")[0].split("/works")[0].split("/records")[0] + "/"
    built = reader.first_url(
        base_url=base,
        award_number="1939743",
        funder_id="10.13039/100000001",
        contact="staff@fairprog.example",
        page_size=100,
    )
    assert built == url


@pytest.mark.parametrize("reader", READERS.values())
def test_first_url_refuses_an_award_number_that_is_not_seven_digits(reader):
    with pytest.raises(ValueError, match="'IIS-1939743' is not seven digits"):
        reader.first_url(
            base_url="https://index.test",
            award_number="IIS-1939743",
            funder_id="",
            contact="",
            page_size=25,
        )


def test_datacite_next_page_is_links_next():
    page = datacite.read_page(_body("datacite/dois-page-size-5-2020.json"), url="ignored")
    assert page.next_url == "https://api.datacite.org/dois?page%5Bnumber%5D=2&page%5Bsize%5D=5"


def test_crossref_next_page_replaces_the_cursor_and_an_empty_page_ends():
    answer = _json("crossref/works-query-ecology-author-boettiger.json")
    answer["message"]["next-cursor"] = "DnF1ZXJ5+VGhlbkZldGNo"
    url = "https://api.crossref.org/works?filter=award.number:1942280&rows=20&cursor=*&mailto=a@b.c"
    page = crossref.read_page(json.dumps(answer).encode(), url=url)
    assert page.next_url == (
        "https://api.crossref.org/works?filter=award.number:1942280&rows=20"
        "&mailto=a%40b.c&cursor=DnF1ZXJ5%2BVGhlbkZldGNo"
    )
    answer["message"]["items"] = []
    assert crossref.read_page(json.dumps(answer).encode(), url=url).next_url is None


def test_openalex_next_page_uses_meta_next_cursor():
    answer = _json("openalex/works-sample-5.json")
    answer["meta"]["next_cursor"] = "IlsxNjA5MzcyODAwMDAwXSI="
    page = openalex.read_page(
        json.dumps(answer).encode(), url="https://api.openalex.org/works?cursor=*"
    )
    assert page.next_url == "https://api.openalex.org/works?cursor=IlsxNjA5MzcyODAwMDAwXSI%3D"
    answer["meta"]["next_cursor"] = None
    assert openalex.read_page(json.dumps(answer).encode(), url="x").next_url is None


def test_zenodo_next_page_is_links_next_and_reads_an_elasticsearch_total():
    answer = _json("zenodo/records-search-keyword-cldf-2023-10.json")
    answer["links"] = {"next": "https://zenodo.org/api/records?q=x&size=10&page=2"}
    answer["hits"]["total"] = {"value": 29, "relation": "eq"}
    page = zenodo.read_page(json.dumps(answer).encode(), url="ignored")
    assert (page.next_url, page.total) == ("https://zenodo.org/api/records?q=x&size=10&page=2", 29)


def test_datacite_reads_software_with_nsf_funding_and_orcids():
    (work,) = datacite.read_page(
        _body("datacite/doi-10.5063-f1m61h5x-software-nsf-2026.json"), url="x"
    ).works
    assert (work.doi, work.work_type, work.type_as_given) == (
        "10.5063/f1m61h5x",
        WorkType.SOFTWARE,
        "Software",
    )
    assert (work.license, work.version, work.year, work.venue) == (
        "Apache-2.0",
        "2.2.2",
        2022,
        "KNB Data Repository",
    )
    assert work.creators[0] == Creator("Jones, Matthew", "Jones", "Matthew", "0000-0003-0077-4738")
    assert work.awards[0] == AwardReference(
        "0830944", "National Science Foundation", NSF_DOI, "Crossref Funder ID"
    )
    assert len(work.awards) == 6  # awardUri names the same numbers: no second statement
    assert [m.award_number for m in work_matches(work, awards={"1546024": NSF})] == ["1546024"]


def test_datacite_reads_an_nsf_number_given_only_in_the_award_uri():
    answer = _json("datacite/doi-10.5063-f1m61h5x-software-nsf-2026.json")
    answer["data"]["attributes"]["fundingReferences"] = [
        {
            "funderName": "National Science Foundation",
            "awardNumber": "DataNet",
            "awardUri": "https://www.nsf.gov/awardsearch/showAward?AWD_ID=0830944",
        }
    ]
    (work,) = datacite.read_page(json.dumps(answer).encode(), url="x").works
    assert [r.raw_award for r in work.awards] == [
        "DataNet",
        "https://www.nsf.gov/awardsearch/showAward?AWD_ID=0830944",
    ]
    assert [m.raw_award for m in work_matches(work, awards={"0830944": NSF})] == [
        "https://www.nsf.gov/awardsearch/showAward?AWD_ID=0830944"
    ]


@pytest.mark.parametrize(
    ("general", "resource_type", "kind"),
    [("Dataset", "", WorkType.DATASET), ("Software", "", WorkType.SOFTWARE),
     ("ComputationalNotebook", "", WorkType.SOFTWARE), ("Model", "", WorkType.OTHER),
     ("Workflow", "", WorkType.OTHER), ("Workflow", "Trained model", WorkType.MODEL),
     ("Software", "Language models", WorkType.MODEL), ("Other", "Model weights", WorkType.MODEL),
     ("JournalArticle", "", WorkType.ARTICLE), ("Text", "Model card", WorkType.ARTICLE),
     ("ConferencePaper", "", WorkType.ARTICLE), ("Preprint", "", WorkType.ARTICLE),
     ("Image", "", WorkType.OTHER), ("Software", "Modelling software", WorkType.SOFTWARE)],
)  # fmt: skip
def test_datacite_work_type_comes_from_resource_type_general(general, resource_type, kind):
    answer = _json("datacite/doi-10.5063-f1m61h5x-software-nsf-2026.json")
    answer["data"]["attributes"]["types"] = {
        "resourceTypeGeneral": general,
        "resourceType": resource_type,
    }
    (work,) = datacite.read_page(json.dumps(answer).encode(), url="x").works
    assert (work.work_type, work.type_as_given) == (kind, general)


def test_datacite_reads_spdx_identifiers_and_licence_urls_of_the_zenodo_sample():
    page = datacite.read_page(_body("datacite/dois-sample-zenodo-100-data-only.json"), url="x")
    licences = {w.license for w in page.works}
    assert licences == {
        "",
        "CC-BY-4.0",
        "CC0-1.0",
        "CC-BY-SA-4.0",
        "MIT",
        "CC-BY-NC-SA-4.0",
        "CC-BY-NC-ND-3.0",
        "CC-BY-NC-SA-2.0",
    }
    kinds = {w.work_type for w in page.works}
    assert kinds == {WorkType.ARTICLE, WorkType.DATASET, WorkType.SOFTWARE, WorkType.OTHER}


def test_crossref_reads_funders_with_and_without_a_funder_id():
    (work,) = crossref.read_page(
        _body("crossref/work-10.1145-2831244.2831252-funder-without-doi.json"), url="x"
    ).works
    assert (work.work_type, work.type_as_given) == (WorkType.ARTICLE, "proceedings-article")
    assert AwardReference("1561041", "National Science Foundation award") in work.awards


def test_crossref_reads_award_and_award_info_once_and_the_funder_id_list():
    page = crossref.read_page(
        _body("crossref/funders-10.13039-100000001-works-filter-has-assertion.json"), url="x"
    )
    references = [r for w in page.works for r in w.awards]
    dms = AwardReference(
        "DMS 1663813", "National Science Foundation", "10.13039/100000001", "Crossref Funder ID"
    )
    assert references.count(dms) == 1
    # A funder named without any award is kept as given; it matches nothing.
    assert AwardReference("", "NSF", "10.13039/100000001", "Crossref Funder ID") in references


def test_crossref_reads_type_venue_licence_date_and_orcid():
    page = crossref.read_page(_body("crossref/works-query-ecology-author-boettiger.json"), url="x")
    first = page.works[0]
    assert (first.doi, first.venue, first.published, first.year) == (
        "10.1111/ele.14024",
        "Ecology Letters",
        dt.date(2022, 5, 30),
        2022,
    )
    assert first.creators[0].orcid == "0000-0002-1642-628X"
    assert {w.type_as_given: w.work_type for w in page.works} == {
        "journal-article": WorkType.ARTICLE,
        "posted-content": WorkType.ARTICLE,
        "dataset": WorkType.DATASET,
    }
    assert {w.license for w in page.works} == {"", "CC-BY-4.0", "CC-BY-NC-ND-4.0"}


def test_openalex_reads_the_transition_shape_once_with_the_funders_ror():
    (work,) = openalex.read_page(
        _body("openalex/work-doi-10.1145-3448016.3452841-grants-and-awards-2025-12.json"), url="x"
    ).works
    nsf = [r for r in work.awards if r.funder_name == "National Science Foundation"]
    assert [(r.funder_id, r.funder_id_type) for r in nsf] == [("https://ror.org/021nxhr62", "ROR")]
    assert (work.source_id, work.doi, work.year) == ("W3174427814", "10.1145/3448016.3452841", 2021)
    assert work.venue == "Proceedings of the 2021 International Conference on Management of Data"


def test_openalex_reads_the_older_grants_shape_by_openalex_funder_id():
    (work,) = openalex.read_page(
        _body("openalex/work-doi-10.1145-3448016.3452841-grants-2025-10.json"), url="x"
    ).works
    nsf = [r for r in work.awards if r.funder_name == "National Science Foundation"]
    assert [(r.funder_id, r.funder_id_type) for r in nsf] == [
        ("https://openalex.org/F4320306076", "OpenAlex")
    ]
    assert {m.award_number for m in work_matches(work, awards={"1947789": NSF})} == {"1947789"}


def test_zenodo_reads_the_native_funding_shape():
    (work,) = zenodo.read_page(
        _body("zenodo/inveniordm-rogue-scholar-record-ddhjk-a8f36-funding.json"), url="x"
    ).works
    assert work.awards == (AwardReference("777523", "European Commission", "00k4n6c32", "ROR"),)
    assert (work.doi, work.license, work.type_as_given, work.work_type) == (
        "10.53731/r79s4nh-97aq74v-ag4t1",
        "CC-BY-4.0",
        "publication-blogpost",
        WorkType.OTHER,
    )
    assert work.creators[0].orcid == "0000-0003-1419-2405"


def test_zenodo_matches_nsf_funding_by_ror_and_an_award_id_without_number():
    answer = _json("zenodo/inveniordm-rogue-scholar-record-ddhjk-a8f36-funding.json")
    answer["metadata"]["funding"] = [
        {
            "funder": {"id": "021nxhr62", "name": "U.S. National Science Foundation"},
            "award": {"number": "1939743", "title": {"en": "FAI: Fair speech"}},
        },
        {"funder": {"id": "021nxhr62"}, "award": {"id": "021nxhr62::2040800"}},
    ]
    (work,) = zenodo.read_page(json.dumps(answer).encode(), url="x").works
    matches = work_matches(work, awards={"1939743": NSF, "2040800": NSF})
    assert [(m.award_number, m.funder_as_given) for m in matches] == [
        ("1939743", "U.S. National Science Foundation (021nxhr62)"),
        ("2040800", "021nxhr62"),
    ]


def test_zenodo_reads_the_legacy_grants_of_older_records():
    answer = _json("zenodo/record-7752775-software-2023-09-legacy.json")
    answer["metadata"]["grants"] = [
        {"code": "1939743", "funder": {"doi": "10.13039/100000001", "name": "NSF"}},
        {
            "internal_id": "10.13039/501100001711::2040800",
            "funder": {"doi": "10.13039/501100001711"},
        },
    ]
    (work,) = zenodo.read_page(json.dumps(answer).encode(), url="x").works
    assert (work.work_type, work.license, work.version, work.venue) == (
        WorkType.SOFTWARE,
        "MIT",
        "v3.0.1",
        "Zenodo",
    )
    assert [r.raw_award for r in work.awards] == ["1939743", "2040800"]
    matches = work_matches(work, awards={"1939743": NSF, "2040800": NSF})
    assert [m.award_number for m in matches] == ["1939743"]


@pytest.mark.parametrize("source", READERS)
@pytest.mark.parametrize("body", [b"", b"<html>", b"{}", b'{"data": 5}', b"[]", b"\xff\xfe"])
def test_read_page_refuses_malformed_answers_naming_the_source(source, body):
    with pytest.raises(SourceFormatError, match=f"^{NAMES[source]} answer "):
        READERS[source].read_page(body, url="https://index.test/works")


@pytest.mark.parametrize(
    ("reader", "body", "what"),
    [
        (datacite, {"data": [{"id": "10.1/x", "attributes": {"fundingReferences": "NSF"}}]},
         "'fundingReferences' that is text, not a list"),
        (datacite, {"data": [5]}, "an entry of 'data' that is a number, not an object"),
        (crossref, {"message": {"items": 5}}, "'message.items' that is not a list"),
        (crossref, {"message": {"items": [{"DOI": "10.1000/x", "funder": [{"award": {}}]}]}},
         "funder.award that is an object, not a list"),
        (openalex, {"results": {}}, "'results' that is not a list"),
        (openalex, {"id": "W1", "grants": [{"award_id": ["1939743"]}]},
         "grants.award_id that is a list, not text"),
        (zenodo, {"hits": {"hits": 5}}, "no 'hits.hits' list"),
        (zenodo, {"id": 1, "metadata": {"title": "x", "funding": [{"award": "1939743"}]}},
         "funding.award that is text, not an object"),
    ],
)  # fmt: skip
def test_read_page_refuses_wrong_types_naming_the_field(reader, body, what):
    with pytest.raises(SourceFormatError, match=re.escape(what)):
        reader.read_page(json.dumps(body).encode(), url="x")


@pytest.mark.parametrize(
    ("given", "spdx"),
    [("cc-by-4.0", "CC-BY-4.0"), ("MIT", "MIT"), ("apache-2.0", "Apache-2.0"),
     ("gpl-3.0", "GPL-3.0-only"), ("https://creativecommons.org/licenses/by/4.0/legalcode",
     "CC-BY-4.0"), ("http://creativecommons.org/licenses/by-nc-sa/2.0/", "CC-BY-NC-SA-2.0"),
     ("https://creativecommons.org/publicdomain/zero/1.0", "CC0-1.0"),
     ("https://opensource.org/licenses/MIT", "MIT"), ("https://spdx.org/licenses/BSD-3-Clause.html",
     "BSD-3-Clause"), ("http://www.apache.org/licenses/LICENSE-2.0", "Apache-2.0"),
     ("info:eu-repo/semantics/openAccess", ""), ("other-pd", ""), ("notspecified", ""),
     ("http://onlinelibrary.wiley.com/termsAndConditions#vor", ""), ("", "")],
)  # fmt: skip
def test_spdx_id_recognises_identifiers_and_licence_urls(given, spdx):
    assert spdx_id(given) == spdx


@pytest.mark.parametrize(
    ("given", "orcid"),
    [("https://orcid.org/0000-0002-2192-403X", "0000-0002-2192-403X"),
     ("0000-0002-1642-628x", "0000-0002-1642-628X"), ("0000-0002-1642-6281", ""), ("", "")],
)  # fmt: skip
def test_orcid_bare_keeps_only_checksum_valid_ids(given, orcid):
    assert orcid_bare(given) == orcid


def test_every_source_has_a_reader():
    assert set(READERS) == {source.value for source in Source}


def test_creators_are_read_when_first_asked_for_and_unreadable_entries_left_out():
    answer = {
        "message": {
            "items": [
                {
                    "DOI": "10.1000/x",
                    "author": [
                        {"family": "Lake", "given": "Quinten"},
                        {"family": {"not": "a name"}},
                        {"name": "The FairProg Team"},
                    ],
                }
            ]
        }
    }
    (work,) = crossref.read_page(json.dumps(answer).encode(), url="x").works
    assert [creator.name for creator in work.creators] == ["Lake, Quinten", "The FairProg Team"]
    assert len(work.creators) == 2
    lake, team = Creator("Lake, Quinten", "Lake", "Quinten"), Creator("The FairProg Team")
    assert work.creators == (lake, team)
