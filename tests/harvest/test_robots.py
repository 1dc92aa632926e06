"""/robots.txt as crawlers read it (urllib.robotparser): the public catalogue open, the
private areas closed, the sitemap named by its absolute URL; and every harvesting URL
answers HEAD as it answers GET."""

from __future__ import annotations

from typing import Any
from urllib.robotparser import RobotFileParser

import pytest
from django.urls import reverse


def _robots(client: Any) -> RobotFileParser:
    response = client.get(reverse("artifacts:robots"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    parser = RobotFileParser()
    parser.parse(response.content.decode().splitlines())
    return parser


@pytest.mark.parametrize(
    "path",
    [
        "/admin/",
        "/admin/artifacts/artifact/",
        "/my/",
        "/account/signin/",
        "/reminders/confirm/abc/",
        "/reminders/unsubscribe/abc/",
    ],
)
def test_robots_txt_disallows_the_private_areas(client, path):
    assert not _robots(client).can_fetch("Googlebot", f"http://testserver{path}")


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/artifacts/",
        "/artifacts/x/",
        "/artifacts/x/linkset.json",
        "/projects/2040942/",
        "/cycles/",
        "/sitemap.xml",
    ],
)
def test_robots_txt_allows_the_public_catalogue(client, path):
    assert _robots(client).can_fetch("Googlebot", f"http://testserver{path}")


def test_robots_txt_names_the_sitemap_by_its_absolute_url(client):
    assert _robots(client).site_maps() == ["http://testserver/sitemap.xml"]


def test_robots_txt_reads_no_database(client, db, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert client.get(reverse("artifacts:robots")).status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "/robots.txt",
        "/sitemap.xml",
        "/sitemap-pages.xml",
        "/sitemap-cycles.xml",
        "/sitemap-projects.xml",
        "/sitemap-artifacts.xml",
        "/artifacts/crowd-labels/linkset.json",
        "/artifacts/crowd-labels/linkset",
    ],
)
def test_every_harvesting_url_answers_head_as_it_answers_get(client, catalogue, url):
    get, head = client.get(url), client.head(url)
    assert (head.status_code, head.content) == (get.status_code, b"")
    assert {k: v for k, v in head.headers.items() if k != "ETag"} == {
        k: v for k, v in get.headers.items() if k != "ETag"
    }
