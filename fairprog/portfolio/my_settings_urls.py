"""Routes of researchers' preferences and discovered outputs, under /my/ (namespace "my", from
my_urls.py, which includes these)."""

from django.urls import path

from fairprog.portfolio import my_settings

urlpatterns = [
    path("settings/", my_settings.settings_page, name="settings"),
    path("projects/<str:award_number>/outputs/", my_settings.outputs, name="outputs"),
]
