"""Routes of researchers' drafts, submissions and edits of artifacts, under /my/."""

from django.urls import path

from fairprog.portfolio import my_artifacts

urlpatterns = [
    path(
        "projects/<str:award_number>/artifacts/new/",
        my_artifacts.artifact_new,
        name="artifact-new",
    ),
    path("artifacts/preview/", my_artifacts.artifact_preview, name="artifact-preview"),
    path("artifacts/<int:pk>/edit/", my_artifacts.artifact_edit, name="artifact-edit"),
    path("artifacts/<int:pk>/submit/", my_artifacts.artifact_submit_view, name="artifact-submit"),
]
