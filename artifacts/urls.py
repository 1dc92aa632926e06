"""Routes of the public catalogue pages."""

from django.urls import path

from artifacts import feeds, views

app_name = "artifacts"

urlpatterns = [
    path("", views.home, name="home"),
    path("artifacts/", views.artifact_list, name="list"),
    path("artifacts/<slug:slug>/", views.artifact_detail, name="detail"),
    path(
        "artifacts/<slug:slug>/cite.bib",
        views.artifact_citation,
        {"fmt": "bib"},
        name="cite-bibtex",
    ),
    path(
        "artifacts/<slug:slug>/CITATION.cff",
        views.artifact_citation,
        {"fmt": "cff"},
        name="cite-cff",
    ),
    path("projects/", views.project_list, name="project-list"),
    path("projects/<str:award_number>/", views.project_detail, name="project-detail"),
    path("cycles/", views.cycle_list, name="cycle-list"),
    path("data/", views.open_data, name="open-data"),
    path("data/<str:filename>", views.open_data_file, name="open-data-file"),
    path("feeds/artifacts.atom", feeds.ArtifactsAtomFeed(), name="feed-atom"),
    path("feeds/artifacts.rss", feeds.ArtifactsRssFeed(), name="feed-rss"),
    path("feeds/deadlines.ics", feeds.deadlines_ics, name="feed-deadlines"),
    path(
        "feeds/cycles/<int:cycle_id>/deadlines.ics",
        feeds.cycle_deadlines_ics,
        name="feed-cycle-deadlines",
    ),
]
