"""The catalogue's version: one number in the cache that moves whenever public data may
have changed, so every cached answer keyed by it (facet counts today) is forgotten at once.

In the kernel because both apps change the catalogue (an award import, an artifact
published) and only one place may say what "changed" means.
"""

from __future__ import annotations

import time

from django.core.cache import cache
from django.db import transaction

_VERSION_KEY = "catalogue:version"


def catalogue_changed() -> None:
    """Move the version: called whenever what the catalogue shows may have changed."""
    try:
        cache.incr(_VERSION_KEY)
    except ValueError:  # not cached yet (or evicted): any new value invalidates
        cache.set(_VERSION_KEY, int(time.time() * 1000), None)


def catalogue_changed_on_commit() -> None:
    """Move the version once the current transaction commits (at once outside one).

    What writes public data calls this: the services, the admin pages of the models the
    catalogue shows (``CatalogueAdminMixin``) and the importers. After the commit, so a
    reader racing the write cannot cache counts from before it under the new version.
    """
    transaction.on_commit(catalogue_changed)


def catalogue_version() -> int:
    """The current version (set to 1 if the cache holds none yet)."""
    version = cache.get_or_set(_VERSION_KEY, 1, None)
    return 1 if version is None else int(version)
