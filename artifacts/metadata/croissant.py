"""Croissant 1.0 metadata of a dataset artifact, with its Responsible-AI properties (RAI 1.0):
the JSON-LD that mlcroissant, Hugging Face, Kaggle and OpenML loaders read.

Only what the catalogue knows is said: files are the links that lead to one (a data file by
the end of its path, or a git repository), with no checksum, since FairProg keeps none; no
record set, since it knows no file's columns; each RAI property only where the artifact's
documentation has it. No property carries an e-mail address."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urlsplit

from artifacts.metadata.citation import artifact_bibtex
from artifacts.metadata.common import (
    PUBLISHER,
    abstract_of,
    creators_of,
    date_of,
    orcid_url,
    plain_text,
    ror_url,
    spdx_url,
)
from artifacts.metadata.fairness import sensitive_attribute_text, sensitive_attributes
from artifacts.models import Artifact

CROISSANT_1_0 = "http://mlcommons.org/croissant/1.0"
RAI_1_0 = "http://mlcommons.org/croissant/RAI/1.0"
MEDIA_TYPE = f'application/ld+json; profile="{CROISSANT_1_0}"'

NOT_A_DATASET = (
    "This artifact has no Croissant metadata: it is a {kind}, and Croissant describes "
    "machine-learning datasets only. Its JSON, schema.org JSON-LD, BibTeX and CITATION.cff "
    "are available."
)

# The recommended @context of Croissant 1.0 (the specification's appendix 1), with the
# namespace of its RAI vocabulary.
CONTEXT: dict[str, Any] = {
    "@language": "en",
    "@vocab": "https://schema.org/",
    "citeAs": "cr:citeAs",
    "column": "cr:column",
    "conformsTo": "dct:conformsTo",
    "cr": "http://mlcommons.org/croissant/",
    "rai": "http://mlcommons.org/croissant/RAI/",
    "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
    "dct": "http://purl.org/dc/terms/",
    "equivalentProperty": "cr:equivalentProperty",
    "examples": {"@id": "cr:examples", "@type": "@json"},
    "extract": "cr:extract",
    "field": "cr:field",
    "fileProperty": "cr:fileProperty",
    "fileObject": "cr:fileObject",
    "fileSet": "cr:fileSet",
    "format": "cr:format",
    "includes": "cr:includes",
    "isLiveDataset": "cr:isLiveDataset",
    "jsonPath": "cr:jsonPath",
    "key": "cr:key",
    "md5": "cr:md5",
    "parentField": "cr:parentField",
    "path": "cr:path",
    "recordSet": "cr:recordSet",
    "references": "cr:references",
    "regex": "cr:regex",
    "repeated": "cr:repeated",
    "replace": "cr:replace",
    "samplingRate": "cr:samplingRate",
    "sc": "https://schema.org/",
    "separator": "cr:separator",
    "source": "cr:source",
    "subField": "cr:subField",
    "transform": "cr:transform",
}

# Encoding formats of the files a link may lead to, by the end of its path, as Croissant
# and mlcroissant name them (their loaders read, extract or unpack these; a .tar.gz is a
# tar archive to them). The longer endings come first.
FILE_FORMATS = {
    ".tar.gz": "application/x-tar",
    ".tgz": "application/x-tar",
    ".tar": "application/x-tar",
    ".zip": "application/zip",
    ".csv": "text/csv",
    ".tsv": "text/tab-separated-values",
    ".jsonl": "application/jsonlines",
    ".ndjson": "application/jsonlines",
    ".json": "application/json",
    ".parquet": "application/x-parquet",
    ".txt": "text/plain",
}
GIT = "git+https"
# Hosts where a URL of the form https://host/owner/name is a git repository one can clone.
GIT_HOSTS = {"github.com", "gitlab.com", "bitbucket.org", "codeberg.org"}


def croissant_available(artifact: Artifact) -> bool:
    """Whether the artifact has Croissant metadata: datasets only."""
    return artifact.kind == Artifact.Kind.DATASET


def not_a_dataset(artifact: Artifact) -> str:
    return NOT_A_DATASET.format(kind=artifact.get_kind_display().lower())


def file_format(url: str) -> str | None:
    """The encoding format of the data file ``url`` leads to, or None if it is not one."""
    path = urlsplit(url).path.lower()
    for ending, encoding in FILE_FORMATS.items():
        if path.endswith(ending):
            return encoding
    return None


def is_git_repository(url: str) -> bool:
    """Whether ``url`` is a git repository's address (not a page or a file inside one)."""
    parts = urlsplit(url)
    segments = [s for s in parts.path.split("/") if s]
    if parts.scheme != "https":
        return False
    if segments and segments[-1].endswith(".git"):
        return True
    return parts.hostname in GIT_HOSTS and len(segments) == 2


