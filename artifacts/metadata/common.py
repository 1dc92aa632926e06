"""What the artifact's machine-readable formats share."""

from __future__ import annotations

import html
import re

import markdown as markdown_lib
from django.utils.html import strip_tags

from artifacts.models import Artifact
from proposals.models import Organization, Person, Program

PUBLISHER = "FairProg"
# The DOI prefix of the Crossref (Open) Funder Registry: a funder id 100000001 is the DOI
# 10.13039/100000001.
FUNDER_REGISTRY_DOI_PREFIX = "10.13039"


def creators_of(artifact: Artifact) -> list[Person]:
    return [link.person for link in artifact.creator_links.all()]


def year_of(artifact: Artifact) -> str:
    when = artifact.release_date or (artifact.published_at and artifact.published_at.date())
    return str(when.year) if when else "n.d."


def date_of(artifact: Artifact) -> str:
    when = artifact.release_date or (artifact.published_at and artifact.published_at.date())
    return when.isoformat() if when else ""


def orcid_url(person: Person) -> str:
    return f"https://orcid.org/{person.orcid}" if person.orcid else ""


def spdx_url(license_id: str) -> str:
    return f"https://spdx.org/licenses/{license_id}.html" if license_id else ""


def ror_url(organization: Organization) -> str:
    return f"https://ror.org/{organization.ror_id}" if organization.ror_id else ""


def funder_id_url(organization: Organization) -> str:
    """The organisation's Crossref Funder ID as the DOI URL that DataCite, Crossref and
    schema.org consumers resolve ("https://doi.org/10.13039/100000001" for NSF)."""
    if not organization.funder_id:
        return ""
    return f"https://doi.org/{FUNDER_REGISTRY_DOI_PREFIX}/{organization.funder_id}"


def award_funder_of(program: Program) -> Organization | None:
    """The funder that made the program's awards (their award numbers are its), or None when
    the program does not say. Found among the program's prefetched funders when it is one
    of them, so it costs no query then."""
    if program.award_funder_id is None:
        return None
    for funder in program.funders.all():
        if funder.pk == program.award_funder_id:
            return funder
    return program.award_funder


def co_funders_of(program: Program) -> list[Organization]:
    """The program's other funders: they co-fund its awards but made none of their own."""
    return [f for f in program.funders.all() if f.pk != program.award_funder_id]


def funders_of(program: Program) -> list[Organization]:
    """Every funder of the program's awards, the one that made them first."""
    award_funder = award_funder_of(program)
    return [award_funder, *co_funders_of(program)] if award_funder else co_funders_of(program)


def plain_text(markdown_text: str) -> str:
    """Markdown as the page shows it, as plain text on one line (tags dropped, entities
    decoded, whitespace collapsed)."""
    rendered = markdown_lib.markdown(markdown_text or "", extensions=["extra", "sane_lists"])
    return " ".join(html.unescape(strip_tags(rendered)).split())


def _shorten(text: str, maximum: int) -> str:
    """``text`` cut to at most ``maximum`` characters at a word boundary, with an ellipsis."""
    if len(text) <= maximum:
        return text
    cut = text[: maximum - 1]
    if re.search(r"\s", cut[maximum // 2 :]):  # a word boundary in the second half
        cut = re.split(r"\s+(?=\S*$)", cut)[0]
    return cut.rstrip(" ,;:-") + "…"


def abstract_of(artifact: Artifact, *, minimum: int = 50, maximum: int = 5000) -> str:
    """A description of the artifact of ``minimum`` to ``maximum`` characters (Google's
    Dataset rule: 50 to 5000): its summary; where that is shorter than ``minimum``, followed
    by its description as plain text; where still too short, by what it is and which funded
    project released it; cut at ``maximum`` on a word boundary."""
    text = " ".join(artifact.summary.split())
    if len(text) < minimum:
        text = f"{text} {plain_text(artifact.description)}".strip()
    if len(text) < minimum:
        award = artifact.award
        context = (
            f"{artifact.get_kind_display()} “{artifact.title}” from the funded project "
            f"“{award.title}” (award {award.award_number})."
        )
        text = f"{text} {context}".strip()
    if len(text) < minimum:
        text = f"{text} Listed in the {PUBLISHER} catalogue."
    return _shorten(text, maximum)
