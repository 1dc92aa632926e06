"""Top-level URL routes."""

from django.contrib import admin
from django.urls import include, path

from fairprog.portfolio.numbers import numbers
from fairprog.views import healthz, link_checker

urlpatterns = [
    # admin.site is FairProg's own site (fairprog.admin_site), its index the dashboard.
    path("admin/", admin.site.urls),
    path("numbers/", numbers, name="numbers"),
    path("healthz", healthz, name="healthz"),
    path("about/link-checker/", link_checker, name="link-checker"),
    path("api/", include("fairprog.api_urls")),
    path("reminders/", include("proposals.urls")),
    path("account/", include("proposals.account_urls")),
    path("my/", include("fairprog.portfolio.my_urls")),
    path("", include("artifacts.urls")),
]

handler404 = "fairprog.views.not_found"
