"""Citation formats of an artifact: BibTeX, CITATION.cff and an APA reference."""

from __future__ import annotations

import json
import re

from artifacts.metadata.common import PUBLISHER, creators_of, date_of, orcid_url, year_of
from artifacts.models import Artifact
from proposals.models import Person

_APA_TYPES = {
    Artifact.Kind.DATASET: "Data set",
    Artifact.Kind.TOOL: "Computer software",
    Artifact.Kind.METRIC: "Computer software",
    Artifact.Kind.MODEL: "Computer software",
    Artifact.Kind.TESTING_METHODOLOGY: "Method",
    Artifact.Kind.DOCUMENTATION: "Documentation",
}
_CFF_TYPES = {Artifact.Kind.DATASET: "dataset"}

_BIBTEX_SPECIAL = re.compile(r"([&%$#_{}])")


def _bibtex_escape(text: str) -> str:
    text = text.replace("\\", r"\textbackslash{}").replace("~", r"\textasciitilde{}")
    text = text.replace("^", r"\textasciicircum{}")
    return _BIBTEX_SPECIAL.sub(r"\\\1", text)


def bibtex_key(artifact: Artifact) -> str:
    creators = creators_of(artifact)
    first = re.sub(r"[^a-z]", "", creators[0].family_name.lower()) if creators else "fairprog"
    word = re.sub(r"[^a-z0-9]", "", artifact.slug.split("-")[0].lower()) or "artifact"
    return f"{first or 'fairprog'}{year_of(artifact)}{word}"


def artifact_bibtex(artifact: Artifact, *, page_url: str) -> str:
    authors = " and ".join(
        f"{_bibtex_escape(p.family_name)}, {_bibtex_escape(p.given_name)}"
        for p in creators_of(artifact)
    )
    url = artifact.doi_url or artifact.landing_url or artifact.repository_url or page_url
    fields = [
        ("title", "{" + _bibtex_escape(artifact.title) + "}"),
        ("author", authors),
        ("year", year_of(artifact)),
        ("version", _bibtex_escape(artifact.version)),
        ("doi", artifact.doi),
        ("url", url),
        ("publisher", PUBLISHER),
        (
            "note",
            f"{artifact.get_kind_display()}. Funded by NSF award {artifact.award.award_number}",
        ),
    ]
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields if value)
    return f"@misc{{{bibtex_key(artifact)},\n{body}\n}}\n"


def _yaml(value: str) -> str:
    # A JSON string is a valid YAML double-quoted scalar.
    return json.dumps(value, ensure_ascii=False)


def artifact_cff(artifact: Artifact, *, page_url: str) -> str:
    message = f"If you use this {artifact.get_kind_display().lower()}, please cite it as below."
    lines = [
        "cff-version: 1.2.0",
        f"message: {_yaml(message)}",
        f"type: {_CFF_TYPES.get(Artifact.Kind(artifact.kind), 'software')}",
        f"title: {_yaml(artifact.title)}",
        "authors:",
    ]
    creators = creators_of(artifact)
    for person in creators:
        lines.append(f"  - family-names: {_yaml(person.family_name)}")
        lines.append(f"    given-names: {_yaml(person.given_name)}")
        if person.orcid:
            lines.append(f"    orcid: {_yaml(orcid_url(person))}")
    if not creators:
        lines.append(f"  - name: {_yaml(PUBLISHER)}")
    lines.append(f"abstract: {_yaml(artifact.summary)}")
    if artifact.version:
        lines.append(f"version: {_yaml(artifact.version)}")
    if artifact.doi:
        lines.append(f"doi: {_yaml(artifact.doi)}")
    if date_of(artifact):
        lines.append(f"date-released: {date_of(artifact)}")
    if artifact.license:
        lines.append(f"license: {_yaml(artifact.license)}")
    lines.append(f"url: {_yaml(artifact.landing_url or page_url)}")
    if artifact.repository_url:
        lines.append(f"repository-code: {_yaml(artifact.repository_url)}")
    if artifact.keywords:
        lines.append("keywords:")
        lines.extend(f"  - {_yaml(keyword)}" for keyword in artifact.keywords)
    return "\n".join(lines) + "\n"


def _apa_author(person: Person) -> str:
    initials = " ".join(f"{part[0]}." for part in person.given_name.replace("-", " ").split())
    return f"{person.family_name}, {initials}".strip().rstrip(",")


def artifact_apa(artifact: Artifact, *, page_url: str) -> str:
    """An APA 7 style reference, as plain text."""
    names = [_apa_author(p) for p in creators_of(artifact)]
    if len(names) > 1:
        authors = ", ".join(names[:-1]) + ", & " + names[-1]
    else:
        authors = names[0] if names else PUBLISHER
    version = f" (Version {artifact.version})" if artifact.version else ""
    kind = _APA_TYPES.get(Artifact.Kind(artifact.kind))
    label = f" [{kind}]" if kind else ""
    link = artifact.doi_url or artifact.landing_url or artifact.repository_url or page_url
    return f"{authors} ({year_of(artifact)}). {artifact.title}{version}{label}. {PUBLISHER}. {link}"
