"""The settings of the page cache (fairprog/page_cache.py), read from the environment after
``.env`` by ``fairprog.settings``, which takes every name here."""

from __future__ import annotations

import environ

__all__ = [
    "PAGE_CACHE_SECONDS",
    "PAGE_CACHE_SKIP",
    "PAGE_CACHE_STALE_WHILE_REVALIDATE",
    "PAGE_CACHE_S_MAXAGE",
]

env = environ.Env()

# Whole answers to anonymous visitors, kept until the catalogue changes: at most this many
# seconds (0: off), and what shared caches in front (a CDN) are told.
PAGE_CACHE_SECONDS = env.int("PAGE_CACHE_SECONDS", default=300)
PAGE_CACHE_S_MAXAGE = env.int("PAGE_CACHE_S_MAXAGE", default=60)
PAGE_CACHE_STALE_WHILE_REVALIDATE = env.int("PAGE_CACHE_STALE_WHILE_REVALIDATE", default=300)
# Paths never kept: staff and signed-in areas, sign-in and e-mail links, OAI-PMH (its answers
# carry the time they were made), the health check.
PAGE_CACHE_SKIP = ["/admin/", "/my/", "/account/", "/reminders/", "/oai", "/healthz", "/static/"]
