"""Routes of the public API (/api/v1/) and its OpenAPI schema and documentation."""

from csp.constants import SELF
from csp.decorators import csp_update
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from artifacts.api.awards import AwardViewSet
from artifacts.api.views import ArtifactViewSet
from proposals.api.views import CycleViewSet, DeadlineViewSet, OrganizationViewSet

router = DefaultRouter()
router.register("artifacts", ArtifactViewSet, basename="artifact")
router.register("awards", AwardViewSet, basename="award")
router.register("cycles", CycleViewSet, basename="cycle")
router.register("deadlines", DeadlineViewSet, basename="deadline")
router.register("organizations", OrganizationViewSet, basename="organization")

urlpatterns = [
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path(
        "docs/",
        # Swagger UI's stylesheet draws its icons from data: URIs.
        csp_update({"img-src": [SELF, "data:"]})(
            SpectacularSwaggerView.as_view(url_name="api-schema")
        ),
        name="api-docs",
    ),
]
