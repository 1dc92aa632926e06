"""The page the link checker's User-Agent points site operators to."""

import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_user_agent_contact_url_is_this_page():
    page = settings.SITE_URL + reverse("link-checker")

    assert page == settings.LINKCHECK_CONTACT_URL


def test_the_page_names_the_user_agent_and_the_limits(client, settings):
    settings.LINKCHECK_PER_HOST = 2
    settings.LINKCHECK_HOST_INTERVAL = 1.5

    response = client.get(reverse("link-checker"))

    body = response.content.decode()
    assert response.status_code == 200
    assert "FairProg-linkcheck/1.0 (+" in body
    assert "at most 2 requests at a time to one host" in body
    assert "at least 1.5 seconds apart" in body
