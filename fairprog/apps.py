"""The admin app with FairProg's own site (the dashboard as its index) as the default site."""

from django.contrib.admin.apps import AdminConfig


class FairProgAdminConfig(AdminConfig):
    # Every admin.site.register and @admin.register in the apps registers on this site.
    default_site = "fairprog.admin_site.FairProgAdminSite"
