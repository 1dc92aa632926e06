"""App config for the catalogue of open-source artifacts."""

from django.apps import AppConfig


class ArtifactsConfig(AppConfig):
    name = "artifacts"
    verbose_name = "Artifact catalogue"
