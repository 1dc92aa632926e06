"""Machine-readable descriptions of an artifact: schema.org JSON-LD, BibTeX, CITATION.cff, APA.

Each function takes a public artifact loaded by ``selectors.artifact_get_public`` (creators,
award, program funders prefetched) and makes no queries of its own.
"""

from __future__ import annotations

import json
import re
from typing import Any

from artifacts.models import Artifact
from proposals.models import Person

PUBLISHER = "FairProg"
_SCHEMA_TYPES = {
    Artifact.Kind.DATASET: "Dataset",
    Artifact.Kind.TOOL: "SoftwareSourceCode",
}
_APA_TYPES = {
    Artifact.Kind.DATASET: "Data set",
    Artifact.Kind.TOOL: "Computer software",
    Artifact.Kind.METRIC: "Computer software",
    Artifact.Kind.MODEL: "Computer software",
    Artifact.Kind.TESTING_METHODOLOGY: "Method",
    Artifact.Kind.DOCUMENTATION: "Documentation",
}
_CFF_TYPES = {Artifact.Kind.DATASET: "dataset"}


def _creators(artifact: Artifact) -> list[Person]:
    return [link.person for link in artifact.creator_links.all()]


def _year(artifact: Artifact) -> str:
    when = artifact.release_date or (artifact.published_at and artifact.published_at.date())
    return str(when.year) if when else "n.d."


def _date(artifact: Artifact) -> str:
    when = artifact.release_date or (artifact.published_at and artifact.published_at.date())
    return when.isoformat() if when else ""


def _orcid_url(person: Person) -> str:
    return f"https://orcid.org/{person.orcid}" if person.orcid else ""


def spdx_url(license_id: str) -> str:
    return f"https://spdx.org/licenses/{license_id}.html" if license_id else ""


def artifact_jsonld(artifact: Artifact, *, page_url: str, project_url: str) -> dict[str, Any]:
    award = artifact.award
    funders = [
        {
            "@type": "Organization",
            "name": funder.name,
            **({"identifier": f"https://ror.org/{funder.ror_id}"} if funder.ror_id else {}),
        }
        for funder in award.program.funders.all()
    ]
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": _SCHEMA_TYPES.get(Artifact.Kind(artifact.kind), "CreativeWork"),
        "name": artifact.title,
        "description": artifact.summary,
        "url": page_url,
        "isAccessibleForFree": True,
        "keywords": list(artifact.keywords),
        "creator": [
            {
                "@type": "Person",
                "name": person.full_name,
                "givenName": person.given_name,
                "familyName": person.family_name,
                **({"sameAs": _orcid_url(person)} if person.orcid else {}),
            }
            for person in _creators(artifact)
        ],
        "funder": funders,
        "funding": {
            "@type": "MonetaryGrant",
            "identifier": award.award_number,
            "name": award.title,
            "url": project_url,
            **({"funder": funders[0]} if funders else {}),
        },
    }
    if artifact.doi:
        data["identifier"] = artifact.doi_url
    if artifact.license:
        data["license"] = spdx_url(artifact.license)
    if artifact.version:
        data["version"] = artifact.version
    if _date(artifact):
        data["datePublished"] = _date(artifact)
    if artifact.kind == Artifact.Kind.TOOL and artifact.repository_url:
        data["codeRepository"] = artifact.repository_url
    same_as = [u for u in (artifact.landing_url, artifact.repository_url) if u and u != page_url]
    if same_as:
        data["sameAs"] = same_as
    return data


def jsonld_script_text(data: dict[str, Any]) -> str:
    """JSON safe to place inside a <script> element."""
    text = json.dumps(data, ensure_ascii=False, indent=2)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


_BIBTEX_SPECIAL = re.compile(r"([&%$#_{}])")


def _bibtex_escape(text: str) -> str:
    text = text.replace("\\", r"\textbackslash{}").replace("~", r"\textasciitilde{}")
    text = text.replace("^", r"\textasciicircum{}")
    return _BIBTEX_SPECIAL.sub(r"\\\1", text)


def bibtex_key(artifact: Artifact) -> str:
    creators = _creators(artifact)
    first = re.sub(r"[^a-z]", "", creators[0].family_name.lower()) if creators else "fairprog"
    word = re.sub(r"[^a-z0-9]", "", artifact.slug.split("-")[0].lower()) or "artifact"
    return f"{first or 'fairprog'}{_year(artifact)}{word}"