def _file_name(url: str) -> str:
    segments = [s for s in urlsplit(url).path.split("/") if s]
    return unquote(segments[-1]) if segments else urlsplit(url).hostname or url


def _distribution(artifact: Artifact) -> list[dict[str, Any]]:
    """A FileObject per distinct link that leads to a data file or a git repository."""
    files: list[dict[str, Any]] = []
    roles = (("landing", artifact.landing_url), ("repository", artifact.repository_url))
    seen: set[str] = set()
    for role, url in roles:
        if not url or url in seen:
            continue
        seen.add(url)
        encoding = file_format(url)
        if encoding:
            description = f"The data file the dataset's {role} link leads to."
        elif is_git_repository(url):
            encoding, description = GIT, "The dataset's git repository."
        else:
            continue  # a web page, not bytes a loader can read
        files.append(
            {
                "@type": "cr:FileObject",
                "@id": f"{role}-file",
                "name": _file_name(url),
                "description": description,
                "contentUrl": url,
                "encodingFormat": encoding,
            }
        )
    return files


def _creator(artifact: Artifact) -> list[dict[str, Any]]:
    creators = []
    for person in creators_of(artifact):
        creator: dict[str, Any] = {"@type": "sc:Person", "name": person.full_name}
        if person.orcid:
            creator["url"] = orcid_url(person)
        creators.append(creator)
    return creators


def _publisher(artifact: Artifact) -> dict[str, Any]:
    institution = artifact.award.institution
    if institution is None:
        return {"@type": "sc:Organization", "name": PUBLISHER}
    publisher: dict[str, Any] = {"@type": "sc:Organization", "name": institution.name}
    if institution.ror_id:
        publisher["url"] = ror_url(institution)
    return publisher


def _sensitive_information(artifact: Artifact) -> list[str]:
    """Each sensitive attribute the data holds, as the page names it ("Gender
    (self-reported; binary only)"), then how consent and anonymisation were handled."""
    statements = [
        f"Sensitive attribute: {sensitive_attribute_text(attribute)}."
        for attribute in sensitive_attributes(artifact)
    ]
    consent = plain_text(artifact.consent_anonymisation)
    if consent:
        statements.append(consent)
    return statements


def _rai(artifact: Artifact) -> dict[str, Any]:
    """The RAI properties the artifact's documentation gives, as plain text."""
    texts = {
        "rai:dataCollection": artifact.collection_process,
        "rai:dataBiases": artifact.known_biases,
        "rai:dataLimitations": artifact.limitations,
        "rai:dataUseCases": artifact.intended_use,
        "rai:dataSocialImpact": artifact.ethical_considerations,
        "rai:annotatorDemographics": artifact.annotator_demographics,
    }
    properties: dict[str, Any] = {
        key: plain_text(value) for key, value in texts.items() if plain_text(value)
    }
    sensitive = _sensitive_information(artifact)
    if sensitive:
        properties["rai:personalSensitiveInformation"] = sensitive
    return properties


def artifact_croissant(artifact: Artifact, *, page_url: str) -> dict[str, Any]:
    """The Croissant 1.0 description of a dataset artifact (see ``croissant_available``)."""
    data: dict[str, Any] = {
        "@context": CONTEXT,
        "@type": "sc:Dataset",
        "conformsTo": [CROISSANT_1_0, RAI_1_0],
        "name": artifact.title,
        "description": abstract_of(artifact),
        "url": page_url,
        "citeAs": artifact_bibtex(artifact, page_url=page_url),
        "publisher": _publisher(artifact),
    }
    if artifact.license:
        data["license"] = spdx_url(artifact.license)
    creators = _creator(artifact)
    if creators:
        data["creator"] = creators
    if date_of(artifact):
        data["datePublished"] = date_of(artifact)
    if artifact.version:
        data["version"] = artifact.version
    keywords = [k for k in dict.fromkeys(k.strip() for k in artifact.keywords) if k]
    if keywords:
        data["keywords"] = keywords
    if artifact.doi:
        data["identifier"] = artifact.doi_url
    same_as = [u for u in (artifact.landing_url, artifact.doi_url) if u and u != page_url]
    if same_as:
        data["sameAs"] = list(dict.fromkeys(same_as))
    distribution = _distribution(artifact)
    if distribution:
        data["distribution"] = distribution
        # The files live at their publishers' addresses, where they may change (a git
        # repository does by nature), and FairProg records no checksum of them: Croissant
        # asks such a dataset to say it is live rather than carry a checksum, which
        # mlcroissant requires of every file otherwise.
        data["isLiveDataset"] = True
    data.update(_rai(artifact))
    return data
