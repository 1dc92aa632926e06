"""Routes of the public catalogue pages."""

from django.urls import path

from artifacts import feeds, harvest_views, project_views, views
from artifacts.oai import views as oai_views
from artifacts.sitemaps import SECTIONS

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
    path(
        "artifacts/<slug:slug>/linkset.json",
        harvest_views.artifact_linkset_json,
        name="linkset-json",
    ),
    path("artifacts/<slug:slug>/linkset", harvest_views.artifact_linkset, name="linkset"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("robots.txt", harvest_views.robots_txt, name="robots"),
    path("sitemap.xml", harvest_views.sitemap_index, name="sitemap"),
    # One route per section, all of one name: the sitemap index reverses it with the
    # section as a keyword, and no path argument is left for a crawler to invent.
    *(
        path(
            f"sitemap-{section}.xml",
            harvest_views.sitemap_section,
            {"section": section},
            name="sitemap-section",
        )
        for section in SECTIONS
    ),
    path("projects/", project_views.project_list, name="project-list"),
    path("projects/<str:award_number>/", project_views.project_detail, name="project-detail"),
    path("institutions/<int:pk>/", project_views.institution_detail, name="institution-detail"),
    path("people/<int:pk>/", project_views.person_detail, name="person-detail"),
    path("cycles/", views.cycle_list, name="cycle-list"),
    path("data/", views.open_data, name="open-data"),
    path("data/<str:filename>", views.open_data_file, name="open-data-file"),
    path("oai", oai_views.endpoint, name="oai"),
    path("feeds/artifacts.atom", feeds.ArtifactsAtomFeed(), name="feed-atom"),
    path("feeds/artifacts.rss", feeds.ArtifactsRssFeed(), name="feed-rss"),
    path("feeds/deadlines.ics", feeds.deadlines_ics, name="feed-deadlines"),
    path("feeds/deadlines/<int:deadline_id>.ics", feeds.deadline_ics, name="feed-deadline"),
    path(
        "feeds/cycles/<int:cycle_id>/deadlines.ics",
        feeds.cycle_deadlines_ics,
        name="feed-cycle-deadlines",
    ),
]
