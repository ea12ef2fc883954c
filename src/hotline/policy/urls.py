from django.urls import path

from hotline.policy import views

app_name = "policy"

urlpatterns = [
    path("manage/profile/", views.profile, name="profile"),
]
