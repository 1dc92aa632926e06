"""Routes of the reviewers' pages, under /my/reviews/ (namespace "my")."""

from django.urls import path

from proposals import reviewer_views

urlpatterns = [
    path("", reviewer_views.reviews, name="reviews"),
    path("<int:assignment_id>/", reviewer_views.review, name="review"),
    path("<int:assignment_id>/conflict/", reviewer_views.review_conflict, name="review-conflict"),
    path("<int:assignment_id>/no-conflict/", reviewer_views.review_clear, name="review-clear"),
]
