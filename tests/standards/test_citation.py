"""BibTeX, CITATION.cff and APA of every public artifact, read by the standards' own tools:
bibtexparser 2 and pybtex (BibTeX), the CFF 1.2.0 JSON schema with jsonschema after PyYAML
(CITATION.cff). Citation keys are unique across the catalogue and never change."""

from __future__ import annotations

import datetime as dt
import importlib
import json
import re
import threading
import time
from pathlib import Path
from typing import Any

import bibtexparser
import jsonschema
import pybtex.database
import pytest
import rfc3986
import rfc3986.exceptions
import rfc3986.validators
import yaml
from bibtexparser import middlewares
from django.apps import apps as django_apps
from django.db import connection, transaction
from django.urls import reverse
from django.utils.encoding import iri_to_uri
from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db

from artifacts.citekeys import citation_key_base
from artifacts.metadata import citation
from artifacts.models import Artifact
from artifacts.services.artifacts import (
    artifact_create,
    artifact_publish,
    artifact_retire,
    artifact_update,
)
from proposals.services.programs import person_create
from tests.artifacts.factories import ArtifactCreatorFactory, ArtifactFactory
from tests.proposals.factories import AwardFactory, PersonFactory

CFF_SCHEMA = Path(__file__).parent / "schemas" / "cff" / "schema.json"
PAGE = "http://testserver/artifacts/{slug}/"


def _bib(client: Any, artifact: Artifact) -> str:
    response = client.get(reverse("artifacts:cite-bibtex", args=[artifact.slug]))
    assert response.status_code == 200, artifact.slug
    assert response["Content-Type"] == "application/x-bibtex; charset=utf-8"
    return response.content.decode("utf-8")


def _cff(client: Any, artifact: Artifact) -> str:
    response = client.get(reverse("artifacts:cite-cff", args=[artifact.slug]))
    assert response.status_code == 200, artifact.slug
    return response.content.decode("utf-8")


def _words(text: str) -> str:
    return " ".join(text.split())


# --- BibTeX ---------------------------------------------------------------------------------


def _latex_decoder() -> LatexNodes2Text:
    """bibtexparser's own decoder (pylatexenc, \\url kept as its text), with the three
    textcomp symbols pylatexenc 2.11 lacks or reads as a look-alike: it has no rule for
    \\textbraceleft and \\textbraceright, and gives U+02C6 for \\textasciicircum, which LaTeX
    prints as the ASCII circumflex."""
    context = get_default_latex_context_db()
    context.add_context_category(
        "textcomp",
        prepend=True,
        macros=[
            MacroTextSpec("url", simplify_repl="%s"),
            MacroTextSpec("textasciicircum", simplify_repl="^"),
            MacroTextSpec("textbraceleft", simplify_repl="{"),
            MacroTextSpec("textbraceright", simplify_repl="}"),
        ],
    )
    return LatexNodes2Text(latex_context=context, math_mode="verbatim")


_ESCAPED = {
    **{f"\\{c}": c for c in "#$%&_{}"},
    r"\textbackslash{}": "\\",
    r"\textasciitilde{}": "~",
    r"\textasciicircum{}": "^",
    r"\textbraceleft{}": "{",
    r"\textbraceright{}": "}",
}
_TOKEN = re.compile(
    r"\\text(?:backslash|asciitilde|asciicircum|braceleft|braceright)\{\}|\\.|\{\}|.", re.S
)


def _unescape_strictly(raw: str) -> str:
    """The text a raw field value stands for, refusing what is not escaped exactly once: a
    bare LaTeX special, a backslash that escapes nothing we write, unbalanced braces. Bare
    braces group (the title's) or break a ligature ("-{}-"), and stand for nothing."""
    text, depth = [], 0
    for token in _TOKEN.findall(raw):
        if token in _ESCAPED:
            text.append(_ESCAPED[token])
        elif token == "{}":
            continue
        elif token in "{}":
            depth += 1 if token == "{" else -1
            assert depth >= 0, f"unbalanced braces in {raw!r}"
        else:
            assert token not in "\\#$%&_~^", f"bare {token!r} in {raw!r}"
            assert not token.startswith("\\"), f"{token!r} escapes nothing we write, in {raw!r}"
            text.append(token)
    assert depth == 0, f"unbalanced braces in {raw!r}"
    return "".join(text)


