from django.urls import path

from hotline.core import views

app_name = "core"

urlpatterns = [
    path("manage/status/", views.status, name="status"),
    path("manage/audit/", views.audit, name="audit"),
]
