"""ORCID iD and ROR id validation."""

import pytest
from django.core.exceptions import ValidationError

from proposals.validators import normalize_orcid, normalize_ror, validate_reminder_offsets


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0000-0002-1825-0097", "0000-0002-1825-0097"),
        ("https://orcid.org/0000-0001-5109-3700", "0000-0001-5109-3700"),
        ("0000-0002-1694-233x", "0000-0002-1694-233X"),
        ("0000000218250097", "0000-0002-1825-0097"),
    ],
)
def test_normalize_orcid_accepts_valid_ids(raw, expected):
    assert normalize_orcid(raw) == expected


def test_normalize_orcid_refuses_a_wrong_check_digit():
    with pytest.raises(ValidationError, match="check digit is wrong"):
        normalize_orcid("0000-0002-1825-0098")


def test_normalize_orcid_refuses_a_malformed_id():
    with pytest.raises(ValidationError, match="is not an ORCID iD"):
        normalize_orcid("0000-0002-1825")


@pytest.mark.parametrize("raw", ["03yrm5c26", "https://ror.org/021nxhr62", "ROR.org/05DXPS055"])
def test_normalize_ror_accepts_valid_ids(raw):
    assert normalize_ror(raw) == raw.lower().rsplit("/", 1)[-1]


@pytest.mark.parametrize("raw", ["13yrm5c26", "03yrm5c2", "03yrl5c26", "not-a-ror"])
def test_normalize_ror_refuses_malformed_ids(raw):
    with pytest.raises(ValidationError, match="is not a ROR id"):
        normalize_ror(raw)


@pytest.mark.parametrize(
    ("offsets", "message"),
    [
        ("30,7", "list of whole numbers"),
        ([30, -1], "between 0 and 365"),
        ([7, 7], "must not repeat"),
        ([True], "list of whole numbers"),
    ],
)
def test_validate_reminder_offsets_refuses_bad_lists(offsets, message):
    with pytest.raises(ValidationError, match=message):
        validate_reminder_offsets(offsets)
