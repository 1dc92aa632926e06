"""Top-level URL routes."""

from django.contrib import admin
from django.urls import include, path

from fairprog.views import healthz, link_checker

admin.site.site_header = "FairProg administration"
admin.site.site_title = "FairProg"
admin.site.index_title = "Program records"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("about/link-checker/", link_checker, name="link-checker"),
    path("api/", include("fairprog.api_urls")),
    path("reminders/", include("proposals.urls")),
    path("", include("artifacts.urls")),
]

handler404 = "fairprog.views.not_found"
