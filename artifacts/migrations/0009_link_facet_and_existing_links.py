"""The link-health facet joins the whole-catalogue counts, existing artifacts get their link
rows (unchecked, due at once), and program staff may see and act on link health.

On PostgreSQL the three artifact trigger functions of migration 0006 are replaced by ones
that also count ``link_health``, and the counts are rebuilt from the rows
(sql/facet_counts_v2.sql).
"""

from pathlib import Path
from urllib.parse import urlsplit

from django.contrib.auth.management import create_permissions
from django.db import migrations
from django.utils import timezone

SQL = Path(__file__).parent / "sql"


def links_for_existing_artifacts(apps, schema_editor):
    Artifact = apps.get_model("artifacts", "Artifact")
    ArtifactLink = apps.get_model("artifacts", "ArtifactLink")
    now = timezone.now()
    links = []
    with_links = []
    for pk, landing, repository, doi in Artifact.objects.exclude(status="retired").values_list(
        "pk", "landing_url", "repository_url", "doi"
    ):
        urls = {"landing": landing, "repository": repository}
        urls["doi"] = f"https://doi.org/{doi}" if doi else ""
        for role, url in urls.items():
            if url:
                host = (urlsplit(url).hostname or "").lower()
                links.append(
                    ArtifactLink(artifact_id=pk, role=role, url=url, host=host, next_check_at=now)
                )
        if any(urls.values()):
            with_links.append(pk)
    ArtifactLink.objects.bulk_create(links, batch_size=2000)
    for start in range(0, len(with_links), 2000):
        Artifact.objects.filter(pk__in=with_links[start : start + 2000]).update(
            link_health="unchecked"
        )


def grant_permissions(apps, schema_editor):
    """Program staff see links and their checks, and may change links (check now, accept
    a proposed address)."""
    app_config = apps.get_app_config("artifacts")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0, apps=apps)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Program staff")
    group.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="artifacts",
            codename__in=["view_artifactlink", "change_artifactlink", "view_linkcheck"],
        )
    )


def forward(apps, schema_editor):
    links_for_existing_artifacts(apps, schema_editor)
    if schema_editor.connection.vendor == "postgresql":  # after the links: it recounts
        schema_editor.execute((SQL / "facet_counts_v2.sql").read_text())
    grant_permissions(apps, schema_editor)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute((SQL / "facet_counts_v2.down.sql").read_text())


class Migration(migrations.Migration):
    dependencies = [("artifacts", "0008_link_health")]

    operations = [migrations.RunPython(forward, backward)]
