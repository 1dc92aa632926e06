"""Award numbers read out of every award string the recorded answers hold, funders recognised by
identifier or exact name, and works matched to the program's awards with the reason."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from artifacts.discovery.awards import (
    NSF,
    AwardMatch,
    FunderIdentity,
    award_numbers_in,
    funder_matches,
    work_matches,
)
from artifacts.discovery.records import AwardReference, FoundWork, Source, WorkType

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "discovery"
NSF_DOI = "https://doi.org/10.13039/100000001"
# The sources whose recorded search answers are here; GitHub's recorded files (a CITATION.cff,
# a repository) and their award strings are read in test_github.py.
SEARCH_ANSWERS = [source for source in Source if source is not Source.GITHUB]

# Every award string in tests/fixtures/discovery/ (award numbers, awardUri values that name a
# number, grant codes), with the seven-digit numbers read from it. A number glued to a
# letters-only prefix counts ("RB1210041", "KP1605010" are other funders' codes that happen to
# look like NSF's: the funder check, not the number, turns them away); six digits ("CCF 805476",
# "010286") and eight or more ("SBE-16302040", "101081839") yield nothing.
RECORDED_WITH_NUMBERS = {
    "RB1210041": ("1210041",),
    "RB1410602": ("1410602",),
    "0830944": ("0830944",),
    "1262458": ("1262458",),
    "1430508": ("1430508",),
    "1443062": ("1443062",),
    "1546024": ("1546024",),
    "2042102": ("2042102",),
    "DMS 1663813": ("1663813",),
    "DMS\u20101812601": ("1812601",),
    "DMS\u20101612674": ("1612674",),
    "DMS 9988579": ("9988579",),
    "BCS-1654462": ("1654462",),
    "2215494": ("2215494",),
    "KP1605010": ("1605010",),
    "DMR-0936384": ("0936384",),
    "1144726": ("1144726",),
    "1518145": ("1518145",),
    "1233807": ("1233807",),
    "1536987": ("1536987",),
    "DMS-1005745": ("1005745",),
    "DMR-1308677": ("1308677",),
    "DMR-1400273": ("1400273",),
    "CHE-0840277": ("0840277",),
    "1454300": ("1454300",),
    "1830145": ("1830145",),
    "DMS-1207711": ("1207711",),
    "IIS-2306789": ("2306789",),
    "IIS-2306791": ("2306791",),
    "CHE-1429086": ("1429086",),
    "DMS-1801870": ("1801870",),
    "DMS 1739285": ("1739285",),
    "DMS-1802410": ("1802410",),
    "RES0020460": ("0020460",),
    "2000099": ("2000099",),
    "DMR-1420570": ("1420570",),
    "DMR-1435964": ("1435964",),
    "1420374": ("1420374",),
    "0416243": ("0416243",),
    "MCB 0630250, DGE 0841423": ("0630250", "0841423"),
    "PHY-1203100 (USNA)": ("1203100",),
    "PHY-0754674 (FSU)": ("0754674",),
    "PHY-1419765 (ND)": ("1419765",),
    "IDBR-0754247, 485 DEB-1119660": ("0754247", "1119660"),
    "1564647": ("1564647",),
    "1561041": ("1561041",),
    "DGE\u20101762114": ("1762114",),
    "SBE-1041707": ("1041707",),
    "1749017": ("1749017",),
    "1328805": ("1328805",),
    "IOS-2100625": ("2100625",),
    "1942280": ("1942280",),
    "ME0\u20107003869": ("7003869",),
    "NSF #EF\u20100905606": ("0905606",),
    "DBI\u20101306697": ("1306697",),
    "DE\u2010SC0024386": ("0024386",),
    "DBI\u20101942280": ("1942280",),
    (
        "CCF 805476, CCF 822388, CCF 1724745,CCF 1715777, CCF 1637458, IIS"
        " 1541613, CRII 1947789, CNS 1408695, CNS 1755615, CCF 1439084, CCF"
        " 1725543, CSR 1763680, CCF 1716252, CCF 1617618, CNS 1938709, IIS"
        " 1247726, CNS-1938709,CCF-1750472,CCF-1452904,CNS-1763680"
    ): (
        "1724745",
        "1715777",
        "1637458",
        "1541613",
        "1947789",
        "1408695",
        "1755615",
        "1439084",
        "1725543",
        "1763680",
        "1716252",
        "1617618",
        "1938709",
        "1247726",
        "1750472",
        "1452904",
    ),
}
RECORDED_WITHOUT_NUMBER = [
    "EP/J016454/1",
    "EP/K021109/1",
    "EP/E040071/1",
    "246686",
    "822336",
    "777483",
    "101081839",
    "101069770",
    "870037",
    "CBET-106",
    "BE 1042/7-1",
    "EP/R034826/1",
    "010286",
    "Historical Geography SG Carville Earle Award",
    "Dean Ross MacKinnon Fellowship",
    "Doctoral Dissertation Fellowship",
    (
        "through the Cooperative Institute for Satellite Earth System Studies"
        " under Cooperative Agreement NA19NES4320002"
    ),
    "P41GM111244",
    "P41GM103393",
    "GM-103485",
    "P30 GM110758",
    "P20 GM103446",
    "R01DC011377",
    "R01DC014461",
    "R01DC005788",
    "P30 CA036727",
    "W911NF1810323",
    "101X378",
    "R-155-000-152-112",
    "R-155-000-130-112",
    "NMRC/CBRG/0014/2012",
    "W911NF-13-1-0383",
    "DE-AC02\u201a\xc4\xee05CH11231",
    "DE-AC02-06CH11357",
    "Ho 443/19-1,2,3 and Ro 2431/3-1",
    "DE-AC02-05CH11231",
    "R01 NS091056",
    "SBE-16302040",
    "16SDG29850012",
    "EP/I021795",
    "EP/LO24012",
    "R01 CA195051",
    "WE 3546/5-1",
    "BI 1828/2-1",
    "BI 1828/3-1",
    "18T-1C180",
    "INST 105022/58-1 FUGG",
    "617989",
    "NCC-1701",
    "CA\u2010B\u2010INS\u20100162\u2010H",
    "DEB160003",
    "DE\u2010FG02\u201097ER25308",
    "2016PG-BRI004",
    "2013\u20106\u201022",
    "T32 OD011089",
    "R01 NS089482",
    "R01 NS076357",
    "K01 OD018244",
    "R01 NS077869",
    "T32OD011089",
    "P40OD013117",
    "P01MH070306",
    "P40 OD013117",
    "P01 MH070306",
    "R25 MH080661",
    "R01NS089482",
    "DE-AC02-05CH11231,17-SC-20-SC",
    "2017YFC1309700",
    "71934002",
    "KJYJ-2013-01-02",
    "HHSN272201400006C",
    "2020YFC0840800",
    "2020YFC0840900",
    "2016YFD0500301",
    "I-2805-B29",
    "206194",
    "777523",
]


def _recorded_works() -> list[FoundWork]:
    works: list[FoundWork] = []
    for source in SEARCH_ANSWERS:
        reader = importlib.import_module(f"artifacts.discovery.sources.{source.value}")
        for path in sorted((FIXTURES / source.value).glob("*.json")):
            works += reader.read_page(path.read_bytes(), url="https://index.test/works").works
    return works


def test_award_table_holds_every_award_string_of_the_recorded_answers():
    recorded = {ref.raw_award for work in _recorded_works() for ref in work.awards} - {""}
    assert recorded == set(RECORDED_WITH_NUMBERS) | set(RECORDED_WITHOUT_NUMBER)


@pytest.mark.parametrize(("raw", "numbers"), sorted(RECORDED_WITH_NUMBERS.items()))
def test_award_numbers_in_reads_recorded_award_strings(raw, numbers):
    assert award_numbers_in(raw) == numbers


@pytest.mark.parametrize("raw", RECORDED_WITHOUT_NUMBER)
def test_award_numbers_in_finds_nothing_in_recorded_strings_without_seven_digits(raw):
    assert award_numbers_in(raw) == ()


@pytest.mark.parametrize(
    ("raw", "numbers"),
    [
        ("IIS-1939743", ("1939743",)),
        ("1939743", ("1939743",)),
        ("DGE\u20101762114", ("1762114",)),
        ("DGE\u20111762114", ("1762114",)),
        ("DGE\u20131762114", ("1762114",)),
        ("DGE\u20141762114", ("1762114",)),
        ("DGE\u22121762114", ("1762114",)),
        ("DGE\uff0d1762114", ("1762114",)),
        ("NSF BCS 1440742", ("1440742",)),
        ("NSF-DGE-1068871", ("1068871",)),
        ("PHY-1203100 (USNA)", ("1203100",)),
        ("CCF-1918549 and IIS-1939743; 2040800", ("1918549", "1939743", "2040800")),
        ("https://www.nsf.gov/awardsearch/showAward?AWD_ID=1344155", ("1344155",)),
        ("https://www.nsf.gov/awardsearch/showAward?AWD_ID=1344155&HistoricalAwards=false",
         ("1344155",)),
        ("0830944", ("0830944",)),
        ("IIS1939743", ("1939743",)),
        ("NSF\u00a0IIS\u00a01939743.", ("1939743",)),
        ("IIS-1939743, IIS-1939743", ("1939743",)),
        ("19397431", ()),
        ("IIS-19397431", ()),
        ("1939743-1", ("1939743",)),
        ("W911NF1810323", ()),
        ("1939743s", ()),
        ("\u0661\u0669\u0663\u0669\u0667\u0664\u0663", ()),
        ("", ()),
    ],
)  # fmt: skip
def test_award_numbers_in_reads_the_issue_spellings(raw, numbers):
    assert award_numbers_in(raw) == numbers


def test_award_numbers_in_reads_twenty_numbers_in_one_string():
    numbers = tuple(f"{1900000 + n:07d}" for n in range(20))
    raw = ", ".join(f"IIS-{number}" for number in numbers)
    assert award_numbers_in(raw) == numbers


@pytest.mark.parametrize(
    ("funder_id", "id_type"),
    [
        ("https://doi.org/10.13039/100000001", "Crossref Funder ID"),
        ("http://dx.doi.org/10.13039/100000001", "Crossref Funder ID"),
        ("10.13039/100000001", ""),
        ("doi:10.13039/100000001", "DOI"),
        ("100000001", "Crossref Funder ID"),
        ("https://ror.org/021nxhr62", "ROR"),
        ("021nxhr62", ""),
        ("https://openalex.org/F4320306076", "OpenAlex"),
    ],
)
def test_funder_matches_nsf_by_identifier_in_any_form(funder_id, id_type):
    reference = AwardReference("1939743", funder_id=funder_id, funder_id_type=id_type)
    assert funder_matches(reference, NSF)


@pytest.mark.parametrize(
    "name",
    ["National Science Foundation", "  national  science\u00a0FOUNDATION ", "NSF",
     "U.S. National Science Foundation"],
)  # fmt: skip
def test_funder_matches_nsf_by_exact_name_when_no_identifier_is_given(name):
    assert funder_matches(AwardReference("1939743", funder_name=name), NSF)


@pytest.mark.parametrize(
    "name",
    ["Swiss National Science Foundation", "National Science Foundation of Sri Lanka", "NSFC",
     "National Natural Science Foundation of China", "National Science Foundatio",
     "National Science Foundation award", ""],
)  # fmt: skip
def test_funder_matches_refuses_other_names(name):
    assert not funder_matches(AwardReference("1939743", funder_name=name), NSF)


@pytest.mark.parametrize(
    "funder_id",
    ["https://doi.org/10.13039/501100008982", "10.13039/501100001711", "https://ror.org/00yjd3n13",
     "https://openalex.org/F4320321001", "https://doi.org/10.13039/100000001/funder%20id"],
)  # fmt: skip
def test_funder_matches_refuses_another_funders_identifier_whatever_the_name(funder_id):
    reference = AwardReference(
        "1939743", funder_name="National Science Foundation", funder_id=funder_id
    )
    assert not funder_matches(reference, NSF)


def test_funder_matches_falls_back_to_the_name_for_an_identifier_of_an_unknown_scheme():
    isni = "0000 0001 1957 9848"
    named = AwardReference("1939743", "National Science Foundation", isni, "ISNI")
    unnamed = AwardReference("1939743", "Test", isni, "ISNI")
    assert funder_matches(named, NSF)
    assert not funder_matches(unnamed, NSF)


def test_funder_identity_keeps_identifiers_bare_whatever_form_they_are_given_in():
    identity = FunderIdentity(
        crossref_funder_ids=frozenset({"https://doi.org/10.13039/100000001"}),
        ror_ids=frozenset({"https://ror.org/021nxhr62"}),
        names=frozenset({" National  Science Foundation "}),
    )
    assert identity.crossref_funder_ids == {"10.13039/100000001"}
    assert identity.ror_ids == {"021nxhr62"}
    assert identity.names == {"national science foundation"}


def test_funder_identity_refuses_an_identifier_given_in_the_wrong_scheme():
    with pytest.raises(ValueError, match="not a ror funder identifier"):
        FunderIdentity(frozenset(), frozenset({"10.13039/100000001"}), frozenset())


def _work(*references: AwardReference, source: Source = Source.CROSSREF) -> FoundWork:
    return FoundWork(
        source=source, source_id="10.1000/x", doi="10.1000/x", url="https://doi.org/10.1000/x",
        title="A fair benchmark", work_type=WorkType.DATASET, type_as_given="Dataset",
        awards=references,
    )  # fmt: skip


def test_work_matches_names_the_award_the_source_the_raw_string_and_the_funder():
    work = _work(
        AwardReference("IIS-1939743", "National Science Foundation", NSF_DOI),
        source=Source.DATACITE,
    )
    assert work_matches(work, awards={"1939743": NSF, "2040800": NSF}) == (
        AwardMatch(
            award_number="1939743",
            source=Source.DATACITE,
            raw_award="IIS-1939743",
            funder_as_given=f"National Science Foundation ({NSF_DOI})",
        ),
    )


def test_work_matches_once_per_award_though_the_work_cites_it_twice():
    work = _work(
        AwardReference("1344155", "National Science Foundation", NSF_DOI),
        AwardReference("https://www.nsf.gov/awardsearch/showAward?AWD_ID=1344155", "NSF"),
        AwardReference("AGS-1344155; OAC-1740315", funder_name="National Science Foundation"),
    )
    matches = work_matches(work, awards={"1344155": NSF, "1740315": NSF})
    assert [(m.award_number, m.raw_award) for m in matches] == [
        ("1344155", "1344155"),
        ("1740315", "AGS-1344155; OAC-1740315"),
    ]


def test_work_matches_nothing_for_an_award_of_the_program_cited_under_another_funder():
    work = _work(
        AwardReference("DBI\u20101942280", "National Science Foundation of Sri Lanka",
                       "10.13039/501100008982"),
        AwardReference("1942280", "National Natural Science Foundation of China"),
    )  # fmt: skip
    assert work_matches(work, awards={"1942280": NSF}) == ()


def test_work_matches_nothing_for_awards_outside_the_program():
    work = _work(AwardReference("IIS-1939743", "National Science Foundation", NSF_DOI))
    assert work_matches(work, awards={"2040800": NSF}) == ()


# The seven-digit NSF numbers each recorded answer cites under NSF (SOURCES.md's nsf_awards,
# read as seven digits: "CBET-106", "010286", "SBE-16302040", "R01 CA195051" and the six-digit
# "CCF 805476" name none). The single Crossref work's "National Science Foundation award" and
# "National Science Foundatio" have no identifier and are not NSF's exact name: no match.
# Works credited to an NSF directorate or division by its own Funder ID cite NSF awards.
NSF_CITED = {
    "datacite/doi-10.5063-f1m61h5x-software-nsf-2026.json":
        {"0830944", "1262458", "1430508", "1443062", "1546024", "2042102"},
    "datacite/stage-doi-10.21373-1563194933866-software-nsf-CBET-106.json": set(),
    "datacite/stage-doi-10.5438-h5xp-x178-nsf-null-award.json": set(),
    "crossref/works-filter-award.funder-501100001659-sample5.json": {"2100625"},
    "crossref/funders-10.13039-100000001-works-rows5.json":
        {"1420374", "0416243", "1203100", "0754674", "1419765", "0754247", "1119660",
         "0630250", "0841423"},  # the last two under NSF's Division of Molecular and Cellular B.
    "crossref/funders-10.13039-100000001-works-filter-has-assertion.json":
        {"1663813", "1812601", "1612674", "9988579", "2215494", "0936384", "1144726", "1005745",
         "1454300", "1830145", "1207711", "2306789", "2306791", "1801870", "1739285", "1802410",
         "2000099",
         # under an NSF directorate or division's own Funder ID (BIO, MPS, DMR, CMMI, CHE, BCS)
         "1518145", "1429086", "1308677", "1400273", "1420570", "1435964", "1233807", "1536987",
         "0840277", "1654462"},
    "crossref/works-query-ecology-author-boettiger.json": {"1306697", "1942280"},
    "crossref/work-10.1145-2831244.2831252-funder-without-doi.json": set(),
    "crossref/works-filter-award.funder-10.13039-100000001-sample5-2021.json":
        {"1762114", "1041707", "1749017", "1328805"},
    "openalex/work-doi-10.1145-3448016.3452841-grants-2025-10.json":
        {"1724745", "1715777", "1637458", "1541613", "1947789", "1408695", "1755615", "1439084",
         "1725543", "1763680", "1716252", "1617618", "1938709", "1247726", "1750472", "1452904"},
}  # fmt: skip
NSF_CITED["openalex/work-doi-10.1145-3448016.3452841-grants-and-awards-2025-12.json"] = NSF_CITED[
    "openalex/work-doi-10.1145-3448016.3452841-grants-2025-10.json"
]


@pytest.mark.parametrize(("name", "expected"), sorted(NSF_CITED.items()))
def test_work_matches_finds_the_nsf_awards_each_recorded_answer_cites(name, expected):
    path = FIXTURES / name
    reader = importlib.import_module(f"artifacts.discovery.sources.{path.parent.name}")
    works = reader.read_page(path.read_bytes(), url="https://index.test/works").works
    # Every number any statement names is one of the program's awards: only the funder decides.
    cited = {n for work in works for ref in work.awards for n in award_numbers_in(ref.raw_award)}
    awards = dict.fromkeys(cited, NSF)
    found = {match.award_number for work in works for match in work_matches(work, awards=awards)}
    assert found == expected


def test_work_matches_nothing_in_the_recorded_answers_without_nsf_funding():
    nsf_files = {FIXTURES / name for name in NSF_CITED}
    for source in SEARCH_ANSWERS:
        reader = importlib.import_module(f"artifacts.discovery.sources.{source.value}")
        for path in sorted((FIXTURES / source.value).glob("*.json")):
            if path in nsf_files:
                continue
            works = reader.read_page(path.read_bytes(), url="https://index.test/works").works
            numbers = {n for w in works for r in w.awards for n in award_numbers_in(r.raw_award)}
            awards = dict.fromkeys(numbers, NSF)
            assert [m for w in works for m in work_matches(w, awards=awards)] == [], path.name


@pytest.mark.parametrize(
    ("funder_id", "name"),
    [("10.13039/100000078", "Division of Materials Research"),
     ("https://doi.org/10.13039/100000076",
      "National Science Foundation, Directorate for Biological Sciences")],
)  # fmt: skip
def test_funder_matches_nsf_by_the_funder_id_of_one_of_its_divisions(funder_id, name):
    assert funder_matches(AwardReference("DMR-1308677", name, funder_id), NSF)
