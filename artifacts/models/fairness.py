"""Fairness metadata of artifacts: the vocabularies their fields draw from (after Fabris et
al. 2022, Datasheets for Datasets and Model Cards) and the sensitive attributes of a dataset."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import models

# The fairness fields of an artifact's own row, in the order forms give them (its sensitive
# attributes are rows of their own: SensitiveAttribute).
FAIRNESS_FIELDS = (
    "domain",
    "collection_process",
    "consent_anonymisation",
    "known_biases",
    "annotator_demographics",
    "fairness_notions",
    "metric_form",
    "metric_inputs",
    "group_results",
)


class Domain(models.TextChoices):
    """Application domains, after the domains Fabris et al. (2022) sort fairness datasets by."""

    CRIMINAL_JUSTICE = "criminal_justice", "Criminal justice"
    HEALTH = "health", "Health"
    HIRING = "hiring", "Hiring and employment"
    LENDING = "lending", "Lending and finance"
    EDUCATION = "education", "Education"
    COMPUTER_VISION = "computer_vision", "Computer vision"
    NATURAL_LANGUAGE = "natural_language", "Natural language"
    SPEECH = "speech", "Speech"
    SOCIAL_MEDIA = "social_media", "Social media"
    RECOMMENDER_SYSTEMS = "recommender_systems", "Recommender systems"
    DEMOGRAPHY = "demography", "Demography and census"
    OTHER = "other", "Other"


class FairnessNotion(models.TextChoices):
    """Fairness notions a metric measures."""

    DEMOGRAPHIC_PARITY = "demographic_parity", "Demographic parity"
    EQUALISED_ODDS = "equalised_odds", "Equalised odds"
    EQUAL_OPPORTUNITY = "equal_opportunity", "Equal opportunity"
    PREDICTIVE_PARITY = "predictive_parity", "Predictive parity"
    CALIBRATION = "calibration", "Calibration"
    INDIVIDUAL_FAIRNESS = "individual_fairness", "Individual fairness"
    COUNTERFACTUAL_FAIRNESS = "counterfactual_fairness", "Counterfactual fairness"
    TREATMENT_EQUALITY = "treatment_equality", "Treatment equality"
    OTHER = "other", "Other"


class MetricForm(models.TextChoices):
    """How a metric compares groups."""

    DIFFERENCE = "difference", "Difference"
    RATIO = "ratio", "Ratio"
    OTHER = "other", "Other"


class MetricInput(models.TextChoices):
    """What a metric needs to be computed."""

    PREDICTIONS = "predictions", "Predictions"
    SCORES = "scores", "Scores"
    TRUE_LABELS = "true_labels", "True labels"
    SENSITIVE_ATTRIBUTE = "sensitive_attribute", "Sensitive attribute"
    FEATURES = "features", "Features"
    PAIRS_OF_INDIVIDUALS = "pairs_of_individuals", "Pairs of individuals"
    CAUSAL_MODEL = "causal_model", "Causal model"


def _validate_codes(value: object, choices: type[models.TextChoices], what: str) -> None:
    if not isinstance(value, list) or not all(isinstance(code, str) for code in value):
        raise ValidationError(f"Give a list of {what} codes.", code="invalid")
    unknown = [code for code in value if code not in choices.values]
    if unknown:
        raise ValidationError(
            "Unknown %(what)s: %(codes)s; use one of %(known)s.",
            code="unknown_code",
            params={
                "what": what,
                "codes": ", ".join(unknown),
                "known": ", ".join(choices.values),
            },
        )


def validate_fairness_notions(value: object) -> None:
    _validate_codes(value, FairnessNotion, "fairness notion")


def validate_metric_inputs(value: object) -> None:
    _validate_codes(value, MetricInput, "metric input")


def labels(codes: Iterable[str], choices: type[models.TextChoices]) -> list[str]:
    """The labels of stored codes, in the order given; a code no longer known shows as itself."""
    by_value = dict(choices.choices)
    return [str(by_value.get(code, code)) for code in codes]


class SensitiveAttribute(models.Model):
    """A sensitive attribute a dataset records, and how its values were obtained (Fabris et
    al. 2022: self-reported, annotated or inferred values carry different biases)."""

    class Obtained(models.TextChoices):
        SELF_REPORTED = "self_reported", "Self-reported"
        ANNOTATED = "annotated", "Annotated"
        INFERRED = "inferred", "Inferred"
        UNKNOWN = "unknown", "Unknown"

    # By name: the artifact's module imports this one for the vocabularies above.
    artifact = models.ForeignKey(
        "artifacts.Artifact", on_delete=models.CASCADE, related_name="sensitive_attributes"
    )
    dimension = models.ForeignKey(
        "artifacts.FairnessDimension", on_delete=models.PROTECT, related_name="+"
    )
    obtained = models.CharField(
        "how obtained", max_length=16, choices=Obtained.choices, default=Obtained.UNKNOWN
    )
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["dimension__order", "dimension__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["artifact", "dimension"], name="sensitive_attribute_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.dimension} ({self.get_obtained_display()})"