def _catalogue_bib(client: Any, catalogue: list[Artifact]) -> str:
    return "\n".join(_bib(client, artifact) for artifact in catalogue)


def test_bibtexparser_reads_every_entry_with_unique_keys_and_the_original_text(
    client, standards_catalogue, edge_artifacts
):
    bib = _catalogue_bib(client, standards_catalogue)
    raw = bibtexparser.parse_string(
        bib, append_middleware=[middlewares.SeparateCoAuthors(), middlewares.SplitNameParts()]
    )
    decoded = bibtexparser.parse_string(
        bib,
        append_middleware=[middlewares.LatexDecodingMiddleware(decoder=_latex_decoder())],
    )

    for library in (raw, decoded):
        assert library.failed_blocks == []
        assert len(library.entries) == len(standards_catalogue)
    keys = [entry.key for entry in raw.entries]
    assert len(set(keys)) == len(keys)
    assert keys == [artifact.citation_key for artifact in standards_catalogue]
    for artifact, plain, text in zip(
        standards_catalogue, raw.entries, decoded.entries, strict=True
    ):
        creators = [link.person for link in artifact.creator_links.all()]
        expected = {
            "title": _words(artifact.title),
            "version": artifact.version,
            "publisher": "FairProg",
            "note": f"{artifact.get_kind_display()}. Funded by NSF award "
            f"{artifact.award.award_number}",
        }
        for name, value in expected.items():
            if value:
                assert _unescape_strictly(plain[name]) == value, (artifact.slug, name)
                assert text[name] == value, (artifact.slug, name)
        # Names are split as BibTeX does, then each part decoded (the middleware decodes
        # a whole name list as one string, where a ~ would read as a space).
        names = [(p.family_name, p.given_name) for p in creators] or [("FairProg", "")]
        split = [(" ".join(n.von + n.last), " ".join(n.first)) for n in plain["author"]]
        for decode in (_unescape_strictly, _latex_decoder().latex_to_text):
            assert [(decode(f), decode(g)) for f, g in split] == names, artifact.slug
        link = artifact.doi_url or artifact.landing_url or artifact.repository_url
        assert plain["url"] == iri_to_uri(link or PAGE.format(slug=artifact.slug))
        doi = plain.fields_dict.get("doi")
        assert (doi.value if doi else "") == artifact.doi, artifact.slug
    special = next(
        e for e in raw.entries if e.key == edge_artifacts["special_characters"].citation_key
    )
    assert r"\textasciitilde{}" in special["title"]
    assert r"\textbackslash{}" in special["title"]
    assert r"\textasciitilde\{\}" not in special["title"]  # the double escape of old


def test_pybtex_reads_the_whole_catalogue_as_one_bib_file(client, standards_catalogue):
    bib = _catalogue_bib(client, standards_catalogue)
    data = pybtex.database.parse_string(bib, "bibtex")  # raises on a repeated key
    assert list(data.entries) == [artifact.citation_key for artifact in standards_catalogue]
    decode = _latex_decoder().latex_to_text
    for artifact in standards_catalogue:
        entry = data.entries[artifact.citation_key]
        assert decode(entry.fields["title"]) == _words(artifact.title)
        people = [
            (
                decode(" ".join(p.prelast_names + p.last_names)),
                decode(" ".join(p.first_names + p.middle_names)),
            )
            for p in entry.persons["author"]
        ]
        creators = [
            (link.person.family_name, link.person.given_name)
            for link in artifact.creator_links.all()
        ]
        assert people == (creators or [("FairProg", "")]), artifact.slug
    with pytest.raises(pybtex.database.BibliographyDataError, match="repeated"):
        pybtex.database.parse_string(bib + "\n" + _bib(client, standards_catalogue[0]), "bibtex")


