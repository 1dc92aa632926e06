"""App config for the catalogue of open-source artifacts."""

from django.apps import AppConfig


class ArtifactsConfig(AppConfig):
    name = "artifacts"
    verbose_name = "Artifact catalogue"

    def ready(self) -> None:
        # Reviewers' conflicts count co-authorship, and publications are the catalogue's.
        from artifacts.selectors.coauthorship import coauthor_pairs
        from proposals.services.conflicts import coauthorship_register

        coauthorship_register(coauthor_pairs)
