"""App config for the catalogue of open-source artifacts."""

from django.apps import AppConfig


class ArtifactsConfig(AppConfig):
    name = "artifacts"
    verbose_name = "Artifact catalogue"

    def ready(self) -> None:
        # Cached facet counts are forgotten whenever anything they count changes,
        # however the change was made (services, admin, imports).
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from artifacts.models import Artifact, FairnessDimension, Task
        from fairprog.catalogue_version import catalogue_changed
        from proposals.models import Award, Cycle, Organization

        def changed(**kwargs: object) -> None:
            catalogue_changed()

        for model in (Artifact, Award, Cycle, Organization, FairnessDimension, Task):
            post_save.connect(
                changed, sender=model, weak=False, dispatch_uid=f"catalogue-{model.__name__}"
            )
            post_delete.connect(
                changed, sender=model, weak=False, dispatch_uid=f"catalogue-del-{model.__name__}"
            )
        for through in (Artifact.dimensions.through, Artifact.tasks.through):
            m2m_changed.connect(
                changed, sender=through, weak=False, dispatch_uid=f"catalogue-{through}"
            )
