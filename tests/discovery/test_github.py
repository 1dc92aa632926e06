"""The GitHub source: code search hits read from the file they found (a recorded CITATION.cff,
READMEs that name or do not name NSF), forks and vendored copies left out, the token sent as
GitHub asks and kept out of the run's record, and the client following each hit on loopback."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from artifacts.discovery.awards import NSF, award_numbers_in, work_matches
from artifacts.discovery.client import SourceConfig, search_all
from artifacts.discovery.records import Source, SourceFormatError, WorkType
from artifacts.discovery.sources import github
from tests.discovery.conftest import Answer, StandIn

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "discovery" / "github"
METPY_CFF = (FIXTURES / "Unidata-MetPy-CITATION.cff").read_text()
# A repository as GitHub's API describes it (recorded); code search items carry this object.
REPOSITORY = json.loads((FIXTURES / "repos-PyGithub-PyGithub-2025.json").read_bytes())
METPY_GRANTS = ["AGS-1344155", "OAC-1740315", "OCE-1740633", "AGS-1901712", "OAC-2103682"]
TOKEN = "ghp_exampleexampleexampleexample0000"  # a made-up token


def contents(name: str, text: str, *, repository: str = "PyGithub/PyGithub") -> bytes:
    """A file as GitHub's contents API answers it (base64, as GitHub sends it)."""
    return json.dumps(
        {
            "type": "file",
            "encoding": "base64",
            "name": name,
            "path": name,
            "content": base64.encodebytes(text.encode()).decode(),
            "html_url": f"https://github.com/{repository}/blob/main/{name}",
        }
    ).encode()


def item(origin: str, path: str, **repository: Any) -> dict[str, Any]:
    return {
        "name": path.rsplit("/", 1)[-1],
        "path": path,
        "url": f"{origin}/repositories/{REPOSITORY['id']}/contents/{path}?ref=abc123",
        "repository": {**REPOSITORY, **repository},
    }


def search(items: list[dict[str, Any]], total: int | None = None) -> bytes:
    count = len(items) if total is None else total
    return json.dumps({"total_count": count, "incomplete_results": False, "items": items}).encode()


def test_first_url_searches_code_for_the_quoted_number():
    url = github.first_url(
        base_url="https://api.github.com", award_number="1939743", funder_id="", contact="",
        page_size=100,
    )  # fmt: skip
    assert url == "https://api.github.com/search/code?q=%221939743%22&per_page=100&page=1"


def test_a_recorded_citation_cff_gives_the_work_and_its_nsf_grants():
    hit = github.read_page(search([item("https://api.github.com", "CITATION.cff")]), url="x")
    (work,) = hit.works
    read = github.read_followed(work, contents("CITATION.cff", METPY_CFF))

    assert read is not None
    assert (read.title, read.doi, read.license, read.work_type, read.url) == (
        "MetPy: A Python Package for Meteorological Data",
        "10.5065/d6ww7g29",
        "BSD-3-Clause",
        WorkType.SOFTWARE,
        "https://github.com/PyGithub/PyGithub",
    )
    assert (read.creators[0].name, read.creators[0].orcid) == ("May, Ryan", "0000-0003-2907-038X")
    assert [reference.raw_award for reference in read.awards] == METPY_GRANTS
    assert {reference.funder_name for reference in read.awards} == {"National Science Foundation"}
    matches = work_matches(read, awards={"1344155": NSF, "2103682": NSF, "1939743": NSF})
    assert [(m.award_number, m.raw_award) for m in matches] == [
        ("1344155", "AGS-1344155"),
        ("2103682", "OAC-2103682"),
    ]
    assert read.raw["file"]["path"] == "CITATION.cff"


@pytest.mark.parametrize("raw", METPY_GRANTS)
def test_every_award_string_of_the_recorded_cff_reads_as_its_seven_digits(raw):
    assert award_numbers_in(raw) == (raw.split("-")[1],)


@pytest.mark.parametrize(
    ("readme", "matched"),
    [
        ("This work is supported by the National Science Foundation under IIS-1939743.", True),
        ("Funded by NSF award #1939743.", True),
        ("## Funding\nThe U.S. National Science Foundation supports this work:\n- IIS-1939743\n",
         True),
        ("Supported by the Swiss National Science Foundation, grant 1939743.", False),
        ("Funded by the National Science Foundation of Sri Lanka (RG/2019/1939743).", False),
        ("Funded by NSFC grant 1939743.", False),
        ("Build 1939743 of the data; see the National Science Foundation's site.", True),
        ("Dataset 1939743 mirrored from the archive.", False),
    ],
)  # fmt: skip
def test_a_readme_line_counts_only_where_the_readme_names_nsf(readme, matched):
    (work,) = github.read_page(search([item("https://x", "README.md")]), url="x").works
    read = github.read_followed(work, contents("README.md", readme))
    assert read is not None
    assert bool(work_matches(read, awards={"1939743": NSF})) is matched


