"""DOI and SPDX licence validation."""

import pytest
from django.core.exceptions import ValidationError

from artifacts.validators import normalize_doi, normalize_spdx_license, validate_spdx_license


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("10.5281/zenodo.1234567", "10.5281/zenodo.1234567"),
        ("https://doi.org/10.1145/3442188.3445922", "10.1145/3442188.3445922"),
        ("doi:10.18653/V1/2020.ACL-MAIN.485", "10.18653/v1/2020.acl-main.485"),
    ],
)
def test_normalize_doi_stores_bare_lower_case(raw, expected):
    assert normalize_doi(raw) == expected


@pytest.mark.parametrize("raw", ["10.12/x", "zenodo.1234567", "https://example.org/paper"])
def test_normalize_doi_refuses_what_is_not_a_doi(raw):
    with pytest.raises(ValidationError, match="is not a DOI"):
        normalize_doi(raw)


def test_normalize_spdx_license_fixes_the_spelling():
    assert normalize_spdx_license("apache-2.0") == "Apache-2.0"
    assert normalize_spdx_license("cc-by-4.0") == "CC-BY-4.0"


def test_spdx_license_refuses_an_unknown_id():
    with pytest.raises(ValidationError, match="is not an SPDX licence id"):
        normalize_spdx_license("Apache 2")
    with pytest.raises(ValidationError, match="spelled differently"):
        validate_spdx_license("mit")
