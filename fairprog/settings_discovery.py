"""Output discovery's settings (DataCite, Crossref, OpenAlex, Zenodo, GitHub), read from the
environment after ``.env`` by ``fairprog.settings``, which takes every name here.

Each source has the same seven: ``DISCOVERY_<SOURCE>_ENABLED``, ``_URL``, ``_RATE`` (requests
per second, never exceeded in any second), ``_CONCURRENCY`` (in flight at once), ``_CONTACT``
(an e-mail address named in its requests; ``DISCOVERY_CONTACT`` unless set), ``_TOKEN`` (sent
as the source asks for one; empty: none) and ``_DAILY_LIMIT`` (requests in any 24 hours, all
runs together; 0: no limit). Defaults are the published limits or below them."""

from __future__ import annotations

import environ

env = environ.Env()

# An e-mail address named in every request: Crossref's and OpenAlex's polite pools key on it.
DISCOVERY_CONTACT = env.str("DISCOVERY_CONTACT", default="").removeprefix("mailto:")
# Awards searched: those active now or ended within this many years.
DISCOVERY_YEARS = env.int("DISCOVERY_YEARS", default=3)
# Seconds per request; retries (timeouts, resets, 429, 5xx); results per page; pages per award.
DISCOVERY_TIMEOUT = env.float("DISCOVERY_TIMEOUT", default=30.0)
DISCOVERY_RETRIES = env.int("DISCOVERY_RETRIES", default=3)
DISCOVERY_PAGE_SIZE = env.int("DISCOVERY_PAGE_SIZE", default=100)
DISCOVERY_MAX_PAGES = env.int("DISCOVERY_MAX_PAGES", default=20)

# DataCite: 1,000 requests per 5 minutes per address for clients that name an e-mail.
DISCOVERY_DATACITE_ENABLED = env.bool("DISCOVERY_DATACITE_ENABLED", default=True)
DISCOVERY_DATACITE_URL = env.str("DISCOVERY_DATACITE_URL", default="https://api.datacite.org")
DISCOVERY_DATACITE_RATE = env.float("DISCOVERY_DATACITE_RATE", default=3.0)
DISCOVERY_DATACITE_CONCURRENCY = env.int("DISCOVERY_DATACITE_CONCURRENCY", default=2)
DISCOVERY_DATACITE_CONTACT = env.str("DISCOVERY_DATACITE_CONTACT", default=DISCOVERY_CONTACT)
DISCOVERY_DATACITE_TOKEN = env.str("DISCOVERY_DATACITE_TOKEN", default="")
DISCOVERY_DATACITE_DAILY_LIMIT = env.int("DISCOVERY_DATACITE_DAILY_LIMIT", default=0)

# Crossref: polite pool (with a contact) 10 per second and 3 at once; public pool 5 and 1.
# A Metadata Plus token is sent in its Crossref-Plus-API-Token header.
DISCOVERY_CROSSREF_CONTACT = env.str("DISCOVERY_CROSSREF_CONTACT", default=DISCOVERY_CONTACT)
_POOL = (10.0, 3) if DISCOVERY_CROSSREF_CONTACT else (5.0, 1)
DISCOVERY_CROSSREF_ENABLED = env.bool("DISCOVERY_CROSSREF_ENABLED", default=True)
DISCOVERY_CROSSREF_URL = env.str("DISCOVERY_CROSSREF_URL", default="https://api.crossref.org")
DISCOVERY_CROSSREF_RATE = env.float("DISCOVERY_CROSSREF_RATE", default=_POOL[0])
DISCOVERY_CROSSREF_CONCURRENCY = env.int("DISCOVERY_CROSSREF_CONCURRENCY", default=_POOL[1])
DISCOVERY_CROSSREF_TOKEN = env.str("DISCOVERY_CROSSREF_TOKEN", default="")
DISCOVERY_CROSSREF_DAILY_LIMIT = env.int("DISCOVERY_CROSSREF_DAILY_LIMIT", default=0)

# OpenAlex: 10 per second and 100,000 a day; an API key is sent as its api_key parameter.
DISCOVERY_OPENALEX_ENABLED = env.bool("DISCOVERY_OPENALEX_ENABLED", default=True)
DISCOVERY_OPENALEX_URL = env.str("DISCOVERY_OPENALEX_URL", default="https://api.openalex.org")
DISCOVERY_OPENALEX_RATE = env.float("DISCOVERY_OPENALEX_RATE", default=10.0)
DISCOVERY_OPENALEX_CONCURRENCY = env.int("DISCOVERY_OPENALEX_CONCURRENCY", default=3)
DISCOVERY_OPENALEX_CONTACT = env.str("DISCOVERY_OPENALEX_CONTACT", default=DISCOVERY_CONTACT)
DISCOVERY_OPENALEX_TOKEN = env.str("DISCOVERY_OPENALEX_TOKEN", default="")
DISCOVERY_OPENALEX_DAILY_LIMIT = env.int("DISCOVERY_OPENALEX_DAILY_LIMIT", default=100_000)

# Zenodo: its record search allows 30 requests a minute; a token raises it.
DISCOVERY_ZENODO_ENABLED = env.bool("DISCOVERY_ZENODO_ENABLED", default=True)
DISCOVERY_ZENODO_URL = env.str("DISCOVERY_ZENODO_URL", default="https://zenodo.org/api")
DISCOVERY_ZENODO_RATE = env.float("DISCOVERY_ZENODO_RATE", default=0.5)
DISCOVERY_ZENODO_CONCURRENCY = env.int("DISCOVERY_ZENODO_CONCURRENCY", default=1)
DISCOVERY_ZENODO_CONTACT = env.str("DISCOVERY_ZENODO_CONTACT", default=DISCOVERY_CONTACT)
DISCOVERY_ZENODO_TOKEN = env.str("DISCOVERY_ZENODO_TOKEN", default="")
DISCOVERY_ZENODO_DAILY_LIMIT = env.int("DISCOVERY_ZENODO_DAILY_LIMIT", default=0)

# GitHub: repositories whose CITATION.cff or README names the award. Its code search needs a
# token and allows 10 searches a minute; off unless a token is set.
DISCOVERY_GITHUB_TOKEN = env.str("DISCOVERY_GITHUB_TOKEN", default="")
DISCOVERY_GITHUB_ENABLED = env.bool(
    "DISCOVERY_GITHUB_ENABLED", default=bool(DISCOVERY_GITHUB_TOKEN)
)
DISCOVERY_GITHUB_URL = env.str("DISCOVERY_GITHUB_URL", default="https://api.github.com")
DISCOVERY_GITHUB_RATE = env.float("DISCOVERY_GITHUB_RATE", default=0.15)
DISCOVERY_GITHUB_CONCURRENCY = env.int("DISCOVERY_GITHUB_CONCURRENCY", default=1)
DISCOVERY_GITHUB_CONTACT = env.str("DISCOVERY_GITHUB_CONTACT", default=DISCOVERY_CONTACT)
DISCOVERY_GITHUB_DAILY_LIMIT = env.int("DISCOVERY_GITHUB_DAILY_LIMIT", default=0)
