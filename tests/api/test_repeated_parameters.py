"""A parameter that takes one value, or a comma-separated list, given twice is a 400 naming
it (not read as its last value); parameters that repeat by design (kind, link_health) still
repeat."""

import pytest


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("/api/v1/artifacts/?ordering=nonsense&ordering=newest", "ordering"),
        ("/api/v1/artifacts/?license=MIT&license=Apache-2.0", "license"),
        ("/api/v1/artifacts/?q=fair&q=ness", "q"),
        ("/api/v1/awards/?year=2021&year=2022", "year"),
        ("/api/v1/deadlines/?after=2026-01-01T00:00:00Z&after=2027-01-01T00:00:00Z", "after"),
    ],
)
def test_a_single_valued_parameter_given_twice_is_a_400_naming_it(client, url, name):
    response = client.get(url)
    assert response.status_code == 400
    assert response.json()[name] == ["Given more than once: give it once."]


@pytest.mark.django_db
def test_parameters_that_repeat_by_design_still_do(client):
    assert client.get("/api/v1/artifacts/?kind=dataset&kind=tool").status_code == 200
    assert client.get("/api/v1/artifacts/?license=MIT,Apache-2.0").status_code == 200