def artifact_bibtex(artifact: Artifact, *, page_url: str) -> str:
    authors = " and ".join(
        f"{_bibtex_escape(p.family_name)}, {_bibtex_escape(p.given_name)}"
        for p in _creators(artifact)
    )
    url = artifact.doi_url or artifact.landing_url or artifact.repository_url or page_url
    fields = [
        ("title", "{" + _bibtex_escape(artifact.title) + "}"),
        ("author", authors),
        ("year", _year(artifact)),
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
    creators = _creators(artifact)
    for person in creators:
        lines.append(f"  - family-names: {_yaml(person.family_name)}")
        lines.append(f"    given-names: {_yaml(person.given_name)}")
        if person.orcid:
            lines.append(f"    orcid: {_yaml(_orcid_url(person))}")
    if not creators:
        lines.append(f"  - name: {_yaml(PUBLISHER)}")
    lines.append(f"abstract: {_yaml(artifact.summary)}")
    if artifact.version:
        lines.append(f"version: {_yaml(artifact.version)}")
    if artifact.doi:
        lines.append(f"doi: {_yaml(artifact.doi)}")
    if _date(artifact):
        lines.append(f"date-released: {_date(artifact)}")
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
    names = [_apa_author(p) for p in _creators(artifact)]
    if len(names) > 1:
        authors = ", ".join(names[:-1]) + ", & " + names[-1]
    else:
        authors = names[0] if names else PUBLISHER
    version = f" (Version {artifact.version})" if artifact.version else ""
    kind = _APA_TYPES.get(Artifact.Kind(artifact.kind))
    label = f" [{kind}]" if kind else ""
    link = artifact.doi_url or artifact.landing_url or artifact.repository_url or page_url
    return f"{authors} ({_year(artifact)}). {artifact.title}{version}{label}. {PUBLISHER}. {link}"


_DATACITE_TYPES = {
    Artifact.Kind.DATASET: "Dataset",
    Artifact.Kind.TOOL: "Software",
    Artifact.Kind.METRIC: "Software",
    Artifact.Kind.MODEL: "Model",
    Artifact.Kind.TESTING_METHODOLOGY: "Text",
    Artifact.Kind.DOCUMENTATION: "Text",
    Artifact.Kind.OTHER: "Other",
}


def artifact_datacite(artifact: Artifact, *, page_url: str) -> dict[str, Any]:
    """DataCite JSON (REST API shape): the mandatory properties and the funding reference."""
    award = artifact.award
    creators = [
        {
            "name": f"{p.family_name}, {p.given_name}",
            "nameType": "Personal",
            "givenName": p.given_name,
            "familyName": p.family_name,
            "nameIdentifiers": (
                [
                    {
                        "nameIdentifier": _orcid_url(p),
                        "nameIdentifierScheme": "ORCID",
                        "schemeUri": "https://orcid.org",
                    }
                ]
                if p.orcid
                else []
            ),
        }
        for p in _creators(artifact)
    ] or [{"name": PUBLISHER, "nameType": "Organizational"}]
    funders = list(award.program.funders.all())
    funding = [
        {
            "funderName": funder.name,
            **(
                {"funderIdentifier": f"https://ror.org/{funder.ror_id}",
                 "funderIdentifierType": "ROR"}
                if funder.ror_id
                else {}
            ),
            "awardNumber": award.award_number,
            "awardTitle": award.title,
            "awardUri": f"https://www.nsf.gov/awardsearch/showAward?AWD_ID={award.award_number}",
        }
        for funder in funders
    ] or [{"funderName": "National Science Foundation", "awardNumber": award.award_number,
           "awardTitle": award.title}]  # fmt: skip
    year = _year(artifact)
    attributes: dict[str, Any] = {
        "doi": artifact.doi or None,
        "identifiers": (
            [{"identifier": artifact.doi_url, "identifierType": "DOI"}] if artifact.doi else []
        )
        + [{"identifier": page_url, "identifierType": "URL"}],
        "creators": creators,
        "titles": [{"title": artifact.title}],
        "publisher": {"name": award.institution.name if award.institution else PUBLISHER},
        "publicationYear": int(year) if year.isdigit() else None,
        "types": {
            "resourceTypeGeneral": _DATACITE_TYPES[Artifact.Kind(artifact.kind)],
            "resourceType": artifact.get_kind_display(),
        },
        "url": artifact.landing_url or page_url,
        "descriptions": [{"description": artifact.summary, "descriptionType": "Abstract"}],
        "subjects": [{"subject": keyword} for keyword in artifact.keywords],
        "fundingReferences": funding,
        "schemaVersion": "http://datacite.org/schema/kernel-4",
    }
    if artifact.license:
        attributes["rightsList"] = [
            {
                "rights": artifact.license,
                "rightsUri": spdx_url(artifact.license),
                "rightsIdentifier": artifact.license.lower(),
                "rightsIdentifierScheme": "SPDX",
            }
        ]
    if artifact.version:
        attributes["version"] = artifact.version
    if _date(artifact):
        attributes["dates"] = [{"date": _date(artifact), "dateType": "Issued"}]
    return {"data": {"type": "dois", "attributes": attributes}}
