"""ORCID iD, ROR id and e-mail address validation, and one-line text."""

import pytest
from django.core.exceptions import ValidationError

from fairprog.mail import single_line
from proposals.validators import (
    mailbox_key,
    normalize_email,
    normalize_orcid,
    normalize_ror,
    validate_reminder_offsets,
    validate_single_line,
)


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


@pytest.mark.parametrize(
    "raw",
    [
        "victim1@example.net",
        "  Victim1@Example.NET  ",
        '"victim1"@example.net',
        '"v\\ictim1"@example.net',
        '"\\v\\i\\c\\t\\i\\m\\1"@example.net',
        "victim1@example.net.",
        "victim1@\uff45\uff58\uff41\uff4d\uff50\uff4c\uff45.net",  # full-width "example"
    ],
)
def test_normalize_email_gives_every_spelling_of_a_mailbox_one_form(raw):
    assert normalize_email(raw) == "victim1@example.net"


def test_normalize_email_keeps_international_domains_in_their_ascii_form():
    assert normalize_email("ada@Exämple.org") == "ada@xn--exmple-cua.org"
    assert normalize_email("ada@xn--exmple-cua.org") == "ada@xn--exmple-cua.org"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "valid e-mail address"),
        ("ada", "valid e-mail address"),
        ("ada@", "valid e-mail address"),
        ("@example.org", "valid e-mail address"),
        ("ada@example", "valid e-mail address"),
        ("ada@exa..mple.org", "valid e-mail address"),
        ("ada@-example.org", "valid e-mail address"),
        ('"ada lovelace"@example.org', "without quotes or spaces"),
        ('"ada"@"example".org', "valid e-mail address"),
        ("ada\n@example.org", "without quotes or spaces"),
        ("ada..l@example.org", "without quotes or spaces"),
        ("ada@[192.0.2.1]", "not at an IP address"),
        ("a" * 65 + "@example.org", "64 characters"),
        ("ada@" + "a" * 250 + ".org", "valid e-mail address"),
    ],
)
def test_normalize_email_refuses_what_cannot_be_a_deliverable_address(raw, message):
    with pytest.raises(ValidationError, match=message):
        normalize_email(raw)


def test_mailbox_key_drops_a_subaddress_tag_only():
    assert mailbox_key("ada+fai@example.org") == "ada@example.org"
    assert mailbox_key("ada@example.org") == "ada@example.org"
    assert mailbox_key("+fai@example.org") == "+fai@example.org"


@pytest.mark.parametrize(
    "text", ["a\nb", "a\r\nb", "a\rb", "a\tb", "a\x00b", "a\x1bb", "a\x85b", "a\u2028b"]
)
def test_validate_single_line_refuses_line_breaks_and_control_characters(text):
    with pytest.raises(ValidationError, match="one line"):
        validate_single_line(text)


def test_validate_single_line_accepts_ordinary_text():
    validate_single_line("Full proposals (NSF 20-566) — 5 p.m. local; “quotes” & <tags>")


def test_single_line_turns_breaks_into_single_spaces():
    assert single_line("Full\r\n proposals\u2028due \x00now") == "Full proposals due now"
