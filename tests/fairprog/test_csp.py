"""The Content-Security-Policy header: strict on every page, inline JSON blocks allowed by
their hashes, nonces only where a page is never the same twice, and no policy on a 304 that
could disagree with the cached body. The browser tests check that pages run under it."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from tests.artifacts.factories import ArtifactFactory
from tests.proposals.factories import AwardFactory, CycleFactory

pytestmark = pytest.mark.django_db

HEADER = "Content-Security-Policy"
INLINE_BLOCK = re.compile(r"<script(?P<attrs>[^>]*)>(?P<text>.*?)</script>", re.S)


def _policy(response) -> dict[str, list[str]]:
    directives = {}
    for part in response[HEADER].split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def _inline_blocks(body: str) -> list[tuple[str, str]]:
    return [
        (m["attrs"], m["text"]) for m in INLINE_BLOCK.finditer(body) if "src=" not in m["attrs"]
    ]


@pytest.fixture
def artifact():
    return ArtifactFactory(title="Dialect speech benchmark", slug="dialect-speech-benchmark")


@pytest.mark.parametrize(
    "url",
    ["/", "/artifacts/?q=speech", "/projects/", "/cycles/", "/numbers/", "/data/", "/api/docs/"],
)
def test_pages_carry_the_strict_policy(client, url):
    response = client.get(url)

    assert response.status_code == 200
    policy = _policy(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["script-src"][0] == "'self'"
    assert policy["style-src"][0] == "'self'"
    assert "'unsafe-inline'" not in response[HEADER]
    assert "'unsafe-eval'" not in response[HEADER]


def test_a_page_without_inline_blocks_gets_no_nonce(client):
    response = client.get(reverse("artifacts:project-list"))

    assert _policy(response)["script-src"] == ["'self'"]
    assert _policy(response)["style-src"] == ["'self'"]


def test_artifact_page_allows_its_jsonld_by_hash_not_nonce(client, artifact):
    response = client.get(reverse("artifacts:detail", args=[artifact.slug]))

    body = response.content.decode()
    blocks = _inline_blocks(body)
    assert [attrs for attrs, _ in blocks] == [' type="application/ld+json"']
    assert _policy(response)["script-src"] == ["'self'", _sha256(blocks[0][1])]
    assert "nonce" not in response[HEADER]


def test_artifact_page_keeps_answering_304_to_its_etag(client, artifact):
    url = reverse("artifacts:detail", args=[artifact.slug])
    first = client.get(url)
    second = client.get(url)

    assert first.content == second.content
    assert first[HEADER] == second[HEADER]
    again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304


def test_a_304_carries_no_policy_to_replace_the_cached_one(client, artifact):
    url = reverse("artifacts:detail", args=[artifact.slug])
    etag = client.get(url)["ETag"]

    response = client.get(url, HTTP_IF_NONE_MATCH=etag)

    assert response.status_code == 304
    assert not response.has_header(HEADER)


def test_numbers_page_allows_each_chart_block_by_hash(client):
    AwardFactory(cycle=CycleFactory(year=2021))
    ArtifactFactory()
    response = client.get(reverse("numbers"))

    body = response.content.decode()
    blocks = _inline_blocks(body)
    assert blocks
    assert all(attrs.endswith(' type="application/json"') for attrs, _ in blocks)
    script_src = _policy(response)["script-src"]
    assert script_src == ["'self'", *(_sha256(text) for _, text in blocks)]
    assert "style=" not in body
    assert 'class="fp-chart-canvas" data-height="' in body


def test_api_docs_nonce_is_fresh_and_matches_the_body(client):
    url = reverse("api-docs")
    first = client.get(url)
    second = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])

    # The page holds a CSRF token and a nonce: its ETag never matches a later one.
    assert second.status_code == 200
    nonces = []
    for response in (first, second):
        body = response.content.decode()
        nonce = re.search(r"'nonce-([^']+)'", response[HEADER])
        assert nonce
        nonces.append(nonce.group(1))
        assert _policy(response)["style-src"] == ["'self'", f"'nonce-{nonce.group(1)}'"]
        assert body.count(f'nonce="{nonce.group(1)}"') == 2  # the style and the script
        assert all("nonce=" in attrs for attrs, _ in _inline_blocks(body))
        assert "<style>" not in body
    assert nonces[0] != nonces[1]


def test_api_docs_alone_allow_data_images(client):
    docs = client.get(reverse("api-docs"))
    home = client.get(reverse("artifacts:home"))

    assert _policy(docs)["img-src"] == ["'self'", "data:"]
    assert "img-src" not in _policy(home)


def test_csrf_failure_page_has_no_inline_style():
    client = Client(enforce_csrf_checks=True)

    response = client.post(reverse("account:signin-request"), {"email": "a@example.org"})

    assert response.status_code == 403
    body = response.content.decode()
    assert "Your form was not sent" in body
    assert "<style" not in body
    assert "style=" not in body
    assert response.has_header(HEADER)


def test_admin_export_page_has_no_inline_handler_or_style(client):
    admin = User.objects.create_superuser("root", "root@example.org", "pw")
    client.force_login(admin)

    response = client.get("/admin/proposals/proposal/export/")

    assert response.status_code == 200
    body = response.content.decode()
    assert 'class="select-toggle"' in body
    assert re.search(r"\son[a-z]+=", body) is None
    assert "style=" not in body
    assert "fairprog/admin_export.js" in body


# E-mail bodies are not served over HTTP: mail clients need their inline styles.
_SERVED_TEMPLATES = [
    path
    for path in (Path(settings.BASE_DIR) / "templates").rglob("*.html")
    if "email" not in path.parts
]


@pytest.mark.parametrize(
    "path", _SERVED_TEMPLATES, ids=lambda p: str(p.relative_to(settings.BASE_DIR))
)
def test_templates_have_no_inline_script_or_style_the_policy_would_refuse(path):
    text = path.read_text()

    assert re.search(r"\sstyle=", text) is None, "a style attribute"
    assert re.search(r"\son[a-z]+=", text) is None, "an inline event handler"
    assert "javascript:" not in text
    for tag in re.findall(r"<(?:script|style)\b[^>]*>", text):
        assert "src=" in tag or "nonce=" in tag, f"{tag} needs a nonce (or the hashing tags)"