def test_search_hits_outside_the_top_level_in_forks_or_other_files_are_left_out():
    items = [
        item("https://x", "CITATION.cff"),
        item("https://x", "vendor/other/README.md"),
        item("https://x", "README.rst", fork=True),
        item("https://x", "setup.py"),
        item("https://x", "readme"),
    ]
    page = github.read_page(search(items), url="https://x/search/code?q=1&per_page=5&page=1")
    assert [work.raw["path"] for work in page.works] == ["CITATION.cff", "readme"]
    # Five of twelve results read: page 2 of 5 a page is next.
    page = github.read_page(search(items, total=12), url="https://x/search/code?per_page=5&page=1")
    assert page.next_url == "https://x/search/code?per_page=5&page=2"
    page = github.read_page(search(items, total=12), url="https://x/search/code?per_page=5&page=3")
    assert page.next_url is None


def test_a_saved_file_reads_as_a_page_of_one_for_from_file():
    page = github.read_page(contents("CITATION.cff", METPY_CFF, repository="Unidata/MetPy"), url="")
    (work,) = page.works
    assert (work.url, work.source_id) == ("https://github.com/Unidata/MetPy", "Unidata/MetPy")
    assert len(work.awards) == 5


@pytest.mark.parametrize(
    ("body", "what"),
    [
        (b'{"items": 5}', "'items' that is not a list"),
        (b'{"name": "README.md"}', "neither a search's 'items' nor a file's 'content'"),
        (json.dumps({"name": "CITATION.cff", "content": "@@@", "html_url":
                     "https://github.com/a/b/blob/main/CITATION.cff"}).encode(),
         "not base64 of UTF-8 text"),
        (contents("CITATION.cff", "title: [unclosed"), "CITATION.cff that is not YAML"),
        (contents("CITATION.cff", "references: 5"), "CITATION.cff references that is a number"),
    ],
)  # fmt: skip
def test_malformed_answers_fail_naming_github_and_the_field(body, what):
    with pytest.raises(SourceFormatError, match=f"^GitHub answer .*{what}"):
        github.read_page(body, url="https://x/search/code?page=1")


def test_the_client_follows_each_hit_with_the_token_and_skips_a_file_gone_since(
    index: StandIn,
) -> None:
    def route(request: web.Request, count: int) -> Answer:
        if request.path.endswith("/search/code"):
            items = [item(index.origin, "CITATION.cff"), item(index.origin, "README.md")]
            return Answer(body=search(items))
        if request.path.endswith("/CITATION.cff"):
            return Answer(body=contents("CITATION.cff", METPY_CFF))
        return Answer(status=404, body=b'{"message": "Not Found"}')

    index.route = route
    config = SourceConfig(
        name=Source.GITHUB, base_url=index.origin, rate=50.0, burst=5, token=TOKEN, retries=0
    )
    result = search_all([config], ["1344155"])[Source.GITHUB]

    assert result.ok, result.error
    (work,) = result.works
    assert work.title == "MetPy: A Python Package for Meteorological Data"
    assert [seen.path_qs.split("?")[0] for seen in index.seen] == [
        "/search/code",
        f"/repositories/{REPOSITORY['id']}/contents/CITATION.cff",
        f"/repositories/{REPOSITORY['id']}/contents/README.md",
    ]
    assert {seen.headers["Authorization"] for seen in index.seen} == {f"Bearer {TOKEN}"}
    assert result.requests == 3


def test_a_hit_whose_file_is_on_another_site_fails_the_run_without_the_token(
    index: StandIn,
) -> None:
    index.route = lambda request, count: Answer(
        body=search([item("https://elsewhere.example", "CITATION.cff")])
    )
    config = SourceConfig(name=Source.GITHUB, base_url=index.origin, rate=50.0, token=TOKEN)
    result = search_all([config], ["1344155"])[Source.GITHUB]
    assert "a work's file is on another site" in result.error
    assert result.works == ()