def test_an_artifact_without_creators_is_credited_to_fairprog_as_an_organisation(
    client, edge_artifacts
):
    artifact = edge_artifacts["no_creators"]
    bib = _bib(client, artifact)
    assert "  author = {{FairProg}},\n" in bib
    assert bib.startswith(f"@misc{{{artifact.citation_key},")
    assert artifact.citation_key.startswith("fairprog")
    apa = citation.artifact_apa(artifact, page_url=PAGE.format(slug=artifact.slug))
    year = artifact.published_at.year
    assert apa == (
        f"FairProg. ({year}). A fairness toolkit with nobody named as its author "
        "[Computer software]. https://example.org/no-creators"
    )
    cff = yaml.safe_load(_cff(client, artifact))
    assert cff["authors"] == [{"name": "FairProg"}]


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("a {b} c", r"a \{b\} c"),
        ("a { b", r"a \textbraceleft{} b"),  # alone, \{ would unbalance the field for BibTeX
        ("x } y {", r"x \textbraceright{} y \textbraceleft{}"),
        ("pre--post ``q''", r"pre-{}-post `{}`q'{}'"),  # not a dash nor curly quotes
        ("~^\\", r"\textasciitilde{}\textasciicircum{}\textbackslash{}"),
        ("line\n\nbreak", "line break"),  # a blank line would end the paragraph
    ],
)
def test_latex_escape_writes_each_character_once_and_keeps_braces_balanced(text, escaped):
    assert citation.latex_escape(text) == escaped
    assert _unescape_strictly(escaped) == _words(text)


def test_names_bibtex_would_split_are_braced(client, db):
    artifact = ArtifactFactory(title="Names")
    ArtifactCreatorFactory(
        artifact=artifact,
        order=0,
        person=PersonFactory(family_name="Smith and Sons", given_name="Jo"),
    )
    ArtifactCreatorFactory(
        artifact=artifact, order=1, person=PersonFactory(family_name="Le Guin", given_name="")
    )
    ArtifactCreatorFactory(
        artifact=artifact, order=2, person=PersonFactory(family_name="Doe", given_name="Jr, J.")
    )
    [entry] = pybtex.database.parse_string(_bib(client, artifact), "bibtex").entries.values()
    assert [str(p) for p in entry.persons["author"]] == [
        "{Smith and Sons}, Jo",
        "{Le Guin}",
        "Doe, {Jr, J.}",
    ]


# --- Citation keys: unique, given once ------------------------------------------------------


def _draft(award, title: str, family_name: str, **fields: Any) -> Artifact:
    person = person_create(given_name="Ada", family_name=family_name, orcid="")
    return artifact_create(
        award=award,
        kind=Artifact.Kind.DATASET,
        title=title,
        summary="A summary.",
        landing_url="https://example.org/x",
        license="MIT",
        creators=[person],
        **fields,
    )


def test_look_alike_artifacts_get_suffixed_keys_that_never_change(db):
    award = AwardFactory()
    release = {"release_date": dt.date(2021, 5, 1)}
    first = artifact_publish(artifact=_draft(award, "The Word of bias", "Family", **release))
    second = artifact_publish(artifact=_draft(award, "Word games", "Family", **release))
    third = artifact_publish(artifact=_draft(award, "Word salad", "Family", **release))
    assert [first.citation_key, second.citation_key, third.citation_key] == [
        "family2021word",
        "family2021worda",
        "family2021wordb",
    ]

    artifact_update(
        artifact=second,
        title="Entirely renamed",
        creators=[person_create(given_name="B", family_name="Other", orcid="")],
        release_date=dt.date(2024, 1, 1),
    )
    artifact_retire(artifact=second, note="Superseded.")
    second = artifact_publish(artifact=second)
    second.refresh_from_db()
    assert second.citation_key == "family2021worda"
    assert citation.bibtex_key(second) == "family2021worda"
    assert second.history.filter(citation_key="family2021worda").exists()


