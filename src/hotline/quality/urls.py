from django.urls import path

from hotline.quality import views

app_name = "quality"

urlpatterns = [
    path("", views.scores, name="scores"),
    path("sample/", views.sample_draw, name="sample_draw"),
    path("reviews/<int:sample_id>/", views.review, name="review"),
    path("flags/", views.flags, name="flags"),
    path("flags/raise/", views.flag_raise, name="flag_raise"),
    path("flags/rule/", views.flag_rule, name="flag_rule"),
    path("flags/<int:flag_id>/", views.flag_detail, name="flag_detail"),
    path("flags/<int:flag_id>/decide/", views.flag_decide, name="flag_decide"),
    path("flags/<int:flag_id>/appeal/", views.appeal_file, name="appeal_file"),
    path("appeals/<int:appeal_id>/decide/", views.appeal_decide, name="appeal_decide"),
]
