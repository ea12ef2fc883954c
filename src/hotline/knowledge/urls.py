from django.urls import path

from hotline.knowledge import views

app_name = "knowledge"

urlpatterns = [
    # Public self-service (KB-2, KB-5): no login.
    path("kb/", views.public_search, name="public_search"),
    path("kb/a/<int:article_id>/", views.public_article, name="public_article"),
    path("kb/propose/", views.public_propose, name="public_propose"),
    path("kb/files/<int:pk>/", views.attachment_download, name="attachment"),
    # Staff pages.
    path("knowledge/", views.article_list, name="article_list"),
    path("knowledge/new/", views.article_new, name="article_new"),
    path("knowledge/review/", views.review_queue, name="review_queue"),
    path("knowledge/timeliness/", views.timeliness_report, name="timeliness"),
    path("knowledge/contributions/<int:pk>/", views.contribution_detail, name="contribution"),
    path("knowledge/<int:article_id>/", views.article_detail, name="article_detail"),
    path("knowledge/<int:article_id>/edit/", views.article_edit, name="article_edit"),
    path("knowledge/<int:article_id>/action/", views.article_action, name="article_action"),
    path("knowledge/<int:article_id>/attachments/", views.attachment_add, name="attachment_add"),
    path(
        "knowledge/<int:article_id>/v/<int:number>/", views.article_version, name="article_version"
    ),
]
