"""An artifact's fairness metadata as its page, the API and the open data state it: which
facts its kind calls for, their labels, and which of them are not stated."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from artifacts.models import (
    Artifact,
    Domain,
    FairnessNotion,
    MetricForm,
    MetricInput,
    SensitiveAttribute,
)
from artifacts.models.fairness import FAIRNESS_FIELDS, labels

Kind = Artifact.Kind

# The facts each kind calls for, in the order the page gives them (Fabris et al. 2022 for
# datasets, the metric's notions and inputs for metrics, Model Cards for models).
FACTS: dict[str, tuple[str, ...]] = {
    Kind.DATASET: (
        "sensitive_attributes",
        "domain",
        "collection_process",
        "consent_anonymisation",
        "known_biases",
        "annotator_demographics",
    ),
    Kind.METRIC: ("fairness_notions", "metric_form", "metric_inputs"),
    Kind.MODEL: ("domain", "group_results", "known_biases"),
}
ALL_FACTS = ("sensitive_attributes", *FAIRNESS_FIELDS)
LABELS = {
    "sensitive_attributes": "Sensitive attributes",
    "domain": "Application domain",
    "collection_process": "How the data were collected",
    "consent_anonymisation": "Consent and anonymisation",
    "known_biases": "Known biases",
    "annotator_demographics": "Annotator demographics",
    "fairness_notions": "Fairness notions",
    "metric_form": "Difference or ratio",
    "metric_inputs": "Inputs it needs",
    "group_results": "Evaluated groups and results",
}
MARKDOWN = {
    "collection_process",
    "consent_anonymisation",
    "known_biases",
    "annotator_demographics",
    "group_results",
}


@dataclass(frozen=True)
class Fact:
    name: str
    label: str
    markdown: str = ""  # a Markdown text
    items: list[str] = field(default_factory=list)  # or short items
    text: str = ""  # or one short value


@dataclass(frozen=True)
class Fairness:
    facts: list[Fact]
    not_stated: list[str]  # labels of the facts the kind calls for that are empty

    def __bool__(self) -> bool:
        return bool(self.facts or self.not_stated)


def sensitive_attributes(artifact: Artifact) -> list[SensitiveAttribute]:
    """The artifact's sensitive attributes with their dimensions: prefetched ones when the
    query prefetched them, else read once and kept on the instance, as the page, its JSON-LD
    and the API all ask for them."""
    cache = getattr(artifact, "_prefetched_objects_cache", {})
    if "sensitive_attributes" in cache:
        return list(cache["sensitive_attributes"])
    kept: list[SensitiveAttribute] | None = getattr(artifact, "_sensitive_attributes", None)
    if kept is None:
        kept = list(artifact.sensitive_attributes.select_related("dimension"))
        artifact._sensitive_attributes = kept  # type: ignore[attr-defined]
    return kept


def sensitive_attribute_text(attribute: SensitiveAttribute) -> str:
    """How a sensitive attribute reads: "Gender (self-reported; binary only)"."""
    how = attribute.get_obtained_display().lower()
    return f"{attribute.dimension.name} ({how}{'; ' + attribute.note if attribute.note else ''})"


def _fact(artifact: Artifact, name: str) -> Fact | None:
    label = LABELS[name]
    value: Any = getattr(artifact, name, None)
    if name == "sensitive_attributes":
        items = [sensitive_attribute_text(a) for a in sensitive_attributes(artifact)]
        return Fact(name, label, items=items) if items else None
    if name in MARKDOWN:
        return Fact(name, label, markdown=value) if value.strip() else None
    if name == "fairness_notions":
        return Fact(name, label, items=labels(value, FairnessNotion)) if value else None
    if name == "metric_inputs":
        return Fact(name, label, items=labels(value, MetricInput)) if value else None
    choices = Domain if name == "domain" else MetricForm
    return Fact(name, label, text=labels([value], choices)[0]) if value else None


def artifact_fairness(artifact: Artifact) -> Fairness:
    """The facts the artifact's kind calls for, stated or listed as not stated, and any
    other fact that is given; for a kind that calls for none, only what is given (and the
    sensitive attributes, which only datasets record, are not read)."""
    called_for = FACTS.get(artifact.kind, ())
    facts, not_stated = [], []
    for name in ALL_FACTS:
        if name == "sensitive_attributes" and name not in called_for:
            continue
        fact = _fact(artifact, name)
        if fact is not None:
            facts.append(fact)
        elif name in called_for:
            not_stated.append(LABELS[name])
    return Fairness(facts=facts, not_stated=not_stated)
