"""Routes of the researchers' pages, mounted at /my/."""

from django.urls import include, path

from fairprog.portfolio import my

app_name = "my"

urlpatterns = [
    path("", my.projects, name="projects"),
    path("projects/<str:award_number>/", my.project, name="project"),
    # Drafts, submissions and edits of artifacts (my_artifacts.py).
    path("", include("fairprog.portfolio.my_artifact_urls")),
    # Preferences and the outputs discovery found for their awards (my_settings.py).
    path("", include("fairprog.portfolio.my_settings_urls")),
    # Reviewers' assignments, conflict declarations and reviews (proposals/reviewer_views.py).
    path("reviews/", include("proposals.reviewer_urls")),
]
