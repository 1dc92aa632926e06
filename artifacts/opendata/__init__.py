"""Open data: public awards, artifacts, publications and deadlines as CSV, JSON Lines and
iCalendar files, described by a Frictionless data package and published as whole snapshots
for /data/.

Layout under OPEN_DATA_DIR::

    snapshot-20260301T033000Z-k2j4/   one complete export: the five files + datapackage.json
    snapshot-20260228T033000Z-x9a1/   the previous one, kept for downloads in flight
    current -> snapshot-20260301T033000Z-k2j4

What goes in: every award (they are public) with its investigators' names (never their
e-mail addresses) and its publications (authors' names and ORCID iDs only); artifacts with
a public page (published, and retired after publication, with their status, so a mirror
learns an artifact was retired instead of seeing it vanish);
the public deadlines of /feeds/deadlines.ics. Never proposals, reviews, drafts, staff-only
deadlines or e-mail addresses.

- ``schema``: what the files hold, as the data package publishes it: each file's columns,
  the resources and the data licence;
- ``writers``: writing each file from the database, in batches, with progress reports;
- ``export``: one export on disk: a new snapshot directory, its package, the atomic switch
  of ``current`` and the pruning of old snapshots;
- ``snapshot``: reading the current snapshot for /data/: its files, checksums and listing.
"""
