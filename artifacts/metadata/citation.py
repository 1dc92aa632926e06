"""Citation formats of an artifact: BibTeX, CITATION.cff and an APA reference.

An artifact that names no creators is credited to the catalogue that publishes it,
FairProg, as an organisation (``{FairProg}`` in BibTeX, ``name:`` in CFF, ``FairProg.`` in
APA), as its DataCite record does: an award's institution did not necessarily make the
artifact (a collaborative project has several), and every format should name one author.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

from django.utils.encoding import iri_to_uri

from artifacts.citekeys import citation_key_base
from artifacts.metadata.common import (
    PUBLISHER,
    creators_of,
    date_of,
    orcid_url,
    spdx_url,
    year_of,
)
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
CFF_LICENSES_FILE = Path(__file__).with_name("cff_licenses.txt")

# --- BibTeX -------------------------------------------------------------------------------

# LaTeX's ten special characters, each written once as the text it stands for, and the
# ligatures TeX would make of two characters (-- is a dash, `` and '' are curly quotes).
_LATEX_TEXT = {
    "\\": r"\textbackslash{}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "#": r"\#",
    "$": r"\$",
    "%": r"\%",
    "&": r"\&",
    "_": r"\_",
}
_LATEX_SPECIAL = re.compile(r"[\\~^#$%&_{}]|-(?=-)|`(?=`)|'(?=')|[!?](?=`)")
# A field's braces must balance, counted as BibTeX counts them (it does not see the
# backslash of \{), or the rest of the file is misread.
_UNBALANCED_BRACES = {"{": r"\textbraceleft{}", "}": r"\textbraceright{}"}
_AND = re.compile(r"\sand\s", re.IGNORECASE)


def _braces_balance(text: str) -> bool:
    depth = 0
    for character in text:
        depth += {"{": 1, "}": -1}.get(character, 0)
        if depth < 0:
            return False
    return depth == 0


def latex_escape(text: str) -> str:
    """``text`` as LaTeX text in a BibTeX field: every special character escaped exactly
    once, whitespace (a blank line would be a paragraph break) collapsed to one space."""
    text = " ".join(text.split())
    braces = {"{": r"\{", "}": r"\}"} if _braces_balance(text) else _UNBALANCED_BRACES

    def escape(match: re.Match[str]) -> str:
        character = match.group()
        if character in braces:
            return braces[character]
        return _LATEX_TEXT.get(character, character + "{}")

    return _LATEX_SPECIAL.sub(escape, text)


def _bibtex_verbatim(value: str) -> str:
    """A DOI, which BibTeX styles print verbatim: only what would unbalance the field or
    split it is percent-encoded (none of it may appear bare in a URI anyway)."""
    for character, code in (("{", "%7B"), ("}", "%7D"), ("\\", "%5C")):
        value = value.replace(character, code)
    return re.sub(r"\s", lambda m: f"%{ord(m.group()):02X}", value)


def _bibtex_name_part(text: str) -> str:
    """One part of a name; braced when BibTeX would otherwise split the name there."""
    escaped = latex_escape(text)
    return "{" + escaped + "}" if "," in text or _AND.search(f" {text} ") else escaped


def _bibtex_person(person: Person) -> str:
    family = _bibtex_name_part(person.family_name)
    if not person.given_name.strip():
        # "Le Guin" alone would read as first name Le, family name Guin.
        return family if family.startswith("{") else "{" + family + "}"
    return f"{family}, {_bibtex_name_part(person.given_name)}"


def bibtex_key(artifact: Artifact) -> str:
    """The artifact's citation key: the one it was given when first published (never
    changed after); an artifact never published shows the key it would be offered."""
    if artifact.citation_key:
        return artifact.citation_key
    creators = creators_of(artifact)
    return citation_key_base(
        family_name=creators[0].family_name if creators else "",
        year=year_of(artifact),
        title=artifact.title,
    )


def artifact_bibtex(artifact: Artifact, *, page_url: str) -> str:
    """A BibTeX ``@misc`` entry, in UTF-8."""
    authors = " and ".join(_bibtex_person(p) for p in creators_of(artifact))
    url = artifact.doi_url or artifact.landing_url or artifact.repository_url or page_url
    note = f"{artifact.get_kind_display()}. Funded by NSF award {artifact.award.award_number}"
    fields = [
        # The inner braces keep the title's capitals as written.
        ("title", "{" + latex_escape(artifact.title) + "}"),
        ("author", authors or "{" + latex_escape(PUBLISHER) + "}"),
        ("year", year_of(artifact)),
        ("version", latex_escape(artifact.version)),
        ("doi", _bibtex_verbatim(artifact.doi)),
        ("url", iri_to_uri(url)),  # verbatim too: percent-encoded, as an ASCII URI
        ("publisher", latex_escape(PUBLISHER)),
        ("note", latex_escape(note)),
    ]
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields if value)
    return f"@misc{{{bibtex_key(artifact)},\n{body}\n}}\n"


# --- CITATION.cff ---------------------------------------------------------------------------

# What the CFF 1.2.0 schema accepts as a DOI and as a URL.
_CFF_DOI = re.compile(r"^10\.\d{4,9}(\.\d+)?/[A-Za-z0-9:/_;\-\.\(\)\[\]\\]+$")
_CFF_URL = re.compile(r"^(https|http|ftp|sftp)://.+")
# Characters a YAML parser refuses raw, or reads as a line break, in a quoted scalar.
_YAML_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]")


@cache
def cff_licenses() -> frozenset[str]:
    """The SPDX ids CFF 1.2.0 takes as ``license`` (the SPDX list of 2021)."""
    lines = CFF_LICENSES_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


def _yaml(value: str) -> str:
    """A YAML double-quoted scalar: a JSON string is one, once the characters YAML reads
    differently from JSON are escaped too."""
    quoted = json.dumps(value, ensure_ascii=False)
    return _YAML_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", quoted)


def _cff_url(*candidates: str) -> str:
    """The first of ``candidates`` that CFF takes as a URL, as a URI (RFC 3986)."""
    return next((iri_to_uri(url) for url in candidates if _CFF_URL.match(url)), "")


def _cff_authors(artifact: Artifact) -> list[str]:
    """The authors' YAML lines. The schema wants them unique: two creators who cannot be
    told apart (same names, no ORCID) are written once."""
    lines: list[str] = []
    seen: set[tuple[tuple[str, str], ...]] = set()
    for person in creators_of(artifact):
        fields = (
            ("family-names", person.family_name.strip()),
            ("given-names", person.given_name.strip()),
            ("orcid", orcid_url(person)),
        )
        known = tuple((key, value) for key, value in fields if value)
        if not known or known in seen:
            continue
        seen.add(known)
        lines.extend(
            f"{'    ' if number else '  - '}{key}: {_yaml(value)}"
            for number, (key, value) in enumerate(known)
        )
    return lines or [f"  - name: {_yaml(PUBLISHER)}"]


def artifact_cff(artifact: Artifact, *, page_url: str) -> str:
    """A CITATION.cff (Citation File Format 1.2.0) file."""
    message = f"If you use this {artifact.get_kind_display().lower()}, please cite it as below."
    lines = [
        "cff-version: 1.2.0",
        f"message: {_yaml(message)}",
        f"type: {_CFF_TYPES.get(Artifact.Kind(artifact.kind), 'software')}",
        f"title: {_yaml(' '.join(artifact.title.split()))}",
        "authors:",
        *_cff_authors(artifact),
        f"abstract: {_yaml(artifact.summary)}",
    ]
    if artifact.version.strip():
        lines.append(f"version: {_yaml(artifact.version)}")
    if artifact.doi and _CFF_DOI.match(artifact.doi):
        lines.append(f"doi: {_yaml(artifact.doi)}")
    elif artifact.doi:  # a DOI CFF's pattern refuses is still given, as its resolver URL
        link, text = _cff_url(artifact.doi_url), f"The DOI {artifact.doi}, as a link."
        lines += ["identifiers:", "  - type: url", f"    value: {_yaml(link)}"]
        lines.append(f"    description: {_yaml(text)}")
    if date_of(artifact):
        # Quoted, so that a YAML reader keeps the string the schema asks for.
        lines.append(f'date-released: "{date_of(artifact)}"')
    if artifact.license in cff_licenses():
        lines.append(f"license: {_yaml(artifact.license)}")
    elif artifact.license:
        lines.append(f"license-url: {_yaml(_cff_url(spdx_url(artifact.license)))}")
    lines.append(f"url: {_yaml(_cff_url(artifact.landing_url, page_url) or page_url)}")
    if repository := _cff_url(artifact.repository_url):
        lines.append(f"repository-code: {_yaml(repository)}")
    keywords = list(dict.fromkeys(k for k in artifact.keywords if k.strip()))  # unique
    if keywords:
        lines.append("keywords:")
        lines.extend(f"  - {_yaml(keyword)}" for keyword in keywords)
    return "\n".join(lines) + "\n"


# --- APA ------------------------------------------------------------------------------------


def _initials(given_name: str) -> str:
    """APA initials: "Jean-Paul Ann" → "J.-P. A."."""
    words = []
    for word in given_name.split():
        parts = [next((c for c in part if c.isalpha()), "") for part in word.split("-")]
        initials = "-".join(f"{letter.upper()}." for letter in parts if letter)
        if initials:
            words.append(initials)
    return " ".join(words)


def _apa_author(person: Person) -> str:
    initials = _initials(person.given_name)
    family = " ".join(person.family_name.split())
    return f"{family}, {initials}" if initials else family


def _apa_authors(people: list[Person]) -> str:
    """As APA 7 lists authors: up to 20, "&" before the last; past 20, the first 19, an
    ellipsis and the last."""
    names = [_apa_author(person) for person in people]
    if len(names) > 20:
        return ", ".join(names[:19]) + ", . . . " + names[-1]
    if len(names) > 1:
        return ", ".join(names[:-1]) + ", & " + names[-1]
    return names[0]


def _sentence(text: str) -> str:
    """``text`` ending with one full stop (none added after ? or !)."""
    return text if text.endswith((".", "?", "!")) else text + "."


def artifact_apa(artifact: Artifact, *, page_url: str) -> str:
    """An APA 7 style reference, as plain text. Without creators the publisher is the group
    author, and APA 7 then does not repeat it as the publisher."""
    creators = creators_of(artifact)
    author = _sentence(_apa_authors(creators)) if creators else _sentence(PUBLISHER)
    version = f" (Version {artifact.version})" if artifact.version else ""
    kind = _APA_TYPES.get(Artifact.Kind(artifact.kind))
    label = f" [{kind}]" if kind else ""
    title = " ".join(artifact.title.split())
    publisher = f" {PUBLISHER}." if creators else ""
    link = artifact.doi_url or artifact.landing_url or artifact.repository_url or page_url
    return f"{author} ({year_of(artifact)}). {_sentence(title + version + label)}{publisher} {link}"
