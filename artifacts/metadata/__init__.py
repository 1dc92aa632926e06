"""Machine-readable descriptions of an artifact, one module per family of formats.

- ``common``: what they share (creators in order, dates, identifier URLs, the publisher).
- ``jsonld``: schema.org JSON-LD, for the page and ``?format=jsonld``.
- ``citation``: BibTeX, CITATION.cff and an APA reference.
- ``datacite``: DataCite metadata, ``?format=datacite``.

Each function takes a public artifact loaded by
``artifacts.selectors.artifacts.artifact_get_public`` (creators, award, program funders
prefetched) and makes no queries of its own.
"""
