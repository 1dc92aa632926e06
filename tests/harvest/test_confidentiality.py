"""Nothing confidential reaches what crawlers and Signposting clients read: the canary of
tests/test_confidentiality.py, planted in proposals, a staff-only deadline, an e-mail
address, a draft artifact and link-check internals, is in none of the sitemaps, robots.txt
or link sets, and the draft's address is not listed."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from lxml import etree

from artifacts.sitemaps import SECTIONS
from tests.test_confidentiality import CANARY, _plant_canaries

SITEMAPS = "http://www.sitemaps.org/schemas/sitemap/0.9"


@pytest.mark.django_db
def test_no_harvesting_url_reveals_the_canary(client):
    _cycle, _award, artifact = _plant_canaries()
    urls = [
        reverse("artifacts:robots"),
        reverse("artifacts:sitemap"),
        reverse("artifacts:linkset-json", args=[artifact.slug]),
        reverse("artifacts:linkset", args=[artifact.slug]),
    ]
    index = etree.fromstring(client.get(reverse("artifacts:sitemap")).content)
    urls += [urlsplit(loc.text).path for loc in index.iter(f"{{{SITEMAPS}}}loc")]
    assert len(urls) == 4 + len(SECTIONS)  # every section of the index is read
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        content = response.content.decode()
        assert CANARY not in content, url
        assert "draft-one" not in content, url
    page = client.get(reverse("artifacts:detail", args=[artifact.slug]))
    assert CANARY not in page["Link"]
    assert "@" not in page["Link"]
