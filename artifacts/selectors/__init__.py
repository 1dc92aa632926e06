"""Every public read of the catalogue, one module per kind of read:

- ``artifacts``: the public and listed artifacts, one artifact's page, the recent ones,
  their vocabulary (dimensions and tasks) in one query, and the award list's counts;
- ``links``: an artifact's links as the public sees them (never their errors);
- ``search``: a catalogue query read from the address, and the artifacts matching it
  (facet choices and full-text search), in the order asked for;
- ``facets``: the facet values with their counts, cached until the catalogue changes;
- ``catalogue``: a page of the catalogue, the matches with their facets and the fallback
  to similar titles when nothing matches.

Only public rows come out of here: published artifacts, or retired ones after publication.
"""