def test_the_migration_gives_the_keys_that_publishing_gives(standards_catalogue):
    """Migration 0014 keyed the artifacts published before it with a copy of
    artifacts.citekeys: run over the catalogue again, it must give the same keys."""
    migration = importlib.import_module("artifacts.migrations.0014_citation_key_and_former_slugs")
    given = dict(Artifact.objects.values_list("pk", "citation_key"))
    Artifact.objects.update(citation_key=None)
    migration.keys_for_public_artifacts(django_apps, None)
    assert dict(Artifact.objects.values_list("pk", "citation_key")) == given
    for artifact in standards_catalogue:
        creators = [link.person for link in artifact.creator_links.all()]
        when = artifact.release_date or artifact.published_at.date()
        arguments = (creators[0].family_name if creators else "", str(when.year), artifact.title)
        base = citation_key_base(family_name=arguments[0], year=arguments[1], title=arguments[2])
        assert migration._base(*arguments) == base
        assert artifact.citation_key.startswith(base)
    assert [migration._suffix(n) for n in (0, 1, 26, 27, 702)] == ["", "a", "z", "aa", "zz"]


@pytest.mark.django_db(transaction=True)
def test_two_look_alikes_published_at_once_get_different_keys():
    """The second publication picks the key the first holds uncommitted; the unique index
    makes it wait, then turns it away, and it takes the next free key."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has one writer at a time: publications cannot overlap")
    award = AwardFactory()
    release = {"release_date": dt.date(2022, 1, 1)}
    drafts = [_draft(award, f"Race {n}", "Twin", **release) for n in (1, 2)]
    first_holds_key, second_waits, errors = threading.Event(), threading.Event(), []

    def publish(draft: Artifact, *, hold: bool) -> None:
        try:
            with transaction.atomic():
                artifact_publish(artifact=Artifact.objects.get(pk=draft.pk))
                if hold:
                    first_holds_key.set()
                    assert second_waits.wait(10), "the second publication never waited"
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            connection.close()

    first = threading.Thread(target=publish, args=(drafts[0],), kwargs={"hold": True})
    first.start()
    assert first_holds_key.wait(10)
    second = threading.Thread(target=publish, args=(drafts[1],), kwargs={"hold": False})
    second.start()
    deadline, waited = time.monotonic() + 10, False
    with connection.cursor() as cursor:
        while not waited and time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            waited = bool(cursor.fetchone()[0])
            time.sleep(0.02)
    second_waits.set()
    first.join(20)
    second.join(20)
    assert errors == []
    assert waited, "the second publication should have waited on the first one's key"
    keys = sorted(
        Artifact.objects.filter(pk__in=[d.pk for d in drafts]).values_list(
            "citation_key", flat=True
        )
    )
    assert keys == ["twin2022race", "twin2022racea"]


# --- CITATION.cff ---------------------------------------------------------------------------

_URI = re.compile(r"^[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+$")  # RFC 3986 §2's characters
_URI_PARTS = (
    rfc3986.validators.Validator()
    .require_presence_of("scheme", "host")
    .check_validity_of("scheme", "userinfo", "host", "port", "path", "query", "fragment")
)


def _cff_validator() -> jsonschema.Draft7Validator:
    schema = json.loads(CFF_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft7Validator.check_schema(schema)
    formats = jsonschema.FormatChecker()  # date and email, and "uri" as RFC 3986 says

    @formats.checks("uri")
    def is_uri(value: object) -> bool:
        if not isinstance(value, str):
            return True
        if not _URI.match(value):
            return False
        try:
            _URI_PARTS.validate(rfc3986.uri_reference(value))
        except rfc3986.exceptions.ValidationError:
            return False
        return True

    return jsonschema.Draft7Validator(schema, format_checker=formats)


def _assert_valid_cff(validator: jsonschema.Draft7Validator, text: str, label: str) -> dict:
    data = yaml.safe_load(text)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(data)]
    assert errors == [], label
    return data


def test_every_citation_cff_is_valid_against_the_cff_1_2_0_schema(
    client, standards_catalogue, edge_artifacts
):
    validator = _cff_validator()
    for artifact in standards_catalogue:
        data = _assert_valid_cff(validator, _cff(client, artifact), artifact.slug)
        assert data["title"] == _words(artifact.title)
        assert data["abstract"] == artifact.summary
        people = [
            {"family-names": link.person.family_name, "given-names": link.person.given_name}
            for link in artifact.creator_links.all()
        ]
        read = [{k: v for k, v in a.items() if k != "orcid"} for a in data["authors"]]
        assert read == (people or [{"name": "FairProg"}]), artifact.slug
        assert data.get("keywords", []) == artifact.keywords
    special = edge_artifacts["special_characters"]
    data = yaml.safe_load(_cff(client, special))
    assert data["version"] == special.version
    assert data["date-released"] == "2024-02-29"
    assert data["doi"] == special.doi
    assert data["repository-code"] == special.repository_url


def test_citation_cff_gives_what_its_schema_cannot_hold_in_other_valid_fields(client, db):
    """A licence newer than CFF 1.2.0's SPDX list, a DOI outside its DOI pattern, a non-ASCII
    URL, and characters YAML reads differently from JSON."""
    summary = "Line\u2028separator, next-line\x85, BOM\ufeff and delete\x7f: é 😀"
    artifact = ArtifactFactory(
        summary=summary,
        license="BSD-3-Clause-Sun",
        doi="10.1002/(sici)1097-4636(199709)36:3<310::aid-jbm5>3.0.co;2-h",
        landing_url="https://example.org/données",
        keywords=["a", "a", "b"],
    )
    data = _assert_valid_cff(_cff_validator(), _cff(client, artifact), "edge")
    assert data["abstract"] == summary
    assert "license" not in data
    assert data["license-url"] == "https://spdx.org/licenses/BSD-3-Clause-Sun.html"
    assert "doi" not in data
    assert data["identifiers"][0]["value"] == iri_to_uri(artifact.doi_url)
    assert data["url"] == "https://example.org/donn%C3%A9es"
    assert data["keywords"] == ["a", "b"]


def test_the_cff_licence_list_is_the_schemas(db):
    schema = json.loads(CFF_SCHEMA.read_text(encoding="utf-8"))
    assert citation.cff_licenses() == set(schema["definitions"]["license-enum"]["enum"])


# --- APA --------------------------------------------------------------------------------------


def test_apa_names_authors_as_apa_7_does(db):
    artifact = ArtifactFactory(
        title="Crowd audit data?", version="1.0", doi="10.5281/zenodo.9", kind="dataset"
    )
    for order, (family, given) in enumerate([("Hong", "Jean-Paul Ann"), ("Lee", "")]):
        ArtifactCreatorFactory(
            artifact=artifact,
            order=order,
            person=PersonFactory(family_name=family, given_name=given),
        )
    year = artifact.published_at.year
    assert citation.artifact_apa(artifact, page_url="https://x.org/") == (
        f"Hong, J.-P. A., & Lee. ({year}). Crowd audit data? (Version 1.0) [Data set]. "
        "FairProg. https://doi.org/10.5281/zenodo.9"
    )


def test_every_apa_reference_has_author_year_title_and_link(standards_catalogue):
    shape = re.compile(r"^\S.*?\. \((\d{4}|n\.d\.)\)\. .+[.?!] (FairProg\. )?https?://\S+$")
    for artifact in standards_catalogue:
        apa = citation.artifact_apa(artifact, page_url=PAGE.format(slug=artifact.slug))
        assert shape.match(apa), apa
        assert ".." not in apa.replace(". . .", ""), apa
